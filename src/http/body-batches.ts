// A response body read as batches of values, one batch per network read, by a hand-written
// async iterator that also calls back (PULL): a read costs the body reader's own promise (none
// when the reader calls back too), where async generators stacked per layer (bytes to text,
// text to events) cost several promises each. Decoding and framing run synchronously. A dropped connection is a retryable
// ProviderError; the body is cancelled (the connection closed) whenever reading stops early,
// fails, or reaches the stream's own end marker.
import { droppedMidAnswer } from "./connection-failure.js";
import type { ByteReader } from "./http-client.js";
import { isPullable, PULL, type Pullable } from "../stream/pull.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export abstract class BodyBatches implements AsyncIterableIterator<unknown[], undefined>, Pullable<IteratorResult<unknown[], undefined>> {
  private readonly decoder = new TextDecoder();
  private isOver = false;
  // The pending pull's callbacks (one pull at a time).
  private onResult: ((result: IteratorResult<unknown[], undefined>) => void) | undefined;
  private onFailure: ((error: unknown) => void) | undefined;

  constructor(
    private readonly reader: ByteReader,
    /** Names the server in errors. */
    protected readonly service: string,
  ) {}

  /** The values a piece of text completes (none when it completes none). */
  protected abstract frame(piece: string): unknown[];
  /** The body ended: the values its unfinished tail holds, if any. Throws if the body was not a stream. */
  protected abstract finish(): unknown[] | undefined;

  /** Ends the reading after this batch: the stream's end marker came. */
  protected markOver(): void {
    this.isOver = true;
  }

  /** True once the end marker came (or the body was closed): nothing more is read. */
  protected get isMarkedOver(): boolean {
    return this.isOver;
  }

  next(): Promise<IteratorResult<unknown[], undefined>> {
    return new Promise((resolve, reject) => this[PULL](resolve, reject));
  }

  /** The next batch by callbacks (see Pullable): the reader's own when it has them, else its promise. */
  [PULL](onResult: (result: IteratorResult<unknown[], undefined>) => void, onError: (error: unknown) => void): void {
    if (this.isOver) return onResult(DONE);
    this.onResult = onResult;
    this.onFailure = onError;
    const reader = this.reader;
    try {
      if (isPullable<ReadableStreamReadResult<Uint8Array>>(reader)) reader[PULL](this.onRead, this.onReadError);
      else reader.read().then(this.onRead, this.onReadError);
    } catch (error) {
      // A reader that throws rather than rejects: the connection is as good as dropped.
      this.onReadError(error);
    }
  }

  return(): Promise<IteratorResult<unknown[], undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly onRead = (result: ReadableStreamReadResult<Uint8Array>): void => {
    const onResult = this.onResult;
    const onFailure = this.onFailure;
    this.onResult = this.onFailure = undefined;
    let batch: IteratorResult<unknown[], undefined>;
    try {
      batch = this.batchOf(result);
    } catch (error) {
      onFailure?.(error);
      return;
    }
    onResult?.(batch);
  };

  private readonly onReadError = (error: unknown): void => {
    const onFailure = this.onFailure;
    this.onResult = this.onFailure = undefined;
    this.close();
    onFailure?.(droppedMidAnswer(error, this.service));
  };

  // One read's bytes, decoded and framed; at the end, what the tail held. Throws what ends it.
  private batchOf(result: ReadableStreamReadResult<Uint8Array>): IteratorResult<unknown[], undefined> {
    try {
      if (result.done) {
        const rest = this.decoder.decode();
        const tail = rest === "" ? [] : this.frame(rest);
        const last = this.finish();
        this.close();
        if (last !== undefined) tail.push(...last);
        return tail.length === 0 ? DONE : { done: false, value: tail };
      }
      const batch = this.frame(this.decoder.decode(result.value, { stream: true }));
      if (this.isOver) this.close();
      return { done: false, value: batch };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private close(): void {
    this.isOver = true;
    this.reader.cancel().catch(() => undefined);
  }
}
