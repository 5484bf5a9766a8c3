import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toSchemaAdapter } from "../../schema/schema-adapter.js";
import { loadSchema } from "./load-schema.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "formwork-schema-"));
  const zod = JSON.stringify(new URL("../../../node_modules/zod/index.js", import.meta.url).href);
  await writeFile(join(dir, "invoice.mjs"), `import { z } from ${zod};\nexport const Invoice = z.object({ total: z.number() });\nexport const helper = 3;\nexport const Other = { type: "object", properties: {} };\n`);
  await writeFile(join(dir, "single.mjs"), `export const Only = { type: "object", properties: { a: { type: "string" } } };\nexport const version = 1;\n`);
  await writeFile(join(dir, "invoice.ts"), `export const Invoice: { type: "object"; properties: object } = { type: "object", properties: { n: { type: "number" } } };\n`);
  await writeFile(join(dir, "invoice.schema.json"), JSON.stringify({ type: "object", properties: { total: { type: "number" } }, required: ["total"] }));
  await writeFile(join(dir, "broken.json"), "{ nope");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("loadSchema", () => {
  it("loads a Zod export from a JavaScript module", async () => {
    const schema = await loadSchema("./invoice.mjs#Invoice", dir);
    expect(toSchemaAdapter(schema).jsonSchema).toMatchObject({ type: "object", properties: { total: { type: "number" } } });
  });

  it("loads a TypeScript module when a loader is present (tsx here)", async () => {
    await expect(loadSchema("./invoice.ts#Invoice", dir)).resolves.toMatchObject({ type: "object" });
  });

  it("a missing export says which exports the module has", async () => {
    await expect(loadSchema("./invoice.mjs#Invoise", dir)).rejects.toMatchObject({ code: "batch-schema", message: expect.stringMatching(/no export "Invoise"; its exports: (?=.*Invoice)(?=.*helper)(?=.*Other)/) });
  });

  it("without #, takes the only schema export, or asks to name one of several", async () => {
    await expect(loadSchema("./single.mjs", dir)).resolves.toMatchObject({ properties: { a: { type: "string" } } });
    await expect(loadSchema("./invoice.mjs", dir)).rejects.toThrow(/several schema exports \((Invoice, Other|Other, Invoice)\): name one/);
  });

  it("an export that is not a schema is refused, with the schema exports", async () => {
    await expect(loadSchema("./invoice.mjs#helper", dir)).rejects.toThrow(/#helper is not a schema.*schema exports: /);
  });

  it("reads a JSON Schema file; a broken or missing one is a clear error", async () => {
    await expect(loadSchema("./invoice.schema.json", dir)).resolves.toMatchObject({ required: ["total"] });
    await expect(loadSchema("./broken.json", dir)).rejects.toThrow(/broken\.json is not JSON/);
    await expect(loadSchema("./missing.json", dir)).rejects.toThrow(/missing\.json: no such file/);
    await expect(loadSchema("./missing.mjs#X", dir)).rejects.toThrow(/missing\.mjs does not exist/);
  });
});
