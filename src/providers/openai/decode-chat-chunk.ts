// Decodes one Chat Completions stream chunk (from the SDK, or an SSE `data:` line parsed) into
// wire events. The shapes are checked as they are read: a chunk that is not what the wire
// promises becomes a ProviderError, never a crash.
import type { WireEvent } from "../wire-event.js";
import { isObject, notAnObject } from "../wire-error.js";
import { openAIError } from "./openai-error.js";

/**
 * A decoder for one response: every chunk repeats the response's id and model, and the
 * `response-id` event comes once (the first), not once per token.
 */
export function chatChunkDecoder(provider: string): (chunk: unknown) => WireEvent[] {
  let hasId = false;
  return (chunk) => {
    const events = decodeChatChunk(chunk, provider, hasId);
    hasId ||= events.length > 0 && events[0]?.type === "response-id";
    return events;
  };
}

/** The wire events of one chunk (`hasId`: the response's id was already reported). */
export function decodeChatChunk(chunk: unknown, provider: string, hasId = false): WireEvent[] {
  if (!isObject(chunk)) return [{ type: "error", error: notAnObject(provider, "a Chat Completions chunk", chunk) }];
  if (chunk["error"] !== undefined) return [{ type: "error", error: openAIError(chunk, provider) }];
  // Made at the first event (most chunks carry one): pushing onto an empty array would reserve
  // room for 17, for every token.
  let events: WireEvent[] | undefined;
  if (!hasId && typeof chunk["id"] === "string") events = [{ type: "response-id", id: chunk["id"], model: typeof chunk["model"] === "string" ? chunk["model"] : undefined }];
  const choices = Array.isArray(chunk["choices"]) ? chunk["choices"] : NONE;
  for (const choice of choices) {
    if (!isObject(choice) || (choice["index"] !== undefined && choice["index"] !== 0)) continue;
    const delta = isObject(choice["delta"]) ? choice["delta"] : {};
    if (typeof delta["content"] === "string" && delta["content"] !== "") events = add(events, { type: "content-delta", text: delta["content"] });
    if (typeof delta["refusal"] === "string" && delta["refusal"] !== "") events = add(events, { type: "refusal-delta", text: delta["refusal"] });
    const toolCalls = Array.isArray(delta["tool_calls"]) ? delta["tool_calls"] : NONE;
    for (const call of toolCalls) {
      if (!isObject(call)) continue;
      const index = typeof call["index"] === "number" ? call["index"] : 0;
      const fn = isObject(call["function"]) ? call["function"] : {};
      // OpenAI sends the id and the name only on a call's first delta.
      if (typeof call["id"] === "string" || typeof fn["name"] === "string") {
        events = add(events, { type: "tool-call-start", index, id: typeof call["id"] === "string" ? call["id"] : `call_${index}`, name: typeof fn["name"] === "string" ? fn["name"] : "" });
      }
      if (typeof fn["arguments"] === "string" && fn["arguments"] !== "") events = add(events, { type: "tool-delta", index, text: fn["arguments"] });
    }
    if (typeof choice["finish_reason"] === "string") events = add(events, { type: "finish", reason: choice["finish_reason"] });
  }
  const usage = chunk["usage"];
  if (isObject(usage)) {
    const inputTokens = Number(usage["prompt_tokens"] ?? 0);
    const outputTokens = Number(usage["completion_tokens"] ?? 0);
    events = add(events, { type: "usage", usage: { inputTokens, outputTokens, totalTokens: Number(usage["total_tokens"] ?? inputTokens + outputTokens) } });
  }
  return events ?? [];
}

const NONE: readonly unknown[] = [];

function add(events: WireEvent[] | undefined, event: WireEvent): WireEvent[] {
  if (events === undefined) return [event];
  events.push(event);
  return events;
}
