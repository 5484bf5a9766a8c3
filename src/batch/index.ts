// formwork/batch (Node only): the batch runner with files (inputs, the results file and its
// state, schema modules), queue workers on Redis (BullMQ) and the providers' batch APIs.
// The core (runBatch, memoryResults, RateLimiter) is re-exported for a single import.
export * from "./batch-core.js";
export { readItems, csvRows } from "./node/read-items.js";
export type { ItemSource, InputFormat, ReadItemsOptions } from "./node/read-items.js";
export { jsonlResults, scanResults } from "./node/jsonl-results.js";
export type { JsonlResults, ResultsScan } from "./node/jsonl-results.js";
export { readBatchState, writeBatchState, statePath } from "./node/batch-state.js";
export type { BatchState } from "./node/batch-state.js";
export { batchStatus } from "./node/batch-status.js";
export type { BatchStatus } from "./node/batch-status.js";
export { loadSchema } from "./node/load-schema.js";
export { bullmqQueue, DEFAULT_QUEUE_NAME } from "./node/bullmq-queue.js";
export type { BullmqQueueOptions, QueueLocation } from "./node/bullmq-queue.js";
export { startBatchWorker } from "./node/batch-worker.js";
export type { BatchWorker, BatchWorkerOptions } from "./node/batch-worker.js";
export { connectRedis } from "./node/redis-connection.js";
