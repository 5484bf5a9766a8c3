// Gemini's generateContent API (POST /models/{model}:streamGenerateContent?alt=sse). Modes:
// `json_schema` (responseMimeType application/json with the schema), `tools` (one function
// that must be called; its arguments arrive whole, as an object) and `md_json`. The caller's
// OpenAI-style messages become `contents` (assistant turns are "model") and `systemInstruction`.
import { geminiError } from "./gemini-error.js";
import { isObject, notAnObject, type Json } from "../wire-error.js";
import { failedInput } from "../failed-input.js";
import type { FailedAnswer, ProviderProtocol, RequestSchema } from "../provider-protocol.js";
import type { WireEvent } from "../wire-event.js";
import { schemaInstructions, feedbackRequest } from "../prompt-text.js";

export type GeminiMode = "json_schema" | "tools" | "md_json";

// Finish reasons that mean a filter stopped the answer.
const FILTERED = new Set(["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"]);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (isObject(part) && typeof part["text"] === "string" ? part["text"] : "")).join("");
  return "";
}

// OpenAI-style messages as Gemini contents; items already in Gemini's form (feedback) pass as they are.
function contentsOf(messages: readonly Json[]): { contents: Json[]; system: string[] } {
  const contents: Json[] = [];
  const system: string[] = [];
  for (const message of messages) {
    if (Array.isArray(message["parts"])) contents.push(message);
    else if (message["role"] === "system" || message["role"] === "developer") system.push(textOf(message["content"]));
    else contents.push({ role: message["role"] === "assistant" ? "model" : "user", parts: [{ text: textOf(message["content"]) }] });
  }
  return { contents, system };
}

function buildRequest(params: Json, mode: GeminiMode, schema: RequestSchema): Json {
  const { messages, max_tokens, temperature, top_p, stop, seed, generationConfig, ...rest } = params;
  const { contents, system } = contentsOf(Array.isArray(messages) ? (messages as Json[]) : []);
  const config: Json = {
    ...(isObject(generationConfig) ? generationConfig : {}),
    ...(max_tokens === undefined ? {} : { maxOutputTokens: max_tokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(top_p === undefined ? {} : { topP: top_p }),
    ...(stop === undefined ? {} : { stopSequences: Array.isArray(stop) ? stop : [stop] }),
    ...(seed === undefined ? {} : { seed }),
  };
  if (mode === "md_json") system.push(schemaInstructions(schema, true));
  const body: Json = { ...rest, contents };
  if (system.length > 0) body["systemInstruction"] = { parts: [{ text: system.join("\n\n") }] };
  if (mode === "json_schema") {
    config["responseMimeType"] = "application/json";
    config["responseJsonSchema"] = schema.jsonSchema;
  }
  if (mode === "tools") {
    body["tools"] = [{ functionDeclarations: [{ name: schema.name, ...(schema.description === undefined ? {} : { description: schema.description }), parametersJsonSchema: schema.jsonSchema }] }];
    body["toolConfig"] = { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [schema.name] } };
  }
  if (Object.keys(config).length > 0) body["generationConfig"] = config;
  return body;
}

function feedback(mode: GeminiMode, answer: FailedAnswer, errors: string): Json[] {
  const request = feedbackRequest(errors);
  if (mode !== "tools") return [{ role: "model", parts: [{ text: answer.text }] }, { role: "user", parts: [{ text: request }] }];
  return [
    { role: "model", parts: [{ functionCall: { name: answer.toolName, args: failedInput(answer.text) } }] },
    { role: "user", parts: [{ functionResponse: { name: answer.toolName, response: { error: request } } }] },
  ];
}

/**
 * The wire events of one streamed GenerateContentResponse. `calls` counts the function calls
 * of the response so far: each functionCall part is a whole call, and calls that arrive in
 * separate events are separate calls, so they are numbered across events, not by position.
 */
export function decodeGeminiChunk(chunk: unknown, provider: string, calls = { count: 0 }): WireEvent[] {
  if (!isObject(chunk)) return [{ type: "error", error: notAnObject(provider, "a GenerateContentResponse", chunk) }];
  if (chunk["error"] !== undefined) return [{ type: "error", error: geminiError(chunk, provider) }];
  const events: WireEvent[] = [];
  if (typeof chunk["responseId"] === "string") events.push({ type: "response-id", id: chunk["responseId"], model: typeof chunk["modelVersion"] === "string" ? chunk["modelVersion"] : undefined });
  const candidate = Array.isArray(chunk["candidates"]) && isObject(chunk["candidates"][0]) ? chunk["candidates"][0] : {};
  const content = isObject(candidate["content"]) ? candidate["content"] : {};
  const parts = Array.isArray(content["parts"]) ? content["parts"] : [];
  for (const part of parts) {
    if (!isObject(part) || part["thought"] === true) continue;
    if (typeof part["text"] === "string" && part["text"] !== "") events.push({ type: "content-delta", text: part["text"] });
    if (isObject(part["functionCall"])) {
      // The arguments come whole, as an object: handed on as their JSON text.
      const call = part["functionCall"];
      const index = calls.count++;
      events.push({ type: "tool-call-start", index, id: String(call["id"] ?? `call_${index}`), name: String(call["name"] ?? "") });
      events.push({ type: "tool-delta", index, text: JSON.stringify(call["args"] ?? {}) });
    }
  }
  // Usage comes again on every event: the last one counts.
  const usage = isObject(chunk["usageMetadata"]) ? chunk["usageMetadata"] : undefined;
  if (usage !== undefined) {
    const inputTokens = Number(usage["promptTokenCount"] ?? 0);
    const outputTokens = Number(usage["candidatesTokenCount"] ?? 0);
    events.push({ type: "usage", usage: { inputTokens, outputTokens, totalTokens: Number(usage["totalTokenCount"] ?? inputTokens + outputTokens) } });
  }
  const blocked = isObject(chunk["promptFeedback"]) ? chunk["promptFeedback"]["blockReason"] : undefined;
  const reason = typeof candidate["finishReason"] === "string" ? candidate["finishReason"] : typeof blocked === "string" ? "SAFETY" : undefined;
  if (reason !== undefined) events.push({ type: "finish", reason: reason === "MAX_TOKENS" ? "length" : reason, isFiltered: FILTERED.has(reason) });
  return events;
}

/** Gemini's generateContent protocol (the Gemini API; Vertex AI takes the same body). */
export const geminiProtocol: ProviderProtocol<GeminiMode> = {
  // The model is part of the path, not of the body.
  endpoint: ({ model, ...body }) => ({ path: `/models/${encodeURIComponent(String(model))}:streamGenerateContent?alt=sse`, body }),
  framing: "sse",
  authHeaders: (apiKey) => (apiKey === undefined || apiKey === "" ? {} : { "x-goog-api-key": apiKey }),
  prepareSchema: (_mode, schema) => schema,
  buildRequest: (params, mode, schema) => buildRequest(params, mode, schema),
  feedback,
  callsSeveralTools: () => false,
  answerChannel: (mode) => (mode === "tools" ? "tool" : "content"),
  readsLeniently: (mode) => mode === "md_json",
  sendsAbsentAsNull: () => false,
  media: "gemini",
  decoder: (provider) => {
    const calls = { count: 0 };
    return (chunk) => decodeGeminiChunk(chunk, provider, calls);
  },
  error: geminiError,
};
