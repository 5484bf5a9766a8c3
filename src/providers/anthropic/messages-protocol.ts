// The Anthropic Messages protocol (POST /v1/messages, streamed as server-sent events).
// Modes: `tools` (one forced tool; its input streams as `input_json_delta` fragments after an
// empty `input: {}` placeholder at block start), `json_schema` (the API's own structured
// output, `output_config.format`, answered as text), and the prompt modes `json` and `md_json`.
import { failedInput } from "../failed-input.js";
import { anthropicError } from "./anthropic-error.js";
import { isObject, notAnObject, type Json } from "../wire-error.js";
import { toAnthropicSchema } from "./anthropic-schema.js";
import { statelessDecoder, type FailedAnswer, type ProviderProtocol, type RequestSchema } from "../provider-protocol.js";
import type { WireEvent } from "../wire-event.js";
import { schemaInstructions, feedbackRequest } from "../prompt-text.js";

export type AnthropicMode = "tools" | "json_schema" | "json" | "md_json";

/** The API version formwork speaks. */
export const ANTHROPIC_VERSION = "2023-06-01";
// The Messages API requires max_tokens; used when a call gives none.
const DEFAULT_MAX_TOKENS = 4096;

function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (isObject(part) && typeof part["text"] === "string" ? part["text"] : "")).join("");
  return "";
}

function buildRequest(params: Json, mode: AnthropicMode, schema: RequestSchema): Json {
  const messages = Array.isArray(params["messages"]) ? (params["messages"] as Json[]) : [];
  // Anthropic takes system text as a top-level field, not as messages.
  const systems = messages.filter((message) => message["role"] === "system" || message["role"] === "developer").map((message) => text(message["content"]));
  const given = params["system"] === undefined ? [] : [text(params["system"])];
  const prompt = mode === "json" || mode === "md_json" ? [schemaInstructions(schema, mode === "md_json")] : [];
  const system = [...given, ...systems, ...prompt].filter((item) => item !== "").join("\n\n");
  const body: Json = {
    ...params,
    max_tokens: params["max_tokens"] ?? DEFAULT_MAX_TOKENS,
    messages: messages.filter((message) => message["role"] !== "system" && message["role"] !== "developer"),
    stream: true,
  };
  // The common `stop` is Anthropic's `stop_sequences` (a list).
  if (params["stop"] !== undefined) {
    body["stop_sequences"] = Array.isArray(params["stop"]) ? params["stop"] : [params["stop"]];
    delete body["stop"];
  }
  if (system === "") delete body["system"];
  else body["system"] = system;
  if (mode === "json_schema") {
    const outputConfig = isObject(params["output_config"]) ? params["output_config"] : {};
    body["output_config"] = { ...outputConfig, format: { type: "json_schema", schema: schema.jsonSchema } };
  }
  if (mode === "tools") {
    body["tools"] = [{ name: schema.name, ...(schema.description === undefined ? {} : { description: schema.description }), input_schema: schema.jsonSchema }];
    body["tool_choice"] = { type: "tool", name: schema.name };
  }
  return body;
}

function feedback(mode: AnthropicMode, answer: FailedAnswer, errors: string): Json[] {
  const request = feedbackRequest(errors);
  if (mode === "tools") {
    const id = answer.toolCallId ?? "toolu_0";
    return [
      { role: "assistant", content: [{ type: "tool_use", id, name: answer.toolName, input: failedInput(answer.text) }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: request, is_error: true }] },
    ];
  }
  return [
    { role: "assistant", content: answer.text },
    { role: "user", content: request },
  ];
}

/** The wire events of one Messages stream event. */
export function decodeMessagesEvent(event: unknown, provider: string): WireEvent[] {
  if (!isObject(event)) return [{ type: "error", error: notAnObject(provider, "a Messages stream event", event) }];
  switch (event["type"]) {
    case "message_start": {
      const message = isObject(event["message"]) ? event["message"] : {};
      const usage = isObject(message["usage"]) ? message["usage"] : {};
      const events: WireEvent[] = [];
      if (typeof message["id"] === "string") events.push({ type: "response-id", id: message["id"], model: typeof message["model"] === "string" ? message["model"] : undefined });
      events.push({ type: "usage-part", inputTokens: Number(usage["input_tokens"] ?? 0), outputTokens: Number(usage["output_tokens"] ?? 0) });
      return events;
    }
    case "content_block_start": {
      const block = isObject(event["content_block"]) ? event["content_block"] : {};
      const index = Number(event["index"] ?? 0);
      // A tool_use block starts with an `input: {}` placeholder and the input streams after; when
      // the arguments are empty, only one `partial_json: ""` follows, and the placeholder is the
      // answer.
      if (block["type"] === "tool_use") {
        const input = isObject(block["input"]) ? block["input"] : {};
        return [{ type: "tool-call-start", index, id: String(block["id"] ?? `toolu_${index}`), name: String(block["name"] ?? ""), arguments: JSON.stringify(input) }];
      }
      if (block["type"] === "text" && typeof block["text"] === "string" && block["text"] !== "") return [{ type: "content-delta", text: block["text"] }];
      return [];
    }
    case "content_block_delta": {
      const delta = isObject(event["delta"]) ? event["delta"] : {};
      const index = Number(event["index"] ?? 0);
      if (delta["type"] === "input_json_delta" && typeof delta["partial_json"] === "string" && delta["partial_json"] !== "") return [{ type: "tool-delta", index, text: delta["partial_json"] }];
      if (delta["type"] === "text_delta" && typeof delta["text"] === "string" && delta["text"] !== "") return [{ type: "content-delta", text: delta["text"] }];
      return [];
    }
    case "message_delta": {
      const delta = isObject(event["delta"]) ? event["delta"] : {};
      const usage = isObject(event["usage"]) ? event["usage"] : {};
      const events: WireEvent[] = [];
      // output_tokens is cumulative: the last message_delta counts.
      if (usage["output_tokens"] !== undefined) events.push({ type: "usage-part", outputTokens: Number(usage["output_tokens"]) });
      const reason = delta["stop_reason"];
      if (reason === "refusal") events.push({ type: "refusal-delta", text: "The model declined to answer (stop_reason: refusal)" });
      if (typeof reason === "string") events.push({ type: "finish", reason: reason === "max_tokens" ? "length" : reason });
      return events;
    }
    case "error":
      return [{ type: "error", error: anthropicError(event, provider) }];
    default:
      // ping, content_block_stop, message_stop, and events added later.
      return [];
  }
}

/** The Anthropic Messages protocol. */
export const anthropicMessagesProtocol: ProviderProtocol<AnthropicMode> = {
  endpoint: (body) => ({ path: "/messages", body }),
  framing: "sse",
  authHeaders: (apiKey) => ({ "anthropic-version": ANTHROPIC_VERSION, ...(apiKey === undefined || apiKey === "" ? {} : { "x-api-key": apiKey }) }),
  prepareSchema: (mode, schema) => (mode === "json_schema" ? { ...schema, jsonSchema: toAnthropicSchema(schema.jsonSchema) } : schema),
  buildRequest: (params, mode, schema) => buildRequest(params, mode, schema),
  feedback,
  callsSeveralTools: () => false,
  answerChannel: (mode) => (mode === "tools" ? "tool" : "content"),
  readsLeniently: (mode) => mode === "json" || mode === "md_json",
  sendsAbsentAsNull: () => false,
  media: "anthropic",
  decoder: statelessDecoder(decodeMessagesEvent),
  error: anthropicError,
};
