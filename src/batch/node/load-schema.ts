// `--schema ./invoice.ts#Invoice`: a schema from a module's export, or a JSON Schema file (Node).
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BatchError } from "../batch-error.js";
import type { SchemaLike } from "../../schema/schema-adapter.js";

function isSchema(value: unknown): value is SchemaLike {
  return typeof value === "object" && value !== null && ("~standard" in value || "_zod" in value || "type" in value || "properties" in value || "$ref" in value || "anyOf" in value);
}

/**
 * Loads `path#Export` (a JavaScript or TypeScript module; without `#`, its default export or
 * its only schema export) or a `.json` JSON Schema file, relative to `cwd`.
 * TypeScript modules need a loader: Node 22.6+ with `--experimental-strip-types` (default from
 * 23.6), or tsx (`npx tsx`, or `NODE_OPTIONS="--import tsx"`).
 *
 * @example
 * const Invoice = await loadSchema("./invoice.ts#Invoice");
 */
export async function loadSchema(spec: string, cwd = process.cwd()): Promise<SchemaLike> {
  const hash = spec.lastIndexOf("#");
  const file = hash < 0 ? spec : spec.slice(0, hash);
  const name = hash < 0 ? undefined : spec.slice(hash + 1);
  const path = resolve(cwd, file);
  const extension = extname(path).toLowerCase();
  if (extension === ".json") {
    const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new BatchError("batch-schema", `Cannot read the schema ${file}: ${error.code === "ENOENT" ? "no such file" : error.message} (--schema)`, { option: "schema", cause: error });
    });
    let schema: unknown;
    try {
      schema = JSON.parse(text);
    } catch (error) {
      throw new BatchError("batch-schema", `The schema file ${file} is not JSON: ${(error as Error).message}`, { option: "schema", cause: error });
    }
    const picked = name === undefined || name === "" ? schema : (schema as Record<string, unknown>)[name];
    if (!isSchema(picked)) throw new BatchError("batch-schema", `${spec} is not a JSON Schema object (give it a "type" and "properties")`, { option: "schema" });
    return picked;
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" && (error as Error).message.includes(path)) throw new BatchError("batch-schema", `The schema module ${file} does not exist (--schema takes ./file.ts#Export, ./file.js#Export or ./schema.json)`, { option: "schema", cause: error });
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" && (extension === ".ts" || extension === ".mts" || extension === ".cts")) {
      throw new BatchError(
        "batch-schema",
        `Node cannot load the TypeScript module ${file} by itself: run formwork with a TypeScript loader (Node 22.6+: node --experimental-strip-types; or tsx: npx tsx node_modules/.bin/formwork ..., or NODE_OPTIONS="--import tsx"), or compile the schema to .js, or export it as a JSON Schema file`,
        { option: "schema", cause: error },
      );
    }
    throw new BatchError("batch-schema", `Cannot load the schema module ${file}: ${(error as Error).message}`, { option: "schema", cause: error });
  }
  const exports = Object.keys(module).filter((key) => key !== "__esModule");
  const schemas = exports.filter((key) => isSchema(module[key]));
  const chosen = name !== undefined && name !== "" ? name : "default" in module && isSchema(module["default"]) ? "default" : schemas.length === 1 ? schemas[0] : undefined;
  if (chosen === undefined) {
    throw new BatchError("batch-schema", `${file} has ${schemas.length === 0 ? "no schema export" : `several schema exports (${schemas.join(", ")})`}: name one, as ${file}#${schemas[0] ?? "Name"}`, { option: "schema" });
  }
  if (!(chosen in module)) {
    throw new BatchError("batch-schema", `${file} has no export "${chosen}"; its exports: ${exports.length === 0 ? "none" : exports.join(", ")}`, { option: "schema" });
  }
  const schema = module[chosen];
  if (!isSchema(schema)) throw new BatchError("batch-schema", `${file}#${chosen} is not a schema (a Zod schema, a Standard Schema or a JSON Schema object); schema exports: ${schemas.join(", ") || "none"}`, { option: "schema" });
  return schema;
}
