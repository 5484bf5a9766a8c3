// The offline model server for the load benchmark, in its own process: it streams LOAD_ANSWER
// at the rate given (argv[2], tokens per second) and prints its URL. Spawned with an IPC channel
// (bench/load.ts), it answers each message with its own CPU time and clock, so that the
// benchmark can report the server's cores for each client's run: a server that falls behind on
// a shared machine explains a client's fewer, larger reads.
// It runs the built dist/ (what users install), as the clients do (see bench/built.ts).
import { readFileSync } from "node:fs";
import { ServerResponse } from "node:http";
import { Socket } from "node:net";
import type * as ModelServerModule from "../src/testing/model-server.js";
import { LOAD_ANSWER } from "./load-answer.js";

/**
 * What the server answers over IPC: its CPU time so far (µs), its clock (ms), its writes, and
 * the whole machine's busy time (ms, every process's and the kernel's: /proc/stat, Linux only)
 * with the kernel's share (system and softirq: loopback TCP is mostly that).
 */
export interface ServerSample {
  readonly user: number;
  readonly system: number;
  readonly at: number;
  readonly writes: number;
  readonly machineBusyMs: number | undefined;
  readonly machineKernelMs: number | undefined;
}

const { startModelServer } = (await import(new URL("../dist/testing/model-server.js", import.meta.url).href).catch((error: unknown) => {
  throw new Error("bench: dist/testing/model-server.js is missing or stale: run `npm run build` first (npm run bench does)", { cause: error });
})) as typeof ModelServerModule;

// The machine's busy and kernel time so far, in ms (USER_HZ is 100 on Linux).
function machine(): { busy: number; kernel: number } | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = (readFileSync("/proc/stat", "latin1").split("\n")[0] as string).split(/\s+/).slice(1).map(Number) as number[];
    return { busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10, kernel: ((system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * 10 };
  } catch {
    return undefined;
  }
}

// Counts the server's writes to its sockets (one an event while it keeps up; fewer, merged, when
// it falls behind; the head and the end of each response too): a response.write counts once (it
// makes four socket writes, gathered into one writev), a socket.write made by the server itself
// (its chunks, see model-server.ts's chunkWriter) once. A client's reads fewer than the server's
// writes were merged on the way.
let writes = 0;
let inResponse = false;
const responseWrite = ServerResponse.prototype.write;
ServerResponse.prototype.write = function (this: ServerResponse, ...args: Parameters<typeof responseWrite>) {
  writes++;
  inResponse = true;
  try {
    return responseWrite.apply(this, args);
  } finally {
    inResponse = false;
  }
} as typeof responseWrite;
const socketWrite = Socket.prototype.write;
Socket.prototype.write = function (this: Socket, ...args: Parameters<typeof socketWrite>) {
  if (!inResponse) writes++;
  return socketWrite.apply(this, args);
} as typeof socketWrite;
const sample = (): ServerSample => {
  const busy = machine();
  return { ...process.cpuUsage(), at: performance.now(), writes, machineBusyMs: busy?.busy, machineKernelMs: busy?.kernel };
};

const server = await startModelServer({ tokensPerSecond: Number(process.argv[2] ?? 50), scripts: [{ match: () => true, text: LOAD_ANSWER }] });
console.log(server.url);
process.on("message", () => process.send?.(sample()));
// Without an IPC channel (run by hand), SIGUSR2 prints the same sample to stderr.
process.on("SIGUSR2", () => console.error(JSON.stringify(sample())));
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
