// Long arrays through partialStream (issue 14): a top-level array of N small records, fed in
// token-sized chunks from an async iterable, every partial read. The floor: accumulate the
// chunks, JSON.parse and Zod-parse once. Linear means the ratio to the floor stays flat as N grows.
import { z } from "zod";
import { partialStream } from "../src/stream/index.js";
import { random, tokenChunks } from "./documents.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";

const Row = z.object({ id: z.number().int(), name: z.string(), score: z.number(), tags: z.array(z.string()) });
const Rows = z.object({ rows: z.array(Row) });
const NAMES = ["Ada", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Tony", "Margaret"];

function rows(count: number): z.infer<typeof Rows> {
  const next = random(count);
  return {
    rows: Array.from({ length: count }, (_, id) => ({
      id,
      name: `${NAMES[id % NAMES.length] as string} ${Math.floor(next() * 1000)}`,
      score: Math.round(next() * 1000) / 10,
      tags: next() < 0.5 ? ["a"] : [],
    })),
  };
}

let sink: unknown;

async function* source(chunks: readonly string[]): AsyncGenerator<string> {
  yield* chunks;
}

async function formwork(chunks: readonly string[]): Promise<{ value: unknown; partials: number }> {
  const stream = partialStream(Rows, source(chunks));
  let partials = 0;
  for await (const partial of stream) {
    sink = partial;
    partials++;
  }
  return { value: await stream.final, partials };
}

function floor(chunks: readonly string[]): unknown {
  let text = "";
  for (const chunk of chunks) text += chunk;
  return Rows.parse(JSON.parse(text));
}

/** Runs the long-array benchmark; returns its markdown. */
export async function benchLongArrays(): Promise<string> {
  const table: string[][] = [];
  const ratios: { count: number; ratio: number }[] = [];
  for (const count of [1_000, 4_000, 16_000]) {
    const value = rows(count);
    const text = JSON.stringify(value);
    const chunks = tokenChunks(text);
    const { value: result, partials } = await formwork(chunks);
    if (JSON.stringify(result) !== text) throw new Error(`formwork gave a wrong value at ${count} items`);
    const floorMs = await medianMs(() => floor(chunks), { budgetMs: 2000 });
    const formworkMs = await medianMs(() => formwork(chunks), { budgetMs: 4000, minRuns: 3, maxRuns: 9 });
    ratios.push({ count, ratio: formworkMs / floorMs });
    table.push([`${count} items`, `${(text.length / 1000).toFixed(0)} KB`, `${chunks.length}`, `${partials}`, formatMs(floorMs), `**${formatMs(formworkMs)}** (${formatRatio(formworkMs / floorMs)} floor)`, formatMs((formworkMs / count) * 1000)]);
  }
  const first = ratios[0] as { ratio: number };
  void sink;
  return [
    "### Long arrays through partialStream",
    "",
    "A top-level array of small records (`{ id, name, score, tags }`, about 55 bytes each), token chunks from an async iterable, every partial read. Floor: accumulate, JSON.parse, Zod-parse once.",
    "",
    markdownTable(["array", "text", "chunks", "partials read", "floor", "formwork partialStream", "formwork per 1,000 items"], table),
    "",
    ...ratios.map(({ count, ratio }) => `- ${count} items: ${formatRatio(ratio)} the floor, ${formatRatio(ratio / first.ratio)} the 1,000-item ratio`),
  ].join("\n");
}
