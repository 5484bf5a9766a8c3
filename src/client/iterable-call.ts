// createIterable across attempts. Each attempt is an ItemStream of the stream layer over that
// attempt's text. An answer that fails (not JSON, an item that does not fit, no list at all) is
// fed back and asked again while no item has been handed to the caller: once one has, it
// cannot be taken back, and a later failure ends the call with an error that says so.
import { AbortError } from "../errors/abort-error.js";
import { NoItemsError } from "../errors/no-items-error.js";
import { RetryError } from "../errors/retry-error.js";
import { addUsage, NO_USAGE } from "../providers/wire-event.js";
import type { ItemStream, ItemUpdate, SkippedItem } from "../stream/iterable-stream.js";
import type { CallTrace } from "../telemetry/call-trace.js";
import type { AttemptRecord } from "./attempt.js";
import type { CallCache } from "./call-cache.js";
import type { Hooks } from "./hooks.js";
import { isAnswerError, withUsage } from "./structured-stream.js";

/** What one attempt is: its item stream and the record the transport fills. */
export interface StartedItemAttempt<T, Partial> {
  readonly stream: ItemStream<T, Partial>;
  readonly record: AttemptRecord;
}

/**
 * The items of a createIterable call: iterate it for validated items, or call `updates()` for
 * records with the item in progress (a record with no items, no partial and a new `attempt`
 * number says a retry began). `skipped` lists items dropped by `on_invalid: "skip"`; `abort()`
 * or `break` closes the request.
 */
export class IterableCall<T, Partial> implements AsyncIterable<T> {
  private isRead = false;
  private current: StartedItemAttempt<T, Partial> | undefined;
  private isAborted = false;
  private abortReason: unknown;
  private shown = 0;

  /** @internal Use createIterable. */
  constructor(
    private readonly startAttempt: (attempt: number, feedback: readonly Record<string, unknown>[]) => StartedItemAttempt<T, Partial>,
    private readonly options: {
      readonly maxRetries: number;
      readonly hooks: Hooks;
      readonly feedback: (record: AttemptRecord, error: unknown) => Record<string, unknown>[];
      /** The response cache of this call (a hit gives the stored text) and how to read a stored text. */
      readonly cache?: CallCache<string>;
      readonly replay?: (text: string) => ItemStream<T, Partial>;
      /** The call's OpenTelemetry spans. */
      readonly trace?: CallTrace;
      /** Told as the reading starts (see CallSignal.start). */
      readonly onStart?: () => void;
      /** Told as the reading ends, whichever way (see CallSignal.end). */
      readonly onEnd?: () => void;
    },
  ) {}

  /** Items skipped in the current attempt (on_invalid: "skip"). */
  get skipped(): readonly SkippedItem[] {
    return this.current?.stream.skipped ?? [];
  }

  /** Cancels the call: the request is closed and the iteration ends with AbortError. */
  abort(reason?: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.current?.stream.abort(reason);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this.run({ read: (stream) => stream, itemsIn: () => 1, inAttempt: (item) => item, retryRecord: () => undefined });
  }

  /** The call as update records, attempt by attempt. One reader at a time. */
  updates(): AsyncIterableIterator<ItemUpdate<T, Partial>> {
    return this.run<ItemUpdate<T, Partial>>({
      read: (stream) => stream.updates(),
      itemsIn: (update) => update.items.length,
      inAttempt: (update, attempt) => ({ ...update, attempt }),
      retryRecord: (attempt) => ({ items: [], partial: undefined, count: 0, skipped: [], attempt }),
    });
  }

  // One loop for both readers: `itemsIn` counts what a record hands out, `inAttempt` labels it.
  private async *run<R>(reader: {
    read(stream: ItemStream<T, Partial>): AsyncIterable<R>;
    itemsIn(record: R): number;
    inAttempt(record: R, attempt: number): R;
    retryRecord(attempt: number): R | undefined;
  }): AsyncGenerator<R> {
    if (this.isRead) throw new TypeError("formwork: this iterable is already being read (read it through one iterator)");
    this.isRead = true;
    const { trace } = this.options;
    this.options.onStart?.();
    await trace?.begin();
    let outcome: Parameters<CallTrace["finish"]>[0] | undefined;
    try {
      outcome = yield* this.attempts(reader);
    } catch (error) {
      outcome = { error };
      throw error;
    } finally {
      this.options.onEnd?.();
      // Ended early by the reader (break): what was read so far.
      trace?.finish(outcome ?? { result: { usage: this.current?.record.usage ?? NO_USAGE, attempts: 1, cached: false } });
    }
  }

  private async *attempts<R>(reader: {
    read(stream: ItemStream<T, Partial>): AsyncIterable<R>;
    itemsIn(record: R): number;
    inAttempt(record: R, attempt: number): R;
    retryRecord(attempt: number): R | undefined;
  }): AsyncGenerator<R, Parameters<CallTrace["finish"]>[0]> {
    const { hooks, maxRetries, cache, replay } = this.options;
    const hit = cache === undefined || replay === undefined ? undefined : await cache.lookup();
    if (hit !== undefined && replay !== undefined) {
      // A cache hit: the stored answer's items, read again; no request.
      this.options.trace?.cacheHit();
      for await (const record of reader.read(replay(hit.opened))) yield reader.inAttempt(record, 1);
      return { result: { usage: NO_USAGE, attempts: 0, cached: true } };
    }
    const errors: unknown[] = [];
    const feedback: Record<string, unknown>[] = [];
    let usage = NO_USAGE;
    for (let attempt = 1; ; attempt++) {
      hooks.emit("attempt:start", { attempt, error: errors.at(-1) });
      if (attempt > 1) {
        const record = reader.retryRecord(attempt);
        if (record !== undefined) yield record;
      }
      if (this.isAborted) throw new AbortError(this.abortReason);
      const started = this.startAttempt(attempt, feedback);
      this.current = started;
      try {
        for await (const record of reader.read(started.stream)) {
          this.shown += reader.itemsIn(record);
          yield reader.inAttempt(record, attempt);
        }
        // An explicit empty list is an answer; no list at all (prose, a refusal, `{}`) is not.
        if (this.shown === 0 && started.stream.skipped.length === 0 && !started.stream.hasList) {
          await started.record.settled;
          throw new NoItemsError({ text: started.record.text === "" ? started.record.content : started.record.text, usage: started.record.usage });
        }
        // Stored once every item read (a strict cache that cannot be written ends the call).
        await cache?.store(started.record);
        return { result: { usage: addUsage(usage, started.record.usage), attempts: attempt, cached: false } };
      } catch (error) {
        await started.record.settled; // the usage of a failed answer arrives after it
        usage = addUsage(usage, started.record.usage);
        errors.push(error);
        const isAnswer = isAnswerError(error) || NoItemsError.isInstance(error);
        const canRetry = isAnswer && this.shown === 0 && attempt <= maxRetries && !this.isAborted;
        if (isAnswer) hooks.emit("parse:error", { attempt, error });
        if (!canRetry) hooks.emit("completion:last_attempt", { attempt, error });
        if (!canRetry) throw this.shown > 0 ? afterItemsShown(error, this.shown) : errors.length > 1 ? new RetryError({ errors, usage }) : withUsage(error, usage);
        feedback.push(...this.options.feedback(started.record, error));
      }
    }
  }
}

/** Items already handed out stand: the error says so (its class and code stay what they were). */
export function afterItemsShown(error: unknown, shown: number): unknown {
  if (error instanceof Error && !AbortError.isInstance(error)) {
    error.message = `${error.message} (after ${shown} item${shown === 1 ? " was" : "s were"} shown: they cannot be taken back, so the answer was not asked again)`;
  }
  return error;
}
