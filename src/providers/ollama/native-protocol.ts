// Ollama's native chat API (POST /api/chat, newline-delimited JSON). Modes: `json_schema` (the
// schema as `format`, which Ollama enforces while decoding), `tools` (one tool; its arguments
// arrive whole, as an object, in one line), and the prompt modes `json` (format "json") and
// `md_json`.
import { isObject, notAnObject, type Json } from "../wire-error.js";
import { ollamaError } from "./ollama-error.js";
import { failedInput } from "../failed-input.js";
import { bearerAuth, type FailedAnswer, type ProviderProtocol, type RequestSchema } from "../provider-protocol.js";
import type { WireEvent } from "../wire-event.js";
import { schemaInstructions, feedbackRequest } from "../prompt-text.js";

export type OllamaMode = "json_schema" | "tools" | "json" | "md_json";

function buildRequest(params: Json, mode: OllamaMode, schema: RequestSchema): Json {
  const messages = Array.isArray(params["messages"]) ? (params["messages"] as Json[]) : [];
  // The common sampling fields go in Ollama's `options` (num_predict is its max_tokens).
  const { temperature, top_p, seed, stop, max_tokens, options, ...rest } = params;
  const sampling: Json = {
    ...(isObject(options) ? options : {}),
    ...(temperature === undefined ? {} : { temperature }),
    ...(top_p === undefined ? {} : { top_p }),
    ...(seed === undefined ? {} : { seed }),
    ...(stop === undefined ? {} : { stop: Array.isArray(stop) ? stop : [stop] }),
    ...(max_tokens === undefined ? {} : { num_predict: max_tokens }),
  };
  const body: Json = { ...rest, stream: true };
  if (Object.keys(sampling).length > 0) body["options"] = sampling;
  switch (mode) {
    case "json_schema":
      body["format"] = schema.jsonSchema;
      break;
    case "tools":
      // Ollama has no way to force a tool: offer the one, and say to call it.
      body["tools"] = [{ type: "function", function: { name: schema.name, ...(schema.description === undefined ? {} : { description: schema.description }), parameters: schema.jsonSchema } }];
      body["messages"] = [{ role: "system", content: `Call the ${schema.name} tool with your answer.` }, ...messages];
      break;
    case "json":
      body["format"] = "json";
      body["messages"] = [{ role: "system", content: schemaInstructions(schema, false) }, ...messages];
      break;
    case "md_json":
      body["messages"] = [{ role: "system", content: schemaInstructions(schema, true) }, ...messages];
      break;
    default: {
      const unknownMode: never = mode;
      throw new TypeError(`formwork: unknown Ollama mode ${String(unknownMode)}`);
    }
  }
  return body;
}

function feedback(mode: OllamaMode, answer: FailedAnswer, errors: string): Json[] {
  const request = feedbackRequest(errors);
  if (mode !== "tools") return [{ role: "assistant", content: answer.text }, { role: "user", content: request }];
  return [
    { role: "assistant", content: "", tool_calls: [{ function: { name: answer.toolName, arguments: failedInput(answer.text) } }] },
    { role: "tool", tool_name: answer.toolName, content: request },
  ];
}

/**
 * The wire events of one line of Ollama's chat stream. Each tool call arrives whole; `calls`
 * numbers them across lines (a call in a later line is another call).
 */
export function decodeOllamaLine(line: unknown, provider: string, calls = { count: 0 }): WireEvent[] {
  if (!isObject(line)) return [{ type: "error", error: notAnObject(provider, "an Ollama chat line", line) }];
  // An error can arrive as a bare line mid-stream, after a 200.
  if (line["error"] !== undefined) return [{ type: "error", error: ollamaError(line, provider) }];
  const events: WireEvent[] = [];
  const message = isObject(line["message"]) ? line["message"] : {};
  if (typeof message["content"] === "string" && message["content"] !== "") events.push({ type: "content-delta", text: message["content"] });
  const toolCalls = Array.isArray(message["tool_calls"]) ? message["tool_calls"] : [];
  for (const call of toolCalls) {
    const fn = isObject(call) && isObject(call["function"]) ? call["function"] : {};
    const index = calls.count++;
    // The arguments come whole, as an object: handed on as their JSON text.
    events.push({ type: "tool-call-start", index, id: `call_${index}`, name: String(fn["name"] ?? "") });
    events.push({ type: "tool-delta", index, text: JSON.stringify(fn["arguments"] ?? {}) });
  }
  if (line["done"] === true) {
    const input = Number(line["prompt_eval_count"] ?? 0);
    const output = Number(line["eval_count"] ?? 0);
    events.push({ type: "usage", usage: { inputTokens: input, outputTokens: output, totalTokens: input + output } });
    events.push({ type: "finish", reason: line["done_reason"] === "length" ? "length" : String(line["done_reason"] ?? "stop") });
  }
  return events;
}

/** Ollama's native chat protocol. */
export const ollamaNativeProtocol: ProviderProtocol<OllamaMode> = {
  endpoint: (body) => ({ path: "/api/chat", body }),
  framing: "ndjson",
  authHeaders: bearerAuth,
  prepareSchema: (_mode, schema) => schema,
  buildRequest: (params, mode, schema) => buildRequest(params, mode, schema),
  feedback,
  callsSeveralTools: () => false,
  answerChannel: (mode) => (mode === "tools" ? "tool" : "content"),
  readsLeniently: (mode) => mode === "json" || mode === "md_json",
  sendsAbsentAsNull: () => false,
  media: "ollama",
  decoder: (provider) => {
    const calls = { count: 0 };
    return (line) => decodeOllamaLine(line, provider, calls);
  },
  error: ollamaError,
};
