// The streaming rules declared on a schema (rules 8 to 11 of partialStream), on Zod and on
// JSON Schema, through the synchronous core (every snapshot, one character at a time), the
// streams, and random chunkings.
import { type } from "arktype";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SchemaError } from "../errors/schema-error.js";
import { chunksOf, splitAt } from "../json/test-support/feed.js";
import { jsonSchema, toSchemaAdapter, type SchemaLike } from "../schema/schema-adapter.js";
import { STREAM_KEYWORD } from "../schema/stream-rules.js";
import { streaming } from "../schema/streaming.js";
import { iterableStream } from "./iterable-stream.js";
import { PartialParser } from "./partial-parser.js";
import { partialStream } from "./partial-stream.js";
import { chunkSource, collect } from "./test-support/sources.js";

/** Every distinct snapshot, writing the text one character at a time (or in the given chunks). */
function snapshots(schema: SchemaLike, text: string | readonly string[]): unknown[] {
  const parser = new PartialParser(schema);
  const values: unknown[] = [];
  for (const chunk of typeof text === "string" ? chunksOf(text, 1) : text) {
    parser.write(chunk);
    if (parser.hasChanged) values.push(parser.snapshot());
  }
  parser.end();
  if (parser.hasChanged) values.push(parser.snapshot());
  return values;
}

type Row = Record<string, unknown>;

describe("rule 8: streaming.done shows a value only when complete", () => {
  it("rule 8: a done string never shows a prefix, while other strings stream", () => {
    const Schema = z.object({ status: streaming.done(z.string()), note: z.string() });
    const values = snapshots(Schema, '{"status": "shipped", "note": "on time"}') as Row[];
    expect(values.map((value) => value["status"]).filter((status) => status !== undefined)).toEqual(values.filter((value) => "status" in value).map(() => "shipped"));
    expect(values.some((value) => value["note"] === "on")).toBe(true);
    expect(values.at(-1)).toEqual({ status: "shipped", note: "on time" });
  });

  it("rule 8: a done object and a done array appear whole as they close", () => {
    const Schema = z.object({
      address: streaming.done(z.object({ city: z.string(), zip: z.string() })),
      tags: streaming.done(z.array(z.string())),
      title: z.string(),
    });
    const text = '{"address": {"city": "Paris", "zip": "75001"}, "tags": ["a", "bc"], "title": "x"}';
    const values = snapshots(Schema, text) as Row[];
    for (const value of values) {
      if ("address" in value) expect(value["address"]).toEqual({ city: "Paris", zip: "75001" });
      if ("tags" in value) expect(value["tags"]).toEqual(["a", "bc"]);
    }
    expect(values.some((value) => "address" in value && !("tags" in value))).toBe(true);
    expect(values.at(-1)).toEqual(JSON.parse(text));
  });

  it("rule 8: done array elements appear one by one, each whole", () => {
    const Schema = z.object({ items: z.array(streaming.done(z.object({ name: z.string(), qty: z.number() }))) });
    const text = '{"items": [{"name": "bolt", "qty": 2}, {"name": "nut", "qty": 5}]}';
    const values = snapshots(Schema, text) as { items?: Row[] }[];
    const lengths = values.map((value) => value.items?.length).filter((length) => length !== undefined);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(new Set(lengths)).toEqual(new Set([0, 1, 2]));
    for (const value of values) for (const item of value.items ?? []) expect(Object.keys(item)).toEqual(["name", "qty"]);
  });

  it("rule 8: on another Standard Schema (ArkType, jsonSchema()), the rule goes on its JSON Schema's root", () => {
    const text = '{"title": "hello"}';
    for (const schema of [streaming.done(type({ title: "string" })), streaming.done(jsonSchema<{ title: string }>({ type: "object", properties: { title: { type: "string" } } }))]) {
      expect(snapshots(schema, text)).toEqual([{ title: "hello" }]);
    }
    expect(() => streaming.done({ "~standard": { version: 1, vendor: "x", validate: () => ({ value: 1 }) } } as never)).toThrow(/gives none/);
  });

  it("rule 8: done at the root of a JSON Schema: nothing until the whole value", () => {
    const schema = { type: "object", properties: { a: { type: "string" } }, [STREAM_KEYWORD]: "done" };
    expect(snapshots(schema, '{"a": "hello"}')).toEqual([{ a: "hello" }]);
  });
});

describe("rule 9: streaming.notNull withholds the enclosing object until the field is shown", () => {
  const Item = z.object({ title: z.string(), id: streaming.done(streaming.notNull(z.string())), done: z.boolean() });

  it("rule 9: no item before its whole id, even when other fields come first", () => {
    const text = '{"items": [{"title": "write", "id": "t-1", "done": false}, {"title": "test", "id": "t-2", "done": true}]}';
    const values = snapshots(z.object({ items: z.array(Item) }), text) as { items?: Row[] }[];
    for (const value of values) for (const item of value.items ?? []) expect(["t-1", "t-2"]).toContain(item["id"]);
    // The item shows with what came before the id, and goes on streaming after it.
    expect(values.some((value) => value.items?.[0]?.["title"] === "write" && !("done" in (value.items[0] as Row)))).toBe(true);
    expect(values.at(-1)).toEqual(JSON.parse(text));
  });

  it("rule 9: without done, the object shows from the field's first character", () => {
    const Schema = z.object({ body: z.string(), id: streaming.notNull(z.string()) });
    const values = snapshots(Schema, '{"body": "long text", "id": "abc"}') as Row[];
    expect(values[0]).toEqual({ body: "long text", id: "" });
  });

  it("rule 9: an optional notNull field left out: the object shows when it closes", () => {
    const Schema = z.object({ items: z.array(z.object({ name: z.string(), ref: streaming.notNull(z.string()).optional() })) });
    const values = snapshots(Schema, '{"items": [{"name": "a"}, {"name": "b", "ref": "r"}]}') as { items?: Row[] }[];
    expect(values.some((value) => value.items?.[0]?.["name"] === "a")).toBe(true);
    expect(values.some((value) => (value.items?.length ?? 0) >= 2 && !("ref" in (value.items?.[1] as Row)))).toBe(false);
  });

  it("rule 9: a container field shows its object at its start, and goes on streaming inside it", () => {
    const Order = z.object({ customer: z.string(), lines: streaming.notNull(z.array(z.object({ sku: z.string() }))) });
    const values = snapshots(Order, '{"customer": "Ada", "lines": [{"sku": "x1"}, {"sku": "y2"}]}') as Row[];
    expect(values[0]).toEqual({ customer: "Ada", lines: [] });
    expect(values).toContainEqual({ customer: "Ada", lines: [{ sku: "x" }] });
  });

  it("rule 9: nested waits: the outer object waits for an inner object that waits for its own field", () => {
    const Schema = z.object({ list: z.array(z.object({ owner: streaming.notNull(z.object({ note: z.string(), id: streaming.done(streaming.notNull(z.string())) })) })) });
    const values = snapshots(Schema, '{"list": [{"owner": {"note": "n", "id": "7"}}]}') as { list?: { owner?: Row }[] }[];
    for (const value of values) for (const entry of value.list ?? []) expect(entry.owner?.["id"]).toBe("7");
    expect(values.at(-1)).toEqual({ list: [{ owner: { note: "n", id: "7" } }] });
  });

  it("rule 9: a discriminated union member with a notNull field waits for it after its tag", () => {
    const Shape = z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("circle"), radius: streaming.notNull(z.number()) }),
      z.object({ kind: z.literal("label"), text: z.string() }),
    ]);
    const values = snapshots(z.object({ shapes: z.array(Shape) }), '{"shapes": [{"kind": "circle", "radius": 2}, {"kind": "label", "text": "hi"}]}') as { shapes?: Row[] }[];
    for (const value of values) for (const shape of value.shapes ?? []) if (shape["kind"] === "circle") expect(shape["radius"]).toBe(2);
    expect(values.some((value) => value.shapes?.[1]?.["text"] === "h")).toBe(true);
  });
});

describe("rule 10: streaming.withState shows { state, value }", () => {
  it("rule 10: pending before written, incomplete while written, complete once closed", () => {
    const Schema = z.object({ title: z.string(), body: streaming.withState(z.string()), words: streaming.withState(z.number()) });
    const values = snapshots(Schema, '{"title": "t", "body": "hello", "words": 12}') as Row[];
    expect(values[0]).toEqual({ body: { state: "pending" }, words: { state: "pending" } });
    expect(values).toContainEqual({ title: "t", body: { state: "incomplete", value: "hel" }, words: { state: "pending" } });
    expect(values).toContainEqual({ title: "t", body: { state: "complete", value: "hello" }, words: { state: "pending" } });
    expect(values.at(-1)).toEqual({ title: "t", body: { state: "complete", value: "hello" }, words: { state: "complete", value: 12 } });
    // A state only moves forward.
    const order = ["pending", "incomplete", "complete"];
    const states = values.map((value) => order.indexOf((value["body"] as { state: string }).state));
    expect(states).toEqual([...states].sort((a, b) => a - b));
  });

  it("rule 10: an object field carries its partial value, then its whole one", () => {
    const Schema = z.object({ meta: streaming.withState(z.object({ a: z.string(), b: z.string() })) });
    const values = snapshots(Schema, '{"meta": {"a": "x", "b": "yz"}}') as { meta: { state: string; value: unknown } }[];
    expect(values).toContainEqual({ meta: { state: "incomplete", value: { a: "x", b: "y" } } });
    expect(values.at(-1)).toEqual({ meta: { state: "complete", value: { a: "x", b: "yz" } } });
  });

  it("rule 10: with done, never incomplete; a field left out is complete with no value", () => {
    const Schema = z.object({ id: streaming.withState(streaming.done(z.string())), extra: streaming.withState(z.string()).optional() });
    const values = snapshots(Schema, '{"id": "abc"}') as Row[];
    expect(values[0]).toStrictEqual({ id: { state: "pending" }, extra: { state: "pending" } });
    for (const value of values) expect((value["id"] as { state: string }).state).not.toBe("incomplete");
    expect(values.at(-1)).toStrictEqual({ id: { state: "complete", value: "abc" }, extra: { state: "complete" } });
  });

  it("rule 10: updates().state(path) reads through the wrapper", async () => {
    const Schema = z.object({ meta: streaming.withState(z.object({ a: z.string() })), later: streaming.withState(z.string()) });
    const stream = partialStream(Schema, chunkSource(['{"meta": {"a": "x"}', ', "later": "y"}'], { pause: true }).iterable);
    const seen: string[] = [];
    for await (const update of stream.updates()) seen.push(`${update.state(["meta", "a"])}/${update.state(["later"])}`);
    expect(seen).toContain("done/pending");
    expect(seen.at(-1)).toBe("done/done");
  });
});

describe("rule 11: the rules change what is shown, nothing else, and must mean something", () => {
  const Invoice = z.object({
    id: streaming.done(streaming.notNull(z.string())),
    lines: z.array(streaming.withState(z.object({ sku: z.string(), qty: z.number().int() }))),
    total: z.number(),
  });

  it("rule 11: final is the schema's value, and the JSON Schema for providers carries no rule", async () => {
    const text = '{"id": "inv-1", "lines": [{"sku": "a", "qty": 2}], "total": 9.5}';
    const stream = partialStream(Invoice, chunkSource(chunksOf(text, 3)).iterable);
    const { values } = await collect(stream);
    expect(await stream.final).toEqual(JSON.parse(text));
    expect(values.at(-1)).toEqual({ id: "inv-1", lines: [{ state: "complete", value: { sku: "a", qty: 2 } }], total: 9.5 });
    expect(JSON.stringify(toSchemaAdapter(Invoice).jsonSchema)).not.toContain(STREAM_KEYWORD);
  });

  it("rule 11: the JSON Schema keyword gives the same snapshots as the Zod rules", () => {
    const json = {
      type: "object",
      properties: {
        id: { type: "string", [STREAM_KEYWORD]: ["done", "notNull"] },
        lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" }, qty: { type: "integer" } }, required: ["sku", "qty"], [STREAM_KEYWORD]: "withState" } },
        total: { type: "number" },
      },
      required: ["id", "lines", "total"],
    };
    const text = '{"lines": [{"sku": "a", "qty": 2}], "id": "inv-1", "total": 9.5}';
    expect(snapshots(json, text)).toEqual(snapshots(Invoice, text));
    expect(snapshots(jsonSchema(json), text)).toEqual(snapshots(Invoice, text));
  });

  it("rule 11: a rule where it means nothing is a SchemaError naming the path", () => {
    const cases: [SchemaLike, string, RegExp][] = [
      [z.object({ count: streaming.done(z.number()) }), "count", /already appears only whole/],
      [z.object({ role: streaming.done(z.enum(["a", "b"])) }), "role", /enum member/],
      [z.object({ at: streaming.done(z.iso.datetime()) }), "at", /format/],
      [streaming.notNull(z.object({ a: z.string() })), "", /root value has no enclosing object/],
      [z.object({ tags: z.array(streaming.notNull(z.string())) }), "tags[]", /array element/],
      [{ type: "object", properties: { a: { type: "object", properties: { b: { type: "string", [STREAM_KEYWORD]: ["dnoe"] } } } } }, "a.b", /unknown streaming rule "dnoe"/],
      [{ type: "string", [STREAM_KEYWORD]: 3 as unknown as string }, "", /must be a rule name/],
    ];
    for (const [schema, path, message] of cases) {
      const error = (() => {
        try {
          partialStream(schema, chunkSource([]).iterable);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(SchemaError.isInstance(error), `${path}: ${String(error)}`).toBe(true);
      expect((error as SchemaError).code).toBe("schema-invalid");
      expect((error as SchemaError).path).toBe(path);
      expect((error as SchemaError).message).toMatch(message);
    }
  });

  it("rule 11: done on an object, on a nullable string and on a string-or-number union is meaningful and allowed", () => {
    expect(() => toSchemaAdapter(z.object({ a: streaming.done(z.object({ b: z.number() })) }))).not.toThrow();
    expect(() => toSchemaAdapter(z.object({ a: streaming.done(z.string().nullable()) }))).not.toThrow();
    expect(() => toSchemaAdapter(z.object({ a: streaming.done(z.union([z.string(), z.number()])) }))).not.toThrow();
  });

  it("rule 11: a property named like the keyword is a name, and stays in the JSON Schema", () => {
    const schema = { type: "object", properties: { [STREAM_KEYWORD]: { type: "string", [STREAM_KEYWORD]: "done" } } };
    expect(toSchemaAdapter(schema).jsonSchema).toEqual({ type: "object", properties: { [STREAM_KEYWORD]: { type: "string" } } });
  });
});

describe("iterableStream follows the rules", () => {
  it("the item in progress follows them; the items themselves are the schema's values", async () => {
    const Item = z.object({ title: z.string(), id: streaming.done(streaming.notNull(z.string())), note: streaming.withState(z.string()) });
    const text = '[{"title": "a", "id": "1", "note": "x"}, {"title": "b", "id": "2", "note": "y"}]';
    const stream = iterableStream(Item, chunkSource(chunksOf(text, 2), { pause: true }).iterable);
    const partials: unknown[] = [];
    const items: unknown[] = [];
    for await (const update of stream.updates()) {
      items.push(...update.items);
      if (update.partial !== undefined) partials.push(update.partial);
    }
    expect(items).toEqual(JSON.parse(text));
    expect(partials.length).toBeGreaterThan(0);
    for (const partial of partials as Row[]) {
      expect(["1", "2"]).toContain(partial["id"]);
      expect(partial["note"]).toHaveProperty("state");
    }
  });
});

describe("rules under random chunkings", () => {
  const Task = z.object({ title: z.string(), id: streaming.done(streaming.notNull(z.string())), status: streaming.done(z.string()), body: streaming.withState(z.string()) });
  const Board = z.object({ name: z.string(), tasks: z.array(Task) });
  const text = fc.string({ maxLength: 8 });
  const board = fc.record({ name: text, tasks: fc.array(fc.record({ title: text, id: text, status: text, body: text }), { maxLength: 4 }) });

  it("done values are whole, no task shows without its id, states only move forward, and the end is the same for any chunking", () => {
    fc.assert(
      fc.property(board, fc.array(fc.nat(300), { maxLength: 20 }), (value, cuts) => {
        const json = JSON.stringify(value);
        const values = snapshots(Board, splitAt(json, cuts)) as { tasks?: Row[] }[];
        const order = ["pending", "incomplete", "complete"];
        const lastState = new Map<number, number>();
        for (const snapshot of values) {
          // What the browser transport carries as JSON is the same snapshot.
          expect(JSON.parse(JSON.stringify(snapshot))).toStrictEqual(snapshot);
          (snapshot.tasks ?? []).forEach((task, index) => {
            const whole = value.tasks[index] as Row;
            expect(task["id"]).toBe(whole["id"]);
            if ("status" in task) expect(task["status"]).toBe(whole["status"]);
            const state = order.indexOf((task["body"] as { state: string }).state);
            expect(state).toBeGreaterThanOrEqual(lastState.get(index) ?? 0);
            lastState.set(index, state);
          });
        }
        expect(values.at(-1)).toEqual({ ...value, tasks: value.tasks.map((task) => ({ ...task, body: { state: "complete", value: task.body } })) });
      }),
      { numRuns: 200 },
    );
  });
});
