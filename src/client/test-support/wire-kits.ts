// Each wire's transcripts for the fault tests, written from the wire formats themselves: an
// answer in the forced tool, the start of one (for a stall after output), a flood of text on the
// channel tools mode ignores, error events, error bodies, and a client per path (fetch, SDK).
// Node only: test support.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import type { HttpOptions } from "../../http/deadlines.js";
import { fromAnthropic } from "../from-anthropic.js";
import { fromGemini } from "../from-gemini.js";
import { fromOpenAI } from "../from-openai.js";
import { fromProvider } from "../from-provider.js";
import { nodeHttpClient } from "../../http/node/node-http-client.js";
import type { StructuredCompletions } from "../structured-client.js";
import type { HookName } from "../hooks.js";

export type Client = { chat: { completions: StructuredCompletions }; on(name: HookName, handler: (payload: never) => void): void };

export interface WireKit {
  readonly wire: string;
  readonly contentType: string;
  /** A whole answer: the forced tool's arguments are `json`. */
  answer(json: string): string;
  /** The start of an answer whose arguments begin with `json` (no ending). */
  start(json: string): string;
  /** A tool call named `name` with the arguments `json` so far (whole, on wires that send them whole), and no ending. */
  call(name: string, json: string): string;
  /** The start of a stream, then text on the channel tools mode ignores, in `pieces`. */
  flood(piece: string): { readonly head: string; readonly piece: string };
  /** An error event (or line) inside the stream whose message is `message` (retryable kind). */
  errorEvent(message: string): string;
  /** An error event of a kind no retry fixes (quota, permission), nested as some servers do. */
  finalErrorEvent(message: string): string | undefined;
  /** The JSON body of an HTTP error. */
  errorBody(message: string): string;
  /** One event (or line) whose data is `data`, as the wire frames it. */
  frame(data: string): string;
  /** The clients of each path, given the replay server's URL (ending in /v1). */
  readonly paths: readonly (readonly [string, (url: string, key: string, options: HttpOptions) => Client])[];
}

const sse = (data: string, event?: string) => `${event === undefined ? "" : `event: ${event}\n`}data: ${data}\n\n`;
const json = (value: unknown) => JSON.stringify(value);
const root = (url: string) => url.replace(/\/v1$/, "");

const chatBase = { id: "chatcmpl-9", object: "chat.completion.chunk", created: 1, model: "m" };
const chatToolStart = (text: string) => sse(json({ ...chatBase, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Response", arguments: text } }] }, finish_reason: null }] }));

const chat: WireKit = {
  wire: "Chat Completions",
  contentType: "text/event-stream",
  answer: (text) => chatToolStart(text) + sse(json({ ...chatBase, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] })) + sse("[DONE]"),
  start: chatToolStart,
  call: (name, text) => sse(json({ ...chatBase, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name, arguments: text } }] }, finish_reason: null }] })),
  flood: (piece) => ({ head: chatToolStart(""), piece: sse(json({ ...chatBase, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })) }),
  errorEvent: (message) => sse(json({ error: { message, type: "server_error" } })),
  finalErrorEvent: (message) => sse(json({ error: { error: { message, type: "insufficient_quota", code: "insufficient_quota" } } })),
  errorBody: (message) => json({ error: { message, type: "invalid_request_error" } }),
  frame: (data) => sse(data),
  paths: [
    ["fetch", (url, key, options) => fromProvider({ provider: "test", baseURL: url, apiKey: key, mode: "tools", ...options }) as unknown as Client],
    ["node-http", (url, key, options) => fromProvider({ provider: "test", baseURL: url, apiKey: key, mode: "tools", ...options, httpClient: nodeHttpClient() }) as unknown as Client],
    ["sdk", (url, key, options) => fromOpenAI(new OpenAI({ apiKey: key, baseURL: url }), { provider: "test", mode: "tools", ...options }) as unknown as unknown as Client],
  ],
};

const responsesStart = (text: string) =>
  sse(json({ type: "response.created", response: { id: "resp_1", model: "m", status: "in_progress" } }), "response.created") +
  sse(json({ type: "response.output_item.added", output_index: 0, item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "Response", arguments: "" } }), "response.output_item.added") +
  (text === "" ? "" : sse(json({ type: "response.function_call_arguments.delta", output_index: 0, item_id: "fc_1", delta: text }), "response.function_call_arguments.delta"));

const responses: WireKit = {
  wire: "Responses",
  contentType: "text/event-stream",
  answer: (text) => responsesStart(text) + sse(json({ type: "response.completed", response: { id: "resp_1", status: "completed", usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } } }), "response.completed"),
  start: responsesStart,
  call: (name, text) =>
    sse(json({ type: "response.output_item.added", output_index: 0, item: { type: "function_call", id: "fc_1", call_id: "call_1", name, arguments: "" } }), "response.output_item.added") +
    sse(json({ type: "response.function_call_arguments.delta", output_index: 0, item_id: "fc_1", delta: text }), "response.function_call_arguments.delta"),
  flood: (piece) => ({ head: responsesStart(""), piece: sse(json({ type: "response.output_text.delta", output_index: 1, delta: piece }), "response.output_text.delta") }),
  errorEvent: (message) => sse(json({ type: "error", code: "server_error", message }), "error"),
  // The Responses API nests `{ type, code, message }` under `error`.
  finalErrorEvent: (message) => sse(json({ type: "error", error: { type: "insufficient_quota", code: "insufficient_quota", message } }), "error"),
  errorBody: (message) => json({ error: { message, type: "invalid_request_error" } }),
  frame: (data) => sse(data),
  paths: [
    ["fetch", (url, key, options) => fromProvider({ provider: "test", baseURL: url, apiKey: key, api: "responses", mode: "tools", ...options }) as unknown as Client],
    ["node-http", (url, key, options) => fromProvider({ provider: "test", baseURL: url, apiKey: key, api: "responses", mode: "tools", ...options, httpClient: nodeHttpClient() }) as unknown as Client],
    ["sdk", (url, key, options) => fromOpenAI(new OpenAI({ apiKey: key, baseURL: url }), { provider: "test", api: "responses", mode: "tools", ...options }) as unknown as unknown as Client],
  ],
};

const anthropicEvent = (type: string, data: Record<string, unknown>) => sse(json({ type, ...data }), type);
const anthropicStart = (text: string) =>
  anthropicEvent("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } }) +
  anthropicEvent("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "Response", input: {} } }) +
  (text === "" ? "" : anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: text } }));

const anthropic: WireKit = {
  wire: "Anthropic",
  contentType: "text/event-stream",
  answer: (text) =>
    anthropicStart(text) +
    anthropicEvent("content_block_stop", { index: 0 }) +
    anthropicEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 5 } }) +
    anthropicEvent("message_stop", {}),
  start: anthropicStart,
  call: (name, text) =>
    anthropicEvent("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], usage: { input_tokens: 3, output_tokens: 1 } } }) +
    anthropicEvent("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_1", name, input: {} } }) +
    anthropicEvent("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: text } }),
  flood: (piece) => ({
    head: anthropicEvent("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], usage: { input_tokens: 3, output_tokens: 1 } } }) + anthropicEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    piece: anthropicEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } }),
  }),
  errorEvent: (message) => anthropicEvent("error", { error: { type: "api_error", message } }),
  finalErrorEvent: (message) => anthropicEvent("error", { error: { type: "permission_error", message } }),
  errorBody: (message) => json({ type: "error", error: { type: "authentication_error", message } }),
  frame: (data) => sse(data, "message_start"),
  paths: [
    ["fetch", (url, key, options) => fromProvider({ provider: "anthropic", baseURL: url, apiKey: key, mode: "tools", ...options }) as unknown as Client],
    ["node-http", (url, key, options) => fromProvider({ provider: "anthropic", baseURL: url, apiKey: key, mode: "tools", ...options, httpClient: nodeHttpClient() }) as unknown as Client],
    ["sdk", (url, key, options) => fromAnthropic(new Anthropic({ apiKey: key, baseURL: root(url) }), { mode: "tools", ...options }) as unknown as unknown as Client],
  ],
};

const geminiCall = (args: unknown, finish?: string) => json({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "Response", args } }] }, ...(finish === undefined ? {} : { finishReason: finish }) }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7 } });

const gemini: WireKit = {
  wire: "Gemini",
  contentType: "text/event-stream",
  answer: (text) => sse(geminiCall(JSON.parse(text), "STOP")),
  // Function calls arrive whole: output is shown once one arrived (here a whole, valid one).
  start: (text) => sse(geminiCall(JSON.parse(`${text}","age":36}`))),
  call: (name, text) => sse(json({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name, args: JSON.parse(text) } }] } }] })),
  flood: (piece) => ({ head: "", piece: sse(json({ candidates: [{ content: { role: "model", parts: [{ text: piece }] } }] })) }),
  errorEvent: (message) => sse(json({ error: { code: 500, message, status: "INTERNAL" } })),
  finalErrorEvent: (message) => sse(json({ error: { code: 403, message, status: "PERMISSION_DENIED" } })),
  errorBody: (message) => json({ error: { code: 401, message, status: "UNAUTHENTICATED" } }),
  frame: (data) => sse(data),
  paths: [
    ["fetch", (url, key, options) => fromProvider({ provider: "gemini", baseURL: url, apiKey: key, mode: "tools", ...options }) as unknown as Client],
    ["node-http", (url, key, options) => fromProvider({ provider: "gemini", baseURL: url, apiKey: key, mode: "tools", ...options, httpClient: nodeHttpClient() }) as unknown as Client],
    ["sdk", (url, key, options) => fromGemini(new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: root(url) } }), { mode: "tools", ...options }) as unknown as unknown as Client],
  ],
};

const ollamaLine = (value: unknown) => `${json(value)}\n`;
const ollamaCall = (args: unknown) => ollamaLine({ model: "m", message: { role: "assistant", content: "", tool_calls: [{ function: { name: "Response", arguments: args } }] }, done: false });

const ollama: WireKit = {
  wire: "Ollama",
  contentType: "application/x-ndjson",
  answer: (text) => ollamaCall(JSON.parse(text)) + ollamaLine({ model: "m", message: { role: "assistant", content: "" }, done: true, done_reason: "stop", prompt_eval_count: 3, eval_count: 4 }),
  start: (text) => ollamaCall(JSON.parse(`${text}","age":36}`)),
  call: (name, text) => ollamaLine({ model: "m", message: { role: "assistant", content: "", tool_calls: [{ function: { name, arguments: JSON.parse(text) } }] }, done: false }),
  flood: (piece) => ({ head: "", piece: ollamaLine({ model: "m", message: { role: "assistant", content: piece }, done: false }) }),
  errorEvent: (message) => ollamaLine({ error: message }),
  finalErrorEvent: () => undefined,
  errorBody: (message) => json({ error: message }),
  frame: (data) => `${data}\n`,
  paths: [
    ["fetch", (url, key, options) => fromProvider({ provider: "ollama-native", baseURL: url, apiKey: key, mode: "tools", ...options }) as unknown as Client],
    ["node-http", (url, key, options) => fromProvider({ provider: "ollama-native", baseURL: url, apiKey: key, mode: "tools", ...options, httpClient: nodeHttpClient() }) as unknown as Client],
  ],
};

/** Every wire, with its paths. */
export const WIRE_KITS: readonly WireKit[] = [chat, responses, anthropic, gemini, ollama];
