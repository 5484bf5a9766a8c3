import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { DeepPartial } from "../stream/deep-partial.js";
import type { DecodedFrame } from "../transport/patch-decoder.js";
import { asStreamError, PatchBodyReader, type PatchInput, type ReadOptions } from "./read-patch-body.js";

/** Options of {@link readIterable}. */
export interface ReadIterableOptions<T> extends ReadOptions {
  /** Types the items (the server validated them). */
  readonly schema?: StandardSchemaV1<unknown, T> | undefined;
}

/** One record of {@link RemoteItemStream.updates}. */
export interface RemoteItemUpdate<T, Partial> {
  /** Items finished since the previous record, in order. */
  readonly items: readonly T[];
  /** The item being written, as a partial value (undefined between items). */
  readonly partial: Partial | undefined;
  /** Items finished so far. */
  readonly count: number;
  readonly attempt: number;
}

/** The items of a streamed `createIterable` or `iterableStream`, read from a patch stream. */
export class RemoteItemStream<T, Partial = DeepPartial<T>> implements AsyncIterable<T> {
  private readonly body: PatchBodyReader;
  private hasStarted = false;
  private isRead = false;
  private queue: T[] = [];
  private hasPartialChanged = false;
  private count = 0;
  private isFinished = false;
  private failure: unknown = undefined;
  private hasReportedFailure = false;
  private waiters: (() => void)[] = [];

  /** @internal Use {@link readIterable} or fetchIterable. */
  constructor(input: PatchInput, options: ReadIterableOptions<T> = {}) {
    this.body = new PatchBodyReader(input, (frame) => this.onFrame(frame), options.onCancel);
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.abort(signal.reason);
      else signal.addEventListener("abort", () => this.abort(signal.reason), { once: true });
    }
  }

  /** Stops reading and closes the request; the stream ends with AbortError. */
  abort(reason?: unknown): void {
    this.body.cancel(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const updates = this.updates();
    let ready: T[] = [];
    return {
      next: async () => {
        for (;;) {
          if (ready.length > 0) return { done: false, value: ready.shift() as T };
          const next = await updates.next();
          if (next.done === true) return { done: true, value: undefined };
          ready = [...next.value.items];
        }
      },
      return: async () => {
        await updates.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** Records: the items finished since the last one, the item in progress, the count. One reader. */
  updates(): AsyncIterableIterator<RemoteItemUpdate<T, Partial>> {
    if (this.isRead) throw new TypeError("formwork: this stream is already being read (read it through one iterator)");
    this.isRead = true;
    const iterator: AsyncIterableIterator<RemoteItemUpdate<T, Partial>> = {
      next: async () => {
        if (!this.hasStarted) {
          this.hasStarted = true;
          this.body.run().then(
            () => this.end(undefined),
            (error: unknown) => this.end(asStreamError(error, this.body.decoder.value)),
          );
        }
        for (;;) {
          if (this.queue.length > 0 || this.hasPartialChanged) {
            const items = this.queue;
            this.queue = [];
            this.hasPartialChanged = false;
            const decoder = this.body.decoder;
            return { done: false, value: { items, partial: decoder.value as Partial | undefined, count: this.count, attempt: decoder.attempt } };
          }
          if (this.failure !== undefined) {
            if (this.hasReportedFailure) return { done: true, value: undefined };
            this.hasReportedFailure = true;
            throw this.failure;
          }
          if (this.isFinished) return { done: true, value: undefined };
          await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
      },
      return: async () => {
        if (!this.isFinished && this.failure === undefined) this.abort("the consumer stopped reading");
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private onFrame(frame: DecodedFrame): void {
    for (const item of frame.items) this.queue.push(item as T);
    this.count += frame.items.length;
    if (frame.isUpdate) this.hasPartialChanged = true;
    this.wake();
  }

  private end(error: unknown): void {
    if (error === undefined) this.isFinished = true;
    else this.failure = error;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Reads the patch stream of a `createIterable` (or `iterableStream`): each item once complete
 * and valid; `updates()` also shows the item in progress.
 *
 * @example
 * for await (const user of readIterable<User>(await fetch("/api/users", { method: "POST" }))) list.push(user);
 */
export function readIterable<T = unknown, Partial = DeepPartial<T>>(input: PatchInput, options?: ReadIterableOptions<T>): RemoteItemStream<T, Partial> {
  return new RemoteItemStream<T, Partial>(input, options);
}
