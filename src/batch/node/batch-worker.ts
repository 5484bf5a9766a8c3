// A queue worker (Node): takes items from a run's BullMQ queue, asks the model, and hands the
// result back through the job. Any number of them, on any machine, share one run.
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { ResponseModel } from "../../client/structured-client.js";
import type { SchemaLike } from "../../schema/schema-adapter.js";
import type { BatchPrompt } from "../batch-prompt.js";
import type { BatchItem, BatchResult } from "../batch-result.js";
import { RateLimiter, type RateLimit } from "../rate-limiter.js";
import { requestBuilder, runItem, type BatchClient, type RunBatchOptions } from "../run-batch.js";
import { DEFAULT_QUEUE_NAME, type QueueLocation } from "./bullmq-queue.js";
import { connectRedis } from "./redis-connection.js";

export interface BatchWorkerOptions extends QueueLocation {
  readonly client: BatchClient;
  readonly model: string;
  readonly schema: SchemaLike | ResponseModel<SchemaLike>;
  readonly prompt: BatchPrompt;
  /** Items this worker works on at once; default 8. */
  readonly concurrency?: number;
  readonly maxRetries?: number;
  readonly maxTransportRetries?: number;
  readonly request?: Readonly<Record<string, unknown>>;
  /**
   * Limits for the whole queue, shared by every worker: requests per minute through BullMQ's
   * limiter (global in Redis), tokens per minute through a per-minute counter in Redis.
   */
  readonly rateLimit?: RateLimit & { readonly expectedOutputTokens?: number };
  /** How long a job stays locked to a worker that stopped answering (killed) before another takes it; default 30000 ms. */
  readonly lockDurationMs?: number;
  /** Called with each result this worker produced. */
  readonly onResult?: (result: BatchResult) => void;
}

export interface BatchWorker {
  readonly worker: Worker;
  /** Finishes the items in hand, then stops. */
  close(): Promise<void>;
}

const tokensKey = (name: string, minute: number) => `formwork:batch:${name}:tokens:${minute}`;

/**
 * Starts a worker on a run's queue. It runs until `close()`.
 *
 * @example
 * const worker = await startBatchWorker({ url: "redis://localhost:6379", client, model: "gpt-4o-mini",
 *   schema: Invoice, prompt: "Extract the invoice:\n{{ text }}", concurrency: 16 });
 */
export async function startBatchWorker(options: BatchWorkerOptions): Promise<BatchWorker> {
  const name = options.name ?? DEFAULT_QUEUE_NAME;
  const connection = await connectRedis(options.url);
  const queue = new Queue(name, { connection });
  const runOptions: RunBatchOptions = { ...options, items: [], ...(options.rateLimit === undefined ? {} : { rateLimit: { expectedOutputTokens: options.rateLimit.expectedOutputTokens ?? 256 } }) };
  const build = requestBuilder(runOptions);
  // This process's own pause after a 429; other workers learn of it through queue.rateLimit.
  const limiter = new RateLimiter({});
  const stop = new AbortController();
  const tpm = options.rateLimit?.tpm;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker(
    name,
    async (job) => {
      const item = job.data as BatchItem;
      if (tpm !== undefined) await takeTokens(connection, name, tpm, build, item, options.rateLimit?.expectedOutputTokens ?? 256, queue);
      const result = await runItem(runOptions, build, item, limiter, stop.signal, () => {
        const until = limiter.pausedUntil;
        if (until !== undefined) void queue.rateLimit(until - Date.now()).catch(() => undefined);
      });
      options.onResult?.(result);
      return result;
    },
    {
      connection,
      concurrency: options.concurrency ?? 8,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      // A killed worker's jobs come back as stalled; let them come back a few times.
      maxStalledCount: 5,
      ...(options.rateLimit?.rpm === undefined ? {} : { limiter: { max: options.rateLimit.rpm, duration: 60_000 } }),
    },
  );
  worker.on("error", () => undefined);
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}

/**
 * Tokens per minute across workers: each request adds its estimate to this minute's counter in
 * Redis; over the limit, the queue is rate-limited until the minute ends and the job goes back
 * to wait (BullMQ's RateLimitError), so no worker takes another until then.
 */
async function takeTokens(connection: Redis, name: string, tpm: number, build: ReturnType<typeof requestBuilder>, item: BatchItem, expectedOutputTokens: number, queue: Queue): Promise<void> {
  let estimate = expectedOutputTokens;
  try {
    estimate += Math.ceil(JSON.stringify(build(item).messages).length / 4);
  } catch {
    // The item's prompt fails: runItem reports it; it costs no tokens.
    return;
  }
  const now = Date.now();
  const minute = Math.floor(now / 60_000);
  const key = tokensKey(name, minute);
  const used = await connection.incrby(key, estimate);
  await connection.pexpire(key, 120_000);
  // The first request of a minute always goes, however large.
  if (used > tpm && used - estimate > 0) {
    await connection.decrby(key, estimate);
    await queue.rateLimit((minute + 1) * 60_000 - now);
    throw Worker.RateLimitError();
  }
}

