// Properties of the schema-aware streams over generated values and random chunkings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fingerprint, grows, splitAt } from "../json/test-support/feed.js";
import { iterableStream } from "./iterable-stream.js";
import { partialStream } from "./partial-stream.js";
import { chunkSource, collect } from "./test-support/sources.js";

const Author = z.object({ name: z.string(), score: z.number().int(), kind: z.enum(["human", "model"]) });
const Doc = z.object({
  title: z.string(),
  year: z.number().int(),
  ratio: z.number(),
  draft: z.boolean(),
  status: z.enum(["open", "closed"]),
  authors: z.array(Author),
  note: z.string().optional(),
  meta: z.object({ source: z.string(), tags: z.array(z.string()) }),
});

const text = fc.string({ unit: "binary", maxLength: 12 });
const author = fc.record({ name: text, score: fc.integer(), kind: fc.constantFrom("human", "model") });
const doc = fc.record(
  {
    title: text,
    year: fc.integer(),
    ratio: fc.double({ noNaN: true, noDefaultInfinity: true }),
    draft: fc.boolean(),
    status: fc.constantFrom("open", "closed"),
    authors: fc.array(author, { maxLength: 3 }),
    note: text,
    meta: fc.record({ source: text, tags: fc.array(text, { maxLength: 3 }) }),
  },
  { requiredKeys: ["title", "year", "ratio", "draft", "status", "authors", "meta"] },
);

const cases = doc.chain((value) => {
  const json = JSON.stringify(value, null, value.draft ? 2 : undefined);
  return fc.tuple(fc.constant(value), fc.constant(json), fc.array(fc.nat(json.length), { maxLength: 30 }));
});

// Atomic values (numbers, booleans, enum members) anywhere in a partial equal the final ones.
function atomsAreFinal(partial: unknown, final: unknown): boolean {
  if (typeof partial === "string") return typeof final === "string" && final.startsWith(partial);
  if (typeof partial !== "object" || partial === null) return Object.is(partial, final);
  const whole = final as Record<string, unknown>;
  return Object.entries(partial).every(([key, item]) => {
    if ((key === "status" || key === "kind") && item !== undefined) return item === whole[key];
    return atomsAreFinal(item, whole[key]);
  });
}

// Every subtree that looks the same in two consecutive snapshots is the same object.
function sharesUnchanged(before: unknown, after: unknown): boolean {
  if (typeof before !== "object" || before === null || typeof after !== "object" || after === null) return true;
  if (before !== after && fingerprint(before) === fingerprint(after)) return false;
  return Object.keys(before).every((key) => sharesUnchanged((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key]));
}

describe("stream properties", () => {
  it("any chunking: final is the schema's value; partials grow, atoms are final, unchanged subtrees are shared", async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([, json, cuts]) => {
        const stream = partialStream(Doc, chunkSource(splitAt(json, cuts)).iterable);
        const { values, error } = await collect(stream);
        expect(error).toBeUndefined();
        const final = JSON.parse(json) as unknown;
        expect(await stream.final).toEqual(Doc.parse(final));
        expect(values.at(-1)).toEqual(final);
        for (let i = 0; i < values.length; i++) {
          expect(grows(values[i - 1], values[i])).toBe(true);
          expect(atomsAreFinal(values[i], final)).toBe(true);
          if (i > 0) {
            expect(fingerprint(values[i])).not.toBe(fingerprint(values[i - 1]));
            expect(sharesUnchanged(values[i - 1], values[i])).toBe(true);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("any chunking and layout: iterableStream yields exactly the items", async () => {
    const layouts = fc.constantFrom("array", "wrapped", "ndjson");
    await fc.assert(
      fc.asyncProperty(fc.array(author, { maxLength: 6 }), layouts, fc.array(fc.nat(400), { maxLength: 20 }), async (items, layout, cuts) => {
        const json =
          layout === "array" ? JSON.stringify(items) : layout === "wrapped" ? JSON.stringify({ authors: items }) : items.map((item) => JSON.stringify(item)).join("\n");
        const { values, error } = await collect(iterableStream(Author, chunkSource(splitAt(json, cuts)).iterable));
        expect(error).toBeUndefined();
        expect(values).toEqual(items);
      }),
      { numRuns: 150 },
    );
  });
});
