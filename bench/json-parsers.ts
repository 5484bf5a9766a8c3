// The parser benchmark (issue 2): each contender reads an LLM-like document fed in token-sized
// chunks (1 to 8 characters) and the partial value is read after every chunk, the way a UI
// would. Baselines: one JSON.parse of the finished text, and "append every chunk, JSON.parse
// at the end", the floor for anything fed chunks.
import { JSONParser as StreamParser } from "@streamparser/json";
import { parsePartialJson } from "ai";
import { parse as jsonriverParse } from "jsonriver";
import { parse as partialJsonParse } from "partial-json";
import { JsonParser } from "../src/json/index.js";
import { documentValue, tokenChunks } from "./documents.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";
import { benchParserIdle } from "./parser-idle.js";

type Contender = { name: string; run: (chunks: readonly string[], text: string) => unknown };

let sink: unknown; // keeps results alive so nothing is optimised away

const contenders: Contender[] = [
  { name: "JSON.parse once", run: (_chunks, text) => JSON.parse(text) },
  {
    name: "accumulate + parse (floor)",
    run: (chunks) => {
      let text = "";
      for (const chunk of chunks) text += chunk;
      return JSON.parse(text);
    },
  },
  {
    name: "formwork",
    run: (chunks) => {
      const parser = new JsonParser();
      for (const chunk of chunks) {
        parser.write(chunk);
        sink = parser.value;
      }
      return parser.end();
    },
  },
  {
    name: "jsonriver",
    run: async (chunks) => {
      async function* source() {
        yield* chunks;
      }
      let value: unknown;
      for await (value of jsonriverParse(source())) sink = value;
      return value;
    },
  },
  {
    name: "@streamparser/json",
    run: (chunks) => {
      const parser = new StreamParser({ emitPartialValues: true });
      let root: unknown;
      parser.onValue = ({ value, stack }) => {
        root = stack.length > 0 ? stack[0]?.value : value;
      };
      for (const chunk of chunks) {
        parser.write(chunk);
        sink = root;
      }
      return root;
    },
  },
  {
    name: "AI SDK parsePartialJson",
    run: async (chunks) => {
      let text = "";
      let value: unknown;
      for (const chunk of chunks) {
        text += chunk;
        value = (await parsePartialJson(text)).value;
      }
      return value;
    },
  },
  {
    name: "partial-json",
    run: (chunks) => {
      let text = "";
      let value: unknown;
      for (const chunk of chunks) {
        text += chunk;
        value = partialJsonParse(text);
      }
      return value;
    },
  },
];

const SIZES = [1_000, 10_000, 100_000, 1_000_000];
// A re-parsing contender is skipped at a size where its estimated time exceeds this.
const SKIP_ABOVE_MS = 8000;

/** Runs the parser benchmark; returns the markdown it printed. */
export async function benchJsonParsers(): Promise<string> {
  const rows: string[][] = [];
  const summary: string[] = [];
  const lastTimes = new Map<string, { size: number; ms: number }>();
  for (const size of SIZES) {
    for (const format of ["compact", "pretty"] as const) {
      const value = documentValue(size);
      const text = format === "compact" ? JSON.stringify(value) : JSON.stringify(value, null, 2);
      const chunks = tokenChunks(text);
      const times = new Map<string, number>();
      for (const contender of contenders) {
        const previous = lastTimes.get(contender.name);
        // Re-parsing the whole text per chunk is quadratic: estimate before running.
        const estimate = previous === undefined ? 0 : previous.ms * (text.length / previous.size) ** 2;
        if (estimate > SKIP_ABOVE_MS) continue;
        const result = await contender.run(chunks, text);
        if (JSON.stringify(result) !== JSON.stringify(value)) throw new Error(`${contender.name} gave a wrong value at ${size}`);
        const ms = await medianMs(() => contender.run(chunks, text), { budgetMs: size >= 1e6 ? 3000 : 1500 });
        times.set(contender.name, ms);
        lastTimes.set(contender.name, { size: text.length, ms });
      }
      const formwork = times.get("formwork") as number;
      const floor = times.get("accumulate + parse (floor)") as number;
      rows.push([
        `${formatSize(text.length)} ${format}`,
        `${chunks.length}`,
        ...contenders.map(({ name }) => {
          const ms = times.get(name);
          if (ms === undefined) return "skipped";
          if (name === "formwork") return `**${formatMs(ms)}** (${formatRatio(ms / floor)} floor)`;
          return `${formatMs(ms)} (${formatRatio(ms / formwork)})`;
        }),
      ]);
      const river = times.get("jsonriver");
      const aiSdk = times.get("AI SDK parsePartialJson");
      summary.push(
        `- ${formatSize(text.length)} ${format}: formwork is ${formatRatio(formwork / floor)} the floor` +
          (river === undefined ? "" : `, ${formatRatio(river / formwork)} faster than jsonriver`) +
          (aiSdk === undefined ? "" : `, ${formatRatio(aiSdk / formwork)} faster than parsePartialJson`),
      );
    }
  }
  const table = markdownTable(
    ["document", "chunks", ...contenders.map(({ name }) => name)],
    rows,
  );
  void sink;
  return [
    "### Incremental JSON parsing, partial value read after every chunk",
    "",
    "Median wall time per document. In brackets: formwork's time over the accumulate-and-parse floor; for the others, their time over formwork's (higher is slower than formwork). \"skipped\": estimated from the previous size to take more than 8 s per run.",
    "",
    table,
    "",
    ...summary,
    "",
    await benchParserIdle(),
  ].join("\n");
}

function formatSize(length: number): string {
  return length >= 1e6 ? `${(length / 1e6).toFixed(1)} MB` : `${(length / 1e3).toFixed(length >= 1e4 ? 0 : 1)} KB`;
}
