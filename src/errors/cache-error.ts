import { FormworkError } from "./formwork-error.js";

/**
 * A response cache could not be read or written (Redis down, a directory that cannot be
 * written). Thrown only by a cache made with `strict: true`; otherwise the call goes on to the
 * provider and the `cache:error` hook reports it. `cause` is the store's own error.
 */
export class CacheError extends FormworkError {
  static override readonly kind: string = "CacheError";
  /** What failed: reading an entry or writing one. */
  readonly operation: "get" | "set";
  /** Which cache: `"memory"`, `"file"`, `"redis"` or a custom cache's name. */
  readonly cache: string;

  constructor(details: { operation: "get" | "set"; cache: string; cause: unknown }) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause);
    super("cache-failed", `The ${details.cache} cache could not ${details.operation === "get" ? "be read" : "be written"}: ${reason} (check that it is reachable, or drop \`strict: true\` to go on without it)`, { cause: details.cause });
    this.operation = details.operation;
    this.cache = details.cache;
  }
}
