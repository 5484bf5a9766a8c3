// formwork/server and formwork/browser end to end: a client on the offline model server, a real
// HTTP server sending its streams as patches, and the browser-side readers over fetch.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { AbortError } from "../errors/abort-error.js";
import type { FormworkError } from "../errors/formwork-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { RetryError } from "../errors/retry-error.js";
import { SourceError } from "../errors/source-error.js";
import { TransportError } from "../errors/transport-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { pipeToNodeResponse } from "../server/node/pipe-to-node-response.js";
import { startTcpProxy, type TcpProxy } from "../server/test-support/tcp-proxy.js";
import { startTestServer, type TestServer } from "../server/test-support/serve.js";
import { toPatchStream } from "../server/to-patch-stream.js";
import { toResponse } from "../server/to-response.js";
import { partialStream } from "../stream/partial-stream.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { fetchIterable, fetchPartial } from "./fetch-partial.js";
import { readPartial } from "./read-partial.js";

const User = z.object({ name: z.string(), age: z.number().int().min(0).max(120), bio: z.string() });
type User = z.infer<typeof User>;
const messages = [{ role: "user" as const, content: "Make up a user." }];
const SECRET = "sk-live-0123456789abcdefSECRET";

let model: ModelServer;
let slowModel: ModelServer;
let pacedModel: ModelServer;
let proxy: TcpProxy;
let app: TestServer;
// What each route's stream ended with on the server.
const serverSide = new Map<string, { finals: unknown[]; errors: unknown[] }>();
const outcomes = (route: string) => serverSide.get(route) ?? serverSide.set(route, { finals: [], errors: [] }).get(route)!;

function watch<S extends { final: Promise<unknown> }>(route: string, stream: S): S {
  stream.final.then(
    (value) => outcomes(route).finals.push(value),
    (error: unknown) => outcomes(route).errors.push(error),
  );
  return stream;
}

beforeAll(async () => {
  model = await startModelServer({ seed: 7 });
  // Slow enough that the answer could not end by itself before the test sees it cancelled.
  slowModel = await startModelServer({ seed: 7, tokensPerSecond: 8 });
  pacedModel = await startModelServer({ seed: 7, tokensPerSecond: 300 });
  proxy = await startTcpProxy(slowModel.port);
  const client = fromProvider({ provider: "openai", baseURL: model.url, apiKey: SECRET, mode: "tools" });
  const pacedClient = fromProvider({ provider: "openai", baseURL: pacedModel.url, apiKey: SECRET, mode: "tools" });
  const slowClient = fromProvider({ provider: "openai", baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: SECRET, mode: "tools" });
  app = await startTestServer({
    "/user": () => toResponse(watch("/user", pacedClient.chat.completions.createPartial({ model: "m", messages, response_model: { schema: User, name: "User" } }))),
    "/user-node": (_request, res) => void pipeToNodeResponse(watch("/user-node", pacedClient.chat.completions.createPartial({ model: "m", messages, response_model: { schema: User, name: "User" } })), res),
    "/user-stream-true": () => toResponse(pacedClient.chat.completions.create({ model: "m", messages, response_model: { schema: User, name: "User" }, stream: true })),
    "/slow-user": () => toResponse(watch("/slow-user", slowClient.chat.completions.createPartial({ model: "m", messages, response_model: { schema: User, name: "User" } }))),
    "/retry": () => toResponse(watch("/retry", pacedClient.chat.completions.createPartial({ model: "m+invalid-first", messages, response_model: { schema: User, name: "User" }, max_retries: 1 }))),
    "/no-retry": () => toResponse(client.chat.completions.createPartial({ model: "m+invalid-first", messages, response_model: { schema: User, name: "User" }, max_retries: 0 })),
    "/length": () => toResponse(client.chat.completions.createPartial({ model: "m+length", messages, response_model: { schema: User, name: "User" } })),
    "/users": () => {
      const stream = client.chat.completions.createIterable({ model: "m", messages, response_model: { schema: User, name: "User" } });
      return toResponse(stream);
    },
    "/source-fails": () =>
      toResponse(
        partialStream(
          User,
          (async function* () {
            yield '{"name": "Ada';
            throw new Error(`upstream said: invalid key ${SECRET} (Authorization: Bearer ${SECRET})`);
          })(),
        ),
      ),
    "/bad-request": () => new Response(JSON.stringify({ error: { message: "prompt is required", type: "invalid_request" } }), { status: 400, headers: { "content-type": "application/json" } }),
    "/not-patches": () => new Response("<html>hello</html>", { status: 200 }),
    "/version-2": () => new Response('{"formwork":"patch","version":2,"kind":"partial"}\n[["s",0,{}]]\n'),
    "/malformed": () => new Response('{"formwork":"patch","version":1,"kind":"partial"}\n[["s",0,{"name":"Ad"}]]\n[["a",7,"x"]]\n'),
    "/truncated": (_request, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"formwork":"patch","version":1,"kind":"partial"}\n[["s",0,{"name":"Ada"}],["@",[0,"name"]]]\n[["a",1," Lov');
      setTimeout(() => res.destroy(), 20);
      return undefined;
    },
    "/heartbeats": () => {
      const source = new ReadableStream<string>({
        async start(controller) {
          controller.enqueue('{"name": "Ada", ');
          await new Promise((resolve) => setTimeout(resolve, 120));
          controller.enqueue('"age": 36, "bio": "x"}');
          controller.close();
        },
      });
      return new Response(toPatchStream(partialStream(User, source), { heartbeatMs: 10 }));
    },
  });
});

afterAll(async () => {
  await app.close();
  await proxy.close();
  await model.close();
  await slowModel.close();
  await pacedModel.close();
});

async function drain<T>(stream: AsyncIterable<T>): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of stream) values.push(value);
    return { values, error: undefined };
  } catch (error) {
    return { values, error };
  }
}

describe("formwork/server to formwork/browser over HTTP", () => {
  it.each(["/user", "/user-node", "/user-stream-true"])("%s: partials grow, fields fill in, and final equals the server's value", async (path) => {
    const before = outcomes(path).finals.length;
    const stream = fetchPartial<User>(`${app.url}${path}`, { body: { prompt: "x" }, schema: User });
    const updates = [];
    for await (const update of stream.updates()) updates.push(update);
    const final = await stream.final;
    expect(User.parse(final)).toEqual(final);
    if (path !== "/user-stream-true") expect(outcomes(path).finals.slice(before)).toEqual([final]);
    expect(updates.at(-1)?.value).toEqual(final);
    expect(updates.at(-1)?.progress).toEqual({ done: 3, total: 3, ratio: 1 });
    expect(updates.at(-1)?.state(["bio"])).toBe("done");
    // Strings only grow, and an age is only ever shown whole.
    for (let i = 1; i < updates.length; i++) {
      const [before, after] = [updates[i - 1]?.value, updates[i]?.value];
      if (typeof before?.name === "string") expect(after?.name?.startsWith(before.name)).toBe(true);
      if (after?.age !== undefined) expect(after.age).toBe(final.age);
    }
    expect(updates.some((update) => update.state(["name"]) === "streaming" || update.state(["bio"]) === "streaming")).toBe(true);
    expect(stream.usage).toMatchObject({ totalTokens: expect.any(Number) });
  });

  it("a retry arrives as a new attempt: the value is cleared, then the second answer fills in", async () => {
    const stream = fetchPartial<User>(`${app.url}/retry`, { body: {} });
    const records = [];
    for await (const update of stream.updates()) records.push({ value: update.value, attempt: update.attempt });
    const first = records.findIndex((record) => record.attempt === 2);
    expect(records.slice(0, first).some((record) => record.value !== undefined)).toBe(true);
    // After the new attempt nothing of the first answer shows: each value begins the final one.
    const final = await stream.final;
    for (const { value, attempt } of records.slice(first)) {
      expect(attempt).toBe(2);
      if (value?.name !== undefined) expect(final.name.startsWith(value.name)).toBe(true);
      if (value?.age !== undefined) expect(value.age).toBe(final.age);
    }
    expect(records.at(-1)).toMatchObject({ attempt: 2, value: final });
  });

  it("errors arrive as the same classes, with their fields: RetryError with each attempt's ValidationError", async () => {
    const { error } = await drain(fetchPartial<User>(`${app.url}/no-retry`, {}));
    expect(ValidationError.isInstance(error) || RetryError.isInstance(error)).toBe(true);
    expect((error as FormworkError).code).toMatch(/validation-failed|retries-exhausted/);
    const length = await drain(fetchPartial<User>(`${app.url}/length`, {}));
    expect(IncompleteOutputError.isInstance(length.error)).toBe(true);
    expect(length.error).toBeInstanceOf(IncompleteOutputError);
    expect((length.error as IncompleteOutputError).finishReason).toBe("length");
    expect((length.error as IncompleteOutputError).partial).toEqual(length.values.at(-1));
  });

  it("no error payload carries a credential", async () => {
    const response = await fetch(`${app.url}/source-fails`, { method: "POST" });
    const body = await response.text();
    expect(body).not.toContain(SECRET);
    expect(body).toContain("[redacted]");
    const { error } = await drain(readPartial(new Response(body)));
    expect(SourceError.isInstance(error)).toBe(true);
    expect((error as SourceError).text).toBe('{"name": "Ada');
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(SECRET);
  });

  it("createIterable: each item once, in order, as the server validated it", async () => {
    const stream = fetchIterable<User>(`${app.url}/users`, {});
    const { values, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(values.length).toBeGreaterThan(0);
    for (const user of values) expect(User.parse(user)).toEqual(user);
  });

  it("abort() cancels at once: the model request's connection closes and the server's stream ends with AbortError", async () => {
    const errors = outcomes("/slow-user").errors.length;
    const stream = fetchPartial<User>(`${app.url}/slow-user`, {});
    const updates = stream.updates();
    await updates.next();
    await vi.waitFor(() => expect(proxy.open).toBe(1), { timeout: 10_000 });
    stream.abort("stop");
    await expect(updates.next()).rejects.toSatisfy((error) => AbortError.isInstance(error));
    await vi.waitFor(() => expect(proxy.open).toBe(0), { timeout: 10_000 });
    // Cancelled, not finished: the server's stream ended with AbortError.
    await vi.waitFor(() => expect(outcomes("/slow-user").errors.length).toBe(errors + 1), { timeout: 10_000 });
    expect(AbortError.isInstance(outcomes("/slow-user").errors.at(-1))).toBe(true);
    expect(outcomes("/slow-user").finals).toEqual([]);
  });

  it("an HTTP 4xx with a JSON body before the stream is a ProviderError with its status and body", async () => {
    const { error } = await drain(fetchPartial(`${app.url}/bad-request`, { body: {} }));
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, body: { error: { message: "prompt is required" } } });
    expect((error as Error).message).toContain("prompt is required");
  });

  it("an unknown version, another format or a malformed line is a TransportError naming the line", async () => {
    const version = await drain(fetchPartial(`${app.url}/version-2`));
    expect(version.error).toMatchObject({ code: "patch-version", lineNumber: 1 });
    expect((version.error as Error).message).toContain("version 2");
    const html = await drain(fetchPartial(`${app.url}/not-patches`));
    expect(html.error).toMatchObject({ code: "patch-version", line: "<html>hello</html>" });
    const malformed = await drain(fetchPartial(`${app.url}/malformed`));
    expect(TransportError.isInstance(malformed.error)).toBe(true);
    expect(malformed.error).toMatchObject({ code: "patch-malformed", lineNumber: 3, line: '[["a",7,"x"]]', partial: { name: "Ad" } });
    expect((malformed.error as Error).message).toContain("Line 3");
  });

  it("a truncated stream ends with patch-truncated carrying the last snapshot, never a hang", async () => {
    const { values, error } = await drain(fetchPartial<User>(`${app.url}/truncated`));
    expect(values.at(-1)).toEqual({ name: "Ada" });
    expect(error).toMatchObject({ code: "patch-truncated", partial: { name: "Ada" } });
  });

  it("heartbeats: empty lines while the source is silent, ignored by the reader", async () => {
    const text = await (await fetch(`${app.url}/heartbeats`)).text();
    expect(text).toMatch(/\n\n/);
    const stream = readPartial<User>(new Response(text));
    await expect(stream.final).resolves.toEqual({ name: "Ada", age: 36, bio: "x" });
  });

  it("a network failure before any response is a ProviderError naming the URL", async () => {
    const { error } = await drain(fetchPartial("http://127.0.0.1:1/nothing"));
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("http://127.0.0.1:1/nothing");
  });
});
