// The interface every response cache implements: a string store with expiry. The client owns
// the key (a hash of the request) and the entry (the answer's text and completion); a store
// only keeps strings, so any key-value service can be one.
import { ConfigurationError } from "../errors/configuration-error.js";

/** Options every cache takes. */
export interface CacheOptions {
  /** How long an entry lives, in milliseconds (as the client's `timeout`). Default: forever. */
  readonly ttl?: number;
  /**
   * By default a cache that fails (Redis down, a directory that cannot be written) costs
   * nothing but the hit: the call goes to the provider and the `cache:error` hook reports it.
   * With `strict: true` the call ends with a CacheError instead.
   */
  readonly strict?: boolean;
}

/**
 * A store for structured answers, given to a client or a call as `cache`. `get` and `set` may
 * throw or reject: the client reports that (or, when `strict`, fails with CacheError).
 *
 * @example
 * const client = fromProvider("openai", { cache: memoryCache({ max: 500, ttl: 3_600_000 }) });
 */
export interface ResponseCache {
  /** A name for errors and hooks (`"memory"`, `"file"`, `"redis"`...). */
  readonly name: string;
  readonly strict?: boolean;
  /** The entry stored under `key`, or undefined when there is none (or it expired). */
  get(key: string): Promise<string | undefined>;
  /** Stores an entry under `key` (for the cache's ttl, if any). */
  set(key: string, value: string): Promise<void>;
}

/** Checks a ttl option: a positive, finite number of milliseconds. */
export function checkTtl(ttl: number | undefined, cache: string): void {
  if (ttl !== undefined && !(typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0)) {
    throw new ConfigurationError({ option: "cache", message: `${cache}'s ttl is in milliseconds and must be a positive number, not ${String(ttl)}` });
  }
}
