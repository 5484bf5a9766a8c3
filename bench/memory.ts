// Memory: parsing a 10 MB document must keep the final value and a bounded amount of state,
// not a second copy of the text. The text is held as UTF-8 bytes and decoded chunk by chunk,
// as network input arrives, so a parser that kept its input would show it in the heap.
import { JsonParser } from "../src/json/index.js";
import { documentValue, random } from "./documents.js";
import { markdownTable } from "./measure.js";

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench does)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function* decodedChunks(bytes: Uint8Array, sizes: () => number): Generator<string> {
  const decoder = new TextDecoder();
  for (let i = 0; i < bytes.length; ) {
    const size = sizes();
    yield decoder.decode(bytes.subarray(i, i + size), { stream: true });
    i += size;
  }
  yield decoder.decode();
}

/** Heap retained by `make()`'s result, in bytes, and the peak seen while it ran (sampled). */
function retained(make: () => unknown): number {
  const before = heapAfterGc();
  const kept = make();
  const after = heapAfterGc();
  if (kept === undefined) throw new Error("nothing kept");
  return after - before;
}

/** Runs the memory check; returns the markdown it printed. */
export async function benchMemory(): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(documentValue(10_000_000), null, 2));
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const rows: string[][] = [];
  const reference = retained(() => JSON.parse(new TextDecoder().decode(bytes)));
  rows.push(["JSON.parse of the whole text", mb(reference), "1.00x"]);
  for (const [label, sizes] of [
    ["formwork, 64 KiB chunks", () => 65536],
    ["formwork, token chunks (1 to 8 bytes)", (() => { const next = random(3); return () => 1 + Math.floor(next() * 8); })()],
  ] as const) {
    let peakState = 0;
    const kept = retained(() => {
      const parser = new JsonParser();
      let count = 0;
      for (const chunk of decodedChunks(bytes, sizes)) {
        parser.write(chunk);
        if (++count % 50_000 === 0) peakState = Math.max(peakState, process.memoryUsage().heapUsed);
      }
      return parser.end();
    });
    rows.push([label, mb(kept), `${(kept / reference).toFixed(2)}x`]);
  }
  return [
    `### Memory: a ${(bytes.length / 1e6).toFixed(1)} MB document (UTF-8), value kept, everything else collected`,
    "",
    markdownTable(["how", "heap retained", "over JSON.parse"], rows),
    "",
    `The text itself is ${mb(bytes.length)} as UTF-8; a parser that kept it would retain at least that much more than JSON.parse.`,
  ].join("\n");
}
