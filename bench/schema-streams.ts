// The schema-layer benchmark (issue 3): the 100 KB document and its Zod schema, fed in token-
// sized chunks. formwork takes a fresh immutable snapshot after every chunk that changed what
// is visible and checks each subtree as it closes; the AI SDK runs streamText with
// Output.object over its mock model; zod-stream (instructor-js's engine) reads the same text.
import { Output, streamText } from "ai";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { z } from "zod";
import { createPartialParser } from "../src/stream/index.js";
import { documentSchema } from "./document-schema.js";
import { documentValue, tokenChunks } from "./documents.js";
import { benchLongArrays } from "./long-arrays.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";

const schema = documentSchema(z);
let sink: unknown;

async function formwork(chunks: readonly string[]): Promise<unknown> {
  const parser = createPartialParser(schema);
  for (const chunk of chunks) {
    parser.write(chunk);
    if (parser.hasChanged) sink = parser.snapshot();
  }
  const result = await parser.adapter.validate(parser.end());
  if (!result.ok) throw new Error("formwork: the document did not validate");
  return result.value;
}

function floor(chunks: readonly string[]): unknown {
  let text = "";
  for (const chunk of chunks) text += chunk;
  return schema.parse(JSON.parse(text));
}

async function aiSdk(chunks: readonly string[]): Promise<unknown> {
  const model = new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: "text-start", id: "t" },
          ...chunks.map((delta) => ({ type: "text-delta" as const, id: "t", delta })),
          { type: "text-end", id: "t" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: chunks.length, text: chunks.length, reasoning: 0 } } },
        ],
        initialDelayInMs: null,
        chunkDelayInMs: null,
      }),
    }),
  });
  const result = streamText({ model, prompt: "document", output: Output.object({ schema }) });
  for await (const partial of result.partialOutputStream) sink = partial;
  return await result.output;
}

type ZodStreamRun = (chunks: readonly string[]) => Promise<unknown>;

async function loadZodStream(): Promise<ZodStreamRun | undefined> {
  try {
    const module = (await import("./competitors/zod-stream-run.mjs" as string)) as { runZodStream: ZodStreamRun };
    return module.runZodStream;
  } catch (error) {
    console.error(`zod-stream not run: ${(error as Error).message} (npm run bench installs bench/competitors)`);
    return undefined;
  }
}

/** Runs the schema-layer benchmark; returns the markdown it printed. */
export async function benchSchemaStreams(): Promise<string> {
  const zodStream = await loadZodStream();
  const rows: string[][] = [];
  const lines: string[] = [];
  for (const size of [10_000, 100_000]) {
    const value = documentValue(size);
    const text = JSON.stringify(value);
    const chunks = tokenChunks(text);
    const expected = JSON.stringify(schema.parse(value));
    const check = (name: string, result: unknown) => {
      if (JSON.stringify(result) !== expected) throw new Error(`${name} gave a wrong value at ${size}`);
    };
    check("formwork", await formwork(chunks));
    check("floor", floor(chunks));
    const formworkMs = await medianMs(() => formwork(chunks));
    const floorMs = await medianMs(() => floor(chunks));
    // The re-parsing libraries are quadratic: at 100 KB a run takes a minute, so it runs once,
    // checked as it is timed.
    const slow = size >= 100_000 ? { warmupMs: 0, minRuns: 1, maxRuns: 1 } : { budgetMs: 3000, minRuns: 3, maxRuns: 5 };
    const aiMs = await medianMs(async () => check("AI SDK", await aiSdk(chunks)), slow);
    let zodStreamMs: number | undefined;
    if (zodStream !== undefined) {
      zodStreamMs = await medianMs(async () => {
        const last = (await zodStream(chunks)) as { items?: unknown[] };
        if (last.items?.length !== value.items.length) throw new Error("zod-stream gave a wrong value");
      }, slow);
    }
    rows.push([
      `${(text.length / 1000).toFixed(0)} KB`,
      `${chunks.length}`,
      formatMs(floorMs),
      `**${formatMs(formworkMs)}** (${formatRatio(formworkMs / floorMs)} floor)`,
      `${formatMs(aiMs)} (${formatRatio(aiMs / formworkMs)})`,
      zodStreamMs === undefined ? "not run" : `${formatMs(zodStreamMs)} (${formatRatio(zodStreamMs / formworkMs)})`,
    ]);
    lines.push(
      `- ${(text.length / 1000).toFixed(0)} KB: formwork ${formatRatio(aiMs / formworkMs)} faster than the AI SDK` +
        (zodStreamMs === undefined ? "" : `, ${formatRatio(zodStreamMs / formworkMs)} faster than zod-stream`) +
        `, ${formatRatio(formworkMs / floorMs)} the floor`,
    );
  }
  void sink;
  return [
    "### Schema-aware partial objects (Zod schema, snapshot after every chunk)",
    "",
    "Median wall time. Floor: accumulate the chunks, JSON.parse and Zod-parse once at the end. In brackets: formwork over the floor; the others over formwork. At 100 KB the AI SDK and zod-stream are timed once (a run takes about a minute).",
    "",
    markdownTable(["document", "chunks", "floor", "formwork", "AI SDK streamText + Output.object", "zod-stream"], rows),
    "",
    ...lines,
    "",
    await benchLongArrays(),
  ].join("\n");
}
