// The errors of Ollama's native API: `{ "error": "message" }`, as an HTTP error body and as a
// line of the stream after a 200.
import type { ProviderError } from "../../errors/provider-error.js";
import { errorFields, isRetryableCode, wireError } from "../wire-error.js";

/** The ProviderError of an Ollama error body: an HTTP error (`status`) or a line in the stream. */
export function ollamaError(body: unknown, provider: string, details: { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined } = {}): ProviderError {
  const fields = errorFields(body);
  // Ollama gives no kinds: the status decides, and an error mid-stream is the server's trouble.
  const isRetryable = details.status === undefined ? true : isRetryableCode(details.status);
  return wireError({ provider, fields, body, status: details.status, isRetryable, retryAfterMs: details.retryAfterMs });
}
