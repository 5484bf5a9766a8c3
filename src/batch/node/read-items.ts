// Batch inputs from files (Node): JSONL (one object with an `id` per line), CSV (a header row
// with an `id` column), or a folder of .txt/.md files whose names are the ids. A line that
// cannot be read becomes a BatchError with its line number, for the runner to report or stop on.
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { createInterface } from "node:readline";
import { BatchError } from "../batch-error.js";
import type { BatchItem } from "../batch-result.js";

export type InputFormat = "jsonl" | "csv" | "folder";

export interface ReadItemsOptions {
  /** Default: by the path (a folder, `.csv`, else JSONL). */
  readonly format?: InputFormat;
  /** The field that holds the id; default `"id"`. */
  readonly idField?: string;
}

/** The items of a file or folder, and how many there are. */
export interface ItemSource {
  readonly path: string;
  readonly format: InputFormat;
  items(): AsyncIterable<BatchItem | BatchError>;
  /** The number of entries (items and unreadable lines), counted without parsing them. */
  count(): Promise<number>;
}

const TEXT_EXTENSIONS = new Set([".txt", ".md", ".markdown"]);

/** Picks the reader for a path. Throws a `batch-input` BatchError when it does not exist. */
export async function readItems(path: string, options: ReadItemsOptions = {}): Promise<ItemSource> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new BatchError("batch-input", `Cannot read the input ${path}: ${error.code === "ENOENT" ? "no such file or folder" : error.message} (--input takes a .jsonl or .csv file, or a folder of .txt/.md files)`, { source: path, option: "input", cause: error });
  });
  const format = options.format ?? (info.isDirectory() ? "folder" : extname(path).toLowerCase() === ".csv" ? "csv" : "jsonl");
  const idField = options.idField ?? "id";
  if (format === "folder") {
    if (!info.isDirectory()) throw new BatchError("batch-input", `${path} is not a folder`, { source: path, option: "input" });
    const files = async () => (await readdir(path)).filter((name) => TEXT_EXTENSIONS.has(extname(name).toLowerCase())).sort();
    return {
      path,
      format,
      count: async () => (await files()).length,
      items: async function* () {
        for (const name of await files()) yield { id: basename(name, extname(name)), file: name, text: await readFile(join(path, name), "utf8") };
      },
    };
  }
  // readline drops lines emitted before its iterator is asked for: each reader makes its own
  // interface at the moment it starts iterating.
  const lines = async function* (): AsyncGenerator<string> {
    yield* createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  };
  return {
    path,
    format,
    count: async () => {
      let count = 0;
      let rows = 0;
      if (format === "jsonl") {
        for await (const line of lines()) if (line.trim() !== "") count++;
        return count;
      }
      for await (const row of csvRows(lines())) if (row.fields.length > 0) rows++;
      return Math.max(0, rows - 1);
    },
    items: () => (format === "jsonl" ? jsonlItems(path, lines(), idField) : csvItems(path, lines(), idField)),
  };
}

function itemWithId(value: Record<string, unknown>, idField: string, source: string, line: number): BatchItem | BatchError {
  const id = value[idField];
  if (typeof id === "number" && Number.isFinite(id)) return { ...value, id: String(id) };
  if (typeof id === "string" && id !== "") return { ...value, id };
  return new BatchError("batch-input", `${source}:${line}: no "${idField}" (each item needs a non-empty string or number id${idField === "id" ? "; --id-field names another field" : ""})`, { source, line });
}

async function* jsonlItems(source: string, lines: AsyncIterable<string>, idField: string): AsyncGenerator<BatchItem | BatchError> {
  const seen = new Map<string, number>();
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield new BatchError("batch-input", `${source}:${line}: not JSON (${(error as Error).message}); each line must be one JSON object`, { source, line });
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      yield new BatchError("batch-input", `${source}:${line}: a JSON ${Array.isArray(value) ? "array" : value === null ? "null" : typeof value}, not an object with an id`, { source, line });
      continue;
    }
    yield unique(itemWithId(value as Record<string, unknown>, idField, source, line), seen, source, line);
  }
}

function unique(entry: BatchItem | BatchError, seen: Map<string, number>, source: string, line: number): BatchItem | BatchError {
  if (BatchError.isInstance(entry)) return entry;
  const item = entry as BatchItem;
  const first = seen.get(item.id);
  if (first !== undefined) return new BatchError("batch-input", `${source}:${line}: the id "${item.id}" was already used on line ${first} (ids must be unique)`, { source, line });
  seen.set(item.id, line);
  return item;
}

/**
 * RFC 4180 rows: fields separated by commas, quoted with `"` (a quoted field may hold commas,
 * newlines and `""` for a quote). Yields each row with the line it started on.
 */
export async function* csvRows(lines: AsyncIterable<string>): AsyncGenerator<{ readonly fields: string[]; readonly line: number; readonly error?: string }> {
  let line = 0;
  let fields: string[] = [];
  let field = "";
  let isQuoted = false;
  let startLine = 0;
  for await (const text of lines) {
    line++;
    if (!isQuoted) {
      if (text.trim() === "") continue;
      startLine = line;
    } else field += "\n";
    let error: string | undefined;
    for (let index = 0; index < text.length; index++) {
      const char = text[index];
      if (isQuoted) {
        if (char === '"' && text[index + 1] === '"') {
          field += '"';
          index++;
        } else if (char === '"') {
          isQuoted = false;
          const after = text[index + 1];
          if (after !== undefined && after !== ",") error = `a character after a closing quote at column ${index + 2}`;
        } else field += char;
      } else if (char === '"' && field === "") isQuoted = true;
      else if (char === ",") {
        fields.push(field);
        field = "";
      } else field += char;
    }
    if (isQuoted) continue;
    fields.push(field);
    yield error === undefined ? { fields, line: startLine } : { fields, line: startLine, error };
    fields = [];
    field = "";
  }
  if (isQuoted) yield { fields: [...fields, field], line: startLine, error: "a quoted field that never closes" };
}

async function* csvItems(source: string, lines: AsyncIterable<string>, idField: string): AsyncGenerator<BatchItem | BatchError> {
  let header: string[] | undefined;
  const seen = new Map<string, number>();
  for await (const row of csvRows(lines)) {
    if (header === undefined) {
      header = row.fields.map((name) => name.trim());
      if (!header.includes(idField)) throw new BatchError("batch-input", `${source}:${row.line}: the header has no "${idField}" column (columns: ${header.join(", ")}); add one or name it with --id-field`, { source, line: row.line });
      continue;
    }
    if (row.error !== undefined) {
      yield new BatchError("batch-input", `${source}:${row.line}: ${row.error}`, { source, line: row.line });
      continue;
    }
    if (row.fields.length !== header.length) {
      yield new BatchError("batch-input", `${source}:${row.line}: ${row.fields.length} fields where the header has ${header.length}`, { source, line: row.line });
      continue;
    }
    const value: Record<string, unknown> = {};
    header.forEach((name, index) => (value[name] = row.fields[index]));
    yield unique(itemWithId(value, idField, source, row.line), seen, source, row.line);
  }
}
