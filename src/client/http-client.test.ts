// The HttpClient seam as a user fills it: any function from a request to a status, headers and
// a byte reader. formwork sends through it, reads through it, and turns its failures into the
// same typed errors as fetch's, whether it rejects or throws, and never hangs.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigurationError } from "../errors/configuration-error.js";
import { ConnectionError } from "../errors/connection-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { fetchHttpClient, type ByteReader, type HttpClient, type HttpRequest } from "../http/http-client.js";
import { fromProvider } from "./from-provider.js";
import { sseTranscript, toolCallChunks } from "./test-support/replay-server.js";

const User = z.object({ name: z.string(), age: z.number() });
const messages = [{ role: "user" as const, content: "Ada, 36." }];
const ANSWER = sseTranscript(toolCallChunks("User", ['{"name":', '"Ada",', '"age":36}']));

// A body handed out in the given pieces, one a read; `failAt` makes that read throw (not reject).
function piecesReader(pieces: readonly string[], failAt?: number): ByteReader & { readonly reads: number } {
  const encoder = new TextEncoder();
  let next = 0;
  return {
    get reads() {
      return next;
    },
    read() {
      if (next === failAt) {
        next++;
        throw new Error("the reader broke");
      }
      const piece = pieces[next++];
      return Promise.resolve(piece === undefined ? { done: true as const, value: undefined } : { done: false as const, value: encoder.encode(piece) });
    },
    cancel: () => Promise.resolve(),
  };
}

const eventStream = (body: ByteReader) => ({ status: 200, headers: new Headers({ "content-type": "text/event-stream" }), body });
const clientWith = (httpClient: HttpClient) => fromProvider({ provider: "test", baseURL: "http://model.test/v1", apiKey: "sk-test-SECRET", mode: "tools", httpClient });

describe("fromProvider({ httpClient })", () => {
  it("sends the request through it (URL, method, headers with the key, the JSON body) and reads the answer from its reader", async () => {
    const seen: HttpRequest[] = [];
    const client = clientWith(async (request) => {
      seen.push(request);
      return eventStream(piecesReader(ANSWER.split(/(?<=\n\n)/)));
    });
    expect(await client.chat.completions.create({ model: "m", messages, response_model: { schema: User, name: "User" } })).toEqual({ name: "Ada", age: 36 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: "http://model.test/v1/chat/completions", method: "POST", headers: { authorization: "Bearer sk-test-SECRET", accept: "text/event-stream" } });
    expect(JSON.parse(seen[0]?.body ?? "{}")).toMatchObject({ model: "m", stream: true, tool_choice: { type: "function", function: { name: "User" } } });
  });

  it("a reader that throws mid-answer ends the call with a dropped-connection ProviderError, not a hang", async () => {
    const pieces = ANSWER.split(/(?<=\n\n)/);
    const client = clientWith(async () => eventStream(piecesReader(pieces, 2)));
    const error = await client.chat.completions.create({ model: "m", messages, response_model: User }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/dropped mid-answer: the reader broke/);
  });

  it("a reader that throws before any output is asked again, like a dropped connection", async () => {
    let calls = 0;
    const client = clientWith(async () => eventStream(piecesReader(ANSWER.split(/(?<=\n\n)/), ++calls === 1 ? 0 : undefined)));
    expect(await client.chat.completions.create({ model: "m", messages, response_model: User, max_transport_retries: 1 })).toEqual({ name: "Ada", age: 36 });
    expect(calls).toBe(2);
  });

  it("a client that throws (or rejects) before the answer is a ConnectionError naming the URL, retried, the key never in it", async () => {
    for (const fail of [() => { throw new Error("no route for sk-test-SECRET"); }, () => Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))]) {
      let calls = 0;
      const client = clientWith((() => {
        calls++;
        return fail();
      }) as HttpClient);
      const error = await client.chat.completions.create({ model: "m", messages, response_model: User, max_transport_retries: 2 }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ url: "http://model.test/v1/chat/completions" });
      expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain("sk-test-SECRET");
      expect(calls).toBe(3);
    }
  });

  it("a client that resolves with the wrong shape is a ConfigurationError saying what to give, not a crash", async () => {
    const cases: [unknown, RegExp][] = [
      [new Response(ANSWER, { headers: { "content-type": "text/event-stream" } }), /ReadableStream as body: give its reader/],
      [{ status: 200, headers: { "content-type": "text/event-stream" }, body: piecesReader([ANSWER]) }, /headers that are not a Headers object/],
      [{ status: "200", headers: new Headers(), body: null }, /no numeric status/],
      [{ status: 200, headers: new Headers(), body: "text" }, /neither a reader/],
      [undefined, /resolved with undefined/],
    ];
    for (const [given, message] of cases) {
      let calls = 0;
      const client = clientWith((async () => {
        calls++;
        return given;
      }) as HttpClient);
      const error = await client.chat.completions.create({ model: "m", messages, response_model: User }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ option: "httpClient" });
      expect((error as Error).message).toMatch(message);
      expect(calls).toBe(1); // not retried: asking again gives the same wrong shape
    }
  });

  it.each([301, 302, 303])("a %d it hands back is a ProviderError naming where it points, not 'HTTP %d: no message', and not asked again", async (status) => {
    let calls = 0;
    const client = clientWith(async () => {
      calls++;
      return { status, headers: new Headers({ location: "https://api.example.com/v1/chat/completions" }), body: piecesReader([""]) };
    });
    const error = await client.chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status, isRetryable: false });
    expect((error as Error).message).toContain(`answered ${status}, a redirect to https://api.example.com/v1/chat/completions, which is not followed`);
    expect((error as Error).message).toContain("Set baseURL");
    expect(calls).toBe(1);
  });

  it("over fetch, an error after a redirect fetch followed says where the request ended up", async () => {
    // A 302 on the POST: fetch re-sends it as a GET to the new URL, whose 405 is what comes back.
    const server = createServer((request, response) => {
      if (request.url === "/v1/chat/completions") return void response.writeHead(302, { location: "/moved/chat/completions" }).end();
      response.writeHead(request.method === "POST" ? 200 : 405, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "Method Not Allowed" } }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const error = await fromProvider({ provider: "test", baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "sk-test-SECRET", mode: "tools" })
        .chat.completions.create({ model: "m", messages, response_model: User })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status: 405 });
      expect((error as Error).message).toContain(`redirected to http://127.0.0.1:${port}/moved/chat/completions on the way`);
      expect((error as Error).message).toContain("re-sends a POST as a GET");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("fetchHttpClient wraps a fetch: the same call through it as through { fetch }", async () => {
    const fakeFetch = (async () => new Response(ANSWER, { headers: { "content-type": "text/event-stream" } })) as typeof fetch;
    const through = clientWith(fetchHttpClient(fakeFetch));
    const direct = fromProvider({ provider: "test", baseURL: "http://model.test/v1", apiKey: "k", mode: "tools", fetch: fakeFetch });
    const params = { model: "m", messages, response_model: User };
    expect(await through.chat.completions.create(params)).toEqual(await direct.chat.completions.create(params));
  });
});
