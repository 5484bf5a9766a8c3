// A real Redis for tests: Debian's redis-server on a free loopback port, with no persistence,
// in a temporary directory, stopped (and the directory removed) by close(). Node only.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs the server; `.ci/run` installs it when it is missing. */
export const REDIS_SERVER_PATH = "/usr/bin/redis-server";

/** A running test Redis. */
export interface TestRedisServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts redis-server on a free port of 127.0.0.1 and resolves once it accepts connections.
 * Fails with a message naming the fix when the binary is not installed.
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  if (!existsSync(REDIS_SERVER_PATH)) {
    throw new Error(`redis-server is not installed at ${REDIS_SERVER_PATH}: run .ci/run (it installs Debian's redis-server), or apt-get install redis-server`);
  }
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "formwork-redis-"));
  const child = spawn(REDIS_SERVER_PATH, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForPort(port, exited, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async close() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on now (bound once by the system, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, exited: Promise<void>, output: () => string): Promise<void> {
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  for (let tries = 0; tries < 500; tries++) {
    if (hasExited) throw new Error(`redis-server exited before accepting connections:\n${output()}`);
    if (await canConnect(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server did not accept connections on port ${port}:\n${output()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
