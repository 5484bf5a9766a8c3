// JSONTestSuite (../shared/conformance/JSONTestSuite): y files accepted and equal to JSON.parse,
// n files rejected, i files either way but never another exception type; at every chunk size
// from 1 to 8 characters, at every chunk size from 1 to 8 bytes (splitting UTF-8 sequences),
// and at random chunkings.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonParseError } from "./json-parse-error.js";
import { chunksOf, feed, splitAt } from "./test-support/feed.js";

// The corpus lives in shared/ beside the project (never copied into it); JSON_TEST_SUITE_DIR
// points elsewhere if needed.
const directory =
  process.env["JSON_TEST_SUITE_DIR"] ?? fileURLToPath(new URL("../../../shared/conformance/JSONTestSuite/test_parsing/", import.meta.url));
if (!existsSync(directory)) {
  throw new Error(`JSONTestSuite not found at ${directory}: the project expects ../shared/ beside it, or set JSON_TEST_SUITE_DIR`);
}
const files = readdirSync(directory)
  .filter((name) => name.endsWith(".json"))
  .sort();

// Invalid UTF-8 becomes U+FFFD, as a streaming decoder (fetch, TextDecoderStream) makes it.
// The BOM is kept so that the parser, not the decoder, decides about it.
const decodeOptions = { ignoreBOM: true } as const;

function decodeInChunks(bytes: Uint8Array, size: number): string[] {
  const decoder = new TextDecoder("utf-8", decodeOptions);
  const chunks: string[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
  chunks.push(decoder.decode());
  return chunks;
}

function reference(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

it("finds the whole corpus", () => {
  expect(files.length).toBe(318);
});

describe.each(files)("%s", (name) => {
  const bytes = new Uint8Array(readFileSync(directory + name));
  const text = new TextDecoder("utf-8", decodeOptions).decode(bytes);
  const expected = reference(text);
  const kind = name[0];

  if (kind === "y") it("is valid for JSON.parse", () => expect(expected.ok).toBe(true));
  if (kind === "n") it("is invalid for JSON.parse", () => expect(expected.ok).toBe(false));

  function check(chunks: readonly string[]): void {
    const { outcome } = feed(chunks); // throws anything but JsonParseError
    if (expected.ok) {
      expect(outcome.ok, outcome.ok ? "" : outcome.error.message).toBe(true);
      if (outcome.ok) expect(outcome.value).toStrictEqual(expected.value);
    } else {
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error).toBeInstanceOf(JsonParseError);
    }
  }

  it("agrees with JSON.parse at every chunk size from 1 to 8 characters", () => {
    for (let size = 1; size <= 8; size++) check(chunksOf(text, size));
    check([text]);
  });

  it("agrees with JSON.parse at every chunk size from 1 to 8 bytes", () => {
    for (let size = 1; size <= 8; size++) check(decodeInChunks(bytes, size));
  });

  it("agrees with JSON.parse at random chunkings", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 12 }), (cuts) => check(splitAt(text, cuts))),
      { numRuns: 25 },
    );
  });
});
