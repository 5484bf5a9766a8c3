import { type } from "arktype";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AbortError } from "../errors/abort-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { SourceError } from "../errors/source-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { JsonParseError } from "../json/json-parse-error.js";
import { chunksOf } from "../json/test-support/feed.js";
import { jsonSchema } from "../schema/schema-adapter.js";
import { partialStream } from "./partial-stream.js";
import { chunkSource, collect, failingSource, gatedSource, readableSource } from "./test-support/sources.js";

const User = z.object({
  name: z.string(),
  age: z.number().int(),
  role: z.enum(["admin", "member"]),
  email: z.email(),
  bio: z.string().default("(none)"),
  tags: z.array(z.string()),
});

const userText = '{"name": "Ada Lovelace", "age": 36, "role": "admin", "email": "ada@example.com", "tags": ["math", "poetry"]}';

async function partials(schema: Parameters<typeof partialStream>[0], text: string, size = 1) {
  return collect(partialStream(schema, chunkSource(chunksOf(text, size)).iterable));
}

describe("partial rules", () => {
  it("rule 1: strings stream; enum members and formatted strings appear only whole", async () => {
    const { values, error } = await partials(User, userText);
    expect(error).toBeUndefined();
    const names = values.map((value) => (value as { name?: string }).name).filter((name) => name !== undefined);
    expect(names).toContain("Ada");
    expect(names).toContain("Ada Lovelace");
    for (const value of values as { role?: string; email?: string }[]) {
      expect([undefined, "admin"]).toContain(value.role);
      expect([undefined, "ada@example.com"]).toContain(value.email);
    }
  });

  it("rule 1: a literal and a uuid appear only whole", async () => {
    const schema = z.object({ kind: z.literal("invoice"), id: z.uuid() });
    const text = '{"kind": "invoice", "id": "0f8fad5b-d9cb-469f-a165-70867728950e"}';
    const { values } = await partials(schema, text);
    for (const value of values as { kind?: string; id?: string }[]) {
      expect([undefined, "invoice"]).toContain(value.kind);
      expect([undefined, "0f8fad5b-d9cb-469f-a165-70867728950e"]).toContain(value.id);
    }
  });

  it("rule 2: numbers, booleans and null appear only whole", async () => {
    const schema = z.object({ year: z.number(), ok: z.boolean(), none: z.null() });
    const { values } = await partials(schema, '{"year": 1999, "ok": false, "none": null}');
    for (const value of values as { year?: number; ok?: boolean; none?: null }[]) {
      expect([undefined, 1999]).toContain(value.year);
      expect([undefined, false]).toContain(value.ok);
      expect(value.none === undefined || value.none === null).toBe(true);
    }
    expect(values.at(-1)).toEqual({ year: 1999, ok: false, none: null });
  });

  it("rule 2: a number that fails its schema ends the stream at that moment", async () => {
    const { iterable, state } = chunkSource(['{"name": "x", "age": 2.5,', ' "role": "admin", "email": "a@b.co", "tags": []}'], { pause: true });
    const { values, error } = await collect(partialStream(User, iterable));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ path: ["age"], text: '{"name": "x", "age": 2.5,' });
    expect((error as ValidationError).issues[0]?.path).toEqual(["age"]);
    expect(state.pulled).toBe(1); // the second chunk was never read
    expect(state.isCancelled).toBe(true);
    expect(values.every((value) => (value as { age?: number }).age === undefined)).toBe(true);
  });

  it("rule 2: an enum member outside the enum ends the stream when it closes", async () => {
    const { error } = await partials(User, '{"name": "x", "age": 3, "role": "owner", "email": "a@b.co", "tags": []}');
    expect(error).toMatchObject({ code: "validation-failed", path: ["role"] });
  });

  it("rule 2: a value of the wrong kind ends the stream when it begins", async () => {
    const { error } = await partials(User, '{"name": 12');
    expect(error).toMatchObject({ path: ["name"], issues: [{ message: "Expected string, received number" }] });
  });

  it("rule 3: a discriminated union's member shows once its discriminator is known, shaped by it", async () => {
    const Shape = z.discriminatedUnion("type", [
      z.object({ type: z.literal("circle"), radius: z.number() }),
      z.object({ type: z.literal("label"), text: z.string(), when: z.iso.date() }),
    ]);
    const schema = z.object({ shapes: z.array(Shape) });
    const text = '{"shapes": [{"radius": 2, "type": "circle"}, {"type": "label", "text": "hello", "when": "2024-01-02"}]}';
    const { values, error } = await partials(schema, text);
    expect(error).toBeUndefined();
    for (const value of values as { shapes?: Record<string, unknown>[] }[]) {
      for (const shape of value.shapes ?? []) expect(shape["type"]).toBeDefined();
    }
    expect(values).toContainEqual({ shapes: [{ radius: 2, type: "circle" }] });
    expect(values).toContainEqual({ shapes: [{ radius: 2, type: "circle" }, { type: "label", text: "hel" }] });
    const { error: wrongTag } = await partials(schema, '{"shapes": [{"type": "square", "side": 1}]}');
    expect(wrongTag).toMatchObject({ path: ["shapes", 0, "type"] });
    const { error: wrongMember } = await partials(schema, '{"shapes": [{"radius": "big", "type": "circle"}]}');
    expect(wrongMember).toMatchObject({ path: ["shapes", 0, "radius"] });
  });

  it("rule 4: a snapshot shows only what the model wrote; defaults and transforms only in final", async () => {
    const schema = z.object({ name: z.string().transform((name) => name.toUpperCase()), bio: z.string().default("(none)") });
    const stream = partialStream(schema, chunkSource(chunksOf('{"name": "ada", "extra": {"x": 1}}', 4)).iterable);
    const { values } = await collect(stream);
    expect(values.at(-1)).toEqual({ name: "ada" });
    for (const value of values) expect(value).not.toHaveProperty("extra");
    expect(await stream.final).toEqual({ name: "ADA", bio: "(none)" });
  });

  it("rule 5: a shown value never disappears or changes type, and atoms never change", async () => {
    for (const size of [1, 2, 3, 7]) {
      const { values } = await partials(User, userText, size);
      const final = values.at(-1) as Record<string, unknown>;
      for (const value of values as Record<string, unknown>[]) {
        for (const [key, item] of Object.entries(value)) {
          if (typeof item === "string") expect((final[key] as string).startsWith(item)).toBe(true);
          else if (Array.isArray(item)) expect((final[key] as unknown[]).length).toBeGreaterThanOrEqual(item.length);
          else expect(item).toEqual(final[key]);
        }
      }
    }
  });

  it("rule 6: each object is checked by its own schema the moment it closes", async () => {
    const schema = z.object({ owner: z.object({ name: z.string(), age: z.number().min(0) }), notes: z.string() });
    const { iterable, state } = chunkSource(['{"owner": {"name": "x"}', ', "notes": "never read"}'], { pause: true });
    const { error } = await collect(partialStream(schema, iterable));
    expect(error).toMatchObject({ path: ["owner"], issues: [{ path: ["owner", "age"] }] });
    expect(state.pulled).toBe(1);
  });

  it("rule 6: validate 'final' checks only the end", async () => {
    const schema = z.object({ owner: z.object({ name: z.string(), age: z.number() }) });
    const stream = partialStream(schema, chunkSource(['{"owner": {"name": "x"}, "more": 1}']).iterable, { validate: "final" });
    const { values, error } = await collect(stream);
    expect(values.at(-1)).toEqual({ owner: { name: "x" } });
    expect(error).toMatchObject({ path: [], issues: [{ path: ["owner", "age"] }] });
    await expect(stream.final).rejects.toBe(error);
  });

  it("rule 7: a snapshot comes only when something visible changed, and is never mutated", async () => {
    const stream = partialStream(User, chunkSource(chunksOf(`  ${userText}  `, 1)).iterable);
    const seen: unknown[] = [];
    const copies: string[] = [];
    for await (const value of stream) {
      seen.push(value);
      copies.push(JSON.stringify(value));
    }
    for (let i = 1; i < copies.length; i++) expect(copies[i]).not.toBe(copies[i - 1]);
    expect(seen.map((value) => JSON.stringify(value))).toEqual(copies);
  });

  it("rule 7: subtrees that did not change keep their identity", async () => {
    const schema = z.object({ a: z.object({ x: z.string() }), b: z.array(z.object({ y: z.string() })), c: z.string() });
    const stream = partialStream(schema, chunkSource(chunksOf('{"a": {"x": "one"}, "b": [{"y": "two"}, {"y": "three"}], "c": "four"}', 2)).iterable);
    const seen: { a?: unknown; b?: unknown[]; c?: string }[] = [];
    for await (const value of stream) seen.push(value);
    const closedA = seen.findIndex((value) => value.b !== undefined);
    for (let i = closedA + 1; i < seen.length; i++) expect(seen[i]?.a).toBe(seen[closedA]?.a);
    const withC = seen.filter((value) => value.c !== undefined);
    for (let i = 1; i < withC.length; i++) {
      expect(withC[i]?.b).toBe(withC[0]?.b);
      expect(withC[i]).not.toBe(withC[i - 1]);
    }
    const bs = seen.filter((value) => (value.b?.length ?? 0) === 2).map((value) => value.b?.[0]);
    for (const first of bs) expect(first).toBe(bs[0]);
  });

  it("rule 7: a slow consumer gets the latest snapshot, coalesced", async () => {
    const source = chunkSource(chunksOf(userText, 1));
    const stream = partialStream(User, source.iterable);
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toEqual({});
    await new Promise((resolve) => setTimeout(resolve, 20)); // the source runs ahead meanwhile
    const next = await iterator.next();
    expect(source.state.isDone).toBe(true);
    expect(next.value).toEqual({ name: "Ada Lovelace", age: 36, role: "admin", email: "ada@example.com", tags: ["math", "poetry"] });
    expect((await iterator.next()).done).toBe(true);
  });
});

describe("updates()", () => {
  it("reports progress, the paths just completed, the active path and each field's state", async () => {
    const stream = partialStream(User, chunkSource(chunksOf(userText, 3)).iterable);
    const records = [];
    for await (const update of stream.updates()) records.push({ ...update, nameState: update.state(["name"]), tagsState: update.state(["tags"]) });
    const ratios = records.map((record) => record.progress.ratio);
    expect(ratios).toEqual([...ratios].sort((a, b) => a - b));
    expect(records[0]?.progress).toEqual({ done: 0, total: 6, ratio: 0 });
    expect(records.at(-1)?.progress).toEqual({ done: 6, total: 6, ratio: 1 });
    expect(records.flatMap((record) => record.completed)).toEqual([["name"], ["age"], ["role"], ["email"], ["tags", 0], ["tags", 1], ["tags"], []]);
    const writingName = records.find((record) => record.active?.[0] === "name");
    expect(writingName?.nameState).toBe("streaming");
    expect(writingName?.tagsState).toBe("pending");
    expect(records.at(-1)?.active).toBeUndefined();
    expect(records.at(-1)?.nameState).toBe("done");
    expect(records.every((record) => record.attempt === 1)).toBe(true);
  });

  it("counts fields the model leaves out as done when their object closes", async () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.string().optional(), d: z.number().optional() }), e: z.string() });
    const updates = await collect(partialStream(schema, chunkSource(chunksOf('{"a": "x", "b": {}, "e": "y"}', 1)).iterable).updates());
    const progress = updates.values.map((update) => update.progress.done);
    expect(progress).toContain(3); // a, then b's two fields when b closes
    expect(updates.values.at(-1)?.progress).toEqual({ done: 4, total: 4, ratio: 1 });
  });
});

describe("final and errors", () => {
  it("resolves final with the whole value validated, defaults applied, without iterating", async () => {
    const stream = partialStream(User, chunkSource([userText]).iterable);
    expect(await stream.final).toEqual({ name: "Ada Lovelace", age: 36, role: "admin", email: "ada@example.com", bio: "(none)", tags: ["math", "poetry"] });
  });

  it("ends with IncompleteOutputError, carrying the last partial and the text, when the text ends first", async () => {
    const stream = partialStream(User, chunkSource(['{"name": "Ada", "age": 3']).iterable);
    const { error } = await collect(stream);
    expect(error).toBeInstanceOf(IncompleteOutputError);
    expect(error).toMatchObject({ partial: { name: "Ada" }, text: '{"name": "Ada", "age": 3', code: "incomplete-output" });
    await expect(stream.final).rejects.toBe(error);
  });

  it("ends with JsonParseError, carrying where and the text, on text that is not JSON", async () => {
    const { error } = await collect(partialStream(User, chunkSource(['{"name": "Ada",', " oops}"]).iterable));
    expect(error).toBeInstanceOf(JsonParseError);
    expect(error).toMatchObject({ offset: 16, text: '{"name": "Ada", oops}' });
  });

  it("ends with SourceError when the source throws, and with the source's own formwork error as it is", async () => {
    const cause = new Error("socket closed");
    const { error } = await collect(partialStream(User, failingSource(['{"name": "A'], cause)));
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ cause, text: '{"name": "A' });
    const own = new ValidationError({ path: [], issues: [], text: "" });
    expect((await collect(partialStream(User, failingSource([], own)))).error).toBe(own);
  });

  it("rejects final with the final validation's issues", async () => {
    const stream = partialStream(User, chunkSource(['{"name": "Ada", "age": 3, "role": "admin", "email": "a@b.co"}']).iterable);
    await expect(stream.final).rejects.toMatchObject({ path: [], issues: [{ path: ["tags"] }] });
  });

  it("never leaves an unhandled rejection when final is not awaited", async () => {
    const stream = partialStream(User, chunkSource(["{"]).iterable);
    const { error } = await collect(stream);
    expect(error).toBeInstanceOf(IncompleteOutputError);
  });
});

describe("sources", () => {
  it("reads a ReadableStream of strings", async () => {
    const { stream } = readableSource(chunksOf(userText, 5));
    expect(await partialStream(User, stream).final).toMatchObject({ name: "Ada Lovelace" });
  });

  it("reads UTF-8 bytes split inside characters, from a ReadableStream or an async iterable", async () => {
    const text = '{"name": "Zoë 😀 東京", "age": 1, "role": "member", "email": "z@e.io", "tags": ["ü"]}';
    const bytes = new TextEncoder().encode(text);
    const pieces = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect((await partialStream(User, readableSource(pieces).stream).final).name).toBe("Zoë 😀 東京");
    const { values } = await collect(partialStream(User, chunkSource(pieces).iterable));
    for (const value of values as { name?: string }[]) expect(value.name ?? "").not.toMatch(/\uFFFD/);
  });
});

describe("cancellation", () => {
  it("break cancels the source at once", async () => {
    const { iterable, state } = chunkSource(chunksOf(userText, 2), { pause: true });
    const stream = partialStream(User, iterable);
    for await (const value of stream) if ((value as { name?: string }).name?.startsWith("Ada") === true) break;
    expect(state.isCancelled).toBe(true);
    expect(state.pulled).toBeLessThan(20);
    await expect(stream.final).rejects.toBeInstanceOf(AbortError);
  });

  it("abort() and an AbortSignal cancel a ReadableStream source", async () => {
    const first = readableSource(chunksOf(userText, 2));
    const stream = partialStream(User, first.stream);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.abort("user left");
    await expect(iterator.next()).rejects.toMatchObject({ code: "aborted", reason: "user left" });
    expect(first.state.isCancelled).toBe(true);

    const controller = new AbortController();
    const second = readableSource(chunksOf(userText, 2));
    const signalled = partialStream(User, second.stream, { signal: controller.signal });
    controller.abort(new Error("timeout"));
    await expect(signalled.final).rejects.toBeInstanceOf(AbortError);
    expect(second.state.isCancelled).toBe(true);
  });

  it("does not wait for more text than it needs", async () => {
    const { iterable, release } = gatedSource('{"name": "Ada"', ', "age": 1}');
    const stream = partialStream(z.object({ name: z.string(), age: z.number() }), iterable);
    const iterator = stream.updates();
    let update = await iterator.next();
    while (!update.done && update.value.value?.name !== "Ada") update = await iterator.next();
    expect(update.value?.value).toEqual({ name: "Ada" });
    release();
    expect(await stream.final).toEqual({ name: "Ada", age: 1 });
  });
});

describe("schemas", () => {
  const text = '{"title": "Notes", "status": "open", "count": 2}';

  it("takes valibot through its Standard JSON Schema", async () => {
    const schema = toStandardJsonSchema(v.object({ title: v.string(), status: v.picklist(["open", "closed"]), count: v.pipe(v.number(), v.integer()) }));
    const { values } = await collect(partialStream(schema, chunkSource(chunksOf(text, 1)).iterable));
    for (const value of values as { status?: string }[]) expect([undefined, "open"]).toContain(value.status);
    expect(await partialStream(schema, chunkSource([text]).iterable).final).toEqual({ title: "Notes", status: "open", count: 2 });
    const { error } = await collect(partialStream(schema, chunkSource(['{"title": "x", "status": "open", "count": 2.5}']).iterable));
    expect(error).toMatchObject({ path: ["count"] });
  });

  it("takes ArkType", async () => {
    const schema = type({ title: "string", status: "'open' | 'closed'", count: "number.integer" });
    const { values } = await collect(partialStream(schema, chunkSource(chunksOf(text, 1)).iterable));
    for (const value of values as { status?: string }[]) expect([undefined, "open"]).toContain(value.status);
    expect(await partialStream(schema, chunkSource([text]).iterable).final).toEqual({ title: "Notes", status: "open", count: 2 });
    const { error } = await collect(partialStream(schema, chunkSource(['{"title": "x", "status": "shut", "count": 1}']).iterable));
    expect(error).toMatchObject({ path: ["status"] });
  });

  it("takes a plain JSON Schema, with formwork's checker or a validator of the user's", async () => {
    const raw = {
      type: "object",
      properties: { title: { type: "string" }, status: { enum: ["open", "closed"] }, count: { type: "integer", minimum: 0 } },
      required: ["title", "status", "count"],
      additionalProperties: false,
    } as const;
    const { values } = await collect(partialStream(raw, chunkSource(chunksOf(text, 1)).iterable));
    for (const value of values as { status?: string }[]) expect([undefined, "open"]).toContain(value.status);
    const { error } = await collect(partialStream(raw, chunkSource(['{"title": "x", "status": "open", "count": -1}']).iterable));
    expect(error).toMatchObject({ path: ["count"], issues: [{ message: "Expected at least 0" }] });
    const typed = jsonSchema<{ title: string }>(raw, (value) => ({ ok: true, value: { title: String((value as { title: string }).title).toUpperCase() } }));
    expect(await partialStream(typed, chunkSource([text]).iterable).final).toEqual({ title: "NOTES" });
  });
});
