// formwork/batch (Node only): the batch runner with files (inputs, the results file and its
// state, schema modules), queue workers on Redis (BullMQ) and the providers' batch APIs.
// The core (runBatch, memoryResults, RateLimiter) is re-exported for a single import.
export * from "../index.js";
export { readItems, csvRows } from "./read-items.js";
export type { ItemSource, InputFormat, ReadItemsOptions } from "./read-items.js";
export { jsonlResults, scanResults } from "./jsonl-results.js";
export type { JsonlResults, ResultsScan } from "./jsonl-results.js";
export { readBatchState, writeBatchState, statePath } from "./batch-state.js";
export type { BatchState } from "./batch-state.js";
export { batchStatus } from "./batch-status.js";
export type { BatchStatus } from "./batch-status.js";
export { loadSchema } from "./load-schema.js";
export { bullmqQueue, DEFAULT_QUEUE_NAME } from "./bullmq-queue.js";
export type { BullmqQueueOptions, QueueLocation } from "./bullmq-queue.js";
export { startBatchWorker } from "./batch-worker.js";
export type { BatchWorker, BatchWorkerOptions } from "./batch-worker.js";
export { connectRedis } from "./redis-connection.js";
