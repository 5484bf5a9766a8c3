// Decodes one Chat Completions stream chunk (from the SDK, or an SSE `data:` line parsed) into
// wire events. The shapes are checked as they are read: a chunk that is not what the wire
// promises becomes a ProviderError, never a crash.
import { ProviderError } from "../../errors/provider-error.js";
import type { WireEvent } from "../wire-event.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** Error types after which asking again may help. */
const RETRYABLE_TYPES = new Set(["server_error", "api_error", "overloaded_error", "rate_limit_error", "rate_limit_exceeded", "timeout"]);

/** The ProviderError of an `{"error": {...}}` body, in a stream or an HTTP response. */
export function chatError(body: unknown, provider: string, status?: number, retryAfterMs?: number): ProviderError {
  const error = isObject(body) && isObject(body["error"]) ? body["error"] : isObject(body) ? body : {};
  const message = typeof error["message"] === "string" ? error["message"] : typeof body === "string" && body !== "" ? body : "no message";
  const type = typeof error["type"] === "string" ? error["type"] : typeof error["code"] === "string" ? error["code"] : undefined;
  const where = status === undefined ? "in the stream" : `with HTTP ${status}`;
  return new ProviderError({
    message: `${provider} answered ${where}: ${message}${type === undefined ? "" : ` (${type})`}`,
    provider,
    status,
    body,
    isRetryable: status === undefined ? type === undefined || RETRYABLE_TYPES.has(type) : undefined,
    retryAfterMs,
  });
}

/** The wire events of one chunk. */
export function decodeChatChunk(chunk: unknown, provider: string): WireEvent[] {
  if (!isObject(chunk)) return [{ type: "error", error: chatError(`not a chunk object: ${JSON.stringify(chunk)}`, provider) }];
  if (chunk["error"] !== undefined) return [{ type: "error", error: chatError(chunk, provider) }];
  const events: WireEvent[] = [];
  if (typeof chunk["id"] === "string") events.push({ type: "response-id", id: chunk["id"], model: typeof chunk["model"] === "string" ? chunk["model"] : undefined });
  const choices = Array.isArray(chunk["choices"]) ? chunk["choices"] : [];
  for (const choice of choices) {
    if (!isObject(choice) || (choice["index"] !== undefined && choice["index"] !== 0)) continue;
    const delta = isObject(choice["delta"]) ? choice["delta"] : {};
    if (typeof delta["content"] === "string" && delta["content"] !== "") events.push({ type: "content-delta", text: delta["content"] });
    if (typeof delta["refusal"] === "string" && delta["refusal"] !== "") events.push({ type: "refusal-delta", text: delta["refusal"] });
    const toolCalls = Array.isArray(delta["tool_calls"]) ? delta["tool_calls"] : [];
    for (const call of toolCalls) {
      if (!isObject(call)) continue;
      const index = typeof call["index"] === "number" ? call["index"] : 0;
      const fn = isObject(call["function"]) ? call["function"] : {};
      // OpenAI sends the id and the name only on a call's first delta.
      if (typeof call["id"] === "string" || typeof fn["name"] === "string") {
        events.push({ type: "tool-call-start", index, id: typeof call["id"] === "string" ? call["id"] : `call_${index}`, name: typeof fn["name"] === "string" ? fn["name"] : "" });
      }
      if (typeof fn["arguments"] === "string" && fn["arguments"] !== "") events.push({ type: "tool-delta", index, text: fn["arguments"] });
    }
    if (typeof choice["finish_reason"] === "string") events.push({ type: "finish", reason: choice["finish_reason"] });
  }
  const usage = chunk["usage"];
  if (isObject(usage)) {
    const inputTokens = Number(usage["prompt_tokens"] ?? 0);
    const outputTokens = Number(usage["completion_tokens"] ?? 0);
    events.push({ type: "usage", usage: { inputTokens, outputTokens, totalTokens: Number(usage["total_tokens"] ?? inputTokens + outputTokens) } });
  }
  return events;
}
