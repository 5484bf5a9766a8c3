import { describe, expect, it } from "vitest";
import { z } from "zod";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { chunksOf } from "../json/test-support/feed.js";
import { iterableStream } from "./iterable-stream.js";
import { chunkSource, collect, gatedSource, readableSource } from "./test-support/sources.js";

const Task = z.object({ title: z.string(), priority: z.enum(["low", "high"]), done: z.boolean().default(false) });
const tasks = [
  { title: "Write the parser", priority: "high" },
  { title: "Benchmark it", priority: "low", done: true },
  { title: "Ship", priority: "high" },
];
const expected = tasks.map((task) => ({ done: false, ...task }));

describe("iterableStream layouts", () => {
  const layouts: [string, string][] = [
    ["a top-level array", JSON.stringify(tasks, null, 2)],
    ["an object whose one property is the array", JSON.stringify({ tasks })],
    ["the same under any key", `{"items": ${JSON.stringify(tasks)}}`],
    ["newline-delimited values", tasks.map((task) => JSON.stringify(task)).join("\n") + "\n"],
    ["concatenated values", tasks.map((task) => JSON.stringify(task)).join("")],
  ];

  it.each(layouts)("reads items from %s, at every chunk size", async (_name, text) => {
    for (const size of [1, 2, 5, text.length]) {
      const { values, error } = await collect(iterableStream(Task, chunkSource(chunksOf(text, size)).iterable));
      expect(error).toBeUndefined();
      expect(values).toEqual(expected);
    }
  });

  it("reads an array of arrays when the item is an array, and scalars one per line", async () => {
    const pairs = await collect(iterableStream(z.tuple([z.number(), z.number()]), chunkSource(["[[1, 2], [3, 4]]"]).iterable));
    expect(pairs.values).toEqual([[1, 2], [3, 4]]);
    const words = await collect(iterableStream(z.string(), chunkSource(['"a"\n"b"\n']).iterable));
    expect(words.values).toEqual(["a", "b"]);
  });

  it("yields each item the moment it closes, without waiting for the next", async () => {
    const { iterable, release } = gatedSource('[{"title": "one", "priority": "low"}, {"title": "tw', 'o", "priority": "high"}]');
    const iterator = iterableStream(Task, iterable)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ title: "one", priority: "low", done: false });
    release();
    expect((await iterator.next()).value).toEqual({ title: "two", priority: "high", done: false });
    expect((await iterator.next()).done).toBe(true);
  });
});

describe("iterableStream unions", () => {
  const Event = z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("click"), x: z.number(), y: z.number() }),
    z.object({ kind: z.literal("key"), key: z.string() }),
  ]);

  it("picks a discriminated union's member by its discriminator", async () => {
    const text = '[{"kind": "click", "x": 1, "y": 2}, {"key": "Enter", "kind": "key"}]';
    const { values } = await collect(iterableStream(Event, chunkSource(chunksOf(text, 3)).iterable));
    expect(values).toEqual([{ kind: "click", x: 1, y: 2 }, { kind: "key", key: "Enter" }]);
    const { error } = await collect(iterableStream(Event, chunkSource(['[{"kind": "scroll", "dy": 3}]']).iterable));
    expect(error).toMatchObject({ path: [0, "kind"] });
  });

  it("takes the first member of a plain union that fits", async () => {
    const Item = z.union([z.object({ name: z.string(), age: z.number() }), z.object({ name: z.string() }), z.number()]);
    const { values } = await collect(iterableStream(Item, chunkSource(['[{"name": "a", "age": 1}, {"name": "b"}, 7]']).iterable));
    expect(values).toEqual([{ name: "a", age: 1 }, { name: "b" }, 7]);
  });
});

describe("iterableStream invalid items", () => {
  const text = '[{"title": "ok", "priority": "low"}, {"title": "bad", "priority": "urgent"}, {"title": 3}, {"title": "fine", "priority": "high"}]';

  it("ends with ValidationError at the first invalid item by default, after the valid ones", async () => {
    const { values, error } = await collect(iterableStream(Task, chunkSource([text]).iterable));
    expect(values).toEqual([{ title: "ok", priority: "low", done: false }]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ path: [1, "priority"] });
  });

  it("an item judged asynchronously still ends the stream when the text ends first", async () => {
    // The last item closes in the last chunk and the source ends at once: its async check
    // settles after the end of the text, and its failure must still be the stream's.
    const Checked = z.object({ name: z.string() }).refine(async (item) => item.name !== "made up", "not in the source");
    for (const pieces of [['[{"name":"real"},{"name":"made up"}]'], ['[{"name":"real"},', '{"name":"made up"}]']]) {
      const { values, error } = await collect(iterableStream(Checked, chunkSource(pieces).iterable));
      expect(values).toEqual([{ name: "real" }]);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ path: [1] });
    }
  });

  it("skips invalid items with onInvalid 'skip' and reports them", async () => {
    for (const validate of ["streaming", "final"] as const) {
      const stream = iterableStream(Task, chunkSource(chunksOf(text, 4)).iterable, { onInvalid: "skip", validate });
      const { values, error } = await collect(stream);
      expect(error).toBeUndefined();
      expect(values).toEqual([
        { title: "ok", priority: "low", done: false },
        { title: "fine", priority: "high", done: false },
      ]);
      expect(stream.skipped.map((item) => [item.index, item.path])).toEqual([
        [1, [1]],
        [2, [2]],
      ]);
      expect(stream.skipped[1]?.issues[0]?.path).toEqual([2, "title"]);
    }
  });

  it("ends with IncompleteOutputError when the text stops inside an item", async () => {
    const { values, error } = await collect(iterableStream(Task, chunkSource(['[{"title": "ok", "priority": "low"}, {"title": "cut']).iterable));
    expect(values).toHaveLength(1);
    expect(error).toBeInstanceOf(IncompleteOutputError);
    expect(error).toMatchObject({ partial: { title: "cut" } });
  });
});

describe("iterableStream updates and cancellation", () => {
  it("shows the item in progress as a partial beside the count of finished ones", async () => {
    const text = JSON.stringify({ tasks });
    const updates = await collect(iterableStream(Task, chunkSource(chunksOf(text, 6)).iterable).updates());
    expect(updates.error).toBeUndefined();
    const records = updates.values;
    expect(records.flatMap((record) => record.items)).toEqual(expected);
    const counts = records.map((record) => record.count);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(3);
    expect(records.some((record) => record.count === 1 && (record.partial as { title?: string } | undefined)?.title?.startsWith("Bench"))).toBe(true);
    for (const record of records) {
      const partial = record.partial as { priority?: string } | undefined;
      expect([undefined, "low", "high"]).toContain(partial?.priority);
    }
  });

  it("break cancels the source", async () => {
    const { stream, state } = readableSource(chunksOf(JSON.stringify(tasks), 3));
    for await (const task of iterableStream(Task, stream)) {
      expect(task.title).toBe("Write the parser");
      break;
    }
    expect(state.isCancelled).toBe(true);
  });

  it("abort() ends the stream with AbortError", async () => {
    const { iterable, state } = chunkSource(chunksOf(JSON.stringify(tasks), 3), { pause: true });
    const stream = iterableStream(Task, iterable);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    stream.abort();
    await expect(iterator.next()).rejects.toMatchObject({ code: "aborted" });
    expect(state.isCancelled).toBe(true);
  });
});
