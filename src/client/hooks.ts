// Instructor's hook names, so that its users feel at home. Every hook fires in streaming calls
// too. As with an EventEmitter, a handler that throws ends the call with its error.
import type { CacheError } from "../errors/cache-error.js";

import type { Completion } from "./completion.js";

/** A request body as it is sent: the provider's fields (no API key is ever among them). */
export interface RequestBody {
  readonly model?: string;
  readonly [field: string]: unknown;
}

/** What each hook receives. */
export interface HookPayloads {
  /** The request about to be sent (the body; no API key is ever in it). */
  "completion:kwargs": { readonly attempt: number; readonly body: RequestBody };
  /** The whole completion of an attempt, assembled from the stream. */
  "completion:response": { readonly attempt: number; readonly completion: Completion };
  /** The provider failed (HTTP error, error in the stream, dropped connection). */
  "completion:error": { readonly attempt: number; readonly error: unknown };
  /** The answer did not parse or validate. */
  "parse:error": { readonly attempt: number; readonly error: unknown };
  /** The last attempt failed; the call ends with an error next. */
  "completion:last_attempt": { readonly attempt: number; readonly error: unknown };
  /** An attempt begins (a retry when attempt > 1; `error` is why). */
  "attempt:start": { readonly attempt: number; readonly error: unknown };
  /** The response cache answered: no request is sent. `createdAt` is when the answer was stored (ms). */
  "cache:hit": { readonly key: string; readonly createdAt: number };
  /**
   * The response cache failed (a CacheError; its `cause` is the store's error). The call goes
   * on without it; a cache made with `strict: true` ends the call with the error instead.
   */
  "cache:error": { readonly operation: "get" | "set"; readonly key: string | undefined; readonly error: CacheError };
}

export type HookName = keyof HookPayloads;
export type HookHandler<K extends HookName> = (payload: HookPayloads[K]) => void;

export class Hooks {
  private readonly handlers = new Map<HookName, Set<(payload: never) => void>>();

  /** Adds a handler. */
  on<K extends HookName>(name: K, handler: HookHandler<K>): void {
    let set = this.handlers.get(name);
    if (set === undefined) this.handlers.set(name, (set = new Set()));
    set.add(handler as (payload: never) => void);
  }

  /** Removes a handler. */
  off<K extends HookName>(name: K, handler: HookHandler<K>): void {
    this.handlers.get(name)?.delete(handler as (payload: never) => void);
  }

  /** Removes every handler of one hook, or of all. */
  clear(name?: HookName): void {
    if (name === undefined) this.handlers.clear();
    else this.handlers.delete(name);
  }

  emit<K extends HookName>(name: K, payload: HookPayloads[K]): void {
    for (const handler of this.handlers.get(name) ?? []) (handler as HookHandler<K>)(payload);
  }
}
