// A response body read as batches of values, one batch per network read, by a hand-written
// async iterator that also calls back (PULL): a read costs the body reader's own promise (none
// when the reader calls back too), where async generators stacked per layer (bytes to text,
// text to events) cost several promises each. Decoding and framing run synchronously. A dropped connection is a retryable
// ProviderError; the body is cancelled (the connection closed) whenever reading stops early,
// fails, or reaches the stream's own end marker.
import { droppedMidAnswer } from "./connection-failure.js";
import type { ByteReader } from "./http-client.js";
import { isPullable, isTextPullable, PULL, PULL_TEXT, type Pullable } from "../stream/pull.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const DECODE_STREAM: TextDecodeOptions = { stream: true };

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
      // A reader that decodes for us is read as text (see PULL_TEXT); else its bytes are decoded here.
      if (isTextPullable(reader)) reader[PULL_TEXT](this.onText, this.onReadError);
      else if (isPullable<ReadableStreamReadResult<Uint8Array>>(reader)) reader[PULL](this.onRead, this.onReadError);
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
    this.handOn(result.done ? undefined : result.value);
  };

  private readonly onText = (result: ReadableStreamReadResult<string>): void => {
    this.handOn(result.done ? undefined : result.value);
  };

  // One read's bytes or text (undefined: the body ended), framed and handed to the pending pull.
  private handOn(piece: Uint8Array | string | undefined): void {
    const onResult = this.onResult;
    const onFailure = this.onFailure;
    this.onResult = this.onFailure = undefined;
    let batch: IteratorResult<unknown[], undefined>;
    try {
      batch = this.batchOf(piece);
    } catch (error) {
      onFailure?.(error);
      return;
    }
    onResult?.(batch);
  }

  private readonly onReadError = (error: unknown): void => {
    const onFailure = this.onFailure;
    this.onResult = this.onFailure = undefined;
    this.close();
    onFailure?.(droppedMidAnswer(error, this.service));
  };

  // One read's bytes (decoded) or text, framed; at the end, what the tail held. Throws what ends it.
  private batchOf(piece: Uint8Array | string | undefined): IteratorResult<unknown[], undefined> {
    try {
      if (piece === undefined) {
        // (A text reader handed on its own tail as its last piece: the decoder holds nothing.)
        const rest = this.decoder.decode();
        const tail = rest === "" ? [] : this.frame(rest);
        const last = this.finish();
        this.close();
        if (last !== undefined) tail.push(...last);
        return tail.length === 0 ? DONE : { done: false, value: tail };
      }
      const batch = this.frame(typeof piece === "string" ? piece : this.decoder.decode(piece, DECODE_STREAM));
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
