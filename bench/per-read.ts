// What one network read costs the client, layer by layer (issue 14): the load benchmark's answer
// (about 430 Chat Completions events) from an in-memory body that gives one event per read, each
// in its own macrotask (as a socket does under load), for many streams at once. CPU time and
// promises made (async_hooks) per read, for a bare client and for each layer of formwork:
//   bare        the body's reader, SSE split at blank lines, JSON.parse of each envelope
//   transport   formwork's SSE reader (src/http) and the wire's decoder
//   + stream    the same text through partialStream, every partial read
//   createPartial  the whole client: fromProvider(...).chat.completions.createPartial
// and the bare client and createPartial again over a socket-like reader (a callback per read,
// no web stream: what nodeHttpClient gives), each row over the bare row above it.
// `npm run bench -- per-read [N,N,...]` (streams at once; 100 and 1,000 by default).
import { createHook } from "node:async_hooks";
import { StringDecoder } from "node:string_decoder";
import type { ByteReader, HttpClient } from "../src/http/http-client.js";
import { built } from "./built.js";
import { tokenChunks } from "./documents.js";
import { LOAD_ANSWER, LoadSchema } from "./load-answer.js";
import { formatRatio, markdownTable, medianCpuMicros } from "./measure.js";

const { fromProvider } = built.client;
const { readSseJson } = built.readSse;
const { PULL, PULL_TEXT } = built.pull;
const { decodeChatChunk } = built.chatChunk;
const { partialStream } = built.stream;
const encoder = new TextEncoder();
const base = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m" };
/** A Chat Completions stream of the forced tool call Order, its arguments in `pieces`: one event a read. */
export function chatEvents(pieces: readonly string[]): Uint8Array[] {
  return [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "Order", arguments: "" } }] }, finish_reason: null }] },
    ...pieces.map((piece) => ({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
  ].map((event) => encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
}
const EVENTS = chatEvents(tokenChunks(LOAD_ANSWER));
const DONE = encoder.encode("data: [DONE]\n\n");

// One event per read, each read a macrotask later (setImmediate), as from a socket.
function body(): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            if (next < EVENTS.length) controller.enqueue(EVENTS[next++] as Uint8Array);
            else {
              controller.enqueue(DONE);
              controller.close();
            }
            resolve();
          }),
        );
      },
    },
    { highWaterMark: 0 },
  );
}

const fakeFetch = (async () => new Response(body(), { headers: { "content-type": "text/event-stream" } })) as typeof fetch;

// The same reads from a socket-like reader (as nodeHttpClient's): a callback or a promise per
// read, no web stream in between, and, read as text, decoded by Node's string decoder (as
// nodeHttpClient does for formwork, and node:http's setEncoding for the bare client). `events`
// are its reads, then `[DONE]`.
export function socketLikeReader(events: readonly Uint8Array[] = EVENTS): ByteReader & { readText(): Promise<ReadableStreamReadResult<string>> } {
  let next = 0;
  const decoder = new StringDecoder("utf8");
  const pull = (onResult: (result: ReadableStreamReadResult<Uint8Array>) => void): void => {
    setImmediate(() => {
      if (next < events.length) return onResult({ done: false, value: events[next++] as Uint8Array });
      if (next++ === events.length) return onResult({ done: false, value: DONE });
      onResult({ done: true, value: undefined });
    });
  };
  const pullText = (onResult: (result: ReadableStreamReadResult<string>) => void): void =>
    pull((result) => onResult(result.done ? { done: true, value: undefined } : { done: false, value: decoder.write(result.value as Buffer) }));
  return {
    read: () => new Promise((resolve) => pull(resolve)),
    readText: () => new Promise((resolve) => pullText(resolve)),
    cancel: () => {
      next = events.length + 1;
      return Promise.resolve();
    },
    // formwork's callback reads (Pullable, and as text), under the symbols of the build being measured.
    [PULL]: pull,
    [PULL_TEXT]: pullText,
  } as unknown as ByteReader & { readText(): Promise<ReadableStreamReadResult<string>> };
}
const socketLike: HttpClient = async () => ({ status: 200, headers: new Headers({ "content-type": "text/event-stream" }), body: socketLikeReader() });
const socketClient = fromProvider({ provider: "per-read", baseURL: "http://per-read.invalid/v1", apiKey: "k", mode: "tools", httpClient: socketLike });
const client = fromProvider({ provider: "per-read", baseURL: "http://per-read.invalid/v1", apiKey: "k", mode: "tools", fetch: fakeFetch });

type Envelope = { choices?: { delta?: { tool_calls?: { function?: { arguments?: string } }[] } }[] };

// The bare client: SSE split at blank lines, JSON.parse of each envelope, the deltas joined.
export async function bareOver(read: () => Promise<ReadableStreamReadResult<string>>): Promise<void> {
  let buffer = "";
  let text = "";
  for (let piece = await read(); piece.done !== true; piece = await read()) {
    buffer += piece.value;
    let start = 0;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n", start)) {
      const event = buffer.slice(start, end);
      start = end + 2;
      if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
      text += (JSON.parse(event.slice(6)) as Envelope).choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "";
    }
    buffer = buffer.slice(start);
  }
  LoadSchema.parse(JSON.parse(text));
}

function bare(): Promise<void> {
  const reader = body().getReader();
  const decoder = new TextDecoder();
  return bareOver(() => reader.read().then((result): ReadableStreamReadResult<string> => (result.done ? { done: true, value: undefined } : { done: false, value: decoder.decode(result.value, { stream: true }) })));
}

// The answer's text per read, through formwork's transport.
async function* transportTexts(): AsyncGenerator<string> {
  for await (const batch of readSseJson(body().getReader(), { service: "per-read" })) {
    let text = "";
    for (const chunk of batch) for (const event of decodeChatChunk(chunk, "per-read")) if (event.type === "tool-delta") text += event.text;
    if (text !== "") yield text;
  }
}

async function transport(): Promise<void> {
  let text = "";
  for await (const piece of transportTexts()) text += piece;
  LoadSchema.parse(JSON.parse(text));
}

async function transportAndStream(): Promise<void> {
  const stream = partialStream(LoadSchema, transportTexts());
  for await (const partial of stream) void partial;
  await stream.final;
}

// The bare client over the socket-like reader.
function bareSocket(): Promise<void> {
  const reader = socketLikeReader();
  return bareOver(() => reader.readText());
}

async function createPartialSocket(): Promise<void> {
  const stream = socketClient.chat.completions.createPartial({ model: "m", messages: [{ role: "user", content: "x" }], response_model: { schema: LoadSchema, name: "Order" } });
  for await (const partial of stream) void partial;
  await stream.final;
}

async function createPartial(): Promise<void> {
  const stream = client.chat.completions.createPartial({ model: "m", messages: [{ role: "user", content: "x" }], response_model: { schema: LoadSchema, name: "Order" } });
  for await (const partial of stream) void partial;
  await stream.final;
}

let promises = 0;
const hook = createHook({
  init(_id, type) {
    if (type === "PROMISE") promises++;
  },
});

// CPU µs per read over `streams` concurrent streams (after a warm-up of 20): the median of three
// rounds (the machine is shared: one round can be a third off).
async function cpuPerRead(run: () => Promise<void>, streams: number): Promise<number> {
  await Promise.all(Array.from({ length: 20 }, run));
  return (await medianCpuMicros(3, () => Promise.all(Array.from({ length: streams }, run)))) / (streams * (EVENTS.length + 1));
}

// Promises made per read, in a run of 20 streams of their own (the hook itself costs CPU).
async function promisesPerRead(run: () => Promise<void>): Promise<number> {
  hook.enable();
  const before = promises;
  await Promise.all(Array.from({ length: 20 }, run));
  hook.disable();
  return (promises - before) / (20 * (EVENTS.length + 1));
}

/**
 * Runs the per-read benchmark at each count of concurrent streams; returns its markdown. Two
 * counts by default: a read's cost grows with the streams open (each read touches its own
 * stream's state, which the caches no longer hold), and that growth is the figure to watch.
 */
export async function benchPerRead(counts: readonly number[] = [100, 1000]): Promise<string> {
  const layers: [string, () => Promise<void>][] = [
    ["bare", bare],
    ["transport", transport],
    ["transport + partialStream", transportAndStream],
    ["**formwork createPartial**", createPartial],
    ["bare, socket-like reader", bareSocket],
    ["**formwork createPartial, socket-like reader (as nodeHttpClient)**", createPartialSocket],
  ];
  // figures[count][layer]: CPU a read; each layer over the bare row above it.
  const figures: string[][] = [];
  for (const streams of counts) {
    let bareCpu = 0;
    const column: string[] = [];
    for (const [name, run] of layers) {
      const cpu = await cpuPerRead(run, streams);
      if (name.startsWith("bare")) bareCpu = cpu;
      column.push(`${cpu.toFixed(1)} µs (${formatRatio(cpu / bareCpu)})`);
    }
    figures.push(column);
  }
  const rows: string[][] = [];
  for (const [index, [name, run]] of layers.entries()) rows.push([name, ...figures.map((column) => column[index] as string), (await promisesPerRead(run)).toFixed(1)]);
  return [
    "### Per network read",
    "",
    `The load benchmark's answer (${EVENTS.length + 1} events) from an in-memory body, one event per read, each read a macrotask later, for ${counts.join(" and ")} streams at once, after a warm-up. CPU time (process.cpuUsage) per read, the median of three rounds, and over the bare row above it; promises made per read (async_hooks, in a separate run of 20 streams).`,
    "",
    markdownTable(["client", ...counts.map((streams) => `CPU a read, ${streams} streams`), "promises a read"], rows),
  ].join("\n");
}
