// The loop that reads a text source into a synchronous engine and wakes the consumer. It reads
// as fast as the source gives (a model is never slowed down by a slow UI) unless the engine
// asks it to wait; the consumer then sees the latest state, so updates coalesce instead of
// queueing. It owns the ending: exactly one outcome, a typed error or success, and the source
// cancelled whenever the stream stops early.
import { AbortError } from "../errors/abort-error.js";
import { FormworkError } from "../errors/formwork-error.js";
import { SourceError } from "../errors/source-error.js";
import { openTextSource, type OpenTextSource, type TextResult, type TextSource } from "./text-source.js";
import { TextLog } from "./text-log.js";
import { PolledReaders, type Poll } from "./polled-readers.js";

export abstract class StreamPump {
  // The text read, for errors; none where the source keeps it itself (formwork's attempts).
  private readonly log: TextLog | undefined;
  private readonly source: OpenTextSource;
  private hasStarted = false;
  private isStopped = false;
  protected isFinished = false;
  protected failure: unknown = undefined;
  private hasReportedFailure = false;
  private waiters: (() => void)[] = [];
  private readonly readers = new PolledReaders();
  private readonly removeAbortListener: (() => void) | undefined;

  constructor(source: TextSource, signal: AbortSignal | undefined) {
    this.source = openTextSource(source);
    this.log = this.source.text === undefined ? new TextLog() : undefined;
    if (signal !== undefined) {
      const onAbort = () => this.abort(signal.reason);
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener("abort", onAbort, { once: true });
      this.removeAbortListener = () => signal.removeEventListener("abort", onAbort);
    }
  }

  /** Feeds one chunk to the engine. Throws to end the stream. */
  protected abstract onChunk(chunk: string): void;
  /** The source ended. Throws to end the stream with an error. */
  protected abstract onEnd(): Promise<void> | void;
  /** The stream ended with `error` (already typed). */
  protected abstract onFailure(error: unknown): void;
  /** Resolves when the engine can take more (a queue of items waiting for the consumer). */
  protected hasRoom(): Promise<void> | undefined {
    return undefined;
  }

  /** Cancels the stream: the source is cancelled and the stream ends with {@link AbortError}. */
  abort(reason?: unknown): void {
    this.stop(new AbortError(reason));
  }

  /** Starts reading (once; never after the stream was stopped: its source is cancelled). */
  protected start(): void {
    if (this.hasStarted) return;
    this.hasStarted = true;
    if (this.isStopped) return;
    this.readNext();
  }

  /**
   * An async iterator over `next` (which gives undefined at the end); the consumer's `return()`
   * (a `break` out of for-await) cancels the stream and its source.
   */
  protected iterate<T>(next: () => Promise<IteratorResult<T, undefined>>): AsyncIterableIterator<T> {
    // `next` gives the iterator's results itself: a result per network read is worth one
    // promise, not one per layer.
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        this.start();
        return next();
      },
      return: async () => {
        this.abort("the consumer stopped reading");
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * An async iterator over `poll`, polled at once and then at every change, synchronously
   * (see PolledReaders); the consumer's `return()` cancels the stream and its source.
   */
  protected iteratePolled<T>(poll: Poll<T>): AsyncIterableIterator<T> {
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        this.start();
        return this.readers.read(poll);
      },
      return: async () => {
        this.abort("the consumer stopped reading");
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** True at a clean end; at a failed one, throws the error once (then the stream is simply over). */
  protected isAtEnd(): boolean {
    if (this.failure !== undefined) {
      if (this.hasReportedFailure) return true;
      this.hasReportedFailure = true;
      throw this.failure;
    }
    return this.isFinished;
  }

  /** Resolves at the next change: new state, the end, or a failure. */
  protected changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  protected notify(): void {
    this.readers.wake();
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The text read so far. */
  get text(): string {
    return this.log?.text ?? (this.source.text as () => string)();
  }

  /** Ends the stream early with `error` (the first ending wins) and cancels the source. */
  protected stop(error: unknown): void {
    if (this.isStopped || this.isFinished) return;
    this.isStopped = true;
    this.failure = error;
    this.removeAbortListener?.();
    void this.source.cancel(error instanceof AbortError ? error.reason : error).catch(() => undefined);
    this.onFailure(error);
    this.notify();
  }

  // The reading loop, as callbacks and `then`s rather than an async function: a read costs the
  // source's promise and one `then` (nothing, from a source that calls back), not an await's
  // promises on top.
  private readonly readNext = (): void => {
    const source = this.source;
    let read: Promise<TextResult>;
    try {
      // formwork's own sources call back: no promise per piece.
      if (source.pull !== undefined) return source.pull(this.onResult, this.onSourceError);
      read = source.next();
    } catch (error) {
      return this.onSourceError(error);
    }
    read.then(this.onResult, this.onSourceError);
  };

  private readonly onResult = (result: TextResult): void => {
    if (this.isStopped) return;
    try {
      if (result.done) {
        void this.end();
        return;
      }
      this.log?.append(result.value);
      this.onChunk(result.value);
      this.notify();
      const room = this.hasRoom();
      if (room === undefined) return this.readNext();
      room.then(() => {
        if (!this.isStopped) this.readNext();
      }, this.onSourceError);
    } catch (error) {
      this.stop(error);
    }
  };

  private readonly onSourceError = (error: unknown): void => {
    this.stop(FormworkError.isInstance(error) ? error : new SourceError({ cause: error, text: this.text }));
  };

  private async end(): Promise<void> {
    try {
      await this.onEnd();
      if (this.isStopped) return;
      this.isFinished = true;
      this.removeAbortListener?.();
      this.notify();
    } catch (error) {
      this.stop(error);
    }
  }
}

