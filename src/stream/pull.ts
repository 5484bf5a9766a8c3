// How formwork's own layers hand results to each other without a promise per result. Under
// load a stream's cost is what each network read costs, and every promise between the socket
// and the consumer is an allocation and a microtask. A layer whose source is one of ours
// (checked by this symbol) asks with callbacks; any other source is read through its
// iterator's promises, as before.

/** The method of a source that calls back instead of making a promise. */
export const PULL: unique symbol = Symbol("formwork.pull");

/**
 * A source that can call back: `[PULL](onResult, onError)` asks for the next result (R: an iterator's or a reader's result), and
 * exactly one of the two is called, once: maybe before `[PULL]` returns (a result already
 * there), else later. One pull at a time. A source may call back synchronously only while it
 * holds a result, so a chain of pulls never recurses deeper than the results it held.
 */
export interface Pullable<R> {
  [PULL](onResult: (result: R) => void, onError: (error: unknown) => void): void;
}

/** True when `source` can be pulled with callbacks. */
export function isPullable<R>(source: unknown): source is Pullable<R> {
  return typeof source === "object" && source !== null && typeof (source as Partial<Pullable<R>>)[PULL] === "function";
}

/**
 * The method of a byte reader that can also hand its body on as text, by callbacks: UTF-8
 * decoded as a `TextDecoder` would (a leading BOM dropped, bad bytes as U+FFFD), a multi-byte
 * character split between reads given whole with the later one. nodeHttpClient's reader has it:
 * Node's string decoder costs a third of what a TextDecoder does per read. A reader is read
 * one way or the other for its whole life, never both.
 */
export const PULL_TEXT: unique symbol = Symbol("formwork.pullText");

/** A byte reader that can hand on its body as text (see {@link PULL_TEXT}). */
export interface TextPullable {
  [PULL_TEXT](onResult: (result: ReadableStreamReadResult<string>) => void, onError: (error: unknown) => void): void;
}

/** True when `reader` can hand on its body as text. */
export function isTextPullable(reader: unknown): reader is TextPullable {
  return typeof reader === "object" && reader !== null && typeof (reader as Partial<TextPullable>)[PULL_TEXT] === "function";
}
