// What every wire's error decoder shares: finding the fields of an error body wherever the
// server put them, and the ProviderError made of them. Which codes are worth another try is each
// wire's own decision (its folder's `*-error.ts`).
import { ProviderError, isRetryableStatus } from "../errors/provider-error.js";
import { quoteStart } from "../http/quote.js";

/** A JSON object as a wire sends it. */
export type Json = Record<string, unknown>;

/** True for a JSON object (not null, not an array): how every wire's decoder reads a field. */
export const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** The fields of an error, as found. `code` may be a number (OpenRouter sends HTTP statuses). */
export interface ErrorFields {
  readonly message: string | undefined;
  readonly type: string | undefined;
  readonly code: string | number | undefined;
  /** Google's status name (`INVALID_ARGUMENT`, `UNAVAILABLE`). */
  readonly status: string | undefined;
}

/**
 * The fields of an error body, read at the top level and under `error` (nested up to three
 * deep: the Responses API's error event and some servers' Chat Completions error chunks put
 * `{ type, code, message }` under `error`). The innermost value of each field wins.
 */
export function errorFields(body: unknown): ErrorFields {
  let message: string | undefined;
  let type: string | undefined;
  let code: string | number | undefined;
  let status: string | undefined;
  let current: unknown = body;
  for (let depth = 0; depth < 4 && isObject(current); depth++) {
    if (typeof current["message"] === "string") message = current["message"];
    // A top-level `type: "error"` names the event, not the error.
    if (typeof current["type"] === "string" && current["type"] !== "error") type = current["type"];
    if (typeof current["code"] === "string" || typeof current["code"] === "number") code = current["code"];
    if (typeof current["status"] === "string") status = current["status"];
    if (typeof current["error"] === "string") message ??= current["error"];
    current = current["error"];
  }
  if (message === undefined && typeof body === "string" && body.trim() !== "") message = quoteStart(body.trim(), 300);
  return { message, type, code, status };
}

/** A numeric error code is an HTTP status: retryable as that status would be. */
export function isRetryableCode(code: number): boolean {
  return isRetryableStatus(code);
}

/** The ProviderError of a wire's error: `status` for an HTTP error, none for an error in the stream. */
export function wireError(details: {
  readonly provider: string;
  readonly fields: ErrorFields;
  readonly body: unknown;
  readonly status: number | undefined;
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number | undefined;
}): ProviderError {
  const { provider, fields, status } = details;
  const where = status === undefined ? "in the stream" : `with HTTP ${status}`;
  const label = [fields.type, fields.code, fields.status].filter((item, index, all) => item !== undefined && all.indexOf(item) === index).join(", ");
  return new ProviderError({
    message: `${provider} answered ${where}: ${fields.message ?? "no message"}${label === "" ? "" : ` (${label})`}`,
    provider,
    status: status ?? (typeof fields.code === "number" ? fields.code : undefined),
    body: details.body,
    isRetryable: details.isRetryable,
    retryAfterMs: details.retryAfterMs,
  });
}

/** The error of a stream value that is not the object the wire promises. */
export function notAnObject(provider: string, what: string, value: unknown): ProviderError {
  return new ProviderError({ message: `${provider} sent ${describe(value)} where ${what} belongs`, provider, body: value, isRetryable: false });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return `the string ${quoteStart(value, 100)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
