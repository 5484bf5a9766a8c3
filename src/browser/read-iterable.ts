import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { DeepPartial } from "../stream/deep-partial.js";
import type { DecodedFrame } from "../transport/patch-decoder.js";
import { asStreamError, type PatchInput, type ReadOptions } from "./read-patch-body.js";
import { RemoteStream } from "./remote-stream.js";

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
export class RemoteItemStream<T, Partial = DeepPartial<T>> extends RemoteStream<RemoteItemUpdate<T, Partial>> implements AsyncIterable<T> {
  private queue: T[] = [];
  private hasPartialChanged = false;
  private count = 0;

  /** @internal Use {@link readIterable} or fetchIterable. */
  constructor(input: PatchInput, options: ReadIterableOptions<T> = {}) {
    super(input, options);
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

  protected takeRecord(): RemoteItemUpdate<T, Partial> | undefined {
    if (this.queue.length === 0 && !this.hasPartialChanged) return undefined;
    const items = this.queue;
    this.queue = [];
    this.hasPartialChanged = false;
    const decoder = this.body.decoder;
    return { items, partial: decoder.value as Partial | undefined, count: this.count, attempt: decoder.attempt };
  }

  protected onFrame(frame: DecodedFrame): void {
    for (const item of frame.items) this.queue.push(item as T);
    this.count += frame.items.length;
    if (frame.isUpdate) this.hasPartialChanged = true;
  }

  protected onEnd(): void {
    this.finish();
  }

  protected onFailure(): void {
    // Nothing to settle: the error reaches the reader through updates().
  }

  protected override fail(error: unknown): void {
    super.fail(asStreamError(error, this.body.decoder.value));
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
