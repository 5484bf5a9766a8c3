// The batch runner's web-standard core, exported from `formwork` (and again from
// `formwork/batch`): runBatch, the stores' interface, the rate limiter, the providers' batch
// APIs. Files, schema modules and queue workers are Node-only, in `formwork/batch` (index.ts).
export { runBatch, runItem, requestBuilder, resultError } from "./run-batch.js";
export type { RunBatchOptions, BatchClient, BatchExecutor, ExecutorContext, RequestBuilder } from "./run-batch.js";
export { memoryResults } from "./batch-result.js";
export type { BatchItem, BatchResult, BatchResultError, BatchProgress, BatchSummary, ResultStore } from "./batch-result.js";
export { compilePrompt } from "./batch-prompt.js";
export type { BatchPrompt, BatchMessage } from "./batch-prompt.js";
export { RateLimiter, realClock } from "./rate-limiter.js";
export type { RateLimit, Clock } from "./rate-limiter.js";
export { BatchError } from "./batch-error.js";
export { openAIBatch, anthropicBatch } from "./provider-batch.js";
export type { ProviderBatchOptions, ProviderBatchRecord } from "./provider-batch.js";
