// The wire quirks of real servers (issue 11, findings 10-15, and 4-5), each replayed from a
// transcript written for this test from the facts of the wire, by a loopback server, on the
// fetch path and through the SDK where one exists. A quirk never turns a correct answer into an
// error, and an error says what happened.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fromAnthropic } from "../client/from-anthropic.js";
import { fromGemini } from "../client/from-gemini.js";
import { fromOpenAI } from "../client/from-openai.js";
import { fromProvider } from "../client/from-provider.js";
import type { StructuredCompletions } from "../client/structured-client.js";
import { ProviderError } from "../errors/provider-error.js";
import { JsonParseError } from "../json/json-parse-error.js";
import { useReplayServer } from "./test-support/provider-fixtures.js";

type Client = { chat: { completions: StructuredCompletions } };
const KEY = "sk-quirk-0123456789";
const messages = [{ role: "user" as const, content: "Extract." }];
const HARD_TIMEOUT = 15_000;
const sse = (data: unknown, event?: string) => `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
const root = (url: string) => url.replace(/\/v1$/, "");
const { serve } = useReplayServer();

describe("Anthropic: a forced tool with empty arguments (input: {} and one partial_json: \"\")", () => {
  const Optional = z.object({ nickname: z.string().optional() });
  const event = (type: string, data: Record<string, unknown>) => sse({ type, ...data }, type);
  const transcript = [
    event("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], usage: { input_tokens: 5, output_tokens: 1 } } }),
    event("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "Response", input: {} } }),
    event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }),
    event("content_block_stop", { index: 0 }),
    event("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 3 } }),
    event("message_stop", {}),
  ].join("");
  const paths: [string, (url: string) => Client][] = [
    ["fetch", (url) => fromProvider({ provider: "anthropic", baseURL: url, apiKey: KEY })],
    ["sdk", (url) => fromAnthropic(new Anthropic({ apiKey: KEY, baseURL: root(url) }))],
  ];
  it.each(paths)("is the answer {} on the %s path, asked once", async (_path, client) => {
    const { url, requests } = await serve(() => ({ pieces: [transcript] }));
    expect(await client(url).chat.completions.create({ model: "m", messages, response_model: Optional, max_retries: 2 })).toEqual({});
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);
});

describe("Responses API without argument deltas (LM Studio)", () => {
  const User = z.object({ name: z.string(), age: z.number() });
  const args = '{"name":"Ada","age":36}';
  const item = { type: "function_call", id: "fc_1", call_id: "call_1", name: "Response" };
  const head = sse({ type: "response.created", response: { id: "resp_1", model: "m" } }, "response.created") + sse({ type: "response.output_item.added", output_index: 0, item: { ...item, arguments: "" } }, "response.output_item.added");
  const tail = sse({ type: "response.completed", response: { id: "resp_1", status: "completed", usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } } }, "response.completed");
  const transcripts: [string, string][] = [
    ["function_call_arguments.done and output_item.done", head + sse({ type: "response.function_call_arguments.done", output_index: 0, item_id: "fc_1", arguments: args }, "response.function_call_arguments.done") + sse({ type: "response.output_item.done", output_index: 0, item: { ...item, arguments: args } }, "response.output_item.done") + tail],
    ["output_item.done alone", head + sse({ type: "response.output_item.done", output_index: 0, item: { ...item, arguments: args } }, "response.output_item.done") + tail],
  ];
  const paths: [string, (url: string) => Client][] = [
    ["fetch", (url) => fromProvider({ provider: "lmstudio", baseURL: url, api: "responses", mode: "tools" })],
    ["sdk", (url) => fromOpenAI(new OpenAI({ apiKey: KEY, baseURL: url }), { api: "responses", mode: "tools" }) as unknown as Client],
  ];
  for (const [name, transcript] of transcripts) {
    it.each(paths)(`reads the arguments from ${name} (%s)`, async (_path, client) => {
      const { url } = await serve(() => ({ pieces: [transcript] }));
      expect(await client(url).chat.completions.create({ model: "m", messages, response_model: User })).toEqual({ name: "Ada", age: 36 });
    }, HARD_TIMEOUT);
  }

  it.each(paths)("takes the deltas, not the done events, when deltas came (%s)", async (_path, client) => {
    const withDeltas = head + sse({ type: "response.function_call_arguments.delta", output_index: 0, item_id: "fc_1", delta: args }, "response.function_call_arguments.delta") + sse({ type: "response.output_item.done", output_index: 0, item: { ...item, arguments: args } }, "response.output_item.done") + tail;
    const { url } = await serve(() => ({ pieces: [withDeltas] }));
    expect(await client(url).chat.completions.create({ model: "m", messages, response_model: User })).toEqual({ name: "Ada", age: 36 });
  }, HARD_TIMEOUT);
});

describe("OpenRouter: finish_reason length, then an error chunk whose code is the number 400", () => {
  const base = { id: "gen-1", object: "chat.completion.chunk", created: 1, model: "m" };
  const transcript =
    sse({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }) +
    sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "length" }] }) +
    sse({ error: { code: 400, message: "Provider returned error" } }) +
    sse("[DONE]");
  const paths: [string, (url: string) => Client][] = [
    ["fetch", (url) => fromProvider({ provider: "openrouter", baseURL: url, apiKey: KEY, mode: "json" })],
    ["sdk", (url) => fromOpenAI(new OpenAI({ apiKey: KEY, baseURL: url }), { provider: "openrouter", mode: "json" }) as unknown as Client],
  ];
  it.each(paths)("maps the code as HTTP 400 (not retried) and keeps the truncation on the error (%s)", async (_path, client) => {
    const { url, requests } = await serve(() => ({ pieces: [transcript] }));
    const error = await client(url).chat.completions.create({ model: "m", messages, response_model: z.object({ a: z.string() }), max_transport_retries: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ isRetryable: false, finishReason: "length", status: 400 });
    expect((error as Error).message).toContain("Provider returned error");
    expect((error as Error).message).toContain("length");
    expect(requests).toHaveLength(1);
  }, HARD_TIMEOUT);
});

describe("Gemini: function calls in separate events are separate calls", () => {
  const User = z.object({ name: z.string(), age: z.number() });
  const call = (args: unknown, finish?: string) => sse({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "Response", args } }] }, ...(finish === undefined ? {} : { finishReason: finish }) }] });
  const transcript = call({ name: "Ada", age: 36 }) + call({ name: "Alan", age: 41 }, "STOP");
  const paths: [string, (url: string) => Client][] = [
    ["fetch", (url) => fromProvider({ provider: "gemini", baseURL: url, apiKey: KEY, mode: "tools" })],
    ["sdk", (url) => fromGemini(new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: root(url) } }), { mode: "tools" })],
  ];
  it.each(paths)("the first call is the answer, not the two run together (%s)", async (_path, client) => {
    const { url } = await serve(() => ({ pieces: [transcript] }));
    expect(await client(url).chat.completions.create({ model: "m", messages, response_model: User })).toEqual({ name: "Ada", age: 36 });
  }, HARD_TIMEOUT);
});

describe("prose with no JSON in the JSON modes", () => {
  const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
  const prose = "Sorry, I can't help with that.";
  const transcript = sse({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: prose }, finish_reason: null }] }) + sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) + sse("[DONE]");
  it.each(["md_json", "json"] as const)("says the model answered without JSON and quotes it (%s)", async (mode) => {
    const { url } = await serve(() => ({ pieces: [transcript] }));
    const error = await fromProvider({ provider: "test", baseURL: url, apiKey: KEY, mode }).chat.completions.create({ model: "m", messages, response_model: z.object({ a: z.string() }) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JsonParseError);
    expect((error as Error).message).toMatch(/answered without JSON/);
    expect((error as Error).message).toContain(prose);
    expect((error as Error).message).toContain('"stop"');
  }, HARD_TIMEOUT);
});

describe("message text and no tool call in tools mode", () => {
  const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
  const text = '{"a": "in the message, not in a tool call"}';
  const transcript = sse({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: text }, finish_reason: null }] }) + sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) + sse("[DONE]");
  it("says the model wrote message text instead of calling the tool, quotes it, and names the modes that read it", async () => {
    const { url } = await serve(() => ({ pieces: [transcript] }));
    const error = await fromProvider({ provider: "test", baseURL: url, apiKey: KEY, mode: "tools" }).chat.completions.create({ model: "m", messages, response_model: z.object({ a: z.string() }), max_retries: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(JsonParseError);
    expect((error as Error).message).toMatch(/wrote message text instead of calling the tool/);
    expect((error as Error).message).toContain(JSON.stringify(text));
    expect((error as Error).message).toContain('mode "json" or "md_json"');
  }, HARD_TIMEOUT);
});

describe("createIterable (one schema) closes the request at once", () => {
  const Item = z.object({ name: z.string() });
  const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
  // One whole item, then silence: nothing more will arrive to wake a waiting reader.
  const opening = sse({ ...base, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "ItemList", arguments: '{"items":[{"name":"Ada"},' } }] }, finish_reason: null }] });
  const paths: [string, (url: string) => Client][] = [
    ["fetch", (url) => fromProvider({ provider: "test", baseURL: url, apiKey: KEY })],
    ["sdk", (url) => fromOpenAI(new OpenAI({ apiKey: KEY, baseURL: url })) as unknown as Client],
  ];
  it.each(paths)("after break, while the server is silent (%s)", async (_path, client) => {
    const { url, requests } = await serve(() => ({ pieces: [opening], stall: "body" }));
    for await (const item of client(url).chat.completions.createIterable({ model: "m", messages, response_model: { schema: Item, name: "Item" } })) {
      expect(item).toEqual({ name: "Ada" });
      break;
    }
    expect(await requests[0]?.closed).toBe("client-closed");
  }, HARD_TIMEOUT);

  it.each(paths)("after abort(), while the server is silent (%s)", async (_path, client) => {
    const { url, requests } = await serve(() => ({ pieces: [opening], stall: "body" }));
    const items = client(url).chat.completions.createIterable({ model: "m", messages, response_model: { schema: Item, name: "Item" } });
    const iterator = items[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ name: "Ada" });
    items.abort("the user left");
    expect(await requests[0]?.closed).toBe("client-closed");
    await expect(iterator.next()).rejects.toMatchObject({ code: "aborted" });
  }, HARD_TIMEOUT);
});

describe("a recursive z.lazy schema", () => {
  type Tree = { c: Tree[] };
  const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ c: z.array(Tree) }));
  it("is sent and read through the client, without a stack overflow", async () => {
    const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    const answer = '{"c":[{"c":[]},{"c":[{"c":[]}]}]}';
    const transcript = sse({ ...base, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Response", arguments: answer } }] }, finish_reason: null }] }) + sse("[DONE]");
    const { url, requests } = await serve(() => ({ pieces: [transcript] }));
    expect(await fromProvider({ provider: "test", baseURL: url, apiKey: KEY }).chat.completions.create({ model: "m", messages, response_model: Tree })).toEqual(JSON.parse(answer));
    const tools = requests[0]?.body["tools"] as { function: { parameters: Record<string, unknown> } }[];
    expect(JSON.stringify(tools[0]?.function.parameters)).toContain('"$ref"');
  }, HARD_TIMEOUT);
});
