// Property tests: invariants that must hold for every document and every chunking.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunksOf, distinct, feed, grows, isSubsequence, splitAt, type FeedResult } from "./test-support/feed.js";

// Documents of every shape, with strings over all of UTF-16 (lone surrogates included, which
// JSON.stringify escapes), pretty-printed or compact.
const documentText = fc
  .tuple(fc.jsonValue({ stringUnit: "binary", maxDepth: 4 }), fc.constantFrom(undefined, 1, 2, "\t"), fc.boolean())
  .map(([value, indent, rawSurrogates]) => {
    const text = JSON.stringify(value, null, indent);
    // Also write non-ASCII raw rather than escaped, as models do.
    return rawSurrogates ? text.replace(/\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/g, (_m, high: string, low: string) =>
      String.fromCharCode(parseInt(high, 16), parseInt(low, 16))) : text;
  });

const cutsFor = (text: string) => fc.array(fc.nat(text.length), { maxLength: Math.min(text.length, 40) });

const withCuts = documentText.chain((text) => fc.tuple(fc.constant(text), cutsFor(text)));

// JSON with random edits: mostly invalid, sometimes still valid, always worth parsing.
const editedText = fc
  .tuple(
    documentText,
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom("insert", "delete", "replace"), fc.constantFrom(..."{}[],:\"\\ 0123456789.-+eEtrufalsn\n\u0000\u00e9\ud800")),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([text, edits]) => {
    let edited = text;
    for (const [at, kind, character] of edits) {
      const position = edited.length === 0 ? 0 : at % (edited.length + 1);
      if (kind === "insert") edited = edited.slice(0, position) + character + edited.slice(position);
      else if (kind === "delete") edited = edited.slice(0, position) + edited.slice(position + 1);
      else edited = edited.slice(0, position) + character + edited.slice(position + 1);
    }
    return edited;
  });

const anyText = fc.oneof(editedText, fc.string({ unit: "binary", maxLength: 60 }));

function outcomeKey(result: FeedResult): string {
  const { outcome } = result;
  if (outcome.ok) return `ok ${JSON.stringify(outcome.value)}`;
  const { code, offset, line, column } = outcome.error;
  return `error ${code} ${offset} ${line}:${column}`;
}

// True when no partial string shows the high half of a pair whose low half is still to come.
function holdsHalfPairs(partial: unknown, final: unknown): boolean {
  if (typeof partial === "string" && typeof final === "string") {
    const last = partial.length - 1;
    const isHigh = last >= 0 && partial.charCodeAt(last) >= 0xd800 && partial.charCodeAt(last) <= 0xdbff;
    const next = final.charCodeAt(last + 1);
    return !(isHigh && next >= 0xdc00 && next <= 0xdfff && partial.length < final.length);
  }
  if (typeof partial !== "object" || partial === null) return true;
  const finalObject = final as Record<string, unknown>;
  return Object.entries(partial).every(([key, item]) => holdsHalfPairs(item, finalObject[key]));
}

describe("properties", () => {
  it("rule 5: every chunking gives the final value of JSON.parse", () => {
    fc.assert(
      fc.property(withCuts, ([text, cuts]) => {
        const { outcome } = feed(splitAt(text, cuts));
        expect(outcome).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: 400 },
    );
  });

  it("rules 1 to 4: every partial grows from the one before and into the final value", () => {
    fc.assert(
      fc.property(withCuts, ([text, cuts]) => {
        const { partials, outcome } = feed(splitAt(text, cuts));
        if (!outcome.ok) throw outcome.error;
        let previous: unknown = undefined;
        for (const partial of partials) {
          expect(grows(previous, partial)).toBe(true);
          expect(grows(partial, outcome.value)).toBe(true);
          expect(holdsHalfPairs(partial, outcome.value)).toBe(true);
          previous = partial;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("rule 5: a chunking's distinct values are a subsequence of those read one character at a time", () => {
    fc.assert(
      fc.property(withCuts, ([text, cuts]) => {
        const fine = distinct(feed(chunksOf(text, 1)).partials);
        const coarse = distinct(feed(splitAt(text, cuts)).partials);
        expect(isSubsequence(coarse, fine)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("any text, split anywhere, gives the same value or the same error, and only JsonParseError", () => {
    fc.assert(
      fc.property(anyText.chain((text) => fc.tuple(fc.constant(text), cutsFor(text))), ([text, cuts]) => {
        expect(outcomeKey(feed(splitAt(text, cuts)))).toBe(outcomeKey(feed([text])));
        expect(outcomeKey(feed(splitAt(text, cuts), { lenient: true }))).toBe(outcomeKey(feed([text], { lenient: true })));
      }),
      { numRuns: 1000 },
    );
  });

  it("strict mode accepts exactly what JSON.parse accepts, and says where it stopped", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let expected: { ok: true; value: unknown } | { ok: false };
        try {
          expected = { ok: true, value: JSON.parse(text) };
        } catch {
          expected = { ok: false };
        }
        const { outcome } = feed([text]);
        if (expected.ok) {
          expect(outcome).toEqual(expected);
          return;
        }
        expect(outcome.ok).toBe(false);
        if (outcome.ok) return;
        const { offset, line, column } = outcome.error;
        const before = text.slice(0, offset);
        expect(offset).toBeLessThanOrEqual(text.length);
        expect(line).toBe(before.split("\n").length);
        expect(column).toBe(offset - (before.lastIndexOf("\n") + 1) + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it("lenient mode finds the value inside prose and fences, split anywhere, and keeps it exact", () => {
    const wrapped = fc.tuple(
      fc.jsonValue({ maxDepth: 3 }).filter((value) => typeof value === "object" && value !== null),
      fc.constantFrom("", "Here is the result:\n", "Sure! ", "```json\n", "Of course.\n\n```\n"),
      fc.constantFrom("", "\n```", "\n```\nAnything else?", " Hope this helps! {not json}"),
    );
    fc.assert(
      fc.property(
        wrapped.chain(([value, before, after]) => {
          const text = before + JSON.stringify(value, null, 1) + after;
          return fc.tuple(fc.constant(JSON.parse(JSON.stringify(value)) as unknown), fc.constant(text), cutsFor(text));
        }),
        ([value, text, cuts]) => {
          expect(feed(splitAt(text, cuts), { lenient: true }).outcome).toEqual({ ok: true, value });
        },
      ),
      { numRuns: 300 },
    );
  });
});
