// The response cache around a structured call: look the request up before any attempt, store
// the answer that validated. A hit replays the stored text through the stream layer, so the
// partials and the final value are exactly what a live answer gives (streaming rules too).
import { CacheError } from "../errors/cache-error.js";
import { cacheKey } from "../cache/cache-key.js";
import type { ResponseCache } from "../cache/response-cache.js";
import { NO_USAGE, type Usage } from "../providers/wire-event.js";
import type { AttemptRecord } from "./attempt.js";
import type { Completion } from "./completion.js";
import type { Hooks } from "./hooks.js";

/** What a cache keeps of an answer. */
interface CachedAnswer {
  readonly version: 1;
  /** The answer's text as the model wrote it (tool arguments or content). */
  readonly text: string;
  readonly completion: Completion;
  /** What the answer cost when it was made. */
  readonly usage: Usage;
  readonly createdAt: number;
}

/** A hit: the stored answer, opened (read again through the stream layer). */
export interface CacheHit<Opened> {
  readonly opened: Opened;
  readonly completion: Completion;
}

/** The cache of one call. */
export interface CallCache<Opened> {
  /** The stored answer, if there is one that still reads and validates. */
  lookup(): Promise<CacheHit<Opened> | undefined>;
  /** Stores the answer of the attempt that succeeded. */
  store(record: AttemptRecord): Promise<void>;
}

/**
 * The cache of a call whose first request is `body`. Failures of the cache are reported on the
 * `cache:error` hook and cost only the hit, unless the cache is strict: then they are a
 * CacheError that ends the call.
 */
export function callCache<Opened>(
  cache: ResponseCache,
  request: { readonly provider: string; readonly mode: string; readonly body: Record<string, unknown>; readonly context?: unknown },
  hooks: Hooks,
  /** Reads a stored text as the call would, or gives undefined when it no longer validates. */
  open: (text: string) => Promise<Opened | undefined>,
): CallCache<Opened> {
  let key: Promise<string> | undefined;
  const keyOf = () => (key ??= cacheKey(request));

  const failed = (operation: "get" | "set", cacheKeyText: string | undefined, cause: unknown): void => {
    const error = CacheError.isInstance(cause) ? cause : new CacheError({ operation, cache: cache.name, cause });
    if (cache.strict === true) throw error;
    hooks.emit("cache:error", { operation, key: cacheKeyText, error });
  };

  return {
    async lookup() {
      let stored: string | undefined;
      let keyText: string | undefined;
      try {
        keyText = await keyOf();
        stored = await cache.get(keyText);
      } catch (error) {
        failed("get", keyText, error);
        return undefined;
      }
      if (stored === undefined) return undefined;
      const answer = readAnswer(stored);
      if (answer === undefined) return undefined;
      // An entry that no longer validates (the schema's checks changed, not its JSON Schema)
      // is a miss: the new answer replaces it.
      const opened = await open(answer.text);
      if (opened === undefined) return undefined;
      hooks.emit("cache:hit", { key: keyText, createdAt: answer.createdAt });
      return { opened, completion: answer.completion };
    },
    async store(record) {
      let keyText: string | undefined;
      try {
        keyText = await keyOf();
        const answer: CachedAnswer = { version: 1, text: record.text, completion: record.completion(), usage: record.usage, createdAt: Date.now() };
        await cache.set(keyText, JSON.stringify(answer));
      } catch (error) {
        failed("set", keyText, error);
      }
    },
  };
}

function readAnswer(stored: string): CachedAnswer | undefined {
  try {
    const answer = JSON.parse(stored) as Partial<CachedAnswer>;
    if (answer.version !== 1 || typeof answer.text !== "string") return undefined;
    if (typeof answer.completion !== "object" || answer.completion === null) return undefined;
    return { version: 1, text: answer.text, completion: answer.completion, usage: answer.usage ?? NO_USAGE, createdAt: answer.createdAt ?? 0 };
  } catch {
    return undefined; // not ours, or torn: a miss
  }
}
