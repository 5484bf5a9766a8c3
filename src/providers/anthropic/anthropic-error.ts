// The errors of Anthropic's Messages API: `{ "type": "error", "error": { "type", "message" } }`,
// as an HTTP error body and as an `error` event in the stream (overloaded_error mid-stream).
import type { ProviderError } from "../../errors/provider-error.js";
import { errorFields, isRetryableCode, wireError } from "../wire-error.js";

// Anthropic's error types after which asking again may help (529 is overloaded_error).
const TRANSIENT = new Set(["overloaded_error", "api_error", "rate_limit_error", "timeout_error"]);

/** The ProviderError of an Anthropic error body: an HTTP error (`status`) or an error event. */
export function anthropicError(body: unknown, provider: string, details: { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined } = {}): ProviderError {
  const fields = errorFields(body);
  let isRetryable: boolean;
  if (fields.type !== undefined) isRetryable = TRANSIENT.has(fields.type);
  else if (details.status !== undefined) isRetryable = isRetryableCode(details.status);
  else isRetryable = true;
  return wireError({ provider, fields, body, status: details.status, isRetryable, retryAfterMs: details.retryAfterMs });
}
