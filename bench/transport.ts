// The browser transport (issue 12): a structured answer in token-sized chunks, sent to a
// browser three ways, measured for bytes on the wire and for the CPU the browser spends turning
// what arrives into the value it shows:
// - formwork's patches (docs/transport.md), applied by PatchDecoder;
// - the AI SDK's useObject method: the raw text streamed, re-parsed whole with parsePartialJson
//   on every network chunk and deep-compared with the previous value (isDeepEqualData);
// - BAML's method: a full snapshot of the partial value per update, as NDJSON, JSON.parse'd.
// Two paces: a frame per token (the worst case: a model slower than the flush interval), and
// a model writing 100 tokens a second with formwork's default flushMs of 50 ms (each method
// then sends one network chunk per 50 ms). Only the browser side is timed.
import { isDeepEqualData, parsePartialJson } from "ai";
import { z } from "zod";
import { createPartialParser } from "../src/stream/index.js";
import { readPartial } from "../src/browser/read-partial.js";
import { PatchDecoder } from "../src/transport/patch-decoder.js";
import { PatchEncoder } from "../src/transport/patch-encoder.js";
import { documentSchema } from "./document-schema.js";
import { documentValue, tokenChunks } from "./documents.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";

const schema = documentSchema(z);
// FORMWORK_BENCH_TRANSPORT_10MB=1 adds a 10 MB point (formwork's rows only). It takes over a
// quarter of an hour: the untimed server side here takes a snapshot after every token.
const SIZES = process.env["FORMWORK_BENCH_TRANSPORT_10MB"] === "1" ? [100_000, 1_000_000, 10_000_000] : [100_000, 1_000_000];
let sink: unknown; // keeps results alive so nothing is optimised away

interface Pace {
  readonly name: string;
  /** Undefined: a frame after every token. */
  readonly tokensPerSecond?: number;
  readonly flushMs: number;
}

const PACES: readonly Pace[] = [
  { name: "a frame per token", flushMs: 0 },
  { name: "100 tokens/s, 50 ms frames", tokensPerSecond: 100, flushMs: 50 },
];

interface Wire {
  /** Patch frames (each one or more lines). */
  readonly patches: string[];
  /** The text each network chunk carries in the text-stream method. */
  readonly texts: string[];
  /** When a snapshot line is due: the index of the frame (the snapshot is made lazily when measured). */
  readonly frames: number;
}

// Runs the server side once: the schema-aware parser, the encoder, and the pace of frames.
function serve(chunks: readonly string[], pace: Pace, onSnapshot?: (snapshot: unknown) => void): Wire {
  const parser = createPartialParser(schema);
  const encoder = new PatchEncoder("partial");
  const patches = [encoder.header()];
  const texts: string[] = [];
  let text = "";
  let lastFlush = -Infinity;
  let snapshot: unknown;
  const flush = () => {
    const frame = encoder.flush();
    if (frame !== "") patches.push(frame);
    if (text !== "") texts.push(text);
    text = "";
    onSnapshot?.(snapshot);
  };
  chunks.forEach((chunk, index) => {
    parser.write(chunk);
    text += chunk;
    if (parser.hasChanged || parser.hasCompleted) {
      const update = parser.update();
      snapshot = update.value;
      encoder.update(update);
    }
    const now = pace.tokensPerSecond === undefined ? index : (index * 1000) / pace.tokensPerSecond;
    if (pace.tokensPerSecond === undefined || now - lastFlush >= pace.flushMs) {
      flush();
      lastFlush = now;
    }
  });
  flush();
  patches.push(encoder.finish(parser.end()));
  return { patches, texts, frames: texts.length };
}

const bytes = (texts: readonly string[]) => texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);

// What a page does: apply every frame and take the value to show after each one, as
// readPartial's reader does when every frame arrives in its own network read (the case at a
// model's real pace, frames 50 ms apart; a page cannot render between frames of one read).
// `snapshot()` spaces out the copies of a long array; `value` (the "copy per frame" rows, how
// the reader worked before) seals and so copies the top-level array after every frame.
function applyPatches(patches: readonly string[], read: (decoder: PatchDecoder) => unknown = (decoder) => decoder.snapshot()): unknown {
  const decoder = new PatchDecoder();
  for (const frame of patches) {
    for (const line of frame.split("\n")) {
      if (line === "") continue;
      decoder.read(line);
      sink = read(decoder);
    }
  }
  return decoder.value;
}
const copyPerFrame = (decoder: PatchDecoder) => decoder.value;

const encoder = new TextEncoder();

// The whole reader a page runs: readPartial over a body that delivers each frame as its own
// network read (as frames 50 ms apart arrive), the page taking every record it is given
// (a record per frame, unless a long array's copy is not yet paid for). The body hands out a
// chunk when pulled, as a socket does (a queue of all of them filled up front would time
// Node's queue instead: it shifts an array); that is in the time too, a small part of it.
async function readAll(chunks: readonly Uint8Array[]): Promise<unknown> {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const stream = readPartial(body);
  for await (const update of stream.updates()) sink = update.value;
  return stream.final;
}

// The last value a page shows after the last frame: the answer itself.
function lastShown(patches: readonly string[]): unknown {
  let shown: unknown;
  applyPatches(patches, (decoder) => (shown = decoder.snapshot()));
  return shown;
}

async function reparse(texts: readonly string[]): Promise<unknown> {
  let text = "";
  let latest: unknown;
  for (const chunk of texts) {
    text += chunk;
    const { value } = await parsePartialJson(text);
    if (!isDeepEqualData(latest, value)) latest = value;
  }
  return latest;
}

export async function benchTransport(): Promise<string> {
  const sections: string[] = [];
  const notes: string[] = [];
  for (const pace of PACES) {
    const rows: string[][] = [];
    const formworkTimes = new Map<number, number>();
    const copyTimes = new Map<number, number>();
    const readerTimes = new Map<number, number>();
    for (const size of SIZES) {
      const value = documentValue(size);
      const answer = JSON.stringify(value);
      const answerBytes = Buffer.byteLength(answer);
      const chunks = tokenChunks(answer);
      const wire = serve(chunks, pace);
      const label = `${Math.round(answerBytes / 1000)} KB, ${chunks.length} tokens, ${wire.frames} frames`;
      if (JSON.stringify(applyPatches(wire.patches)) !== answer || JSON.stringify(lastShown(wire.patches)) !== answer) throw new Error("transport bench: the patches did not rebuild the answer");
      const patchBytes = bytes(wire.patches);
      const formwork = await medianMs(() => applyPatches(wire.patches), { budgetMs: 3000, minRuns: 3, maxRuns: 15 });
      formworkTimes.set(size, formwork);
      rows.push([label, "formwork patches", `${(patchBytes / 1e6).toFixed(2)} MB`, formatRatio(patchBytes / answerBytes), formatMs(formwork), ""]);
      const chunks8 = wire.patches.map((frame) => encoder.encode(frame));
      const reader = await medianMs(() => readAll(chunks8), { budgetMs: 3000, minRuns: 3, maxRuns: 15 });
      readerTimes.set(size, reader);
      rows.push(["", "formwork, readPartial records (bytes to records)", "same", "", formatMs(reader), formatRatio(reader / formwork)]);
      // Quadratic: at 10 MB a run would take minutes.
      if (size <= 1_000_000) {
        const perFrame = await medianMs(() => applyPatches(wire.patches, copyPerFrame), { budgetMs: 3000, minRuns: 3, maxRuns: 15 });
        copyTimes.set(size, perFrame);
        rows.push(["", "formwork patches, a copy per frame (before)", "same", "", formatMs(perFrame), formatRatio(perFrame / formwork)]);
      }

      // The quadratic methods are run once, at 100 KB only: at 1 MB a run would take minutes to
      // hours (each grows with the square of the answer); the table says so.
      if (size === 100_000) {
        const textBytes = bytes(wire.texts);
        const started = performance.now();
        await reparse(wire.texts);
        const aiSdk = performance.now() - started;
        rows.push(["", "AI SDK: text, parsePartialJson per chunk", `${(textBytes / 1e6).toFixed(2)} MB`, formatRatio(textBytes / answerBytes), formatMs(aiSdk), formatRatio(aiSdk / formwork)]);
        let snapshotBytes = 0;
        let parseMs = 0;
        serve(chunks, pace, (snapshot) => {
          const line = `${JSON.stringify(snapshot)}\n`;
          snapshotBytes += Buffer.byteLength(line);
          const start = performance.now();
          sink = JSON.parse(line);
          parseMs += performance.now() - start;
        });
        rows.push(["", "full snapshots as NDJSON (BAML)", `${(snapshotBytes / 1e6).toFixed(1)} MB`, formatRatio(snapshotBytes / answerBytes), formatMs(parseMs), formatRatio(parseMs / formwork)]);
      } else {
        rows.push(["", "AI SDK / full snapshots", "not run", "", "quadratic: about 100x the 100 KB time", ""]);
      }
    }
    for (const [times, what] of [
      [formworkTimes, "formwork's apply time"],
      [readerTimes, "readPartial's records"],
      [copyTimes, "with a copy per frame (before)"],
    ] as const) {
      const growth = SIZES.slice(1).filter((size) => times.has(size)).map((size, index) => `${formatRatio((times.get(size) ?? 0) / (times.get(SIZES[index] as number) ?? 1))} from ${SIZES[index] as number / 1000} KB to ${size / 1000} KB`);
      notes.push(`- ${pace.name}, ${what}: grows ${growth.join(", ")} (10x the answer each).`);
    }
    sections.push(`#### ${pace.name}\n\n${markdownTable(["answer", "method", "bytes on the wire", "× the answer", "browser CPU (apply all)", "over formwork"], rows)}`);
  }
  void sink;
  return `### Browser transport: bytes on the wire and browser CPU (issue 12)\n\n${sections.join("\n\n")}\n\n${notes.join("\n")}`;
}
