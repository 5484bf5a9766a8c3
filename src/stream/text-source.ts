// Reads any text source one chunk at a time: an async iterable of strings or bytes, or a
// ReadableStream of either. Bytes are decoded as UTF-8, a character split across chunks
// included; invalid bytes become U+FFFD, as fetch's own decoding does.
import { isPullable, PULL } from "./pull.js";

/**
 * What the streams read from. Cancelling a stream cancels its source at once: a ReadableStream
 * is cancelled, an async iterator's `return()` is called. (An async generator suspended in an
 * `await` of its own, such as a network read, runs that `return()` only when the await settles:
 * JavaScript cannot interrupt it. Give its producer the stream's AbortSignal to stop it sooner,
 * as formwork's clients do with their HTTP requests.)
 */
export type TextSource = AsyncIterable<string | Uint8Array> | ReadableStream<string> | ReadableStream<Uint8Array>;

/** A piece of text read, or the end. */
export type TextResult = { done: true } | { done: false; value: string };

/**
 * An opened source: `next` gives the next piece of text, `cancel` stops the producer; `pull`,
 * where the source is one of formwork's own, gives it by callbacks (see Pullable).
 */
export interface OpenTextSource {
  next(): Promise<TextResult>;
  cancel(reason?: unknown): Promise<void>;
  readonly pull?: (onResult: (result: TextResult) => void, onError: (error: unknown) => void) => void;
  /** The text given so far, where the source keeps it anyway (the reader then keeps no copy). */
  readonly text?: () => string;
}

function isReadableStream(source: TextSource): source is ReadableStream<string | Uint8Array> {
  return typeof (source as ReadableStream).getReader === "function";
}

/**
 * Marks an async iterator that gives only strings (formwork's own answer text): it is read
 * as it is, with no `then` of ours per piece.
 */
export const GIVES_STRINGS: unique symbol = Symbol("formwork.givesStrings");

/**
 * The method of such an iterator that gives the text it has given so far (formwork's attempt
 * keeps it in its record): the stream then keeps no log of its own for its errors.
 */
export const TEXT_SO_FAR: unique symbol = Symbol("formwork.textSoFar");

/** Opens a source for reading. */
export function openTextSource(source: TextSource): OpenTextSource {
  let decoder: TextDecoder | undefined;
  const decode = (chunk: unknown): string => {
    if (typeof chunk === "string") return chunk;
    if (chunk instanceof Uint8Array) return (decoder ??= new TextDecoder("utf-8", { ignoreBOM: true })).decode(chunk, { stream: true });
    throw new TypeError(`formwork: a text source must give strings or Uint8Array chunks, not ${chunk === null ? "null" : typeof chunk}`);
  };
  // Whatever the decoder still holds (a character cut off at the very end) is flushed at the end.
  const flush = (): TextResult => {
    const rest = decoder?.decode() ?? "";
    decoder = undefined;
    return rest.length > 0 ? { done: false, value: rest } : { done: true };
  };
  if (isReadableStream(source)) {
    const reader = source.getReader();
    return {
      async next() {
        const result = await reader.read();
        return result.done ? flush() : { done: false, value: decode(result.value) };
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => undefined);
      },
    };
  }
  if (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] !== "function") {
    throw new TypeError("formwork: a text source must be an AsyncIterable or a ReadableStream");
  }
  const iterator = source[Symbol.asyncIterator]();
  if ((iterator as { [GIVES_STRINGS]?: boolean })[GIVES_STRINGS] === true) {
    const strings = iterator as AsyncIterator<string, unknown> & { [TEXT_SO_FAR]?: () => string };
    return {
      next: () => strings.next() as Promise<TextResult>,
      ...(isPullable<TextResult>(strings) ? { pull: (onResult, onError) => strings[PULL](onResult, onError) } : {}),
      ...(typeof strings[TEXT_SO_FAR] === "function" ? { text: () => (strings[TEXT_SO_FAR] as () => string)() } : {}),
      async cancel() {
        await strings.return?.()?.catch?.(() => undefined);
      },
    };
  }
  // A string result is handed on as it is: a read costs the source's promise and one `then`.
  const onResult = (result: IteratorResult<string | Uint8Array>): TextResult =>
    result.done === true ? flush() : typeof result.value === "string" ? (result as { done: false; value: string }) : { done: false, value: decode(result.value) };
  return {
    next() {
      return Promise.resolve(iterator.next()).then(onResult);
    },
    async cancel() {
      await iterator.return?.()?.catch?.(() => undefined);
    },
  };
}
