// The batch runner's web-standard core, exported from `formwork`. The file-backed results,
// input readers, queue workers and the provider batch APIs live in `formwork/batch` (Node).
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
