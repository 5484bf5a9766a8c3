// The encoder and the decoder against each other: whatever the document, the chunking and the
// pace of flushes, the reader shows what the writer's stream showed, and shares what it shared.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { fingerprint, splitAt } from "../json/test-support/feed.js";
import { jsonSchema } from "../schema/schema-adapter.js";
import { iterableStream } from "../stream/iterable-stream.js";
import { createPartialParser } from "../stream/partial-parser.js";
import { partialStream } from "../stream/partial-stream.js";
import { fieldState } from "../stream/field-state.js";
import { chunkSource } from "../stream/test-support/sources.js";
import { PatchDecoder, type DecodedFrame } from "./patch-decoder.js";
import { PatchEncoder } from "./patch-encoder.js";

// Where the writer kept a subtree (===), the reader keeps it too.
function expectSharing(serverBefore: unknown, serverAfter: unknown, browserBefore: unknown, browserAfter: unknown): void {
  if (serverBefore === serverAfter) {
    expect(browserAfter).toBe(browserBefore);
    return;
  }
  if (typeof serverBefore !== "object" || serverBefore === null || typeof serverAfter !== "object" || serverAfter === null) return;
  if (typeof browserBefore !== "object" || browserBefore === null) return;
  for (const key of Object.keys(serverAfter)) {
    const at = (value: unknown) => (Object.hasOwn(value as object, key) ? (value as Record<string, unknown>)[key] : undefined);
    if (Object.hasOwn(serverBefore, key)) expectSharing(at(serverBefore), at(serverAfter), at(browserBefore), at(browserAfter));
  }
}

const sortedPaths = (paths: readonly (readonly (string | number)[])[]) => paths.map((path) => JSON.stringify(path)).sort();

function readLines(decoder: PatchDecoder, text: string): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  for (const line of text.split("\n").slice(0, -1)) {
    const frame = decoder.read(line);
    if (frame !== undefined) frames.push(frame);
  }
  return frames;
}

const text = fc.string({ unit: "binary", maxLength: 12 });
const User = z.object({ name: z.string(), age: z.number().int(), tags: z.array(z.string()), role: z.enum(["admin", "user"]), bio: z.string().optional() });
const user = fc.record({ name: text, age: fc.integer(), tags: fc.array(text, { maxLength: 4 }), role: fc.constantFrom("admin", "user"), bio: text }, { requiredKeys: ["name", "age", "tags", "role"] });

const documents = fc.oneof(
  fc.record({ schema: fc.constant<"any" | "users">("any"), value: fc.jsonValue({ maxDepth: 4 }) }),
  fc.record({ schema: fc.constant<"any" | "users">("users"), value: fc.record({ users: fc.array(user, { maxLength: 4 }), title: text }) }),
);
const Users = z.object({ users: z.array(User), title: z.string() });

describe("patch encoder and decoder", () => {
  it("any document, chunking and flush pace: the reader's snapshots deep-equal the writer's, unchanged subtrees keep identity, final values are identical", async () => {
    await fc.assert(
      fc.asyncProperty(documents, fc.array(fc.nat(600), { maxLength: 40 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), async ({ schema, value }, cuts, flushes) => {
        const json = JSON.stringify(value);
        const stream = partialStream(schema === "any" ? jsonSchema({}) : Users, chunkSource(splitAt(json, cuts)).iterable);
        const encoder = new PatchEncoder("partial");
        const decoder = new PatchDecoder();
        readLines(decoder, encoder.header());
        let serverShown: unknown = undefined;
        let browserShown: unknown = undefined;
        let closed: (readonly (string | number)[])[] = [];
        let index = 0;
        let latest: unknown = undefined;
        for await (const update of stream.updates()) {
          encoder.update(update);
          latest = update.value;
          closed.push(...update.completed);
          if (!(flushes[index++ % flushes.length] ?? true)) continue; // merged into the next frame
          const frames = readLines(decoder, encoder.flush());
          expect(decoder.value).toEqual(update.value);
          expectSharing(serverShown, update.value, browserShown, decoder.value);
          expect(decoder.active).toEqual(update.active);
          expect(decoder.progress).toEqual(update.progress);
          // The same paths; an atomic member of a merge is done where it is written, so the order may differ.
          expect(sortedPaths(frames.flatMap((frame) => frame.completed))).toEqual(sortedPaths(closed));
          for (const path of [[], ...closed, ...(update.active === undefined ? [] : [update.active])]) expect(fieldState(path, decoder.active, decoder.value)).toBe(update.state(path));
          closed = [];
          serverShown = update.value;
          browserShown = decoder.value;
        }
        const final = await stream.final;
        const frames = readLines(decoder, encoder.finish(final));
        expect(decoder.value).toEqual(latest);
        const last = frames.at(-1);
        expect(JSON.stringify(last?.final?.value)).toBe(JSON.stringify(final));
        expect(decoder.isEnded).toBe(true);
        expect(decoder.truncated()).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it("long arrays, a frame per chunk: snapshot() spaces out the copies, and every snapshot is the writer's at some frame, never mutated, closed items keep identity, the last is the answer", () => {
    // Over 64 items, sealing after every frame would copy the array after every frame (items ×
    // frames); snapshot() seals only once the frames since pay for the copy. The
    // writer here is the bare parser, a frame after every chunk, with nothing spaced out on
    // its side, so all of the spacing is the reader's.
    const Row = z.object({ id: z.number().int(), name: z.string(), tags: z.array(z.string()) });
    const Rows = z.object({ title: z.string(), rows: z.array(Row) });
    const row = fc.record({ id: fc.integer(), name: fc.string({ maxLength: 6 }), tags: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }) });
    const long = fc.record({ title: fc.string({ maxLength: 6 }), rows: fc.array(row, { minLength: 100, maxLength: 300 }) });
    // The budget also pays for a copy with the time since the last one; a clock that stands
    // still leaves only the text to pay, so the spacing checked below does not depend on how
    // fast this machine happens to run.
    const clock = vi.spyOn(performance, "now").mockReturnValue(0);
    try {
      fc.assert(
        fc.property(long, fc.integer({ min: 1, max: 8 }), (value, size) => {
          const json = JSON.stringify(value);
          const parser = createPartialParser(Rows);
          const encoder = new PatchEncoder("partial");
          const decoder = new PatchDecoder();
          readLines(decoder, encoder.header());
          const rowsOf = (snapshot: unknown) => (snapshot as { rows?: unknown[] } | undefined)?.rows ?? [];
          const shown: { value: unknown; rows: unknown[]; print: string }[] = [];
          const broken: string[] = [];
          let frames = 0;
          for (let at = 0; at < json.length; at += size) {
            parser.write(json.slice(at, at + size));
            if (!parser.hasChanged && !parser.hasCompleted) continue;
            const server = parser.update().value;
            encoder.update({ value: server });
            readLines(decoder, encoder.flush());
            frames++;
            const snapshot = decoder.snapshot();
            const previous = shown.at(-1);
            if (snapshot === previous?.value) continue;
            const print = fingerprint(snapshot);
            if (print !== fingerprint(server)) broken.push(`frame ${frames}: a new snapshot that is not the writer's`);
            if (previous !== undefined) {
              const before = previous.rows;
              const rows = rowsOf(snapshot);
              for (let item = 0; item < before.length - 1; item++) if (rows[item] !== before[item]) broken.push(`frame ${frames}: item ${item} lost its identity`);
            }
            shown.push({ value: snapshot, rows: [...rowsOf(snapshot)], print });
          }
          readLines(decoder, encoder.finish(parser.end()));
          expect(decoder.snapshot()).toEqual(value);
          // Nothing shown was changed afterwards.
          for (const [index, then] of shown.entries()) {
            const rows = rowsOf(then.value);
            if (rows.length !== then.rows.length || rows.some((item, at) => item !== then.rows[at]) || fingerprint(then.value) !== then.print) broken.push(`snapshot ${index}: mutated after it was shown`);
          }
          expect(broken.slice(0, 5)).toEqual([]);
          // The spacing is there: fewer copies than frames once the array is long.
          expect(shown.length).toBeLessThan(frames);
        }),
        { numRuns: 25, endOnFailure: true },
      );
    } finally {
      clock.mockRestore();
    }
  });

  it("iterable streams: every item arrives once, in order, and the item in progress matches the writer's", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(user, { maxLength: 5 }), fc.array(fc.nat(400), { maxLength: 30 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), async (users, cuts, flushes) => {
        const stream = iterableStream(User, chunkSource(splitAt(JSON.stringify(users), cuts)).iterable);
        const encoder = new PatchEncoder("iterable");
        const decoder = new PatchDecoder();
        readLines(decoder, encoder.header());
        const items: unknown[] = [];
        let index = 0;
        for await (const update of stream.updates()) {
          for (const item of update.items) encoder.item(item);
          encoder.update({ value: update.partial });
          if (!(flushes[index++ % flushes.length] ?? true)) continue;
          items.push(...readLines(decoder, encoder.flush()).flatMap((frame) => frame.items));
          expect(decoder.value).toEqual(update.partial);
        }
        items.push(...readLines(decoder, encoder.finish()).flatMap((frame) => frame.items));
        expect(items).toEqual(users.map((item) => User.parse(item)));
      }),
      { numRuns: 150 },
    );
  });

  it("appends waiting for a flush are merged: one append per string per frame", async () => {
    const bio = "word ".repeat(200);
    const json = JSON.stringify({ name: "Ada", age: 36, tags: [], role: "user", bio });
    const stream = partialStream(User, chunkSource(splitAt(json, Array.from({ length: json.length / 4 }, (_, i) => i * 4))).iterable);
    const encoder = new PatchEncoder("partial");
    let updates = 0;
    for await (const update of stream.updates()) {
      encoder.update(update);
      updates++;
    }
    const frame = encoder.flush();
    expect(updates).toBeGreaterThan(1);
    expect(frame.match(/\["a",/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(frame.length).toBeLessThan(json.length * 1.5);
    const decoder = new PatchDecoder();
    readLines(decoder, encoder.header() + frame);
    expect(decoder.value).toEqual(JSON.parse(json));
  });

  it("a duplicated key that replaces a closed string is set whole, never appended", () => {
    const encoder = new PatchEncoder("partial");
    const decoder = new PatchDecoder();
    readLines(decoder, encoder.header());
    encoder.update({ value: { a: "abc" }, completed: [["a"]] });
    readLines(decoder, encoder.flush());
    encoder.update({ value: { a: "xyzw" }, completed: [] });
    const frame = encoder.flush();
    expect(frame).toContain('"xyzw"');
    readLines(decoder, frame);
    expect(decoder.value).toEqual({ a: "xyzw" });
  });

  it("a new attempt clears the document and names the attempt", () => {
    const encoder = new PatchEncoder("partial");
    const decoder = new PatchDecoder();
    readLines(decoder, encoder.header());
    encoder.update({ value: { name: "Ad" }, attempt: 1 });
    readLines(decoder, encoder.flush());
    encoder.update({ value: undefined, attempt: 2 });
    const [frame] = readLines(decoder, encoder.flush());
    expect(frame?.attempt).toBe(2);
    expect(decoder.value).toBeUndefined();
    encoder.update({ value: { name: "B" }, attempt: 2 });
    readLines(decoder, encoder.flush());
    expect(decoder.value).toEqual({ name: "B" });
  });

  it("a key __proto__ stays an own property and never reaches a prototype", () => {
    const encoder = new PatchEncoder("partial");
    const decoder = new PatchDecoder();
    readLines(decoder, encoder.header());
    const value = JSON.parse('{"__proto__": {"polluted": "x"}, "b": "y"}') as Record<string, unknown>;
    encoder.update({ value: JSON.parse('{"__proto__": {"polluted": "x"}}') as unknown });
    readLines(decoder, encoder.flush());
    encoder.update({ value });
    readLines(decoder, encoder.flush());
    expect(Object.hasOwn(decoder.value as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(decoder.value).toEqual(value);
  });

  it("the final value is sent only when it is not the document as shown (a transform changed it)", async () => {
    for (const [schema, expected] of [
      [z.object({ name: z.string() }), { name: "ada" }],
      [z.object({ name: z.string().transform((name) => name.toUpperCase()) }), { name: "ADA" }],
    ] as const) {
      const stream = partialStream(schema, chunkSource(['{"name": "a', 'da"}']).iterable);
      const encoder = new PatchEncoder("partial");
      const decoder = new PatchDecoder();
      let body = encoder.header();
      for await (const update of stream.updates()) {
        encoder.update(update);
        body += encoder.flush();
      }
      const last = encoder.finish(await stream.final);
      expect(last.includes('"ADA"')).toBe(expected.name === "ADA");
      const frames = readLines(decoder, body + last);
      expect(frames.at(-1)?.final?.value).toEqual(expected);
    }
  });
});
