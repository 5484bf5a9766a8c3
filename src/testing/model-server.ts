// The offline model server: a real HTTP server on loopback that speaks the OpenAI Chat
// Completions wire (and Anthropic's Messages wire, and Ollama's native chat), streaming and not, with tools,
// response_format and usage. It is an offline
// stand-in that fills in schemas, not a model that understands prompts: its answers are
// schema-valid sample data, the same for the same seed and request. Faults come on request, by
// a header (`x-formwork-fault`) or a suffix on the model name (`gpt-4o-mini+invalid-first`).
// Node only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { JsonParser } from "../json/json-parser.js";
import { anthropicError, chatRequestOf, completeMessage, streamMessages } from "./anthropic-wire.js";
import { batchRoutes } from "./batch-wire.js";
import { chatRequestOfGemini, chatRequestOfResponses, streamGemini, streamResponses } from "./more-wires.js";
import { chatRequestOfOllama, completeOllama, streamOllama } from "./ollama-wire.js";
import { sampleValue, seededRandom } from "./sample-data.js";
import { strictToolProblem } from "./strict-tools.js";
import { mediaProblem } from "./media-parts.js";
import { TimerWheel } from "./timer-wheel.js";

/** Misbehaviour on request. */
export type ModelFault =
  /** The first attempt's answer breaks the schema (a retry with the errors fed back is answered well). */
  | "invalid-first"
  /** The answer stops at the token limit (`finish_reason: "length"`). */
  | "length"
  /** The connection drops mid-answer. */
  | "drop"
  /** An error event arrives mid-stream, after a 200. */
  | "error"
  /** The first request is answered 429 with Retry-After; the same request again succeeds. */
  | "429"
  /** The first token comes only after a pause (1.5 s). */
  | "slow-first-token";

const FAULTS: readonly ModelFault[] = ["invalid-first", "length", "drop", "error", "429", "slow-first-token"];

/**
 * A scripted answer: `text` is streamed exactly when `match` fits the latest user message it
 * can (a string it contains, a regular expression), or when a function of the request says so.
 * A retry's errors fed back as a user message still get the prompt's script.
 */
export interface ScriptedAnswer {
  readonly match: string | RegExp | ((request: Record<string, unknown>) => boolean);
  readonly text: string;
}

export interface ModelServerOptions {
  /** Default 0: any free port. */
  readonly port?: number;
  /** Seeds the sample data; default 1. */
  readonly seed?: number;
  /** Streaming rate; default 0: as fast as the socket takes it. */
  readonly tokensPerSecond?: number;
  readonly scripts?: readonly ScriptedAnswer[];
  /** The pause of the slow-first-token fault, in ms; default 1500. */
  readonly slowFirstTokenMs?: number;
}

export interface ModelServer {
  /** The base URL to give a client (`…/v1`). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Answer {
  /** The tool calls to make (name and arguments text), or undefined for a content answer. */
  readonly tools: readonly { readonly name: string; readonly text: string }[] | undefined;
  readonly content: string;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

// Stands for a token's piece in an event template (see stream()).
const MARKER = "\u0000piece\u0000";

function hash(text: string): number {
  let value = 2166136261;
  for (let i = 0; i < text.length; i++) value = Math.imul(value ^ text.charCodeAt(i), 16777619);
  return value >>> 0;
}

function messageText(message: unknown): string {
  const content = (message as Json | undefined)?.["content"];
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof (part as Json)["text"] === "string" ? (part as Json)["text"] : "")).join("");
  return "";
}

// The JSON Schema that formwork (or a user) put into a system message for the prompt modes.
function schemaInPrompt(messages: readonly Json[]): Json | undefined {
  for (const message of messages) {
    if (message["role"] !== "system" && message["role"] !== "developer") continue;
    const text = messageText(message);
    const start = text.indexOf("{");
    if (start < 0 || !/schema/i.test(text)) continue;
    const parser = new JsonParser({ lenient: true });
    try {
      parser.write(text.slice(start));
      const value = parser.end();
      if (typeof value === "object" && value !== null) return value as Json;
    } catch {
      // Not a schema after all: look further.
    }
  }
  return undefined;
}

// A value that breaks its schema, for the invalid-first fault: a number field given text, or a
// string field given a number, or a required field left out.
function breakValue(value: unknown, schema: Json): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return 12345;
  const properties = (schema["properties"] as Record<string, Json> | undefined) ?? {};
  const broken: Json = { ...(value as Json) };
  for (const [key, property] of Object.entries(properties)) {
    const type = Array.isArray(property["type"]) ? property["type"][0] : property["type"];
    if (type === "integer" || type === "number") return { ...broken, [key]: "thirty-six" };
  }
  for (const [key, property] of Object.entries(properties)) {
    if (property["type"] === "string") return { ...broken, [key]: 12345 };
  }
  const required = (schema["required"] as string[] | undefined) ?? [];
  if (required[0] !== undefined) delete broken[required[0]];
  return broken;
}

// The schema of a json_schema response format, if the request has one.
function formatSchema(body: Json): Json | undefined {
  const format = body["response_format"] as Json | undefined;
  return format?.["type"] === "json_schema" ? (((format["json_schema"] as Json)["schema"] as Json | undefined) ?? {}) : undefined;
}

// A scripted answer broken for the invalid-first fault, as breakValue breaks sample data; a
// value the schema gives no handle on loses its first member instead.
function breakScript(text: string, schema: Json): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // not JSON: a retry will not fix it either, so it is served as written
  }
  const broken = breakValue(value, schema);
  if (JSON.stringify(broken) !== JSON.stringify(value)) return JSON.stringify(broken);
  const [first] = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  if (first === undefined) return JSON.stringify(12345);
  const rest: Json = { ...(value as Json) };
  delete rest[first];
  return JSON.stringify(rest);
}

// True while the conversation holds no feedback on an earlier answer: no tool result, and no
// assistant turn after the first user message (few-shot examples before it do not count).
function isFirstAttempt(messages: readonly Json[]): boolean {
  const firstUser = messages.findIndex((message) => message["role"] === "user");
  return !messages.some((message, index) => message["role"] === "tool" || (message["role"] === "assistant" && index > firstUser));
}

function faultsOf(request: IncomingMessage, model: string): Set<ModelFault> {
  const named = [String(request.headers["x-formwork-fault"] ?? ""), ...model.split("+").slice(1)]
    .flatMap((item) => item.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
  for (const fault of named) {
    if (!FAULTS.includes(fault as ModelFault)) throw new RequestError(400, `Unknown fault "${fault}" (known: ${FAULTS.join(", ")})`, "model");
  }
  return new Set(named as ModelFault[]);
}

function answerFor(body: Json, seed: number, faults: ReadonlySet<ModelFault>, scripts: readonly ScriptedAnswer[]): Answer {
  const messages = body["messages"] as Json[];
  // The latest user message that a script matches: a retry in the content modes feeds the
  // errors back as a user message after the prompt, and should still get the prompt's script.
  const userTexts = messages.filter((message) => message["role"] === "user").map(messageText).reverse();
  const fits = ({ match }: ScriptedAnswer, text: string) => (typeof match === "function" ? match(body) : typeof match === "string" ? text.includes(match) : match.test(text));
  let script: ScriptedAnswer | undefined;
  for (const text of userTexts.length > 0 ? userTexts : [""]) if ((script = scripts.find((candidate) => fits(candidate, text))) !== undefined) break;
  const tools = Array.isArray(body["tools"]) ? (body["tools"] as Json[]).map((tool) => tool["function"] as Json) : [];
  const choice = body["tool_choice"];
  const forced = typeof choice === "object" && choice !== null ? ((choice as Json)["function"] as Json | undefined)?.["name"] : undefined;
  const called = forced !== undefined ? tools.filter((tool) => tool["name"] === forced) : choice === "required" || choice === undefined ? tools : [];
  // The same request gives the same answer; another prompt another one.
  const next = seededRandom(hash(`${seed}:${JSON.stringify(messages)}`));
  const shouldBreak = faults.has("invalid-first") && isFirstAttempt(messages);
  const fill = (schema: Json) => JSON.stringify(shouldBreak ? breakValue(sampleValue(schema, next), schema) : sampleValue(schema, next));
  if (script !== undefined) {
    // Faults apply to scripted answers too: invalid-first breaks the script's value.
    const schema = (called[0]?.["parameters"] as Json | undefined) ?? formatSchema(body) ?? schemaInPrompt(messages) ?? {};
    const text = shouldBreak ? breakScript(script.text, schema) : script.text;
    return called.length > 0 ? { tools: [{ name: String(called[0]?.["name"]), text }], content: "" } : { tools: undefined, content: text };
  }
  if (called.length > 0) {
    // A forced tool is called once; with "required", every offered tool once, in order.
    return { tools: called.map((tool) => ({ name: String(tool["name"]), text: fill((tool["parameters"] as Json | undefined) ?? {}) })), content: "" };
  }
  const format = body["response_format"] as Json | undefined;
  const formatted = formatSchema(body);
  if (formatted !== undefined) return { tools: undefined, content: fill(formatted) };
  const prompted = schemaInPrompt(messages);
  if (prompted !== undefined) {
    const json = fill(prompted);
    const isFenced = messages.some((message) => /```json/.test(messageText(message)));
    return { tools: undefined, content: isFenced && format?.["type"] !== "json_object" ? `Here is the answer:\n\`\`\`json\n${json}\n\`\`\`\n` : json };
  }
  return {
    tools: undefined,
    content: "I am formwork's offline model: I fill in the schema of a request with sample data, and I do not understand prompts.",
  };
}

// Where the token-sized pieces of a text end: pieces of 1 to 8 characters, never splitting a
// surrogate pair. Offsets rather than the pieces themselves, so that a stream holds one array of
// small integers until it sends a piece, not a string per piece.
function pieceEnds(text: string, next: () => number): number[] {
  const ends: number[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + 1 + Math.floor(next() * 8));
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff && end < text.length) end++;
    ends.push(end);
    i = end;
  }
  return ends;
}

// The pieces themselves (the other wires' streams).
function tokens(text: string, next: () => number): string[] {
  let start = 0;
  return pieceEnds(text, next).map((end) => text.slice(start, (start = end)));
}

// The events of one part of a Chat stream (the content, or one tool call): an opening event,
// then one event per piece of `text`, made by `render` when it is sent.
interface EventRun {
  readonly head: string;
  readonly render: (piece: string) => string;
  readonly text: string;
  readonly ends: readonly number[];
}

// Makes the events of a stream's runs one at a time, in order. A stream used to make all its
// events up front: 5,000 streams of a 2 KB answer held 2 million strings (400 MB), and the
// server spent a fifth of its time in the garbage collector.
function eventsOf(runs: readonly EventRun[]): { readonly count: number; next(): string } {
  let run = 0;
  let piece = -1; // -1: the run's opening event
  return {
    count: runs.reduce((count, { ends }) => count + 1 + ends.length, 0),
    next(): string {
      const { head, render, text, ends } = runs[run] as EventRun;
      const event = piece < 0 ? head : render(text.slice(piece === 0 ? 0 : ends[piece - 1], ends[piece]));
      if (++piece === ends.length) {
        run++;
        piece = -1;
      }
      return event;
    },
  };
}

/**
 * Writes a streamed body's chunks straight to the socket, each framed as node:http frames a
 * `response.write` in chunked encoding (its size in hex, CRLF, the text, CRLF): the same bytes
 * in one socket write, where `response.write` makes four (size, CRLF, text, CRLF, gathered by
 * cork and a `process.nextTick` into one writev). At 50 tokens/s over thousands of streams, that
 * bookkeeping was most of the server's own CPU a token. The headers go first (flushHeaders), and
 * `response.end()` still ends the body (its last chunk) and keeps the connection alive. A
 * response not chunked (an HTTP/1.0 client) is written by `response.write` as before.
 */
function chunkWriter(response: ServerResponse): (text: string) => void {
  response.flushHeaders();
  const socket = response.socket;
  if (!response.chunkedEncoding || socket === null) return (text) => void response.write(text);
  return (text) => void socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
}

function sendError(response: ServerResponse, status: number, message: string, type: string, param: string | null = null, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify({ error: { message, type, param, code: null } }));
}

/**
 * Starts the offline model server on loopback.
 *
 * @example
 * const server = await startModelServer({ seed: 7 });
 * const client = fromProvider({ baseURL: server.url, apiKey: "offline" });
 * // ... then await server.close();
 */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const seed = options.seed ?? 1;
  const interval = options.tokensPerSecond !== undefined && options.tokensPerSecond > 0 ? 1000 / options.tokensPerSecond : 0;
  // Every stream is paced by this one wheel: one timer for the server, not one per stream.
  const wheel = new TimerWheel();
  const pace = () => (interval > 0 ? wheel.pacer(interval) : undefined);
  const paceThen = () => (interval > 0 ? wheel.pacerThen(interval) : undefined);
  const slowFirstToken = () => wheel.sleep(options.slowFirstTokenMs ?? 1500);
  const seen429 = new Set<number>();
  let completions = 0;
  // OpenAI's Files and Batches and Anthropic's Message Batches (batch-wire.ts).
  let origin = "";
  const batches = batchRoutes(() => origin);

  async function stream(response: ServerResponse, body: Json, answer: Answer, faults: ReadonlySet<ModelFault>, id: string): Promise<void> {
    const model = String(body["model"]).split("+")[0];
    const base = { id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
    const next = seededRandom(hash(id));
    const paced = paceThen();
    // Events wait here until the stream pauses: a paced stream more than 50 ms behind (see
    // TimerWheel.pacer) sends every token already due in one write (fewer, larger writes let
    // an overloaded server catch up); an unpaced one writes each event as it comes. The bytes
    // are the same either way.
    let pending = "";
    let write: (text: string) => void = (text) => void response.write(text);
    const flush = () => {
      if (pending !== "") write(pending);
      pending = "";
    };
    const send = (chunk: Json) => {
      pending += `data: ${JSON.stringify(chunk)}\n\n`;
      if (paced === undefined) flush();
    };
    const choice = (delta: Json, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
    // Every token's event is the same envelope around another piece: it is stringified once
    // around a marker, and each piece's JSON string takes the marker's place (the same bytes as
    // stringifying each event whole, for a fraction of the work).
    const template = (delta: (marker: string) => Json) => {
      const [prefix, suffix] = `data: ${JSON.stringify(choice(delta(MARKER)))}\n\n`.split(JSON.stringify(MARKER)) as [string, string];
      return (piece: string) => prefix + JSON.stringify(piece) + suffix;
    };
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    write = chunkWriter(response);
    const events = eventsOf(
      answer.tools === undefined
        ? [{ head: `data: ${JSON.stringify(choice({ role: "assistant", content: "" }))}\n\n`, render: template((piece) => ({ content: piece })), text: answer.content, ends: pieceEnds(answer.content, next) }]
        : answer.tools.map((tool, index) => ({
            head: `data: ${JSON.stringify(choice({ ...(index === 0 ? { role: "assistant", content: null } : {}), tool_calls: [{ index, id: `call_${id.slice(-6)}_${index}`, type: "function", function: { name: tool.name, arguments: "" } }] }))}\n\n`,
            render: template((piece) => ({ tool_calls: [{ index, function: { arguments: piece } }] })),
            text: tool.text,
            ends: pieceEnds(tool.text, next),
          })),
    );
    // Where a mid-answer fault strikes: about half way.
    const cut = Math.max(2, Math.floor(events.count * 0.55));
    if (faults.has("slow-first-token")) await slowFirstToken();
    // The events are sent by callbacks from the wheel rather than a loop awaiting a promise a
    // token (see PaceThen): `pump` sends until the stream must wait, and the wheel calls it again.
    // It settles true once the answer is sent, false when it stopped early (a fault, a closed
    // connection).
    const sent = await new Promise<boolean>((resolve, reject) => {
      let index = 0;
      const pump = (): void => {
        try {
          for (; index < events.count; index++) {
            if (response.destroyed) return resolve(false);
            if (index === cut && faults.has("drop")) {
              flush();
              response.socket?.destroy();
              return resolve(false);
            }
            if (index === cut && faults.has("error")) {
              send({ error: { message: "The offline model had an error mid-answer (the error fault)", type: "server_error", param: null, code: null } });
              flush();
              response.end();
              return resolve(false);
            }
            if (index === cut && faults.has("length")) break;
            pending += events.next();
            if (paced !== undefined && !paced(pump)) continue; // the next token is due already
            flush();
            if (paced !== undefined) {
              index++;
              return; // the wheel calls pump when the next token is due
            }
          }
          resolve(true);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      pump();
    });
    if (!sent) return;
    const finish = faults.has("length") ? "length" : answer.tools === undefined ? "stop" : forcedFinish(body);
    send(choice({}, finish));
    if ((body["stream_options"] as Json | undefined)?.["include_usage"] === true) {
      const completionTokens = Math.min(events.count, faults.has("length") ? cut : events.count);
      const promptTokens = Math.ceil(JSON.stringify(body["messages"]).length / 4);
      send({ ...base, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
    }
    pending += "data: [DONE]\n\n";
    flush();
    response.end();
  }

  function complete(response: ServerResponse, body: Json, answer: Answer, id: string): void {
    const message: Json =
      answer.tools === undefined
        ? { role: "assistant", content: answer.content, refusal: null }
        : {
            role: "assistant",
            content: null,
            tool_calls: answer.tools.map((tool, index) => ({ id: `call_${id.slice(-6)}_${index}`, type: "function", function: { name: tool.name, arguments: tool.text } })),
          };
    const promptTokens = Math.ceil(JSON.stringify(body["messages"]).length / 4);
    const completionTokens = Math.ceil((answer.content.length + (answer.tools ?? []).reduce((sum, tool) => sum + tool.text.length, 0)) / 4);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        id,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: String(body["model"]).split("+")[0],
        choices: [{ index: 0, message, finish_reason: answer.tools === undefined ? "stop" : forcedFinish(body), logprobs: null }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      }),
    );
  }

  async function handle(request: IncomingMessage, response: ServerResponse, text: string): Promise<void> {
    const path = (request.url ?? "").split("?")[0];
    if (await batches.handle(request, response, path ?? "", Buffer.from(text, "utf8"))) return;
    if (request.method === "GET" && path === "/v1/models") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ object: "list", data: [{ id: "formwork-offline", object: "model", created: 0, owned_by: "formwork" }] }));
      return;
    }
    const isMessages = path === "/v1/messages";
    const isOllama = path === "/api/chat";
    const isResponses = path === "/v1/responses";
    // Gemini: /v1beta/models/{model}:streamGenerateContent, the model in the path.
    const gemini = /^\/v1(?:beta)?\/models\/([^/:]+):streamGenerateContent$/.exec(path ?? "");
    if (request.method !== "POST" || (path !== "/v1/chat/completions" && !isMessages && !isOllama && !isResponses && gemini === null)) {
      sendError(response, 404, `Unknown route: ${request.method} ${request.url} (the offline model serves POST /v1/chat/completions, /v1/responses, /v1/messages, /api/chat and /v1beta/models/{model}:streamGenerateContent)`, "invalid_request_error");
      return;
    }
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch (error) {
      throw new RequestError(400, `The request body is not JSON: ${(error as Error).message}`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new RequestError(400, "The request body must be a JSON object");
    if (gemini !== null) body = { ...body, model: decodeURIComponent(gemini[1] as string), messages: body["contents"] };
    if (isResponses) body = { ...body, messages: body["input"] };
    if (typeof body["model"] !== "string" || body["model"] === "") throw new RequestError(400, "you must provide a model parameter", "model");
    if (!Array.isArray(body["messages"]) || body["messages"].length === 0) throw new RequestError(400, "'messages' must be a non-empty array", "messages");
    if (isMessages && typeof body["max_tokens"] !== "number") throw new RequestError(400, "max_tokens: Field required", "max_tokens");
    const strictProblem = isMessages || isOllama || gemini !== null ? undefined : strictToolProblem(body);
    if (strictProblem !== undefined) throw new RequestError(400, strictProblem, "tools");
    const badMedia = mediaProblem(isMessages ? "messages" : isOllama ? "ollama" : isResponses ? "responses" : gemini !== null ? "gemini" : "chat", gemini !== null ? { contents: body["contents"] } : body);
    if (badMedia !== undefined) throw new RequestError(400, badMedia, "messages");
    const faults = faultsOf(request, body["model"]);
    if (faults.has("429")) {
      const key = hash(text);
      if (!seen429.has(key)) {
        seen429.add(key);
        const message = "Rate limit reached (the 429 fault): retry after 200 ms";
        const headers = { "content-type": "application/json", "retry-after-ms": "200", "retry-after": "1" };
        if (isMessages) {
          response.writeHead(429, headers);
          response.end(anthropicError("rate_limit_error", message));
        } else {
          sendError(response, 429, message, "rate_limit_error", null, headers);
        }
        return;
      }
    }
    const chatRequest = isMessages ? chatRequestOf(body) : isOllama ? chatRequestOfOllama(body) : isResponses ? chatRequestOfResponses(body) : gemini !== null ? chatRequestOfGemini(body, String(body["model"])) : body;
    const answer = answerFor(chatRequest, seed, faults, options.scripts ?? []);
    const midAnswerFault: "drop" | "error" | "length" | undefined = faults.has("drop") ? "drop" : faults.has("error") ? "error" : faults.has("length") ? "length" : undefined;
    const id = `${isMessages ? "msg_offline" : isResponses ? "resp_offline" : "chatcmpl-offline"}${String(++completions).padStart(6, "0")}`;
    if (isMessages || isResponses || isOllama || gemini !== null) {
      // Ollama streams unless told not to; the Messages API only when asked; Responses and
      // Gemini are served streaming.
      if (isOllama && body["stream"] === false) return completeOllama(response, body, answer);
      if (isMessages && body["stream"] !== true) return completeMessage(response, body, answer, id);
      if (faults.has("slow-first-token")) await slowFirstToken();
      const next = seededRandom(hash(id));
      const streamOptions = { id, pieces: (piece: string) => tokens(piece, next), pace: pace(), fault: midAnswerFault };
      if (isOllama) return streamOllama(response, body, answer, streamOptions);
      if (isMessages) return streamMessages(response, body, answer, streamOptions);
      return isResponses ? streamResponses(response, body, answer, streamOptions) : streamGemini(response, body, answer, streamOptions);
    }
    if (body["stream"] === true) await stream(response, body, answer, faults, id);
    else complete(response, body, answer, id);
  }

  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      handle(request, response, Buffer.concat(parts).toString("utf8")).catch((error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        const isMessages = (request.url ?? "").startsWith("/v1/messages");
        const status = error instanceof RequestError ? error.status : 500;
        const message = error instanceof RequestError ? error.message : `The offline model failed: ${(error as Error).message}`;
        const type = error instanceof RequestError ? "invalid_request_error" : isMessages ? "api_error" : "server_error";
        if (isMessages) {
          response.writeHead(status, { "content-type": "application/json" });
          response.end(anthropicError(type, message));
        } else {
          sendError(response, status, message, type, error instanceof RequestError ? (error.param ?? null) : null);
        }
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A load test opens thousands of connections at once: a longer accept queue than Node's
    // default 511 keeps them from waiting for SYN retries (the kernel caps it at somaxconn).
    server.listen({ port: options.port ?? 0, host: "127.0.0.1", backlog: 4096 }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        wheel.close();
        server.close(() => resolve());
      }),
  };
}

function forcedFinish(body: Json): string {
  const choice = body["tool_choice"];
  // OpenAI ends a forced function call with "stop", and free tool calls with "tool_calls".
  return typeof choice === "object" && choice !== null ? "stop" : "tool_calls";
}
