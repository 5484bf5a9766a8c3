import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ContentFilterError } from "../errors/content-filter-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { TimeoutError } from "../errors/timeout-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { RefusalError } from "../errors/refusal-error.js";
import { RetryError } from "../errors/retry-error.js";
import type { ChatMode } from "../providers/openai/chat-request.js";
import { fromOpenAI } from "./from-openai.js";
import { fromProvider } from "./from-provider.js";
import { nodeHttpClient } from "../http/node/node-http-client.js";
import type { HookName } from "./hooks.js";
import type { StructuredCompletions } from "./structured-client.js";
import { splitAt } from "../json/test-support/feed.js";
import { contentChunks, sseTranscript, startReplayServer, toolCallChunks, type ReplayServer, type ScriptedResponse } from "./test-support/replay-server.js";

const API_KEY = "sk-test-SECRET-never-shown-0123456789";
const User = z.object({ name: z.string(), age: z.number().int(), bio: z.string() });
const userJson = '{"name": "Zoë \\"Z\\" 😀", "age": 36, "bio": "Wrote the first\\nprogram; café ☕"}';
const expectedUser = { name: 'Zoë "Z" 😀', age: 36, bio: "Wrote the first\nprogram; café ☕" };
const messages = [{ role: "user" as const, content: "Extract the user." }];

type Client = { chat: { completions: StructuredCompletions }; on(name: HookName, handler: (payload: never) => void): void };
const paths: [string, (url: string, mode: ChatMode) => Client][] = [
  ["fetch", (url, mode) => fromProvider({ provider: "test", baseURL: url, apiKey: API_KEY, mode }) as unknown as Client],
  ["node-http", (url, mode) => fromProvider({ provider: "test", baseURL: url, apiKey: API_KEY, mode, httpClient: nodeHttpClient() }) as unknown as Client],
  ["sdk", (url, mode) => fromOpenAI(new OpenAI({ baseURL: url, apiKey: API_KEY }), { mode, provider: "test" }) as unknown as Client],
];

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: (index: number, body: Record<string, unknown>) => ScriptedResponse): Promise<ReplayServer> {
  server = await startReplayServer(script);
  return server;
}

const sse = (text: string, extra: Partial<ScriptedResponse> = {}): ScriptedResponse => ({ pieces: [text], ...extra });
// Each event in a network write of its own, as a model streams: the client shows each as it comes.
const streamed = (chunks: readonly unknown[]): ScriptedResponse => ({ pieces: sseTranscript(chunks).split(/(?<=\n\n)/), pauseMs: 1 });

// Splits text into pieces of `size` characters (the deltas a model sends).
const deltas = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, i * size + size));

describe.each(paths)("the %s path", (_path, makeClient) => {
  it("tools mode: reads the forced tool call's arguments, gives partials, the value and the usage", async () => {
    const { url, requests } = await serve(() => streamed(toolCallChunks("User", deltas(userJson, 4))));
    const client = makeClient(url, "tools");
    const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: { schema: User, name: "User" } });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.length).toBeGreaterThan(5);
    expect(partials.at(-1)).toEqual(expectedUser);
    const result = await stream.result;
    expect(result).toMatchObject({ data: expectedUser, attempts: 1, usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18 } });
    const body = requests[0]?.body as Record<string, unknown>;
    expect(body["tool_choice"]).toEqual({ type: "function", function: { name: "User" } });
    expect(body["stream_options"]).toEqual({ include_usage: true });
    expect((body["tools"] as { function: { parameters: { properties: object } } }[])[0]?.function.parameters.properties).toHaveProperty("age");
  });

  it("json_schema, json and md_json modes read the content", async () => {
    const answers: Record<string, string> = {
      json_schema: userJson,
      json: userJson,
      md_json: "Here is the user:\n```json\n" + userJson + "\n```\nAnything else?",
    };
    for (const mode of ["json_schema", "json", "md_json"] as const) {
      const { url, requests } = await serve(() => sse(sseTranscript(contentChunks(deltas(answers[mode] as string, 5)))));
      const client = makeClient(url, mode);
      expect(await client.chat.completions.create({ model: "m", messages, response_model: User })).toEqual(expectedUser);
      const body = requests[0]?.body as Record<string, unknown>;
      if (mode === "json_schema") expect(body["response_format"]).toMatchObject({ type: "json_schema", json_schema: { name: "Response", strict: true } });
      if (mode === "json") expect(body["response_format"]).toEqual({ type: "json_object" });
      if (mode !== "json_schema") expect(JSON.stringify((body["messages"] as { content: string }[])[0]?.content)).toContain("bio");
      await server?.close();
    }
  });

  it("gives the same value when the transcript is cut at awkward places", async () => {
    const text = sseTranscript(toolCallChunks("User", deltas(userJson, 3)), { lineEnd: "\r\n" });
    const bytes = new TextEncoder().encode(text);
    const find = (needle: string, from = 0) => bytes.findIndex((_, i) => i >= from && new TextDecoder().decode(bytes.subarray(i, i + needle.length)) === needle);
    const emoji = text.indexOf("😀") >= 0 ? find("\\ud83d") : -1;
    const multiByte = new TextEncoder().encode(text.slice(0, text.indexOf("é"))).length + 1; // inside "é"
    const cuts = [
      multiByte, // inside a multi-byte UTF-8 character
      find("\r\n") + 1, // between CR and LF
      find('\\"') + 1, // inside an escape sequence
      find("[DONE]") + 3, // inside [DONE]
      emoji + 3,
    ].filter((cut) => cut > 0);
    for (const cut of [...cuts, ...Array.from({ length: 12 }, (_, i) => Math.floor(((i + 1) * bytes.length) / 13))]) {
      const { url } = await serve(() => ({ pieces: splitAt(bytes, [cut]), pauseMs: 1 }));
      const client = makeClient(url, "tools");
      expect(await client.chat.completions.create({ model: "m", messages, response_model: User })).toEqual(expectedUser);
      await server?.close();
    }
  });

  it("reads SSE framing: comments, data without a space, CRLF and multi-line data", async () => {
    const chunks = toolCallChunks("Response", deltas(userJson, 6));
    const framed = chunks.map((chunk, index) => {
      const json = JSON.stringify(chunk);
      if (index === 1) return `: keep-alive\r\ndata:${json}\r\n\r\n`;
      // Two data lines are joined with a newline: cut between tokens, that is still JSON.
      const cut = json.indexOf(',"object"') + 1;
      if (index === 2) return `data: ${json.slice(0, cut)}\ndata: ${json.slice(cut)}\n\n`;
      return `data: ${json}\n\n`;
    });
    const { url } = await serve(() => ({ pieces: [...framed, ": done soon\n\n", "data: [DONE]\n\n"] }));
    expect(await makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User })).toEqual(expectedUser);
  });

  it("ends with IncompleteOutputError at finish_reason length, with the last partial and the usage", async () => {
    const { url } = await serve(() => sse(sseTranscript(toolCallChunks("Response", ['{"name": "Ada", "age": 3'], { finish: "length" }))));
    const stream = makeClient(url, "tools").chat.completions.createPartial({ model: "m", messages, response_model: User });
    let error: unknown;
    try {
      for await (const partial of stream) void partial;
    } catch (caught) {
      error = caught;
    }
    await expect(stream.final).rejects.toBe(error);
    expect(error).toBeInstanceOf(IncompleteOutputError);
    expect(error).toMatchObject({ finishReason: "length", partial: { name: "Ada" }, usage: { totalTokens: 18 } });
  }, 10_000);

  it("ends with ContentFilterError and RefusalError carrying the provider's text", async () => {
    const { url } = await serve((index) =>
      index === 0
        ? sse(sseTranscript(contentChunks(['{"name": "x'], { finish: "content_filter" })))
        : sse(sseTranscript([{ id: "r", choices: [{ index: 0, delta: { refusal: "I can't help " } }] }, { id: "r", choices: [{ index: 0, delta: { refusal: "with that." }, finish_reason: "stop" }] }])),
    );
    const client = makeClient(url, "json_schema");
    await expect(client.chat.completions.create({ model: "m", messages, response_model: User })).rejects.toBeInstanceOf(ContentFilterError);
    const refusal = await client.chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(refusal).toBeInstanceOf(RefusalError);
    expect(refusal).toMatchObject({ refusal: "I can't help with that." });
  });

  it("turns an error inside the stream and every HTTP error into ProviderError, and never shows the key", async () => {
    const { url } = await serve((index) => {
      if (index === 0) return sse(sseTranscript([...toolCallChunks("Response", ['{"na'], { usage: false }).slice(0, 2), { error: { message: "The server had an error", type: "server_error" } }]));
      if (index === 1) return { status: 400, headers: { "content-type": "application/json" }, pieces: [JSON.stringify({ error: { message: "Invalid schema", type: "invalid_request_error" } })] };
      return { status: 500, headers: { "content-type": "application/json" }, pieces: [JSON.stringify({ error: { message: "boom", type: "server_error" } })] };
    });
    const client = makeClient(url, "tools");
    const seen: unknown[] = [];
    for (const name of ["completion:kwargs", "completion:error", "completion:response"] as const) client.on(name, (payload: never) => seen.push(payload));
    const inStream = await client.chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(inStream).toBeInstanceOf(ProviderError);
    expect(inStream).toMatchObject({ provider: "test", status: undefined, isRetryable: true, body: { error: { type: "server_error" } } });
    const badRequest = await client.chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(badRequest).toMatchObject({ status: 400, isRetryable: false, body: { error: { message: "Invalid schema" } } });
    const serverError = await client.chat.completions
      .create({ model: "m", messages, response_model: User, max_transport_retries: 0 })
      .catch((caught: unknown) => caught);
    expect(serverError).toMatchObject({ status: 500, isRetryable: true });
    for (const item of [inStream, badRequest, serverError, ...seen]) {
      expect(JSON.stringify(item, Object.getOwnPropertyNames(item as object))).not.toContain("SECRET");
      expect(String((item as Error).message)).not.toContain("SECRET");
    }
  });

  it("sends the request again after a 429, honouring Retry-After", async () => {
    const { url, requests } = await serve((index) =>
      index === 0
        ? { status: 429, headers: { "content-type": "application/json", "retry-after-ms": "30" }, pieces: ['{"error": {"message": "slow down", "type": "rate_limit_error"}}'] }
        : sse(sseTranscript(toolCallChunks("Response", [userJson]))),
    );
    const started = Date.now();
    expect(await makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User })).toEqual(expectedUser);
    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25); // waited at least what was asked (a lower bound, not a timing)
  });

  it("ends with ProviderError when the connection drops mid-answer", async () => {
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("Response", ['{"name": "Ada", '], { usage: false }).slice(0, 2), { done: false })], drop: true }));
    const error = await makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(requests).toHaveLength(1); // output had been shown: not sent again
  });

  it("fixes an invalid first answer with a retry that feeds the errors back, in streaming too", async () => {
    const { url, requests } = await serve((index) =>
      // The first answer misses a field: found when it closes, so its usage is still read.
      streamed(toolCallChunks("Response", deltas(index === 0 ? '{"name": "Ada", "age": 36}' : userJson, 8))),
    );
    const client = makeClient(url, "tools");
    const fired: string[] = [];
    for (const name of ["completion:kwargs", "completion:response", "completion:error", "parse:error", "completion:last_attempt", "attempt:start"] as const) {
      client.on(name, () => fired.push(name));
    }
    const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: User, max_retries: 2 });
    const attempts: number[] = [];
    for await (const update of stream.updates()) attempts.push(update.attempt);
    expect(attempts).toContain(2);
    expect(attempts.indexOf(2)).toBeGreaterThan(0);
    const result = await stream.result;
    expect(result).toMatchObject({ data: expectedUser, attempts: 2, usage: { totalTokens: 36 } });
    const retry = requests[1]?.body["messages"] as Record<string, unknown>[];
    expect(retry.at(-2)).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_abc", function: { name: "Response" } }] });
    expect(retry.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_abc" });
    expect(String(retry.at(-1)?.["content"])).toContain("$.bio");
    expect(fired).toEqual(["attempt:start", "completion:kwargs", "completion:response", "parse:error", "attempt:start", "completion:kwargs", "completion:response"]);
  });

  it("ends with RetryError holding every attempt's error and the total usage", async () => {
    const { url } = await serve(() => sse(sseTranscript(contentChunks(['{"name": 1}']))));
    const client = makeClient(url, "json");
    const lastAttempts: unknown[] = [];
    client.on("completion:last_attempt", (payload: never) => lastAttempts.push(payload));
    const error = await client.chat.completions.create({ model: "m", messages, response_model: User, max_retries: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toMatchObject({ attempts: 2, usage: { totalTokens: 28 } });
    expect(lastAttempts).toHaveLength(1);
    expect(server?.requests[1]?.body["messages"]).toContainEqual(expect.objectContaining({ role: "user", content: expect.stringContaining("did not fit") }));
  });

  it("break closes the HTTP request at once", async () => {
    const { url, requests } = await serve(() => ({ pieces: [...deltas(sseTranscript(toolCallChunks("Response", deltas(userJson, 2))), 40)], pauseMs: 15 }));
    const stream = makeClient(url, "tools").chat.completions.createPartial({ model: "m", messages, response_model: User });
    for await (const partial of stream) {
      if ((partial as { name?: string }).name !== undefined) break;
    }
    expect(await requests[0]?.closed).toBe("client-closed");
    await expect(stream.final).rejects.toMatchObject({ code: "aborted" });
  });

  it("createIterable yields each item as it closes", async () => {
    const Task = z.object({ title: z.string(), done: z.boolean() });
    const items = [{ title: "parse", done: true }, { title: "stream", done: false }];
    const { url, requests } = await serve(() => sse(sseTranscript(toolCallChunks("TaskList", deltas(JSON.stringify({ items }), 5)))));
    const seen: unknown[] = [];
    for await (const task of makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: { schema: Task, name: "Task" } })) seen.push(task);
    expect(seen).toEqual(items);
    const tool = (requests[0]?.body["tools"] as { function: { name: string; parameters: { properties: Record<string, unknown> } } }[])[0];
    expect(tool?.function.name).toBe("TaskList");
    expect(tool?.function.parameters.properties["items"]).toMatchObject({ type: "array" });
  });
});

describe("the clients themselves", () => {
  it("fromOpenAI passes a call without response_model, and every other method, to the SDK", async () => {
    const { url, requests } = await serve(() => ({ headers: { "content-type": "application/json" }, pieces: [JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] })] }));
    const sdk = new OpenAI({ baseURL: url, apiKey: API_KEY });
    const client = fromOpenAI(sdk);
    const plain = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(plain.choices[0]?.message.content).toBe("hi");
    expect(requests[0]?.body).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(client.baseURL).toBe(url);
    expect(client.models).toBe(sdk.models);
    expect(typeof client.embeddings.create).toBe("function");
  });

  it("fromOpenAI passes formwork's signal, timeout and max_transport_retries to the SDK as its request options, and sends none of formwork's fields", async () => {
    const { url, requests } = await serve(() => ({ headers: { "content-type": "application/json" }, pieces: [JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] })] }));
    const client = fromOpenAI(new OpenAI({ baseURL: url, apiKey: API_KEY }));
    const create = client.chat.completions.create as unknown as (params: Record<string, unknown>) => Promise<unknown>;
    await create({ model: "m", messages: [{ role: "user", content: "hi" }], timeout: 5000, idleTimeout: 1000, max_retries: 2, max_transport_retries: 0, extra_body: { seed: 7 }, signal: new AbortController().signal });
    expect(requests[0]?.body).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }], seed: 7 });
    const error = await create({ model: "m", messages: [{ role: "user", content: "hi" }], signal: AbortSignal.abort("not wanted") }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(requests).toHaveLength(1);
  });

  it("fromOpenAI keeps formwork's whole-call timeout on a call passed to the SDK, whose own stops at the headers; a stream its signal stopped throws instead of ending quietly", async () => {
    const chunk = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] })}\n\n`;
    const { url } = await serve((index) =>
      index === 0 ? { headers: { "content-type": "application/json" }, pieces: ['{"id":"x","object":'], stall: "body" } : { headers: { "content-type": "text/event-stream" }, pieces: [chunk], stall: "body" },
    );
    const client = fromOpenAI(new OpenAI({ baseURL: url, apiKey: API_KEY }));
    const create = client.chat.completions.create as unknown as (params: Record<string, unknown>) => Promise<unknown> & { withResponse(): Promise<unknown> };
    const messages = [{ role: "user", content: "hi" }];
    const whole = await create({ model: "m", messages, timeout: 300 }).catch((caught: unknown) => caught);
    expect(whole).toBeInstanceOf(TimeoutError);
    expect(whole).toMatchObject({ deadline: "timeout", ms: 300 });
    const read = async (stream: unknown) => {
      try {
        for await (const item of stream as AsyncIterable<unknown>) void item;
        return "ended quietly";
      } catch (error) {
        return error;
      }
    };
    const timedOut = await read(await create({ model: "m", messages, stream: true, timeout: 300 }));
    expect(timedOut).toBeInstanceOf(TimeoutError);
    const shutdown = new AbortController();
    const stream = await create({ model: "m", messages, stream: true, signal: shutdown.signal });
    setTimeout(() => shutdown.abort("shutting down"), 50);
    expect(await read(stream)).toMatchObject({ name: "AbortError", reason: "shutting down" });
    // The SDK's own promise is what comes back.
    expect(typeof create({ model: "m", messages, stream: true, signal: AbortSignal.abort() }).withResponse).toBe("function");
  });

  it("fromProvider knows presets by name, with the model after a slash", () => {
    expect(fromProvider("groq/llama-3.3-70b-versatile", { apiKey: "x" })).toMatchObject({ provider: "groq", baseURL: "https://api.groq.com/openai/v1" });
    expect(fromProvider("ollama/llama3.2")).toMatchObject({ provider: "ollama", baseURL: "http://localhost:11434/v1" });
    expect(() => fromProvider("nowhere/model")).toThrow(/"nowhere" is not a known provider. Known providers: openai, anthropic/);
  });
});

describe("json_schema mode", () => {
  const Profile = z.object({
    name: z.string(),
    nickname: z.string().optional(),
    level: z.number().int().default(1),
    manager: z.string().nullable(),
  });

  it.each(paths)("sends optional fields as nullable and gives them back as absent (%s)", async (_path, makeClient) => {
    const answer = '{"name": "Ada", "nickname": null, "level": null, "manager": null}';
    const { url, requests } = await serve(() => sse(sseTranscript(contentChunks(deltas(answer, 3)))));
    const stream = makeClient(url, "json_schema").chat.completions.createPartial({ model: "m", messages, response_model: { schema: Profile, name: "Profile" } });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(await stream.final).toEqual({ name: "Ada", level: 1, manager: null });
    for (const partial of partials) {
      expect(partial).not.toHaveProperty("nickname");
      expect(partial).not.toHaveProperty("level");
    }
    expect(partials.at(-1)).toEqual({ name: "Ada", manager: null });
    const format = requests[0]?.body["response_format"] as { json_schema: { schema: Record<string, unknown> } };
    expect(format.json_schema.schema["required"]).toEqual(["name", "nickname", "level", "manager"]);
  });

  it.each(paths)("gives absent fields back as absent in the items of createIterable too (%s)", async (_path, makeClient) => {
    const answer = '{"items": [{"name": "Ada", "nickname": null, "level": 3, "manager": null}, {"name": "Alan", "nickname": "Al", "level": null, "manager": "Ada"}]}';
    const { url } = await serve(() => sse(sseTranscript(contentChunks(deltas(answer, 4)))));
    const items: unknown[] = [];
    for await (const item of makeClient(url, "json_schema").chat.completions.createIterable({ model: "m", messages, response_model: { schema: Profile, name: "Profile" } })) items.push(item);
    expect(items).toEqual([
      { name: "Ada", level: 3, manager: null },
      { name: "Alan", nickname: "Al", level: 1, manager: "Ada" },
    ]);
  });

  it("rejects a schema strict mode cannot express before sending anything", async () => {
    const { url, requests } = await serve(() => sse(""));
    const Scores = z.object({ scores: z.record(z.string(), z.number()) });
    await expect(makeClientFetch(url).chat.completions.create({ model: "m", messages, response_model: Scores })).rejects.toMatchObject({
      code: "unsupported-schema",
      path: "#/properties/scores/additionalProperties",
    });
    expect(requests).toHaveLength(0);
  });
});

function makeClientFetch(url: string): Client {
  return (paths[0] as [string, (url: string, mode: ChatMode) => Client])[1](url, "json_schema");
}

describe("parallel_tools mode", () => {
  const Weather = z.object({ city: z.string(), unit: z.enum(["C", "F"]) });
  const Search = z.object({ query: z.string() });
  const base = { id: "chatcmpl-p", object: "chat.completion.chunk", created: 1, model: "test-model" };
  const call = (index: number, fields: Record<string, unknown>) => ({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, ...fields }] }, finish_reason: null }] });
  // Three calls whose argument deltas interleave: Weather (0), Search (1), Weather (2).
  const chunks = [
    call(0, { id: "call_0", type: "function", function: { name: "Weather", arguments: "" } }),
    call(1, { id: "call_1", type: "function", function: { name: "Search", arguments: '{"query": "best ' } }),
    call(0, { function: { arguments: '{"city": "Zürich", ' } }),
    call(2, { id: "call_2", type: "function", function: { name: "Weather", arguments: '{"city": "Oslo", "unit": "C"}' } }),
    call(1, { function: { arguments: 'fondue"}' } }),
    call(0, { function: { arguments: '"unit": "F"}' } }),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
  ];

  it.each(paths)("reads every call by the schema its name points to, each item as it closes (%s)", async (_path, makeClient) => {
    const { url, requests } = await serve(() => sse(sseTranscript(chunks)));
    const client = makeClient(url, "parallel_tools");
    const items: unknown[] = [];
    const stream = client.chat.completions.createIterable({ model: "m", messages, response_model: [{ schema: Weather, name: "Weather" }, { schema: Search, name: "Search" }] });
    for await (const item of stream) items.push(item);
    expect(items).toEqual([{ city: "Oslo", unit: "C" }, { query: "best fondue" }, { city: "Zürich", unit: "F" }]);
    const body = requests[0]?.body as { tools: { function: { name: string } }[]; tool_choice: unknown };
    expect(body.tools.map((tool) => tool.function.name)).toEqual(["Weather", "Search"]);
    expect(body.tool_choice).toBe("required");
  });

  it("ends with ValidationError when the model calls a tool that was not offered", async () => {
    const { url } = await serve(() => sse(sseTranscript([call(0, { id: "c", type: "function", function: { name: "Delete", arguments: "{}" } })])));
    const stream = makeClientFetchMode(url, "parallel_tools").chat.completions.createIterable({ model: "m", messages, response_model: [{ schema: Search, name: "Search" }] });
    await expect(async () => {
      for await (const item of stream) void item;
    }).rejects.toMatchObject({ code: "validation-failed", issues: [{ message: expect.stringContaining('"Delete", which was not offered') }] });
  });
});

function makeClientFetchMode(url: string, mode: ChatMode): Client {
  return (paths[0] as [string, (url: string, mode: ChatMode) => Client])[1](url, mode);
}

describe("transport and cancellation", () => {
  it.each(paths)("sends the request again when the connection drops before any output (%s)", async (_path, makeClient) => {
    const { url, requests } = await serve((index) => (index === 0 ? { pieces: [": opening\n\n"], drop: true } : sse(sseTranscript(toolCallChunks("Response", [userJson])))));
    expect(await makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User })).toEqual(expectedUser);
    expect(requests).toHaveLength(2);
  });

  it.each(paths)("create with stream: true resolves to the partial stream (%s)", async (_path, makeClient) => {
    const { url } = await serve(() => sse(sseTranscript(toolCallChunks("Response", deltas(userJson, 5)))));
    const stream = await makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User, stream: true });
    let last: unknown;
    for await (const partial of stream) last = partial;
    expect(last).toEqual(expectedUser);
    expect(await stream.final).toEqual(expectedUser);
  });

  it.each(paths)("timeout and signal cancel the request (%s)", async (_path, makeClient) => {
    const slow = () => ({ pieces: deltas(sseTranscript(toolCallChunks("Response", deltas(userJson, 2))), 30), pauseMs: 20 });
    const { url, requests } = await serve(slow);
    const timedOut = await makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User, timeout: 60 }).catch((caught: unknown) => caught);
    // The whole call's deadline is its own typed error, naming the deadline and its duration.
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect(timedOut).toMatchObject({ code: "timeout", deadline: "timeout", ms: 60, isRetryable: false });
    expect(await requests[0]?.closed).toBe("client-closed");
    const controller = new AbortController();
    const pending = makeClient(url, "tools").chat.completions.create({ model: "m", messages, response_model: User, signal: controller.signal });
    setTimeout(() => controller.abort("user left"), 30);
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    expect(await requests[1]?.closed).toBe("client-closed");
  });
});

describe("hooks in streaming calls", () => {
  it.each(paths)("completion:error and completion:last_attempt fire while streaming (%s)", async (_path, makeClient) => {
    const { url } = await serve(() => ({ status: 503, headers: { "content-type": "application/json" }, pieces: ['{"error": {"message": "overloaded", "type": "server_error"}}'] }));
    const client = makeClient(url, "tools");
    const fired: [string, number][] = [];
    client.on("completion:error", (payload: never) => fired.push(["completion:error", (payload as { attempt: number }).attempt]));
    client.on("completion:last_attempt", (payload: never) => fired.push(["completion:last_attempt", (payload as { attempt: number }).attempt]));
    const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: User, max_transport_retries: 1 });
    await expect(async () => {
      for await (const partial of stream) void partial;
    }).rejects.toMatchObject({ status: 503 });
    expect(fired).toEqual([["completion:error", 1], ["completion:error", 1], ["completion:last_attempt", 1]]);
  });
});

describe("fromProvider options", () => {
  it("sends through the fetch given, with the headers given and the key as a bearer token", async () => {
    const { url, requests } = await serve(() => sse(sseTranscript(toolCallChunks("Response", [userJson]))));
    const calls: string[] = [];
    const client = fromProvider({
      provider: "custom",
      baseURL: url,
      apiKey: API_KEY,
      headers: { "x-team": "formwork" },
      fetch: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
    });
    expect(await client.chat.completions.create({ model: "m", messages, response_model: User })).toEqual(expectedUser);
    expect(calls).toEqual([`${url}/chat/completions`]);
    expect(requests[0]?.headers["x-team"]).toBe("formwork");
    expect(requests[0]?.headers["authorization"]).toBe(`Bearer ${API_KEY}`);
  });
});

describe("parallel tool calls need their mode", () => {
  it("refuses several schemas in a single-tool mode, and one schema in parallel_tools", () => {
    const Search = z.object({ query: z.string() });
    const tools = makeClientFetchMode("http://127.0.0.1:9/v1", "tools");
    expect(() => tools.chat.completions.createIterable({ model: "m", messages, response_model: [{ schema: Search, name: "Search" }] })).toThrow(/response_model is an array of schemas, which takes a client whose mode calls several tools \("parallel_tools"; this client.s mode is "tools"\)/);
    const parallel = makeClientFetchMode("http://127.0.0.1:9/v1", "parallel_tools");
    expect(() => parallel.chat.completions.createIterable({ model: "m", messages, response_model: Search })).toThrow(/array of \{ schema, name \}/);
  });
});

describe("a preset's model", () => {
  it("is sent, and reported by completion:kwargs, when a call names none", async () => {
    const { url, requests } = await serve(() => sse(sseTranscript(toolCallChunks("Response", [userJson]))));
    const client = fromProvider("ollama/llama3.2", { baseURL: url });
    const reported: unknown[] = [];
    client.on("completion:kwargs", ({ body }) => reported.push(body["model"]));
    expect(await client.chat.completions.create({ messages, response_model: User })).toEqual(expectedUser);
    expect(requests[0]?.body["model"]).toBe("llama3.2");
    expect(reported).toEqual(["llama3.2"]);
  });
});

describe("a structured stream settles whoever reads it", () => {
  it.each(paths)("final settles after a reader stops pulling without return() (%s)", async (_path, makeClient) => {
    const { url } = await serve(() => streamed(toolCallChunks("Response", deltas(userJson, 3))));
    const stream = makeClient(url, "tools").chat.completions.createPartial({ model: "m", messages, response_model: User });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(await stream.final).toEqual(expectedUser); // no more pulls: the call still runs to its end
    expect(() => stream.updates()).toThrow(/already being read/);
  });

  it.each(paths)("a retry runs to its end without a reader (%s)", async (_path, makeClient) => {
    const { url, requests } = await serve((index) => streamed(toolCallChunks("Response", deltas(index === 0 ? '{"name": "Ada"}' : userJson, 6))));
    const stream = makeClient(url, "tools").chat.completions.createPartial({ model: "m", messages, response_model: User, max_retries: 1 });
    expect(await stream.result).toMatchObject({ data: expectedUser, attempts: 2 });
    expect(requests).toHaveLength(2);
  });
});
