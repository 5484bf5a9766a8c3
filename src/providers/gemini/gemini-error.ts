// The errors of the Gemini API: `{ "error": { "code": 400, "message", "status": "INVALID_ARGUMENT" } }`
// (Google's error model), as an HTTP error body and inside a stream.
import type { ProviderError } from "../../errors/provider-error.js";
import { errorFields, isRetryableCode, wireError } from "../wire-error.js";

// Google's status names after which asking again may help.
const TRANSIENT = new Set(["UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED"]);

/** The ProviderError of a Gemini error body: an HTTP error (`status`) or one in the stream. */
export function geminiError(body: unknown, provider: string, details: { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined } = {}): ProviderError {
  const fields = errorFields(body);
  let isRetryable: boolean;
  if (fields.status !== undefined) isRetryable = TRANSIENT.has(fields.status);
  else if (details.status !== undefined) isRetryable = isRetryableCode(details.status);
  else if (typeof fields.code === "number") isRetryable = isRetryableCode(fields.code);
  else isRetryable = true;
  return wireError({ provider, fields, body, status: details.status, isRetryable, retryAfterMs: details.retryAfterMs });
}
