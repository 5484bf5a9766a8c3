// Items on a BullMQ queue in Redis (Node): runBatch puts them there, `startBatchWorker`s on any
// machine take them, and the run collects each worker's result into its results store. A job's
// id is the item's id, so adding an item twice (a resumed run) adds it once; a result is kept
// in Redis until the run has stored it, so a run killed between the two loses nothing; and
// the results store keeps one line per id, so an item done twice (a worker killed mid-item,
// its job taken again after its lock expired) is still written once.
import type { Queue } from "bullmq";
import { BatchError } from "../batch-error.js";
import type { BatchItem, BatchResult } from "../batch-result.js";
import type { BatchExecutor, ExecutorContext } from "../run-batch.js";
import { realClock } from "../rate-limiter.js";
import { connectRedis, loadQueuePackages, safeUrl } from "./redis-connection.js";

export const DEFAULT_QUEUE_NAME = "formwork-batch";

/** Where a run's queue lives. */
export interface QueueLocation {
  /** redis://host:port (rediss:// for TLS; a password in the URL is never printed). */
  readonly url: string;
  /** The BullMQ queue's name; default "formwork-batch". One run at a time per name. */
  readonly name?: string;
}

export interface BullmqQueueOptions extends QueueLocation {
  /** What CLI workers run (model, schema, prompt...), stored in Redis for `formwork batch worker`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** How often the run looks for finished jobs; default 200 ms. */
  readonly pollMs?: number;
}

/** The Redis key of a queue's run configuration. */
export const configKey = (name: string): string => `formwork:batch:${name}:config`;

/** BullMQ job ids may not be plain integers nor hold ":"; an encoded id is neither. */
export const jobIdOf = (id: string): string => `item_${encodeURIComponent(id)}`;

const ADD_CHUNK = 500;

/**
 * The queue as a runBatch executor: `runBatch({ ..., queue: bullmqQueue({ url }) })`.
 * Workers started with `startBatchWorker` (or `formwork batch worker`) do the requests. When
 * the run is stopped (Ctrl-C, drain), jobs already queued stay in Redis and their results are
 * collected by the next run.
 *
 * @example
 * await runBatch({ client, model, items, schema, prompt, output: jsonlResults("out.jsonl"),
 *   queue: bullmqQueue({ url: "redis://localhost:6379" }) });
 */
export function bullmqQueue(options: BullmqQueueOptions): BatchExecutor {
  const name = options.name ?? DEFAULT_QUEUE_NAME;
  return {
    name: `queue ${safeUrl(options.url)} (${name})`,
    async execute(context: ExecutorContext): Promise<void> {
      const connection = await connectRedis(options.url);
      const { Queue } = (await loadQueuePackages()).bullmq;
      const queue = new Queue(name, { connection });
      const failure = new Promise<never>((_, reject) => {
        connection.on("end", () => reject(new BatchError("batch-queue", `Lost the connection to Redis at ${safeUrl(options.url)}; run the same command again to resume`, { url: safeUrl(options.url) })));
      });
      failure.catch(() => undefined);
      try {
        if (options.config !== undefined) await connection.set(configKey(name), JSON.stringify({ ...options.config, rateLimit: context.options.rateLimit ?? {} }));
        await Promise.race([collect(context, queue, options.pollMs ?? 200), failure]);
      } finally {
        await queue.close().catch(() => undefined);
        connection.disconnect();
      }
    },
  };
}

async function collect(context: ExecutorContext, queue: Queue, pollMs: number): Promise<void> {
  const waiting = new Set<string>();
  let isAdding = true;
  const adding = (async () => {
    let chunk: BatchItem[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      const items = chunk;
      chunk = [];
      for (const item of items) waiting.add(item.id);
      await queue.addBulk(items.map((item) => ({ name: "item", data: item, opts: { jobId: jobIdOf(item.id), attempts: 3, removeOnComplete: false, removeOnFail: false } })));
      context.started(items.length);
    };
    try {
      for await (const item of context.items) {
        chunk.push(item);
        if (chunk.length >= ADD_CHUNK) await flush();
      }
      await flush();
    } finally {
      isAdding = false;
    }
  })();
  adding.catch(() => undefined);
  // Results stay in Redis until stored: a run stopped here finds them again next time.
  while (!context.drain.aborted && (isAdding || waiting.size > 0)) {
    const jobs = await queue.getJobs(["completed", "failed"], 0, 499, true);
    for (const job of jobs) {
      const item = job.data as BatchItem;
      const finished = job.finishedOn !== undefined && job.returnvalue !== null && typeof job.returnvalue === "object";
      const result: BatchResult = finished
        ? (job.returnvalue as BatchResult)
        : { id: item.id, ok: false, error: { code: "worker-failed", message: `A worker failed on this item: ${job.failedReason}` }, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, attempts: job.attemptsMade, model: context.options.model };
      await context.write(result);
      waiting.delete(item.id);
    }
    // Removed only once stored; all of a page at once (ioredis pipelines them).
    await Promise.all(jobs.map((job) => (job.id === undefined ? undefined : queue.remove(job.id))));
    if (jobs.length === 0) await realClock.sleep(pollMs, context.drain).catch(() => undefined);
  }
  await adding;
}
