// The queue with a real redis-server and worker processes (`formwork batch worker`), one of
// them killed mid-item.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "../../testing/model-server.js";
import { memoryResults, type BatchItem } from "../batch-result.js";
import { runBatch } from "../run-batch.js";
import { faultingClient, INVOICE_SCHEMA } from "../test-support/faulting-client.js";
import { freePort, startRedisServer } from "../../testing/redis-server.js";
import { bullmqQueue } from "./bullmq-queue.js";
import { connectRedis } from "./redis-connection.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
let redis: { url: string; close(): Promise<void> };
let server: ModelServer;
const requested = new Map<string, number>();
const workers: ChildProcess[] = [];

function startWorker(url: string, name: string): ChildProcess & { output: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", tsx, join(root, "src/cli/main.ts"), "batch", "worker", "--queue", url, "--queue-name", name, "--concurrency", "3", "--lock-ms", "1500"], { env: { ...process.env, OPENAI_API_KEY: "offline" } });
  workers.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const output = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(child, { output });
}

const items = (count: number): BatchItem[] => Array.from({ length: count }, (_, index) => ({ id: `doc:${index}`, text: `Invoice ${index}` }));

function expectEachOnce(ids: readonly string[], expected: readonly string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...expected].sort());
}

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startModelServer({
    tokensPerSecond: 80,
    // Records which item each request was for; answers nothing itself.
    scripts: [{ match: (request) => (requested.set(JSON.stringify(request["messages"]), (requested.get(JSON.stringify(request["messages"])) ?? 0) + 1), false), text: "" }],
  });
});
afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
  await server?.close();
  await redis?.close();
});

const config = () => ({ model: "offline", schema: "(inline)", schemaJson: INVOICE_SCHEMA, prompt: "Extract: {{ text }}", baseURL: server.url });

describe("the BullMQ queue", () => {
  it("three worker processes, one killed mid-item with SIGKILL: every result exactly once", async () => {
    const all = items(90);
    const name = "kill-test";
    const started = [startWorker(redis.url, name), startWorker(redis.url, name), startWorker(redis.url, name)];
    const output = memoryResults();
    let killed = false;
    const summary = await runBatch({
      client: faultingClient(server),
      model: "offline",
      items: all,
      schema: INVOICE_SCHEMA,
      prompt: "Extract: {{ text }}",
      output,
      total: all.length,
      queue: bullmqQueue({ url: redis.url, name, config: config(), pollMs: 50 }),
      onResult: () => {
        if (!killed && output.results.length >= 20) {
          killed = true;
          started[0]?.kill("SIGKILL");
        }
      },
    });
    expect(killed).toBe(true);
    // The killed worker was mid-item: some item was asked for again by another worker.
    expect([...requested.values()].some((count) => count > 1)).toBe(true);
    expect((await started[0]?.output)?.signal).toBe("SIGKILL");
    expectEachOnce(output.results.map((result) => result.id), all.map((item) => item.id));
    expect(output.results.every((result) => result.ok)).toBe(true);
    expect(summary).toMatchObject({ succeeded: 90, failed: 0, stoppedEarly: false });
    for (const worker of started.slice(1)) worker.kill("SIGTERM");
    for (const worker of started.slice(1)) {
      const ended = await worker.output;
      expect(ended.code).toBe(0);
      expect(ended.stdout).toMatch(/stopped after \d+ items/);
    }
  });

  it("a run stopped mid-way and run again collects what the workers did meanwhile, every id once", async () => {
    const all = items(40);
    const name = "resume-test";
    const worker = startWorker(redis.url, name);
    const drain = new AbortController();
    const first = memoryResults();
    const options = { client: faultingClient(server), model: "offline", items: all, schema: INVOICE_SCHEMA, prompt: "Extract: {{ text }}", total: all.length };
    const stopped = await runBatch({ ...options, output: first, drain: drain.signal, queue: bullmqQueue({ url: redis.url, name, config: config(), pollMs: 50 }), onResult: () => (first.results.length >= 8 ? drain.abort() : undefined) });
    expect(stopped.stoppedEarly).toBe(true);
    const second = memoryResults(first.results.map((result) => result.id));
    await runBatch({ ...options, output: second, queue: bullmqQueue({ url: redis.url, name, config: config(), pollMs: 50 }) });
    expectEachOnce([...first.results, ...second.results].map((result) => result.id), all.map((item) => item.id));
    worker.kill("SIGTERM");
    expect((await worker.output).code).toBe(0);
  });

  for (const [limit, allowed] of [[{ rpm: 3 }, 3], [{ tpm: 40 }, 1]] as const) {
    it(`the limit ${JSON.stringify(limit)} holds across two workers: no more requests in the minute than it allows`, async () => {
      let requests = 0;
      const counting = await startModelServer({ scripts: [{ match: () => (requests++, false), text: "" }] });
      const name = `limit-${Object.keys(limit)[0]}`;
      const pair = [startWorker(redis.url, name), startWorker(redis.url, name)];
      const drain = new AbortController();
      const output = memoryResults();
      const run = runBatch({
        client: faultingClient(counting), model: "offline", items: items(10), schema: INVOICE_SCHEMA, prompt: "Extract: {{ text }}", output, drain: drain.signal, rateLimit: limit,
        queue: bullmqQueue({ url: redis.url, name, config: { ...config(), baseURL: counting.url }, pollMs: 50 }),
      });
      while (output.results.length < allowed) await new Promise((resolve) => setTimeout(resolve, 50));
      // Give the workers every chance to send more than they may. With tpm 40, a request of
      // about 27 tokens leaves the bucket far short of the next request's estimate (its cap, 40).
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(requests).toBe(allowed);
      drain.abort();
      await run;
      for (const worker of pair) worker.kill("SIGTERM");
      for (const worker of pair) await worker.output;
      await counting.close();
    });
  }

  it("a worker that meets a 429 asks again after its Retry-After (rate-limiting the queue meanwhile); every item once", async () => {
    const name = "limit-429";
    const pair = [startWorker(redis.url, name), startWorker(redis.url, name)];
    const output = memoryResults();
    // +429: the first request of each body is answered 429 with Retry-After, the next one well.
    await runBatch({ client: faultingClient(server), model: "offline+429", items: items(12), schema: INVOICE_SCHEMA, prompt: "Extract: {{ text }}", output, queue: bullmqQueue({ url: redis.url, name, config: { ...config(), model: "offline+429" }, pollMs: 50 }) });
    expectEachOnce(output.results.map((result) => result.id), items(12).map((item) => item.id));
    for (const result of output.results) expect(result).toMatchObject({ ok: true, attempts: 2 });
    for (const worker of pair) worker.kill("SIGTERM");
    for (const worker of pair) await worker.output;
  });

  it("an unreachable Redis is a clear error naming the URL, at once", async () => {
    const port = await freePort();
    const url = `redis://:secret@127.0.0.1:${port}`;
    await expect(connectRedis(url, { timeoutMs: 2000 })).rejects.toMatchObject({ code: "batch-queue", url: `redis://:***@127.0.0.1:${port}`, message: expect.stringMatching(new RegExp(`Cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`)) });
    const run = runBatch({ client: faultingClient(server), model: "m", items: items(2), schema: INVOICE_SCHEMA, prompt: "{{ text }}", queue: bullmqQueue({ url }) });
    await expect(run).rejects.toMatchObject({ code: "batch-queue" });
    await expect(run).rejects.not.toThrow(/secret/);
    await expect(connectRedis("http://127.0.0.1:1")).rejects.toThrow(/--queue takes a redis:\/\/ or rediss:\/\/ URL/);
  });
});
