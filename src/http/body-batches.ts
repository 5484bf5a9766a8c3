// A response body read as batches of values, one batch per network read, by a hand-written
// async iterator: a read costs the body reader's promise and one `then`, where async generators
// stacked per layer (bytes to text, text to events) cost several promises each. Decoding and
// framing run synchronously inside that `then`. A dropped connection is a retryable
// ProviderError; the body is cancelled (the connection closed) whenever reading stops early,
// fails, or reaches the stream's own end marker.
import { ProviderError } from "../errors/provider-error.js";
import { systemCodeOf } from "./connection-failure.js";
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

  next(): Promise<IteratorResult<unknown[], undefined>> {
    if (this.isOver) return Promise.resolve(DONE);
    let read: Promise<ReadableStreamReadResult<Uint8Array>>;
    try {
      read = this.reader.read();
    } catch (error) {
      read = Promise.reject(error);
    }
    return read.then(this.batchOf, this.dropped);
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
    try {
      this.dropped(error);
    } catch (failure) {
      onFailure?.(failure);
    }
  };

  // One read's bytes, decoded and framed; at the end, what the tail held. Throws what ends it.
  private readonly batchOf = (result: ReadableStreamReadResult<Uint8Array>): IteratorResult<unknown[], undefined> => {
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
  };

  private readonly dropped = (error: unknown): never => {
    this.close();
    const code = systemCodeOf(error);
    throw new ProviderError({ message: `The connection to ${this.service} dropped mid-answer: ${(error as Error).message}${code === undefined ? "" : ` (${code})`}`, provider: this.service, isRetryable: true, cause: error });
  };

  private close(): void {
    this.isOver = true;
    this.reader.cancel().catch(() => undefined);
  }
}
