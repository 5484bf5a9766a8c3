// The load benchmark (issue 14): N concurrent streams at 50 tokens/s against the offline model
// server running in its own process, each client in a fresh process of its own, measured in the
// same run: formwork's createPartial (sent with fetch, and with formwork/node's nodeHttpClient),
// a bare node:http client and a bare fetch client.
// `npm run bench -- load [N,N,...]`.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { LOAD_ANSWER } from "./load-answer.js";
import type { ClientOutput, RoundFigures } from "./load-client.js";
import type { FloorFigures } from "./load-floor.js";
import type { ServerSample } from "./load-server.js";
import { formatRatio, markdownTable } from "./measure.js";

const TOKENS_PER_SECOND = 50;
// The bare node:http client runs first and again last: the machine is shared, and the ratio
// to formwork is taken over the mean of the two (a single bare run moved by 0.66 to 0.87 core).
const CLIENTS = ["bare-http", "bare-fetch", "formwork", "formwork-node", "bare-http"] as const;
const NAMES: Readonly<Record<string, string>> = { formwork: "**formwork createPartial (fetch)**", "formwork-node": "**formwork createPartial (nodeHttpClient)**" };

/** The server's and the machine's figures over a client's measured window. */
interface ServerFigures {
  /** The server's CPU, in cores, and its user share. */
  readonly serverCores: number;
  readonly serverUserCores: number;
  /** The server's writes a stream, and its CPU a write (µs). */
  readonly serverWritesPerStream: number;
  readonly serverMicrosPerWrite: number;
  /** The whole machine's busy cores (every process and the kernel), and the kernel's share; NaN off Linux. */
  readonly machineCores: number;
  readonly machineKernelCores: number;
}

type Measured = RoundFigures & ServerFigures & { readonly partialsAlone: number; readonly retainedPerStream: number };

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

interface LoadServer {
  readonly url: string;
  /** The server's CPU time and clock, asked over IPC. */
  sample(): Promise<ServerSample>;
  stop(): Promise<void>;
}

export async function startServer(): Promise<LoadServer> {
  const child = spawn(process.execPath, ["--import", "tsx", here("./load-server.ts"), String(TOKENS_PER_SECOND)], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
  const [line] = (await once(child.stdout as Readable, "data")) as [Buffer];
  // One answer per question, in order: samples asked at once share the next answers.
  const answers: ((sample: ServerSample) => void)[] = [];
  child.on("message", (sample: ServerSample) => answers.shift()?.(sample));
  return {
    url: line.toString("utf8").trim(),
    sample: () =>
      new Promise<ServerSample>((resolve) => {
        answers.push(resolve);
        child.send("cpu");
      }),
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

function serverFigures(before: ServerSample, after: ServerSample, streams: number): ServerFigures {
  const wall = (after.at - before.at) * 1000;
  const cpu = after.user + after.system - before.user - before.system;
  const writes = after.writes - before.writes;
  return {
    serverCores: cpu / wall,
    serverUserCores: (after.user - before.user) / wall,
    serverWritesPerStream: writes / streams,
    serverMicrosPerWrite: cpu / writes,
    machineCores: ((after.machineBusyMs ?? Number.NaN) - (before.machineBusyMs ?? Number.NaN)) / (after.at - before.at),
    machineKernelCores: ((after.machineKernelMs ?? Number.NaN) - (before.machineKernelMs ?? Number.NaN)) / (after.at - before.at),
  };
}

// The client prints "measuring" as each measured round starts, "measured" as it ends, and its
// figures as its last line: the server is sampled at each mark, so that its cores are those of
// the same window.
export async function runClient(client: string, streams: number, server: LoadServer): Promise<Measured[]> {
  const child = spawn(process.execPath, ["--expose-gc", "--max-old-space-size=4096", "--import", "tsx", here("./load-client.ts"), client, String(streams), server.url], { stdio: ["ignore", "pipe", "inherit"] });
  let pending = "";
  let last = "";
  const marks: Promise<ServerSample>[] = [];
  child.stdout.setEncoding("utf8").on("data", (piece: string) => {
    pending += piece;
    let end: number;
    while ((end = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line === "measuring" || line === "measured") marks.push(server.sample());
      else if (line.trim() !== "") last = line;
    }
  });
  const [code] = (await once(child, "exit")) as [number | null];
  const output = code === 0 ? (JSON.parse(last) as ClientOutput) : undefined;
  if (output === undefined || marks.length !== output.rounds.length * 2) throw new Error(`bench: load client ${client} failed (exit ${code})`);
  const samples = await Promise.all(marks);
  return output.rounds.map((round, index) => ({
    ...round,
    ...serverFigures(samples[index * 2] as ServerSample, samples[index * 2 + 1] as ServerSample, streams),
    partialsAlone: output.partialsAlone,
    retainedPerStream: output.retainedPerStream,
  }));
}

// The floor of a count (bench/load-floor.ts): bare sockets, 200 bytes a write, at the same rate.
async function runFloor(streams: number): Promise<FloorFigures> {
  const child = spawn(process.execPath, ["--import", "tsx", here("./load-floor.ts"), String(streams), String(TOKENS_PER_SECOND), "5"], { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (piece: string) => (stdout += piece));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`bench: the load floor failed (exit ${code})`);
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as FloorFigures;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;

/** Runs the load benchmark; returns its markdown. */
export async function benchLoad(counts: readonly number[] = [100, 1000, 5000]): Promise<string> {
  const server = await startServer();
  const rows: string[][] = [];
  const floors: string[][] = [];
  const notes: string[] = [];
  // The offline server cuts the answer into pieces of 1 to 8 characters (4.5 on average), each
  // an event after the role's; at 50 tokens/s, that is the ideal time of one stream.
  const idealMs = ((LOAD_ANSWER.length / 4.5 + 1) * 1000) / TOKENS_PER_SECOND;
  try {
    for (const streams of counts) {
      const figures: { client: string; rounds: Measured[] }[] = [];
      for (const client of CLIENTS) {
        const rounds = await runClient(client, streams, server);
        figures.push({ client, rounds });
        for (const result of rounds) {
          rows.push([
            `${streams}`,
            result.condition,
            NAMES[client] ?? client,
            `${result.cores.toFixed(2)} (loop ${(result.loopBusy * 100).toFixed(0)}%)`,
            `${result.serverCores.toFixed(2)} (user ${result.serverUserCores.toFixed(2)})`,
            `${result.serverWritesPerStream.toFixed(0)} (${result.serverMicrosPerWrite.toFixed(1)} µs each)`,
            `${result.machineCores.toFixed(2)} (${result.machineKernelCores.toFixed(2)})`,
            `${ms(result.lagP50)} / ${ms(result.lagP99)} / ${ms(result.lagMax)}`,
            client.startsWith("formwork") ? `${result.partialsPerStream.toFixed(0)} (alone: ${result.partialsAlone})` : "",
            client.startsWith("formwork") ? "" : result.readsPerStream.toFixed(0),
            kb(result.heapPerStream),
            kb(result.rssPerStream),
            kb(result.retainedPerStream),
            `${formatRatio(result.meanStreamMs / idealMs)} (${formatRatio(result.wallMs / idealMs)})`,
          ]);
        }
      }
      for (const [index, condition] of (["after idle", "busy"] as const).entries()) {
        const bare = figures.filter((figure) => figure.client === "bare-http").map((figure) => figure.rounds[index] as Measured);
        const bareCores = bare.reduce((total, figure) => total + figure.cores, 0) / bare.length;
        const bareReads = bare.reduce((total, figure) => total + figure.readsPerStream, 0) / bare.length;
        for (const name of ["formwork", "formwork-node"]) {
          const formwork = figures.find((figure) => figure.client === name)?.rounds[index] as Measured;
          notes.push(
            `- ${streams} streams, ${condition}, ${name === "formwork" ? "fetch" : "nodeHttpClient"}: formwork ${formatRatio(formwork.cores / bareCores)} the CPU of the bare node:http client (${formwork.cores.toFixed(2)} against ${bare.map((figure) => figure.cores.toFixed(2)).join(" and ")}); lag p99 ${ms(formwork.lagP99)}; heap ${kb(formwork.heapPerStream)} a stream; ${formwork.partialsPerStream.toFixed(0)} partials a stream (${formwork.partialsAlone} for a stream alone) for the bare client's ${bareReads.toFixed(0)} reads`,
          );
        }
      }
      const floor = await runFloor(streams);
      floors.push([
        `${streams}`,
        `${(floor.targetPerSecond / 1000).toFixed(0)}k`,
        `${(floor.writesPerSecond / 1000).toFixed(0)}k`,
        `${floor.writerCores.toFixed(2)} (system ${floor.writerSystemCores.toFixed(2)})`,
        `${floor.readerCores.toFixed(2)} (system ${floor.readerSystemCores.toFixed(2)})`,
        `${floor.microsPerWrite.toFixed(1)} µs / ${floor.microsPerRead.toFixed(1)} µs`,
        `${(((floor.microsPerWrite + floor.microsPerRead) * floor.targetPerSecond) / 1e6).toFixed(2)}`,
      ]);
    }
  } finally {
    await server.stop();
  }
  return [
    `### Load: concurrent streams at ${TOKENS_PER_SECOND} tokens/s`,
    "",
    `Every stream asks for the same ${(LOAD_ANSWER.length / 1000).toFixed(1)} KB tool call, streamed by the offline model server (its own process, one timer wheel) in pieces of 1 to 8 characters; ideal time of a stream ${(idealMs / 1000).toFixed(1)} s. Each client runs in a fresh process: one warm-up stream (partials "alone": that stream's, with nothing competing, as many as the pieces can show), a full GC with no stream alive, then two measured rounds, each opening all its streams at once. "After idle": the first round, as a server meets a burst after a quiet spell (V8's memory reducer runs such GCs after about 30 s of idleness, and optimised code that relied on the dead streams' hidden classes goes with them). "Busy": the second round, straight after the first, with no GC between, as a server under steady load. The bare node:http client runs first and again last; the ratios below are to the mean of its two runs. Cores: CPU time over wall time (process.cpuUsage), with the share of the window the client's main thread was busy (event-loop utilization: near 100% the client is saturated, its reads merge, and its cores stop showing what the load asks of it); server cores: the server's over the same window, with its user share (the rest is the kernel's, mostly its sockets); server writes: one an event while it keeps up, fewer (merged) when it falls more than 50 ms behind, with its CPU a write; machine cores: every process's and the kernel's over the same window (/proc/stat; the machine has ${availableParallelism()}), with the kernel's share (system and softirq). Lag: event-loop delay (monitorEventLoopDelay) p50 / p99 / max. Heap and RSS: peak over the baseline (taken after the warm-up's GC, for both rounds: a busy round carries the last one's garbage), per stream; held: heap still held after both rounds and a full GC. Time: mean stream time over the ideal (in brackets: the whole run's).`,
    "",
    markdownTable(["streams", "round", "client", "cores", "server cores", "server writes a stream", "machine cores (kernel)", "lag p50 / p99 / max", "partials a stream", "reads a stream", "heap a stream", "RSS a stream", "held a stream", "time over ideal"], rows),
    "",
    ...notes,
    "",
    `The floor (bench/load-floor.ts): the same number of loopback TCP sockets, one process writing 200 bytes (an event and its chunk framing) to each at ${TOKENS_PER_SECOND} a second, another reading them; no HTTP, no JSON. Its CPU an event is the kernel's price on this machine, which no server or client can go under; "cores needed": (write + read) × the rate asked.`,
    "",
    markdownTable(["streams", "writes a second asked", "reached", "writer cores", "reader cores", "CPU a write / a read", "cores needed"], floors),
  ].join("\n");
}
