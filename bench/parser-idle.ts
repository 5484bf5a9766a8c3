// The parser after idle (issue 14): V8's memory reducer runs full GCs once a process has been
// idle for a while. The benchmark reproduces that with a forced full GC (`--expose-gc`, which
// `npm run bench` passes) before each timed document, and compares it with the same document
// parsed while the process is busy, and with the first document of a fresh process.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { JsonParser } from "../src/json/index.js";
import { documentValue, tokenChunks } from "./documents.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";

let sink: unknown;

/** Parses the chunks the way a UI would: the partial value read after every chunk. */
export function parseChunks(chunks: readonly string[]): unknown {
  const parser = new JsonParser();
  for (const chunk of chunks) {
    parser.write(chunk);
    sink = parser.value;
  }
  return parser.end();
}

function floor(chunks: readonly string[]): unknown {
  let text = "";
  for (const chunk of chunks) text += chunk;
  return JSON.parse(text);
}

function forceFullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("the idle benchmark needs node --expose-gc (npm run bench passes it)");
  gc();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// The first document after idle: every run starts after a forced full GC, with no parser alive
// (the previous one was dropped), so anything kept only by live parsers is gone.
async function afterIdleMs(chunks: readonly string[], runs: number): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    forceFullGc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const start = performance.now();
    sink = parseChunks(chunks);
    times.push(performance.now() - start);
  }
  return median(times);
}

// The first document in a fresh process: a child that builds the document, then parses it once.
async function freshProcessMs(size: number, runs: number): Promise<number> {
  const times: number[] = [];
  const script = fileURLToPath(new URL("./parser-fresh.ts", import.meta.url));
  for (let run = 0; run < runs; run++) {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, String(size)]);
    times.push(Number(stdout.trim()));
  }
  return median(times);
}

/** Runs the idle benchmark; returns its markdown. */
export async function benchParserIdle(): Promise<string> {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const size of [100_000, 1_000_000]) {
    const value = documentValue(size);
    const chunks = tokenChunks(JSON.stringify(value));
    if (JSON.stringify(parseChunks(chunks)) !== JSON.stringify(value)) throw new Error("formwork gave a wrong value");
    const floorMs = await medianMs(() => floor(chunks), { budgetMs: 2000 });
    const busyMs = await medianMs(() => parseChunks(chunks), { budgetMs: 3000 });
    const idleMs = await afterIdleMs(chunks, 9);
    const freshMs = await freshProcessMs(size, 5);
    const label = size >= 1e6 ? "1 MB" : "100 KB";
    rows.push([
      label,
      formatMs(floorMs),
      `${formatMs(busyMs)} (${formatRatio(busyMs / floorMs)} floor)`,
      `${formatMs(idleMs)} (${formatRatio(idleMs / busyMs)} busy)`,
      `${formatMs(freshMs)} (${formatRatio(freshMs / busyMs)} busy)`,
    ]);
    notes.push(`- ${label}: after idle ${formatRatio(idleMs / busyMs)} the busy time; busy ${formatRatio(busyMs / floorMs)} the floor; fresh process ${formatRatio(freshMs / busyMs)} busy`);
  }
  void sink;
  return [
    "### The parser after idle",
    "",
    "Compact documents in token chunks, partial value read after every chunk. Busy: median while the process keeps parsing. After idle: median of 9 documents, each parsed alone after a forced full GC (what V8's memory reducer does after about 30 s of idleness). Fresh process: median of 5 child processes, each timing its first document (no warm-up).",
    "",
    markdownTable(["document", "accumulate + parse (floor)", "busy", "first document after idle", "first document in a fresh process"], rows),
    "",
    ...notes,
  ].join("\n");
}
