// Every fault of issue 11 on every wire (Chat Completions, Responses, Anthropic, Gemini, Ollama),
// on the fetch path and on the SDK path where one exists, against a loopback server that plays
// the fault. Each case runs under a hard timeout and with small deadlines, so a hang fails the
// case instead of the suite; no case asserts a duration.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AbortError } from "../errors/abort-error.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { ConnectionError } from "../errors/connection-error.js";
import { FormworkError } from "../errors/formwork-error.js";
import { SourceError } from "../errors/source-error.js";
import { LimitError } from "../errors/limit-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { TimeoutError } from "../errors/timeout-error.js";
import type { HttpOptions } from "../http/deadlines.js";
import { nodeHttpClient } from "../http/node/node-http-client.js";
import { useReplayServer } from "../providers/test-support/provider-fixtures.js";
import { fromProvider } from "./from-provider.js";
import type { ScriptedResponse } from "./test-support/replay-server.js";
import { WIRE_KITS, type Client, type WireKit } from "./test-support/wire-kits.js";

const KEY = "sk-test-SECRET-0123456789abcdef";
const Small = z.object({ name: z.string(), age: z.number() });
const messages = [{ role: "user" as const, content: "Ada, 36." }];
const HARD_TIMEOUT = 15_000;

/** The credential headers a proxy might quote back. */
function echo(headers: Record<string, string | string[] | undefined>): string {
  return ["authorization", "x-api-key", "x-goog-api-key"].map((name) => `${name}: ${String(headers[name])}`).join("; ");
}

/** Whether `key` appears anywhere in a value: messages, stacks, bodies, causes, at any depth. */
function mentions(value: unknown, key: string): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (item.includes(key)) return true;
      continue;
    }
    if (typeof item !== "object" || item === null || seen.has(item)) continue;
    seen.add(item);
    for (const name of Object.getOwnPropertyNames(item)) stack.push((item as Record<string, unknown>)[name]);
  }
  return false;
}

const cases = WIRE_KITS.flatMap((kit) => kit.paths.map(([path, make]) => [kit.wire, path, kit, make] as const));

describe.each(cases)("%s, %s path", (_wire, path, kit: WireKit, make) => {
  const { serve } = useReplayServer();
  const respond = (pieces: readonly (string | Uint8Array)[], extra: Partial<ScriptedResponse> = {}): ScriptedResponse => ({ pieces, ...extra, headers: { "content-type": kit.contentType, ...extra.headers } });
  const client = (url: string, options: HttpOptions = {}): Client => make(url, KEY, options);
  const call = (target: Client, params: Record<string, unknown> = {}): Promise<unknown> =>
    target.chat.completions.create({ model: "m", messages, response_model: Small, ...params } as never).then(
      () => "resolved",
      (error: unknown) => error,
    );

  it("reads a correct answer (the transcripts are right)", async () => {
    const { url } = await serve(() => respond([kit.answer('{"name":"Ada","age":36}')]));
    expect(await client(url).chat.completions.create({ model: "m", messages, response_model: Small } as never)).toEqual({ name: "Ada", age: 36 });
  }, HARD_TIMEOUT);

  it("200 then silence: the idle deadline ends the request, retried while nothing was shown", async () => {
    const { url, requests } = await serve(() => respond([], { stall: "body" }));
    const error = await call(client(url, { idleTimeout: 200 }), { max_transport_retries: 1 });
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "timeout", deadline: "idleTimeout", ms: 200 });
    expect((error as Error).message).toMatch(/idleTimeout/);
    expect(requests).toHaveLength(2);
    expect(await requests[0]?.closed).toBe("client-closed");
  }, HARD_TIMEOUT);

  it("a stall after output: the idle deadline ends the call, not retried (output was shown)", async () => {
    const { url, requests } = await serve(() => respond([kit.start('{"name":"Ada')], { stall: "body" }));
    const error = await call(client(url), { idleTimeout: 200, max_transport_retries: 2 });
    expect(error).toMatchObject({ code: "timeout", deadline: "idleTimeout", ms: 200 });
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);

  it("no headers: the headers deadline fires, named as such, and is retried", async () => {
    const { url, requests } = await serve(() => respond([], { stall: "headers" }));
    const error = await call(client(url, { headersTimeout: 200 }), { max_transport_retries: 1 });
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ deadline: "headersTimeout", ms: 200 });
    expect(requests).toHaveLength(2);
  }, HARD_TIMEOUT);

  it("the whole call's timeout ends it, retries included, and closes the request", async () => {
    const { url, requests } = await serve(() => respond([], { stall: "body" }));
    const error = await call(client(url, { idleTimeout: 0, timeout: 300 }));
    expect(error).toMatchObject({ code: "timeout", deadline: "timeout", ms: 300, isRetryable: false });
    expect(await requests[0]?.closed).toBe("client-closed");
  }, HARD_TIMEOUT);

  it("the whole call's timeout mid-answer is a TimeoutError, not an answer cut short (the SDKs' streams end quietly on abort)", async () => {
    const { url, requests } = await serve(() => respond([kit.start('{"name":"Ada')], { stall: "body" }));
    const error = await call(client(url, { idleTimeout: 0, timeout: 300 }), { max_retries: 2 });
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ deadline: "timeout", ms: 300 });
    expect(requests).toHaveLength(1);
    expect(await requests[0]?.closed).toBe("client-closed");
  }, HARD_TIMEOUT);

  it("Retry-After beyond the cap fails at once with retryAfterMs (3600 s, and 30 days)", async () => {
    for (const seconds of [3600, 2_592_000]) {
      const { url, requests } = await serve(() => respond([kit.errorBody("slow down")], { status: 429, headers: { "content-type": "application/json", "retry-after": String(seconds) } }));
      const error = await call(client(url), { max_transport_retries: 2 });
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ status: 429 });
      // @google/genai's errors carry no headers: there the wait is unknown and the usual backoff applies.
      if (!(kit.wire === "Gemini" && path === "sdk")) {
        expect(error).toMatchObject({ retryAfterMs: seconds * 1000 });
        expect(requests).toHaveLength(1);
      }
    }
  }, HARD_TIMEOUT);

  it("a key echoed in a 401 body appears in no message, body, stack, cause or hook payload", async () => {
    const { url } = await serve((_index, _body, headers) => respond([kit.errorBody(`Invalid credentials (${echo(headers)})`)], { status: 401, headers: { "content-type": "application/json" } }));
    const target = client(url);
    const payloads: unknown[] = [];
    for (const name of ["completion:error", "completion:last_attempt"] as const) target.on(name, (payload) => payloads.push(payload));
    const error = await call(target);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 401, isRetryable: false });
    expect((error as Error).message).toContain("[redacted]");
    expect(payloads.length).toBeGreaterThanOrEqual(2);
    expect(mentions([error, payloads], KEY)).toBe(false);
  }, HARD_TIMEOUT);

  it("a key echoed in an error event appears nowhere either", async () => {
    const { url } = await serve((_index, _body, headers) => respond([kit.errorEvent(`upstream rejected (${echo(headers)})`)]));
    const target = client(url);
    const payloads: unknown[] = [];
    for (const name of ["completion:error", "completion:last_attempt"] as const) target.on(name, (payload) => payloads.push(payload));
    const error = await call(target, { max_transport_retries: 0 });
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain("[redacted]");
    expect(mentions([error, payloads], KEY)).toBe(false);
  }, HARD_TIMEOUT);

  it("a 200 that is not the stream asked for is a ProviderError, not a bad answer asked again", async () => {
    const type = kit.contentType === "text/event-stream" ? "application/json" : "text/html";
    const { url, requests } = await serve(() => respond(['{"id":"x","object":"chat.completion","choices":[]}'], { headers: { "content-type": type } }));
    const error = await call(client(url), { max_retries: 2 });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ isRetryable: false });
    if (path !== "sdk") expect((error as Error).message).toContain(type);
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);

  it("random bytes with a stream's content type are a ProviderError, not asked again", async () => {
    const noise = Uint8Array.from({ length: 4096 }, (_, index) => 0x80 + ((index * 37) % 0x7f));
    const { url, requests } = await serve(() => respond([noise]));
    const error = await call(client(url), { max_retries: 2 });
    expect(error).toBeInstanceOf(ProviderError);
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);

  it("a 100,000-deep non-object event is a ProviderError, not a stack overflow", async () => {
    const { url } = await serve(() => respond([kit.frame(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)]));
    const error = await call(client(url), { max_transport_retries: 0 });
    // @google/genai reads such an event as an empty response: formwork sees no answer (a typed
    // IncompleteOutputError), never the parser's RangeError.
    if (kit.wire === "Gemini" && path === "sdk") expect(FormworkError.isInstance(error) && !SourceError.isInstance(error)).toBe(true);
    else expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message.length).toBeLessThan(1300);
  }, HARD_TIMEOUT);

  it("a 100 KB HTML page with a 500 gives a message of about 1 KB; the page is on body", async () => {
    const page = `<html><body>${"Internal error. ".repeat(6400)}</body></html>`;
    const { url } = await serve(() => respond([page], { status: 500, headers: { "content-type": "text/html" } }));
    const error = await call(client(url), { max_transport_retries: 0 });
    expect(error).toMatchObject({ status: 500 });
    expect((error as Error).message.length).toBeLessThan(1300);
    if (path !== "sdk") expect(String((error as ProviderError).body)).toHaveLength(page.length);
  }, HARD_TIMEOUT);

  it("a 2 MB error event gives a message of about 1 KB", async () => {
    const { url } = await serve(() => respond([kit.errorEvent("E".repeat(2_000_000))]));
    const error = await call(client(url), { max_transport_retries: 0 });
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message.length).toBeLessThan(1300);
  }, HARD_TIMEOUT);

  it("text on an ignored channel counts toward maxLength: a LimitError, not unbounded memory", async () => {
    const { head, piece } = kit.flood("x".repeat(10_000));
    const { url } = await serve(() => respond([head, ...Array.from({ length: 40 }, () => piece)]));
    const error = await call(client(url, { maxLength: 100_000 }));
    expect(error).toBeInstanceOf(LimitError);
    expect(error).toMatchObject({ code: "max-length", limit: 100_000 });
  }, HARD_TIMEOUT);

  it.skipIf(path === "sdk")("a line with no end counts toward maxLength (fetch reads the framing itself)", async () => {
    const open = kit.contentType === "text/event-stream" ? "data: " : '{"message":{"content":"';
    const { url } = await serve(() => respond([open, ...Array.from({ length: 30 }, () => "y".repeat(10_000))], { stall: "body" }));
    const error = await call(client(url, { maxLength: 100_000 }));
    expect(error).toBeInstanceOf(LimitError);
  }, HARD_TIMEOUT);

  it.skipIf(path === "sdk")("a line with no end that follows a whole event in the same read counts toward maxLength at once", async () => {
    // One network read: an event, then the start of a line that never ends; then silence. The
    // line is over the budget by itself: a LimitError now, not an idle timeout later.
    const open = kit.contentType === "text/event-stream" ? "data: " : '{"message":{"content":"';
    const { url } = await serve(() => respond([`${kit.start('{"name":"A')}${open}${"y".repeat(40_000)}`], { stall: "body" }));
    const error = await call(client(url, { maxLength: 10_000, idleTimeout: 60_000, timeout: 60_000 }));
    expect(error).toBeInstanceOf(LimitError);
  }, HARD_TIMEOUT);

  it("a whole answer whose end marker never comes (the connection held open) is used once the stream goes silent", async () => {
    // The provider's finish came ([DONE] or message_stop did not): the value is whole and is
    // kept, not lost to the idle deadline.
    const finished = kit.answer('{"name":"Ada","age":36}').replace(/data: \[DONE\]\n\n$/, "").replace(/event: message_stop\ndata: [^\n]*\n\n$/, "");
    const { url, requests } = await serve(() => respond([finished], { stall: "body" }));
    const result = await client(url, { idleTimeout: 300 }).chat.completions.create({ model: "m", messages, response_model: Small } as never);
    expect(result).toEqual({ name: "Ada", age: 36 });
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);

  it("an error event followed by an open, silent connection ends the call at once", async () => {
    // The server keeps the connection open after the error (as some proxies do, with keep-alive
    // comments): nothing after an error is worth waiting for, so the error comes now, not at
    // a deadline.
    const { url } = await serve(() => respond([kit.start('{"name":"A'), kit.errorEvent("overloaded")], { stall: "body" }));
    const error = await call(client(url, { idleTimeout: 60_000, timeout: 60_000 }), { max_transport_retries: 0 });
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain("overloaded");
  }, HARD_TIMEOUT);

  it.skipIf(kit.finalErrorEvent("") === undefined)("an error event of a kind no retry fixes (nested, as some servers send it) keeps its message and is not retried", async () => {
    const { url, requests } = await serve(() => respond([kit.finalErrorEvent("You exceeded your current quota") as string]));
    const error = await call(client(url), { max_transport_retries: 2 });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ isRetryable: false });
    expect((error as Error).message).toContain("You exceeded your current quota");
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);

  it("createIterable closes the request at once on break, while the server is silent", async () => {
    // Streamed arguments stop after the first item; whole ones (Gemini, Ollama) come whole.
    const isWhole = kit.wire === "Gemini" || kit.wire === "Ollama";
    const args = isWhole ? '{"items":[{"name":"Ada","age":36},{"name":"Alan","age":41}]}' : '{"items":[{"name":"Ada","age":36},';
    const { url, requests } = await serve(() => respond([kit.call("ItemList", args)], { stall: "body" }));
    for await (const item of client(url).chat.completions.createIterable({ model: "m", messages, response_model: { schema: Small, name: "Item" } } as never)) {
      expect(item).toEqual({ name: "Ada", age: 36 });
      break;
    }
    expect(await requests[0]?.closed).toBe("client-closed");
  }, HARD_TIMEOUT);

  it("a refused connection names the URL and ECONNREFUSED, and is retryable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await call(client(`http://127.0.0.1:${port}/v1`), { max_transport_retries: 0 });
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ systemCode: "ECONNREFUSED", isRetryable: true });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).toContain("ECONNREFUSED");
  }, HARD_TIMEOUT);
});

describe("the deadline options", () => {
  const { serve } = useReplayServer();
  const chat = WIRE_KITS[0] as WireKit;

  it("a call's own value overrides the client's (a client with the idle deadline off, a call with 200 ms)", async () => {
    const { url } = await serve(() => ({ pieces: [], stall: "body", headers: { "content-type": chat.contentType } }));
    for (const [, make] of chat.paths) {
      const error = await make(url, KEY, { idleTimeout: 0, timeout: 10_000 })
        .chat.completions.create({ model: "m", messages, response_model: Small, idleTimeout: 200, max_transport_retries: 0 } as never)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "timeout", deadline: "idleTimeout", ms: 200 });
    }
  }, HARD_TIMEOUT);

  it("a value that is not a number of milliseconds is a ConfigurationError naming the option, before any request", async () => {
    const { url, requests } = await serve(() => ({ pieces: [] }));
    for (const [, make] of chat.paths) {
      expect(() => make(url, KEY, { idleTimeout: -1 })).toThrow(ConfigurationError);
      expect(() => make(url, KEY, { maxLength: 0 })).toThrow(/maxLength/);
      const error = await make(url, KEY, {})
        .chat.completions.create({ model: "m", messages, response_model: Small, timeout: "soon" } as never)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ option: "timeout" });
    }
    expect(requests).toHaveLength(0);
  }, HARD_TIMEOUT);
});

describe("a call without response_model (passed through to the server)", () => {
  const { serve } = useReplayServer();
  const chunk = (text: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
  const sse = { "content-type": "text/event-stream" };
  // Reads a passthrough stream to its end or its error; calls `during` after the first chunk.
  const readStream = async (stream: unknown, during: (stream: { abort(reason?: unknown): void }) => void = () => undefined): Promise<unknown> => {
    try {
      let index = 0;
      for await (const item of stream as AsyncIterable<unknown>) {
        void item;
        if (index++ === 0) during(stream as { abort(reason?: unknown): void });
      }
      return "ended";
    } catch (error) {
      return error;
    }
  };
  const paths = [
    ["fetch", (url: string) => fromProvider({ provider: "test", baseURL: url, apiKey: KEY })],
    ["node-http", (url: string) => fromProvider({ provider: "test", baseURL: url, apiKey: KEY, httpClient: nodeHttpClient() })],
  ] as const;

  describe.each(paths)("on the %s path", (_path, make) => {
    const create = (url: string, params: Record<string, unknown>) => make(url).chat.completions.create({ model: "m", messages, ...params } as never) as Promise<unknown>;

    it("a stream that goes silent ends at idleTimeout, a TimeoutError, and the connection is closed", async () => {
      const { url, requests } = await serve(() => ({ pieces: [chunk("Hel")], stall: "body", headers: sse }));
      const error = await readStream(await create(url, { stream: true, idleTimeout: 200 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ deadline: "idleTimeout", ms: 200 });
      expect(await requests[0]?.closed).toBe("client-closed");
    }, HARD_TIMEOUT);

    it("a whole response whose body goes silent ends at idleTimeout; one cut off is a dropped connection, not a shorter answer", async () => {
      const json = { "content-type": "application/json" };
      const half = JSON.stringify({ id: "x", object: "chat.completion", choices: [] }).slice(0, 20);
      const { url, requests } = await serve((index) => (index === 0 ? { pieces: [half], stall: "body", headers: json } : { pieces: [half], drop: true, headers: json }));
      const silent = await create(url, { idleTimeout: 200, headersTimeout: 60_000 }).catch((caught: unknown) => caught);
      expect(silent).toBeInstanceOf(TimeoutError);
      expect(silent).toMatchObject({ deadline: "idleTimeout", ms: 200 });
      expect(await requests[0]?.closed).toBe("client-closed");
      const cut = await create(url, {}).catch((caught: unknown) => caught);
      expect(cut).toBeInstanceOf(ProviderError);
      expect((cut as Error).message).toMatch(/dropped/);
    }, HARD_TIMEOUT);

    it("a response whose headers never come ends at headersTimeout, streamed or not", async () => {
      const { url } = await serve(() => ({ pieces: [], stall: "headers" }));
      for (const stream of [false, true]) {
        const error = await create(url, { stream, headersTimeout: 200 }).catch((caught: unknown) => caught);
        expect(error).toMatchObject({ code: "timeout", deadline: "headersTimeout", ms: 200 });
      }
    }, HARD_TIMEOUT);

    it("the whole call's timeout mid-stream is the TimeoutError itself, not a dropped connection to retry", async () => {
      const { url } = await serve(() => ({ pieces: [chunk("Hel")], stall: "body", headers: sse }));
      const error = await readStream(await create(url, { stream: true, timeout: 300 }));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ deadline: "timeout", ms: 300 });
    }, HARD_TIMEOUT);

    it("an error event in a stream is thrown as the provider's error after the chunks before it, as the SDKs throw it", async () => {
      const error = { error: { message: "The server had an error while processing your request", type: "server_error", param: null, code: null } };
      const { url } = await serve(() => ({ pieces: [chunk("Hel"), chunk("lo"), `data: ${JSON.stringify(error)}\n\n`, "data: [DONE]\n\n"], headers: sse }));
      const seen: unknown[] = [];
      let thrown: unknown;
      try {
        for await (const item of (await create(url, { stream: true })) as AsyncIterable<{ choices: { delta: { content: string } }[] }>) seen.push(item.choices[0]?.delta.content);
      } catch (caught) {
        thrown = caught;
      }
      expect(seen).toEqual(["Hel", "lo"]);
      expect(thrown).toBeInstanceOf(ProviderError);
      expect((thrown as ProviderError).message).toContain("The server had an error while processing your request");
    }, HARD_TIMEOUT);

    it("the caller's signal, aborted before, during the wait or mid-stream, or abort() on the stream, ends it with an AbortError carrying the reason", async () => {
      const { url, requests } = await serve((index) => (index === 0 ? { pieces: [], stall: "headers" } : { pieces: [chunk("Hel")], stall: "body", headers: sse }));
      const early = await create(url, { signal: AbortSignal.abort("not wanted") }).catch((caught: unknown) => caught);
      expect(early).toBeInstanceOf(AbortError);
      expect(early).toMatchObject({ reason: "not wanted" });
      const waiting = new AbortController();
      const pending = create(url, { signal: waiting.signal }).catch((caught: unknown) => caught);
      setTimeout(() => waiting.abort("changed my mind"), 50);
      expect(await pending).toMatchObject({ name: "AbortError", reason: "changed my mind" });
      const shutdown = new AbortController();
      const midStream = await readStream(await create(url, { stream: true, signal: shutdown.signal }), () => shutdown.abort("shutting down"));
      expect(midStream).toBeInstanceOf(AbortError);
      expect(midStream).toMatchObject({ reason: "shutting down" });
      const aborted = await readStream(await create(url, { stream: true }), (stream) => stream.abort("enough"));
      expect(aborted).toMatchObject({ name: "AbortError", reason: "enough" });
      for (const request of requests) expect(await request.closed).toBe("client-closed");
    }, HARD_TIMEOUT);
  });

  it("sends none of formwork's own fields, merges extra_body, and sends nothing once cancelled", async () => {
    const { url, requests } = await serve(() => ({ pieces: [JSON.stringify({ id: "x", object: "chat.completion", choices: [] })], headers: { "content-type": "application/json" } }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: KEY });
    const create = (params: Record<string, unknown>) => client.chat.completions.create({ model: "m", messages, ...params } as never) as Promise<unknown>;
    await create({ max_retries: 1, max_transport_retries: 1, timeout: 5000, idleTimeout: 1000, extra_body: { seed: 7 }, signal: new AbortController().signal });
    expect(requests[0]?.body).toEqual({ model: "m", messages, seed: 7 });
    expect(await create({ signal: AbortSignal.abort("not wanted") }).catch((caught: unknown) => caught)).toBeInstanceOf(AbortError);
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);

  it("ends at the whole call's timeout, and the option is not sent", async () => {
    const { url, requests } = await serve(() => ({ pieces: [], stall: "headers" }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: KEY });
    const error = await client.chat.completions.create({ model: "m", messages, timeout: 200 } as never).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "timeout", deadline: "timeout", ms: 200 });
    expect(requests[0]?.body).not.toHaveProperty("timeout");
  }, HARD_TIMEOUT);
});
