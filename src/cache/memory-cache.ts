import { ConfigurationError } from "../errors/configuration-error.js";
import { checkTtl, type CacheOptions, type ResponseCache } from "./response-cache.js";

/** Options of {@link memoryCache}. */
export interface MemoryCacheOptions extends CacheOptions {
  /** The most entries kept; the least recently used goes first. Default 1000. */
  readonly max?: number;
}

/**
 * A cache in this process's memory, least recently used entries evicted beyond `max`. Works
 * everywhere (browsers and edge runtimes too).
 *
 * @example
 * const client = fromOpenAI(new OpenAI(), { cache: memoryCache({ max: 200, ttl: 60_000 }) });
 */
export function memoryCache(options: MemoryCacheOptions = {}): ResponseCache & { readonly size: number; clear(): void } {
  const max = options.max ?? 1000;
  if (!Number.isInteger(max) || max < 1) throw new ConfigurationError({ option: "cache", message: `memoryCache's max must be a positive integer, not ${String(max)}` });
  checkTtl(options.ttl, "memoryCache");
  // A Map keeps insertion order: deleting and setting again moves an entry to the end, so the
  // first key is always the least recently used.
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    name: "memory",
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
    async get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= Date.now()) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    async set(key, value) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: options.ttl === undefined ? Infinity : Date.now() + options.ttl });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
  };
}
