import fc from "fast-check";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchError } from "../batch-error.js";
import { readItems } from "./read-items.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "formwork-items-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function collect(path: string, options = {}) {
  const source = await readItems(path, options);
  const entries: unknown[] = [];
  for await (const entry of source.items()) entries.push(entry);
  return { source, entries, count: await source.count() };
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) || value === "" ? `"${value.replace(/"/g, '""')}"` : value;
}

describe("readItems", () => {
  it("JSONL: each object line is an item; each bad line an error with its line number", async () => {
    const path = join(dir, "in.jsonl");
    await writeFile(path, ['{"id":"a","text":"x"}', "", "{oops", "[1,2]", '{"text":"no id"}', '{"id":3}', '{"id":"a"}', ""].join("\n"));
    const { entries, count } = await collect(path);
    expect(count).toBe(6);
    expect(entries[0]).toEqual({ id: "a", text: "x" });
    expect(entries[4]).toEqual({ id: "3" });
    const errors = entries.filter((entry) => BatchError.isInstance(entry)) as BatchError[];
    expect(errors.map((error) => error.line)).toEqual([3, 4, 5, 7]);
    expect(errors[0]?.message).toMatch(/in\.jsonl:3: not JSON/);
    expect(errors[3]?.message).toMatch(/"a" was already used on line 1/);
  });

  it("property: CSV fields with commas, quotes and newlines read back as written", async () => {
    const text = fc.string({ maxLength: 12 }).filter((value) => !value.includes("\r"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 8 }), async (rows) => {
        const path = join(dir, "property.csv");
        await writeFile(path, ["id,body", ...rows.map(([body], index) => `r${index},${csvField(body)}`)].join("\n") + "\n");
        const { entries, count } = await collect(path);
        expect(count).toBe(rows.length);
        expect(entries).toEqual(rows.map(([body], index) => ({ id: `r${index}`, body })));
      }),
      { numRuns: 60 },
    );
  });

  it("CSV: a row with the wrong number of fields is an error with its line; no id column stops at once", async () => {
    const path = join(dir, "in.csv");
    await writeFile(path, 'id,text\n1,"multi\nline"\n2\n3,ok\n');
    const { entries } = await collect(path);
    expect(entries[0]).toEqual({ id: "1", text: "multi\nline" });
    expect((entries[1] as BatchError).line).toBe(4);
    expect(entries[2]).toEqual({ id: "3", text: "ok" });
    const bad = join(dir, "noid.csv");
    await writeFile(bad, "name,text\na,b\n");
    await expect(collect(bad)).rejects.toThrow(/no "id" column \(columns: name, text\)/);
  });

  it("a folder: each .txt/.md file is an item, its name the id", async () => {
    const folder = join(dir, "docs");
    await mkdir(folder);
    await writeFile(join(folder, "b.md"), "# B");
    await writeFile(join(folder, "a.txt"), "A text");
    await writeFile(join(folder, "ignored.png"), "");
    const { entries, count } = await collect(folder);
    expect(count).toBe(2);
    expect(entries).toEqual([
      { id: "a", file: "a.txt", text: "A text" },
      { id: "b", file: "b.md", text: "# B" },
    ]);
  });

  it("a missing input names the path and what --input takes", async () => {
    await expect(readItems(join(dir, "nope.jsonl"))).rejects.toMatchObject({ code: "batch-input", message: expect.stringMatching(/nope\.jsonl: no such file.*--input takes/) });
  });
});
