// A queue worker (Node): takes items from a run's BullMQ queue, asks the model, and hands the
// result back through the job. Any number of them, on any machine, share one run.
import type { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { ResponseModel } from "../../client/structured-client.js";
import type { SchemaLike } from "../../schema/schema-adapter.js";
import type { BatchPrompt } from "../batch-prompt.js";
import type { BatchItem, BatchResult } from "../batch-result.js";
import { abortFanOut } from "../../http/abort-fan-out.js";
import { RateLimiter, type RateLimit } from "../rate-limiter.js";
import { requestBuilder, runItem, type BatchClient, type RunBatchOptions } from "../run-batch.js";
import { DEFAULT_QUEUE_NAME, type QueueLocation } from "./bullmq-queue.js";
import { connectRedis, loadQueuePackages } from "./redis-connection.js";

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
   * limiter (global in Redis), tokens per minute through a token bucket in Redis.
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

const tokensKey = (name: string) => `formwork:batch:${name}:tokens`;

/**
 * Starts a worker on a run's queue. It runs until `close()`.
 *
 * @example
 * const worker = await startBatchWorker({ url: "redis://localhost:6379", client, model: "gpt-4o-mini",
 *   schema: Invoice, prompt: "Extract the invoice:\n{{ text }}", concurrency: 16 });
 */
function estimateTokens(build: ReturnType<typeof requestBuilder>, item: BatchItem, expectedOutputTokens: number): number {
  try {
    return expectedOutputTokens + Math.ceil(JSON.stringify(build(item).messages).length / 4);
  } catch {
    // The item's prompt fails: runItem reports it; it costs no tokens.
    return 0;
  }
}

export async function startBatchWorker(options: BatchWorkerOptions): Promise<BatchWorker> {
  const name = options.name ?? DEFAULT_QUEUE_NAME;
  const connection = await connectRedis(options.url);
  const { Queue, Worker } = (await loadQueuePackages()).bullmq;
  const queue = new Queue(name, { connection });
  const runOptions: RunBatchOptions = { ...options, items: [], ...(options.rateLimit === undefined ? {} : { rateLimit: { expectedOutputTokens: options.rateLimit.expectedOutputTokens ?? 256 } }) };
  const build = requestBuilder(runOptions);
  // This process's own pause after a 429; other workers learn of it through queue.rateLimit.
  const limiter = new RateLimiter({});
  const stop = new AbortController();
  const fanOut = abortFanOut(stop.signal);
  const tpm = options.rateLimit?.tpm;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker(
    name,
    async (job) => {
      const item = job.data as BatchItem;
      const estimate = tpm === undefined ? 0 : estimateTokens(build, item, options.rateLimit?.expectedOutputTokens ?? 256);
      if (tpm !== undefined) await takeTokens(connection, name, tpm, estimate, queue, Worker.RateLimitError);
      const child = fanOut.child();
      const result = await runItem(runOptions, build, item, limiter, child.signal, () => {
        const until = limiter.pausedUntil;
        if (until !== undefined) void queue.rateLimit(until - Date.now()).catch(() => undefined);
      }).finally(() => child.release());
      if (tpm !== undefined) await settleTokens(connection, name, tpm, estimate, result.usage.totalTokens);
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

// A token bucket in Redis, shared by every worker: it holds at most a minute's tokens and
// refills continuously by Redis's own clock (the same for all machines). It answers 0 when the
// tokens were taken, else the milliseconds until they will be there. A request larger than a
// minute's allowance waits for a full bucket.
const TAKE_TOKENS = `
local rate = tonumber(ARGV[1])
local want = math.min(tonumber(ARGV[2]), rate)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or rate
local at = tonumber(bucket[2]) or now
tokens = math.min(rate, tokens + (now - at) * rate / 60000)
local wait = 0
if tokens >= want then tokens = tokens - want else wait = math.ceil((want - tokens) * 60000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return wait`;

/** Charges the bucket with a request's estimate; over the limit, pauses the whole queue and puts the job back. */
async function takeTokens(connection: Redis, name: string, tpm: number, estimate: number, queue: Queue, rateLimitError: () => Error): Promise<void> {
  const wait = Number(await connection.eval(TAKE_TOKENS, 1, tokensKey(name), String(tpm), String(estimate)));
  if (wait > 0) {
    // No worker takes a job until the tokens are there (BullMQ's queue-wide rate limit).
    await queue.rateLimit(wait);
    throw rateLimitError();
  }
}

/** Once the real usage is known, the difference from the estimate goes into the bucket. */
async function settleTokens(connection: Redis, name: string, tpm: number, estimated: number, actual: number): Promise<void> {
  // The bucket took at most a minute's worth.
  const estimate = Math.min(estimated, tpm);
  if (actual !== estimate) await connection.hincrbyfloat(tokensKey(name), "tokens", estimate - actual).catch(() => undefined);
}
