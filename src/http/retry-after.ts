// How long a server asked the client to wait before asking again, and the cap formwork puts on
// it: a server that says `retry-after: 3600` should not hold a call for an hour, and one that
// says 2592000 (30 days) must not overflow setTimeout into an immediate retry.

/** The default cap on a Retry-After wait (`maxRetryAfter`): 60 seconds. */
export const DEFAULT_MAX_RETRY_AFTER = 60_000;

/** Milliseconds from `retry-after-ms`, or `retry-after` (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The longest delay setTimeout takes; a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
