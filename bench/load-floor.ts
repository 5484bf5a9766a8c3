// The load benchmark's floor: what N streams at 50 events/s cost with no HTTP, no JSON and no
// JavaScript beyond a loop: one process writes 200 bytes (about one event and its chunk framing)
// to each of N loopback TCP sockets at its due time, another reads them. Its CPU a write and a
// read is the kernel's price of an event on this machine: a server and a client can only cost
// more. `node --import tsx bench/load-floor.ts N [eventsPerSecondAStream] [seconds]` prints one
// JSON line; bench/load.ts runs it for each count.
import { fork } from "node:child_process";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

const EVENT = Buffer.alloc(200, "a");

/** What one run of the floor gives. */
export interface FloorFigures {
  readonly streams: number;
  /** Writes a second asked for (streams × rate) and reached. */
  readonly targetPerSecond: number;
  readonly writesPerSecond: number;
  readonly writerCores: number;
  readonly writerSystemCores: number;
  readonly readerCores: number;
  readonly readerSystemCores: number;
  /** CPU a write and a read, µs. */
  readonly microsPerWrite: number;
  readonly microsPerRead: number;
}

interface ReaderStats {
  readonly reads: number;
  readonly user: number;
  readonly system: number;
}

// The reader: opens the sockets, counts what arrives, answers "stats" with its count and CPU.
async function reader(): Promise<void> {
  const [{ port, streams }] = (await once(process, "message")) as [{ port: number; streams: number }];
  let reads = 0;
  for (let index = 0; index < streams; index++) {
    connect(port, "127.0.0.1").on("data", () => reads++);
    if (index % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 10)); // within the accept queue
  }
  process.on("message", () => process.send?.({ reads, ...process.cpuUsage() } satisfies ReaderStats));
  process.send?.("ready");
}

async function writer(streams: number, perStream: number, seconds: number): Promise<FloorFigures> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket.setNoDelay(true)));
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 8192 }, resolve));
  const child = fork(fileURLToPath(import.meta.url), ["reader"], { execArgv: ["--import", "tsx"] });
  child.send({ port: (server.address() as { port: number }).port, streams });
  await once(child, "message");
  while (sockets.length < streams) await new Promise((resolve) => setTimeout(resolve, 10));
  const stats = async (): Promise<ReaderStats> => {
    child.send("stats");
    return ((await once(child, "message")) as [ReaderStats])[0];
  };
  const readBefore = await stats();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  // Every millisecond, the writes that came due since the last tick, round the sockets.
  const target = streams * perStream;
  let writes = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now - started >= seconds * 1000) return resolve();
      for (const due = Math.floor(((now - started) * target) / 1000); writes < due; writes++) {
        (sockets[next] as Socket).write(EVENT);
        next = (next + 1) % streams;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the last writes read
  const readAfter = await stats();
  child.kill();
  server.close();
  for (const socket of sockets) socket.destroy();
  const reads = readAfter.reads - readBefore.reads;
  const readerUser = readAfter.user - readBefore.user;
  const readerSystem = readAfter.system - readBefore.system;
  const cores = (micros: number) => micros / 1000 / wallMs;
  return {
    streams,
    targetPerSecond: target,
    writesPerSecond: (writes * 1000) / wallMs,
    writerCores: cores(cpu.user + cpu.system),
    writerSystemCores: cores(cpu.system),
    readerCores: cores(readerUser + readerSystem),
    readerSystemCores: cores(readerSystem),
    microsPerWrite: (cpu.user + cpu.system) / writes,
    microsPerRead: (readerUser + readerSystem) / reads,
  };
}

if (process.argv[2] === "reader") await reader();
else {
  const [streams = "1000", perStream = "50", seconds = "5"] = process.argv.slice(2);
  console.log(JSON.stringify(await writer(Number(streams), Number(perStream), Number(seconds))));
  process.exit(0);
}
