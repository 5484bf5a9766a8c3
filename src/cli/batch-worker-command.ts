// `formwork batch worker` and `batch run --queue` (Node): a run's items on a BullMQ queue.
import type { SchemaLike } from "../schema/schema-adapter.js";
import type { BatchPrompt } from "../batch/batch-prompt.js";
import type { BatchExecutor } from "../batch/run-batch.js";
import { bullmqQueue, configKey, DEFAULT_QUEUE_NAME } from "../batch/node/bullmq-queue.js";
import { startBatchWorker } from "../batch/node/batch-worker.js";
import { loadSchema } from "../batch/node/load-schema.js";
import { connectRedis, safeUrl } from "../batch/node/redis-connection.js";
import { clientFromFlags, count, parse, required } from "./batch-flags.js";
import type { BatchIo } from "./batch-command.js";

export const QUEUE_RUN_OPTIONS = { queue: { type: "string" }, "queue-name": { type: "string" } } as const;

const WORKER_HELP = `Usage: formwork batch worker --queue redis://host:port [options]

Takes the items of a run started with formwork batch run --queue, asks the model, and hands
each result back through Redis; the run writes them. Start any number, on any machine. A
worker that dies mid-item loses nothing: once its lock lapses another worker takes the item,
and the run still writes each id once. Ctrl-C finishes the items in hand and stops.
The model, schema and prompt come from the run; the API key from this machine's environment
(OPENAI_API_KEY...). The schema module is loaded from this folder (JSON Schema files travel
with the run).

  --queue URL          the run's Redis (redis://host:port; rediss:// for TLS)
  --queue-name NAME    the queue's name (default formwork-batch)
  --concurrency N      items at once in this worker (default 8)
  --lock-ms N          how long an item stays with a worker that stopped answering before
                       another takes it (default 30000)
  --schema SPEC        load the schema from here instead of the run's path
  --base-url URL, --provider NAME, --mode MODE   reach the model another way than the run said

Example:
  formwork batch worker --queue redis://10.0.0.5:6379 --concurrency 32`;

/** What `batch run --queue` stores for its workers. */
interface RunConfig {
  readonly model: string;
  readonly schema: string;
  readonly schemaJson?: Readonly<Record<string, unknown>>;
  readonly prompt: BatchPrompt;
  readonly provider?: string;
  readonly baseURL?: string;
  readonly mode?: string;
  readonly maxRetries?: number;
  readonly request?: Readonly<Record<string, unknown>>;
  readonly rateLimit?: { readonly rpm?: number; readonly tpm?: number; readonly expectedOutputTokens?: number };
}

function isPlainJsonSchema(schema: SchemaLike): boolean {
  return !("~standard" in schema) && !("_zod" in schema);
}

/** The queue executor for `batch run --queue`, with the configuration its workers read. */
export function queueExecutor(values: Record<string, unknown>, setup: { readonly config: Record<string, unknown>; readonly options: { readonly schema: SchemaLike } }): { queue: BatchExecutor; label: { queue: string } } | undefined {
  const url = values["queue"] as string | undefined;
  if (url === undefined) return undefined;
  const config = { ...setup.config, ...(isPlainJsonSchema(setup.options.schema) ? { schemaJson: setup.options.schema } : {}) };
  const name = values["queue-name"] as string | undefined;
  return { queue: bullmqQueue({ url, ...(name === undefined ? {} : { name }), config: JSON.parse(JSON.stringify(config)) as Record<string, unknown> }), label: { queue: safeUrl(url) } };
}

async function readConfig(url: string, name: string, io: BatchIo, signal: AbortSignal): Promise<RunConfig | undefined> {
  const redis = await connectRedis(url);
  try {
    let hasSaid = false;
    while (!signal.aborted) {
      const text = await redis.get(configKey(name));
      if (text !== null) return JSON.parse(text) as RunConfig;
      if (!hasSaid) io.err(`waiting for a run on ${safeUrl(url)} (queue ${name}): start one with formwork batch run ... --queue ${safeUrl(url)}`);
      hasSaid = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return undefined;
  } finally {
    redis.disconnect();
  }
}

export async function workerCommand(argv: readonly string[], io: BatchIo): Promise<number> {
  const { values } = parse(
    argv,
    { ...QUEUE_RUN_OPTIONS, concurrency: { type: "string" }, "lock-ms": { type: "string" }, schema: { type: "string" }, "base-url": { type: "string" }, provider: { type: "string" }, mode: { type: "string" } },
  );
  if (values["help"] === true) {
    io.out(WORKER_HELP);
    return 0;
  }
  const url = required(values, "queue", "the run's Redis, such as redis://localhost:6379");
  const name = (values["queue-name"] as string | undefined) ?? DEFAULT_QUEUE_NAME;
  const stop = new AbortController();
  const onSignal = () => stop.abort("interrupted");
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const config = await readConfig(url, name, io, stop.signal);
    if (config === undefined) return 130;
    const schema = typeof values["schema"] === "string" ? await loadSchema(values["schema"]) : (config.schemaJson ?? (await loadSchema(config.schema)));
    const client = clientFromFlags({ provider: values["provider"] ?? config.provider, "base-url": values["base-url"] ?? config.baseURL, mode: values["mode"] ?? config.mode });
    const concurrency = count(values, "concurrency");
    const lockDurationMs = count(values, "lock-ms");
    let done = 0;
    const worker = await startBatchWorker({
      url,
      name,
      client,
      model: config.model,
      schema,
      prompt: config.prompt,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
      ...(config.maxRetries === undefined || config.maxRetries === null ? {} : { maxRetries: config.maxRetries }),
      ...(config.request === undefined || config.request === null ? {} : { request: config.request }),
      ...(config.rateLimit === undefined ? {} : { rateLimit: config.rateLimit }),
      onResult: () => done++,
    });
    io.err(`worker ${process.pid} on ${safeUrl(url)} (queue ${name}): model ${config.model}; Ctrl-C stops`);
    await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener("abort", () => resolve(), { once: true })));
    io.err(`stopping: finishing the items in hand`);
    await worker.close();
    io.out(`worker ${process.pid} stopped after ${done} items`);
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
