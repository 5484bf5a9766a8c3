// What a whole short call costs the client, beyond its answer's text: the load benchmark's
// answer in one read (so that per-read costs do not hide the per-call ones), 100 calls at a
// time, as an extraction pipeline runs them. CPU per call (process.cpuUsage: every thread, GC
// and compiling included), for a bare client (SSE split, JSON.parse of each envelope, the
// arguments joined and parsed with Zod) and for formwork's createPartial (every partial read)
// and create, over the socket-like reader of the per-read benchmark (what nodeHttpClient gives).
// `npm run bench -- per-call`.
import type { HttpClient } from "../src/http/http-client.js";
import { built } from "./built.js";
import { LOAD_ANSWER, LoadSchema } from "./load-answer.js";
import { formatRatio, markdownTable, medianCpuMicros } from "./measure.js";
import { bareOver, chatEvents, socketLikeReader } from "./per-read.js";

const ONE_READ = chatEvents([LOAD_ANSWER]);
const AT_ONCE = 100;
const BATCHES = 10;

const httpClient: HttpClient = async () => ({ status: 200, headers: new Headers({ "content-type": "text/event-stream" }), body: socketLikeReader(ONE_READ) });
const client = built.client.fromProvider({ provider: "per-call", baseURL: "http://per-call.invalid/v1", apiKey: "k", mode: "tools", httpClient });
const params = { model: "m", messages: [{ role: "user" as const, content: "x" }], response_model: { schema: LoadSchema, name: "Order" } };
// The bare client's request body, made per call as formwork makes its own.
const requestBody = { model: "m", stream: true, messages: params.messages, tools: [{ type: "function", function: { name: "Order", parameters: { type: "object" } } }], tool_choice: { type: "function", function: { name: "Order" } } };

async function bare(): Promise<void> {
  void JSON.stringify(requestBody);
  const reader = socketLikeReader(ONE_READ);
  await bareOver(() => reader.readText());
}

async function createPartial(): Promise<void> {
  const stream = client.chat.completions.createPartial(params);
  for await (const partial of stream) void partial;
  await stream.final;
}

async function create(): Promise<void> {
  await client.chat.completions.create(params);
}

// CPU µs per call over BATCHES batches of AT_ONCE calls, after a warm-up: the median of five rounds.
async function cpuPerCall(run: () => Promise<void>): Promise<number> {
  const round = async () => {
    for (let batch = 0; batch < BATCHES; batch++) await Promise.all(Array.from({ length: AT_ONCE }, run));
  };
  await round();
  return (await medianCpuMicros(5, round)) / (AT_ONCE * BATCHES);
}

/** Runs the per-call benchmark; returns its markdown. */
export async function benchPerCall(): Promise<string> {
  const bareCpu = await cpuPerCall(bare);
  const rows = [["bare", `${bareCpu.toFixed(0)} µs (1.00x)`]];
  for (const [name, run] of [["formwork createPartial", createPartial], ["formwork create", create]] as const) {
    const cpu = await cpuPerCall(run);
    rows.push([name, `${cpu.toFixed(0)} µs (${formatRatio(cpu / bareCpu)})`]);
  }
  return [
    "### Per call",
    "",
    `The load benchmark's ${(LOAD_ANSWER.length / 1000).toFixed(1)} KB answer in one read (start, arguments, stop, \`[DONE]\`), ${AT_ONCE} calls at a time in ${BATCHES} batches, over the per-read benchmark's socket-like reader. CPU time per call (process.cpuUsage: every thread), the median of five rounds, and over the bare client (which splits the events, parses each envelope and parses the joined arguments with Zod).`,
    "",
    markdownTable(["client", "CPU a call"], rows),
  ].join("\n");
}
