// The load benchmark (issue 14): N concurrent streams at 50 tokens/s against the offline model
// server running in its own process, each client in a fresh process of its own, measured in the
// same run: formwork's createPartial (sent with fetch, and with formwork/node's nodeHttpClient),
// a bare node:http client and a bare fetch client.
// `npm run bench -- load [N,N,...]`.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { LOAD_ANSWER } from "./load-answer.js";
import { formatRatio, markdownTable } from "./measure.js";

const TOKENS_PER_SECOND = 50;
const CLIENTS = ["bare-http", "bare-fetch", "formwork", "formwork-node"] as const;
const NAMES: Readonly<Record<string, string>> = { formwork: "**formwork createPartial (fetch)**", "formwork-node": "**formwork createPartial (nodeHttpClient)**" };

interface ClientFigures {
  readonly client: string;
  readonly streams: number;
  readonly wallMs: number;
  readonly meanStreamMs: number;
  readonly cores: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
  readonly partialsPerStream: number;
  readonly partialsAlone: number;
  readonly readsPerStream: number;
  readonly heapPerStream: number;
  readonly rssPerStream: number;
  readonly retainedPerStream: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", here("./load-server.ts"), String(TOKENS_PER_SECOND)], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  return {
    url: line.toString("utf8").trim(),
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

async function runClient(client: string, streams: number, url: string): Promise<ClientFigures> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--max-old-space-size=4096", "--import", "tsx", here("./load-client.ts"), client, String(streams), url], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as ClientFigures;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** Runs the load benchmark; returns its markdown. */
export async function benchLoad(counts: readonly number[] = [100, 1000, 5000]): Promise<string> {
  const server = await startServer();
  const rows: string[][] = [];
  const notes: string[] = [];
  // The offline server cuts the answer into pieces of 1 to 8 characters (4.5 on average), each
  // an event after the role's; at 50 tokens/s, that is the ideal time of one stream.
  const idealMs = ((LOAD_ANSWER.length / 4.5 + 1) * 1000) / TOKENS_PER_SECOND;
  try {
    for (const streams of counts) {
      const figures = new Map<string, ClientFigures>();
      for (const client of CLIENTS) {
        const result = await runClient(client, streams, server.url);
        figures.set(client, result);
        rows.push([
          `${streams}`,
          NAMES[client] ?? client,
          `${result.cores.toFixed(2)}`,
          `${ms(result.lagP50)} / ${ms(result.lagP99)} / ${ms(result.lagMax)}`,
          client.startsWith("formwork") ? `${result.partialsPerStream.toFixed(0)} (alone: ${result.partialsAlone})` : "",
          client.startsWith("formwork") ? "" : result.readsPerStream.toFixed(0),
          kb(result.heapPerStream),
          kb(result.rssPerStream),
          kb(result.retainedPerStream),
          `${formatRatio(result.meanStreamMs / idealMs)} (${formatRatio(result.wallMs / idealMs)})`,
        ]);
      }
      const bare = figures.get("bare-http") as ClientFigures;
      for (const name of ["formwork", "formwork-node"]) {
        const formwork = figures.get(name) as ClientFigures;
        notes.push(
          `- ${streams} streams, ${name === "formwork" ? "fetch" : "nodeHttpClient"}: formwork ${formatRatio(formwork.cores / bare.cores)} the CPU of the bare node:http client; lag p99 ${ms(formwork.lagP99)}; heap ${kb(formwork.heapPerStream)} a stream; ${formwork.partialsPerStream.toFixed(0)} partials a stream (${formwork.partialsAlone} for a stream alone) for the bare client's ${bare.readsPerStream.toFixed(0)} reads`,
        );
      }
    }
  } finally {
    await server.stop();
  }
  return [
    `### Load: concurrent streams at ${TOKENS_PER_SECOND} tokens/s`,
    "",
    `Every stream asks for the same ${(LOAD_ANSWER.length / 1000).toFixed(1)} KB tool call, streamed by the offline model server (its own process, one timer wheel) in pieces of 1 to 8 characters; ideal time of a stream ${(idealMs / 1000).toFixed(1)} s. Each client runs in a fresh process and opens all its streams at once (after one warm-up stream; partials "alone": that stream's, with nothing competing, as many as the pieces can show). Cores: CPU time over wall time (process.cpuUsage). Lag: event-loop delay (monitorEventLoopDelay) p50 / p99 / max. Heap and RSS: peak over the baseline, per stream; held: heap still held after the streams ended and a full GC. Time: mean stream time over the ideal (in brackets: the whole run's).`,
    "",
    markdownTable(["streams", "client", "cores", "lag p50 / p99 / max", "partials a stream", "reads a stream", "heap a stream", "RSS a stream", "held a stream", "time over ideal"], rows),
    "",
    ...notes,
  ].join("\n");
}
