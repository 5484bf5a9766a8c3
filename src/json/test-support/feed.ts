// Helpers for the parser's tests: feed text in given chunks and record what a reader sees.
import { JsonParser, type JsonParserOptions } from "../json-parser.js";
import { JsonParseError } from "../json-parse-error.js";

/** Splits text into chunks of `size` characters. */
export function chunksOf(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks;
}

/** Splits text (or bytes) at the given cut points (sorted or not, duplicates allowed). */
export function splitAt<T extends string | Uint8Array>(text: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((cut) => Math.max(0, Math.min(text.length, cut))))].sort((a, b) => a - b);
  const chunks: T[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(text.slice(start, point) as T);
    start = point;
  }
  chunks.push(text.slice(start) as T);
  return chunks;
}

/** The outcome of feeding chunks: the copied partial value after each write, and the end. */
export interface FeedResult {
  readonly partials: unknown[];
  readonly outcome: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: JsonParseError };
}

/** Feeds the chunks, copying the partial value after each write. Only JsonParseError is caught. */
export function feed(chunks: readonly string[], options?: JsonParserOptions): FeedResult {
  const parser = new JsonParser(options);
  const partials: unknown[] = [];
  try {
    for (const chunk of chunks) {
      parser.write(chunk);
      partials.push(structuredClone(parser.value));
    }
    return { partials, outcome: { ok: true, value: parser.end() } };
  } catch (error) {
    if (error instanceof JsonParseError) return { partials, outcome: { ok: false, error } };
    throw error;
  }
}

/**
 * True when `earlier` may be followed by `later` under rules 1 to 4: strings only grow by
 * appending, atomic values never change, members and elements never disappear or change type.
 */
export function grows(earlier: unknown, later: unknown): boolean {
  if (earlier === undefined) return true;
  if (typeof earlier === "string") return typeof later === "string" && later.startsWith(earlier);
  if (typeof earlier !== "object" || earlier === null) return Object.is(earlier, later);
  if (Array.isArray(earlier)) {
    if (!Array.isArray(later) || later.length < earlier.length) return false;
    return earlier.every((item, index) => grows(item, later[index]));
  }
  if (typeof later !== "object" || later === null || Array.isArray(later)) return false;
  if (Object.getPrototypeOf(later) !== Object.prototype) return false;
  return Object.keys(earlier).every(
    (key) => Object.hasOwn(later, key) && grows((earlier as Record<string, unknown>)[key], (later as Record<string, unknown>)[key]),
  );
}

/** A serialisation that tells apart every value a partial can take (used to compare sequences). */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (Object.is(item, -0) ? "-0" : item)) ?? "undefined";
}

/** The distinct values in order, consecutive repeats and "no value yet" (undefined) dropped. */
export function distinct(values: readonly unknown[]): string[] {
  const result: string[] = [];
  for (const value of values) {
    if (value === undefined) continue;
    const print = fingerprint(value);
    if (result[result.length - 1] !== print) result.push(print);
  }
  return result;
}

/** True when every item of `sub` appears in `sequence`, in order. */
export function isSubsequence(sub: readonly string[], sequence: readonly string[]): boolean {
  let at = 0;
  for (const item of sub) {
    while (at < sequence.length && sequence[at] !== item) at++;
    if (at === sequence.length) return false;
    at++;
  }
  return true;
}
