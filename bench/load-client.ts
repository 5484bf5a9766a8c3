// One client of the load benchmark, in its own process (argv: client, streams, url): opens N
// concurrent streams to the offline server at once and prints what they cost as one JSON line.
//   bare-http  node:http, splits the SSE events, JSON.parses each envelope, joins the argument
//              deltas: the least a client can do.
//   bare-fetch the same over fetch.
//   formwork   fromProvider(...).chat.completions.createPartial, every partial read, the final
//              value validated; sent with fetch.
//   formwork-node  the same, sent with formwork/node's nodeHttpClient().
import { request } from "node:http";
import { monitorEventLoopDelay, performance as nodePerformance } from "node:perf_hooks";
import { built } from "./built.js";
import { LOAD_ANSWER, LoadSchema } from "./load-answer.js";

const { fromProvider } = built.client;
const { nodeHttpClient } = built.node;

const [client = "formwork", streamsText = "100", url = ""] = process.argv.slice(2);
const streams = Number(streamsText);
const body = JSON.stringify({
  model: "offline",
  stream: true,
  messages: [{ role: "user", content: "Write the purchase order." }],
  tools: [{ type: "function", function: { name: "Order", parameters: { type: "object" } } }],
  tool_choice: { type: "function", function: { name: "Order" } },
});

interface StreamResult {
  readonly partials: number;
  readonly reads: number;
  readonly ms: number;
}

// The SSE events of a body, split at blank lines; each `data:` envelope parsed, the argument
// deltas joined. Returns the joined arguments.
function bareConsumer() {
  let buffer = "";
  let text = "";
  let events = 0;
  return {
    feed(piece: string): void {
      buffer += piece;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!event.startsWith("data: ")) continue;
        const data = event.slice(6);
        if (data === "[DONE]") continue;
        const envelope = JSON.parse(data) as { choices?: { delta?: { tool_calls?: { function?: { arguments?: string } }[] } }[] };
        const piece = envelope.choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments;
        if (piece !== undefined) text += piece;
        events++;
      }
    },
    get text() {
      return text;
    },
    get events() {
      return events;
    },
  };
}

function bareHttp(base: string): Promise<StreamResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const target = new URL(`${base}/chat/completions`);
    const call = request(target, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer load" } }, (response) => {
      response.setEncoding("utf8");
      const consumer = bareConsumer();
      let reads = 0;
      response.on("data", (piece: string) => {
        reads++;
        consumer.feed(piece);
      });
      response.on("end", () => {
        if (consumer.text !== LOAD_ANSWER) return reject(new Error("bare-http got a wrong answer"));
        resolve({ partials: 0, reads, ms: performance.now() - started });
      });
      response.on("error", reject);
    });
    call.on("error", reject);
    call.end(body);
  });
}

async function bareFetch(base: string): Promise<StreamResult> {
  const started = performance.now();
  const response = await fetch(`${base}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer load" }, body });
  const consumer = bareConsumer();
  const decoder = new TextDecoder();
  let reads = 0;
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    reads++;
    consumer.feed(decoder.decode(piece, { stream: true }));
  }
  if (consumer.text !== LOAD_ANSWER) throw new Error("bare-fetch got a wrong answer");
  return { partials: 0, reads, ms: performance.now() - started };
}

// "formwork" sends with fetch (the default); "formwork-node" with formwork/node's nodeHttpClient.
const formworkClient = fromProvider({ provider: "offline", baseURL: url, apiKey: "load", mode: "tools", ...(client === "formwork-node" ? { httpClient: nodeHttpClient() } : {}) });
const expected = JSON.stringify(LoadSchema.parse(JSON.parse(LOAD_ANSWER)));

async function formwork(): Promise<StreamResult> {
  const started = performance.now();
  const stream = formworkClient.chat.completions.createPartial({ model: "offline", messages: [{ role: "user", content: "Write the purchase order." }], response_model: { schema: LoadSchema, name: "Order" } });
  let partials = 0;
  for await (const partial of stream) {
    void partial;
    partials++;
  }
  if (JSON.stringify(await stream.final) !== expected) throw new Error("formwork got a wrong answer");
  return { partials, reads: 0, ms: performance.now() - started };
}

const run = client === "bare-http" ? () => bareHttp(url) : client === "bare-fetch" ? () => bareFetch(url) : formwork;

// One warm-up stream, so that the figures are of a running process, not of its start. Alone,
// nothing competes with it: its partials are as many as the answer's pieces can show (a piece
// that completes no visible change, such as a key or a comma, shows nothing new).
const alone = await run();
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const baseline = process.memoryUsage();

/** One measured round, as bench/load.ts reads it. */
export interface RoundFigures {
  readonly condition: "after idle" | "busy";
  readonly wallMs: number;
  readonly meanStreamMs: number;
  readonly cores: number;
  readonly userCores: number;
  /**
   * The share of the window the main thread was busy (event-loop utilization). Near 1 the
   * client is saturated: reads merge and its cores stop growing with the work asked of it.
   */
  readonly loopBusy: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
  readonly partialsPerStream: number;
  readonly readsPerStream: number;
  readonly heapPerStream: number;
  readonly rssPerStream: number;
}

/** What the client prints as its last line. */
export interface ClientOutput {
  readonly client: string;
  readonly streams: number;
  readonly partialsAlone: number;
  readonly retainedPerStream: number;
  readonly rounds: readonly RoundFigures[];
}

// The histogram counts from the timer's resolution: what is over it is lag.
const lagMs = (ns: number) => Math.max(0, ns / 1e6 - 10);

// One measured round: N streams opened at once. Heap and RSS peaks are over the baseline taken
// after the warm-up and a full GC, in both rounds: a busy process carries the last round's
// garbage, and that is part of what it costs.
async function round(condition: RoundFigures["condition"]): Promise<RoundFigures> {
  let peakHeap = baseline.heapUsed;
  let peakRss = baseline.rss;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  }, 100);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  // Tells bench/load.ts that a measured window starts, then that it ended (it samples the
  // server's CPU at both).
  console.log("measuring");
  const cpuBefore = process.cpuUsage();
  const loopBefore = nodePerformance.eventLoopUtilization();
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: streams }, () => run()));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const loop = nodePerformance.eventLoopUtilization(loopBefore);
  console.log("measured");
  lag.disable();
  clearInterval(sampler);
  const sum = (pick: (result: StreamResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  return {
    condition,
    wallMs,
    meanStreamMs: sum((result) => result.ms) / streams,
    cores: (cpu.user + cpu.system) / 1000 / wallMs,
    userCores: cpu.user / 1000 / wallMs,
    loopBusy: loop.utilization,
    lagP50: lagMs(lag.percentile(50)),
    lagP99: lagMs(lag.percentile(99)),
    lagMax: lagMs(lag.max),
    partialsPerStream: sum((result) => result.partials) / streams,
    readsPerStream: sum((result) => result.reads) / streams,
    heapPerStream: (peakHeap - baseline.heapUsed) / streams,
    rssPerStream: (peakRss - baseline.rss) / streams,
  };
}

// "After idle": the first N streams after the warm-up and a full GC with no stream alive, as
// a server meets a burst after a quiet spell (V8's memory reducer runs such GCs after about
// 30 s of idleness, and code that relied on the dead streams' hidden classes is thrown away).
// "Busy": N more straight after, with no GC between, as a server under steady load.
const afterIdle = await round("after idle");
const busy = await round("busy");
gc?.();
const retainedPerStream = (process.memoryUsage().heapUsed - baseline.heapUsed) / streams;
const output: ClientOutput = { client, streams, partialsAlone: alone.partials, retainedPerStream, rounds: [afterIdle, busy] };
console.log(JSON.stringify(output));
process.exit(0);
