// The offline model server for the load benchmark, in its own process: it streams LOAD_ANSWER
// at the rate given (argv[2], tokens per second) and prints its URL. Spawned with an IPC channel
// (bench/load.ts), it answers each message with its own CPU time and clock, so that the
// benchmark can report the server's cores for each client's run: a server that falls behind on
// a shared machine explains a client's fewer, larger reads.
import { ServerResponse } from "node:http";
import { startModelServer } from "../src/testing/model-server.js";
import { LOAD_ANSWER } from "./load-answer.js";

/** What the server answers over IPC: its CPU time so far (µs), its clock (ms), its writes. */
export interface ServerSample {
  readonly user: number;
  readonly system: number;
  readonly at: number;
  readonly writes: number;
}

// Counts the server's writes (one per event while it keeps up; fewer, merged, when it falls
// behind): a client's reads fewer than the server's writes were merged by the kernel on the way.
let writes = 0;
const write = ServerResponse.prototype.write;
ServerResponse.prototype.write = function (this: ServerResponse, ...args: Parameters<typeof write>) {
  writes++;
  return write.apply(this, args);
} as typeof write;
const sample = (): ServerSample => ({ ...process.cpuUsage(), at: performance.now(), writes });

const server = await startModelServer({ tokensPerSecond: Number(process.argv[2] ?? 50), scripts: [{ match: () => true, text: LOAD_ANSWER }] });
console.log(server.url);
process.on("message", () => process.send?.(sample()));
// Without an IPC channel (run by hand), SIGUSR2 prints the same sample to stderr.
process.on("SIGUSR2", () => console.error(JSON.stringify(sample())));
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
