// The OpenAI Responses API (POST /v1/responses, server-sent events). Modes: `json_schema`
// (`text.format` with OpenAI's strict subset; absent fields come back as null) and `tools` (one
// forced function tool; its arguments stream as `response.function_call_arguments.delta`,
// keyed by the output item). The caller's `messages` become the request's `input`.
import { isObject, notAnObject, type Json } from "../wire-error.js";
import { openAIError } from "./openai-error.js";
import { bearerAuth, statelessDecoder, type FailedAnswer, type ProviderProtocol, type RequestSchema } from "../provider-protocol.js";
import type { WireEvent } from "../wire-event.js";
import { toStrictSchema } from "./strict-schema.js";
import { feedbackRequest } from "../prompt-text.js";

export type ResponsesMode = "json_schema" | "tools" | "tools_strict";

function buildRequest(params: Json, mode: ResponsesMode, schema: RequestSchema): Json {
  // The common max_tokens is the Responses API's max_output_tokens.
  const { messages, max_tokens, ...rest } = params;
  const body: Json = { ...rest, input: params["input"] ?? messages ?? [], stream: true };
  if (max_tokens !== undefined) body["max_output_tokens"] ??= max_tokens;
  if (mode === "json_schema") {
    const text = isObject(params["text"]) ? params["text"] : {};
    body["text"] = {
      ...text,
      format: { type: "json_schema", name: schema.name, ...(schema.description === undefined ? {} : { description: schema.description }), schema: schema.jsonSchema, strict: true },
    };
  } else {
    // The Responses API makes functions strict unless told otherwise: tools mode says so, and
    // tools_strict sends the schema in the strict subset.
    body["tools"] = [{ type: "function", name: schema.name, ...(schema.description === undefined ? {} : { description: schema.description }), parameters: schema.jsonSchema, strict: mode === "tools_strict" }];
    body["tool_choice"] = { type: "function", name: schema.name };
  }
  return body;
}

// The failed answer and its errors, as input items.
function feedback(mode: ResponsesMode, answer: FailedAnswer, errors: string): Json[] {
  const request = feedbackRequest(errors);
  if (mode === "json_schema") return [{ role: "assistant", content: answer.text }, { role: "user", content: request }];
  const callId = answer.toolCallId ?? "call_0";
  return [
    { type: "function_call", call_id: callId, name: answer.toolName, arguments: answer.text },
    { type: "function_call_output", call_id: callId, output: request },
  ];
}

function usageOf(response: Json): WireEvent[] {
  const usage = isObject(response["usage"]) ? response["usage"] : undefined;
  if (usage === undefined) return [];
  const inputTokens = Number(usage["input_tokens"] ?? 0);
  const outputTokens = Number(usage["output_tokens"] ?? 0);
  return [{ type: "usage", usage: { inputTokens, outputTokens, totalTokens: Number(usage["total_tokens"] ?? inputTokens + outputTokens) } }];
}

/** The wire events of one Responses stream event. */
export function decodeResponsesEvent(event: unknown, provider: string): WireEvent[] {
  if (!isObject(event)) return [{ type: "error", error: notAnObject(provider, "a Responses stream event", event) }];
  const response = isObject(event["response"]) ? event["response"] : {};
  switch (event["type"]) {
    case "response.created":
      return typeof response["id"] === "string" ? [{ type: "response-id", id: response["id"], model: typeof response["model"] === "string" ? response["model"] : undefined }] : [];
    case "response.output_item.added": {
      const item = isObject(event["item"]) ? event["item"] : {};
      if (item["type"] !== "function_call") return [];
      const index = Number(event["output_index"] ?? 0);
      const events: WireEvent[] = [{ type: "tool-call-start", index, id: String(item["call_id"] ?? item["id"] ?? `call_${index}`), name: String(item["name"] ?? "") }];
      if (typeof item["arguments"] === "string" && item["arguments"] !== "") events.push({ type: "tool-delta", index, text: item["arguments"] });
      return events;
    }
    case "response.output_text.delta":
      return typeof event["delta"] === "string" && event["delta"] !== "" ? [{ type: "content-delta", text: event["delta"] }] : [];
    case "response.function_call_arguments.delta":
      return typeof event["delta"] === "string" && event["delta"] !== "" ? [{ type: "tool-delta", index: Number(event["output_index"] ?? 0), text: event["delta"] }] : [];
    case "response.function_call_arguments.done":
      // The whole arguments: what LM Studio sends instead of deltas. Used only if no delta came.
      return typeof event["arguments"] === "string" ? [{ type: "tool-call-done", index: Number(event["output_index"] ?? 0), text: event["arguments"] }] : [];
    case "response.output_item.done": {
      const item = isObject(event["item"]) ? event["item"] : {};
      if (item["type"] !== "function_call" || typeof item["arguments"] !== "string") return [];
      return [{ type: "tool-call-done", index: Number(event["output_index"] ?? 0), text: item["arguments"] }];
    }
    case "response.refusal.delta":
      return typeof event["delta"] === "string" && event["delta"] !== "" ? [{ type: "refusal-delta", text: event["delta"] }] : [];
    case "response.completed":
      return [...usageOf(response), { type: "finish", reason: "stop" }];
    case "response.incomplete": {
      const details = isObject(response["incomplete_details"]) ? response["incomplete_details"] : {};
      const reason = details["reason"] === "max_output_tokens" ? "length" : details["reason"] === "content_filter" ? "content_filter" : String(details["reason"] ?? "incomplete");
      return [...usageOf(response), { type: "finish", reason }];
    }
    case "response.failed":
      // The error is the response's own `error` ({ code, message }).
      return [{ type: "error", error: openAIError({ error: response["error"] ?? { message: "the response failed" } }, provider) }];
    case "error":
      // `{ type: "error", code, message }`, or the same nested under `error`.
      return [{ type: "error", error: openAIError(event, provider) }];
    default:
      // in_progress, content_part, *.done, and events added later.
      return [];
  }
}

/** The OpenAI Responses protocol. */
export const openAIResponsesProtocol: ProviderProtocol<ResponsesMode> = {
  endpoint: (body) => ({ path: "/responses", body }),
  framing: "sse",
  authHeaders: bearerAuth,
  prepareSchema: (mode, schema) => (mode === "tools" ? schema : { ...schema, jsonSchema: toStrictSchema(schema.jsonSchema) }),
  buildRequest: (params, mode, schema) => buildRequest(params, mode, schema),
  feedback,
  callsSeveralTools: () => false,
  answerChannel: (mode) => (mode === "json_schema" ? "content" : "tool"),
  readsLeniently: () => false,
  sendsAbsentAsNull: (mode) => mode !== "tools",
  media: "openai-responses",
  decoder: statelessDecoder(decodeResponsesEvent),
  error: openAIError,
};
