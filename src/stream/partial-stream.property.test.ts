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

  it("long arrays, whose snapshots are spaced out: snapshots are never mutated, closed items keep their identity", async () => {
    // Over 512 items, a snapshot of the array is taken only once enough text came to pay for
    // its copy: the guarantees must hold across the snapshots skipped in between.
    const Row = z.object({ id: z.number().int(), name: z.string(), tags: z.array(z.string()) });
    const Rows = z.object({ title: z.string(), rows: z.array(Row) });
    const row = fc.record({ id: fc.integer(), name: fc.string({ maxLength: 6 }), tags: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }) });
    const long = fc.record({ title: fc.string({ maxLength: 6 }), rows: fc.array(row, { minLength: 520, maxLength: 900 }) });
    await fc.assert(
      fc.asyncProperty(long, fc.integer({ min: 1, max: 8 }), async (value, size) => {
        const json = JSON.stringify(value);
        const chunks: string[] = [];
        for (let i = 0; i < json.length; i += size) chunks.push(json.slice(i, i + size));
        const { values, error } = await collect(partialStream(Rows, chunkSource(chunks).iterable));
        expect(error).toBeUndefined();
        expect(values.at(-1)).toEqual(value);
        // Checked cheaply (thousands of snapshots of hundreds of items, plain comparisons
        // gathered into one expect): each snapshot's rows as they were yielded, against the same
        // snapshot at the end and against the next snapshot.
        const rowsOf = (snapshot: unknown) => (snapshot as { rows?: unknown[] } | undefined)?.rows ?? [];
        const yielded = values.map((snapshot) => ({ rows: [...rowsOf(snapshot)], last: fingerprint(rowsOf(snapshot).at(-1)), title: (snapshot as { title?: string }).title }));
        const broken: string[] = [];
        for (let i = 0; i < values.length; i++) {
          const rows = rowsOf(values[i]);
          const then = yielded[i] as (typeof yielded)[number];
          // Nothing yielded was changed afterwards.
          if (rows.length !== then.rows.length || rows.some((item, index) => item !== then.rows[index])) broken.push(`snapshot ${i}: rows changed after it was yielded`);
          if (fingerprint(rows.at(-1)) !== then.last || (values[i] as { title?: string }).title !== then.title) broken.push(`snapshot ${i}: mutated after it was yielded`);
          if (i === 0) continue;
          const before = rowsOf(values[i - 1]);
          if (rows.length < before.length) broken.push(`snapshot ${i}: rows shrank`);
          // Every item closed in the earlier snapshot is the very same object in the later one;
          // the one still open then only grew.
          for (let item = 0; item < before.length - 1; item++) if (rows[item] !== before[item]) broken.push(`snapshot ${i}: item ${item} lost its identity`);
          if (before.length > 0 && !grows(before.at(-1), rows[before.length - 1])) broken.push(`snapshot ${i}: the open item did not grow`);
        }
        expect(broken.slice(0, 5)).toEqual([]);
      }),
      { numRuns: 10, endOnFailure: true },
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
