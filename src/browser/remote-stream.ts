// What readPartial's and readIterable's streams share: the body reader, the one reader of
// `updates()` (which gets the latest state when it is slower than the network), and the ending.
import type { DecodedFrame } from "../transport/patch-decoder.js";
import { PatchBodyReader, type PatchInput, type ReadOptions } from "./read-patch-body.js";

export abstract class RemoteStream<Record> {
  protected readonly body: PatchBodyReader;
  private hasStarted = false;
  private isRead = false;
  protected isFinished = false;
  protected failure: unknown = undefined;
  private hasReportedFailure = false;
  private waiters: (() => void)[] = [];
  /** True when a record held back (a long array's copy, not yet paid for) is due now. */
  protected isRecordDue = false;
  private dueTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(input: PatchInput, options: ReadOptions) {
    this.body = new PatchBodyReader(
      input,
      (frame) => {
        this.onFrame(frame);
        this.wake();
      },
      options.onCancel,
    );
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.abort(signal.reason);
      else signal.addEventListener("abort", () => this.abort(signal.reason), { once: true });
    }
  }

  /** Applies a frame's news to what the next record will say. */
  protected abstract onFrame(frame: DecodedFrame): void;
  /** The next record, if there is news since the last one. */
  protected abstract takeRecord(): Record | undefined;
  /** The body was read to a clean end (its final operation). */
  protected abstract onEnd(): void;
  /** The stream ended with `error` (already typed). */
  protected abstract onFailure(error: unknown): void;

  /** Stops reading and closes the request; the stream ends with AbortError. */
  abort(reason?: unknown): void {
    this.body.cancel(reason);
  }

  protected start(): void {
    if (this.hasStarted) return;
    this.hasStarted = true;
    this.body.run().then(
      () => this.onEnd(),
      (error: unknown) => this.fail(error),
    );
  }

  /**
   * A record was held back to space out the copies of a long array: it becomes due within an
   * animation frame (16 ms) even if no more frames come, so a pause in the stream never leaves
   * the page behind. That is at most one forced copy per animation frame.
   */
  protected holdRecord(): void {
    if (this.dueTimer !== undefined) return;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = undefined;
      this.isRecordDue = true;
      this.wake();
    }, 16);
  }

  /** A record was taken: nothing is held back any more. */
  protected recordTaken(): void {
    this.isRecordDue = false;
    if (this.dueTimer !== undefined) clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
  }

  protected finish(): void {
    this.isFinished = true;
    this.wake();
  }

  protected fail(error: unknown): void {
    if (this.isFinished || this.failure !== undefined) return;
    this.recordTaken();
    this.failure = error;
    this.onFailure(error);
    this.wake();
  }

  /** The stream as records. One reader; leaving early (`break`) aborts the request. */
  updates(): AsyncIterableIterator<Record> {
    if (this.isRead) throw new TypeError("formwork: this stream is already being read (read it through one iterator)");
    this.isRead = true;
    const iterator: AsyncIterableIterator<Record> = {
      next: async () => {
        this.start();
        for (;;) {
          const record = this.takeRecord();
          if (record !== undefined) return { done: false, value: record };
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

  protected wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
