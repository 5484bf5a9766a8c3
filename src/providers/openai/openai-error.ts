// The errors of OpenAI's wires (Chat Completions and the Responses API) and of the servers that
// copy them (OpenRouter, Groq, vLLM, LM Studio...): `{ "error": { message, type, code } }` in an
// HTTP error body, in a stream chunk, or (Responses) in an `error` event, sometimes nested once
// more. OpenRouter sends a numeric `code`, the HTTP status the error would have had.
import type { ProviderError } from "../../errors/provider-error.js";
import { errorFields, isRetryableCode, wireError } from "../wire-error.js";

// Asking again may help.
const TRANSIENT = new Set(["server_error", "api_error", "overloaded_error", "overloaded", "rate_limit_error", "rate_limit_exceeded", "timeout", "internal_error", "service_unavailable"]);

// Asking again gives the same answer, whatever the status (OpenAI answers a spent quota with 429).
const FINAL = new Set([
  "insufficient_quota",
  "billing_hard_limit_reached",
  "invalid_api_key",
  "authentication_error",
  "permission_error",
  "invalid_request_error",
  "content_policy_violation",
  "content_filter",
  "model_not_found",
  "not_found_error",
  "context_length_exceeded",
]);

/** The ProviderError of an OpenAI-style error body: an HTTP error (`status`) or one in the stream. */
export function openAIError(body: unknown, provider: string, details: { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined } = {}): ProviderError {
  const fields = errorFields(body);
  const names = [fields.type, typeof fields.code === "string" ? fields.code : undefined].filter((name) => name !== undefined);
  let isRetryable: boolean;
  if (names.some((name) => FINAL.has(name))) isRetryable = false;
  else if (details.status !== undefined) isRetryable = isRetryableCode(details.status);
  else if (typeof fields.code === "number") isRetryable = isRetryableCode(fields.code);
  else if (names.length > 0) isRetryable = names.some((name) => TRANSIENT.has(name));
  // An error in the stream that says nothing of its kind: most likely the server's own trouble.
  else isRetryable = true;
  return wireError({ provider, fields, body, status: details.status, isRetryable, retryAfterMs: details.retryAfterMs });
}
