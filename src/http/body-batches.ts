// A response body read as batches of values, one batch per network read, by a hand-written
// async iterator: a read costs the body reader's promise and one `then`, where async generators
// stacked per layer (bytes to text, text to events) cost several promises each. Decoding and
// framing run synchronously inside that `then`. A dropped connection is a retryable
// ProviderError; the body is cancelled (the connection closed) whenever reading stops early,
// fails, or reaches the stream's own end marker.
import { ProviderError } from "../errors/provider-error.js";
import { systemCodeOf } from "./connection-failure.js";
import type { ByteReader } from "./http-client.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export abstract class BodyBatches implements AsyncIterableIterator<unknown[], undefined> {
  private readonly decoder = new TextDecoder();
  private isOver = false;

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
    return this.reader.read().then(this.onRead, this.onError);
  }

  return(): Promise<IteratorResult<unknown[], undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly onRead = (result: ReadableStreamReadResult<Uint8Array>): IteratorResult<unknown[], undefined> => {
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

  private readonly onError = (error: unknown): never => {
    this.close();
    const code = systemCodeOf(error);
    throw new ProviderError({ message: `The connection to ${this.service} dropped mid-answer: ${(error as Error).message}${code === undefined ? "" : ` (${code})`}`, provider: this.service, isRetryable: true, cause: error });
  };

  private close(): void {
    this.isOver = true;
    this.reader.cancel().catch(() => undefined);
  }
}
