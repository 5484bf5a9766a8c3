// runBatch: items in, one validated result per item id out, resumable. Where the requests run
// is an executor: here on this machine (a pool of `concurrency` calls under one rate limiter),
// on queue workers (`formwork/batch`'s bullmqQueue), or through a provider's batch API.
import { AbortError } from "../errors/abort-error.js";
import { FormworkError } from "../errors/formwork-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { RetryError } from "../errors/retry-error.js";
import type { CallResult } from "../client/structured-stream.js";
import type { ResponseModel, StructuredParams } from "../client/structured-client.js";
import { addUsage, NO_USAGE, type Usage } from "../providers/wire-event.js";
import type { InferOutput, SchemaLike } from "../schema/schema-adapter.js";
import { abortFanOut } from "../http/abort-fan-out.js";
import { BatchError } from "./batch-error.js";
import { compilePrompt, type BatchMessage, type BatchPrompt } from "./batch-prompt.js";
import { memoryResults, type BatchItem, type BatchProgress, type BatchResult, type BatchResultError, type BatchSummary, type ResultStore } from "./batch-result.js";
import { RateLimiter, realClock, type Clock, type RateLimit } from "./rate-limiter.js";

/** The part of a formwork client a batch uses: any `fromOpenAI`, `fromProvider`... client. */
export interface BatchClient {
  readonly chat: { readonly completions: { createWithCompletion(params: StructuredParams<SchemaLike>): Promise<CallResult<unknown>> } };
}

/** Options of {@link runBatch}. */
export interface RunBatchOptions<S extends SchemaLike = SchemaLike> {
  readonly client: BatchClient;
  /** The model every request names (also written into each result). */
  readonly model: string;
  /** The inputs; a `BatchError` among them is an input problem (reported, skipped unless `strict`). */
  readonly items: Iterable<BatchItem | BatchError> | AsyncIterable<BatchItem | BatchError>;
  readonly schema: S | ResponseModel<S>;
  readonly prompt: BatchPrompt;
  /** Requests at once; default 8. */
  readonly concurrency?: number;
  /** Requests and tokens per minute for the whole run; `expectedOutputTokens` (default 256) is added to each request's estimate. */
  readonly rateLimit?: RateLimit & { readonly expectedOutputTokens?: number };
  /** Where results go; default in memory (`memoryResults()`). */
  readonly output?: ResultStore<InferOutput<S>>;
  /** Attempts after the first when an answer does not validate, with the errors fed back; default 2. */
  readonly maxRetries?: number;
  /** Requests sent again after a 429, a 5xx or a dropped connection, every request of the run pausing for Retry-After; default 5. */
  readonly maxTransportRetries?: number;
  /** Fields sent with every request (`temperature`, `max_tokens`...). */
  readonly request?: Readonly<Record<string, unknown>>;
  /** Stop the run at the first input problem instead of skipping it. */
  readonly strict?: boolean;
  /** The number of items, when known, for the progress (the CLI counts the input first). */
  readonly total?: number;
  /** Aborts the run: requests in flight are cancelled and left pending for the next run. */
  readonly signal?: AbortSignal;
  /** Stops taking new items; requests in flight finish and are written. */
  readonly drain?: AbortSignal;
  /** Called after every result, and when a 429 pauses the run. */
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Called with each result once it is stored. */
  readonly onResult?: (result: BatchResult<InferOutput<S>>) => void;
  /** Run the items elsewhere: queue workers (`bullmqQueue` from `formwork/batch`). */
  readonly queue?: BatchExecutor;
  /** Run the items through a provider's batch API (`openAIBatch`, `anthropicBatch`). */
  readonly via?: BatchExecutor;
  /** Time for the rate limiter (tests). */
  readonly clock?: Clock;
}

/** What an executor is given: the pending items and a way to store each result. */
export interface ExecutorContext {
  readonly options: RunBatchOptions;
  readonly items: AsyncIterable<BatchItem>;
  /** Stores a result; a second result for the same id is ignored (exactly once). */
  write(result: BatchResult): Promise<void>;
  /** Runs items on this machine, as a run without an executor would (for failures re-run online). */
  runLocally(items: AsyncIterable<BatchItem>): Promise<void>;
  /** Marks items as being worked on (for progress). */
  started(count: number): void;
  readonly signal: AbortSignal;
  readonly drain: AbortSignal;
  readonly limiter: RateLimiter;
}

/** Somewhere else that runs the items: queue workers or a provider's batch API. */
export interface BatchExecutor {
  readonly name: string;
  execute(context: ExecutorContext): Promise<void>;
}

/** Builds each item's request, as the runner, a queue worker and a provider batch all do; the prompt is compiled once. */
export function requestBuilder(options: Pick<RunBatchOptions, "model" | "schema" | "prompt" | "request" | "maxRetries">): (item: BatchItem) => { messages: readonly BatchMessage[]; params: StructuredParams<SchemaLike> } {
  const messagesOf = compilePrompt(options.prompt);
  return (item) => {
    const messages = messagesOf(item);
    return {
      messages,
      params: { ...options.request, model: options.model, messages, response_model: options.schema as SchemaLike, max_retries: options.maxRetries ?? 2, max_transport_retries: 0 },
    };
  };
}

export type RequestBuilder = ReturnType<typeof requestBuilder>;

/** A thrown error as a result line carries it. */
export function resultError(error: unknown): BatchResultError {
  if (FormworkError.isInstance(error)) return { code: error.code, message: error.message };
  return { code: "unexpected-error", message: error instanceof Error ? error.message : String(error) };
}

function usageOf(error: unknown): Usage {
  const usage = (error as { usage?: unknown } | undefined)?.usage;
  return typeof usage === "object" && usage !== null && typeof (usage as Usage).totalTokens === "number" ? (usage as Usage) : NO_USAGE;
}

/** Attempts that reached the model in a failed call. */
function attemptsOf(error: unknown): number {
  return RetryError.isInstance(error) ? error.attempts : 1;
}

/** Exponential backoff with full jitter, at least what the provider asked for. */
function transportBackoff(retry: number, retryAfterMs: number | undefined): number {
  return Math.max(retryAfterMs ?? 0, Math.random() * Math.min(30_000, 500 * 2 ** retry));
}

/**
 * One item through the client: the rate limiter's turn, the call with retries on invalid
 * answers (the client's, errors fed back), and transport retries that pause the whole run on a
 * 429. Returns the result to store, or throws an AbortError when the run was aborted.
 */
export async function runItem(options: RunBatchOptions, build: RequestBuilder, item: BatchItem, limiter: RateLimiter, signal: AbortSignal, onPause?: () => void): Promise<BatchResult> {
  let request: ReturnType<RequestBuilder>;
  try {
    request = build(item);
  } catch (error) {
    // A field this item lacks: it fails alone, the run goes on.
    return { id: item.id, ok: false, error: resultError(error), usage: NO_USAGE, attempts: 0, model: options.model };
  }
  const { messages, params } = request;
  const estimate = Math.ceil(JSON.stringify(messages).length / 4) + (options.rateLimit?.expectedOutputTokens ?? 256);
  const maxTransportRetries = options.maxTransportRetries ?? 5;
  let usage = NO_USAGE;
  let attempts = 0;
  for (let retry = 0; ; retry++) {
    await limiter.acquire(estimate, signal);
    try {
      const result = await options.client.chat.completions.createWithCompletion({ ...params, signal });
      limiter.settle(estimate, result.usage.totalTokens);
      const model = typeof result.completion["model"] === "string" ? result.completion["model"] : options.model;
      return { id: item.id, ok: true, value: result.data, usage: addUsage(usage, result.usage), attempts: attempts + result.attempts, model };
    } catch (error) {
      if (signal.aborted) throw new AbortError(signal.reason);
      const spent = usageOf(error);
      limiter.settle(estimate, spent.totalTokens);
      usage = addUsage(usage, spent);
      attempts += attemptsOf(error);
      if (ProviderError.isInstance(error) && error.isRetryable && retry < maxTransportRetries) {
        // A 429 speaks for the account, not the request: every request of the run waits.
        if (error.status === 429 || error.retryAfterMs !== undefined) {
          limiter.pause(transportBackoff(retry, error.retryAfterMs));
          onPause?.();
        } else {
          await (options.clock ?? realClock).sleep(transportBackoff(retry, undefined), signal);
        }
        continue;
      }
      return { id: item.id, ok: false, error: resultError(error), usage, attempts, model: options.model };
    }
  }
}

function positiveInteger(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new BatchError("batch-options", `${option} must be a whole number of at least 1, not ${String(value)}`, { option });
  return value;
}

/**
 * Runs every item through the model and stores one validated result per item id, exactly once:
 * ids already in `output` are skipped, so running again after a crash or Ctrl-C resumes.
 *
 * @example
 * const output = memoryResults<Invoice>();
 * const summary = await runBatch({
 *   client: fromProvider({ provider: "openai" }), model: "gpt-4o-mini",
 *   items: [{ id: "a", text: "Invoice 12 from ACME, 40 EUR" }],
 *   schema: Invoice, prompt: "Extract the invoice:\n\n{{text}}",
 *   concurrency: 16, rateLimit: { rpm: 500, tpm: 200_000 }, output,
 * });
 */
export async function runBatch<S extends SchemaLike>(options: RunBatchOptions<S>): Promise<BatchSummary> {
  const concurrency = positiveInteger(options.concurrency, 8, "concurrency");
  const general = options as unknown as RunBatchOptions;
  const build = requestBuilder(general);
  const output = (options.output ?? memoryResults()) as ResultStore;
  const clock = options.clock ?? realClock;
  const limiter = new RateLimiter(options.rateLimit, clock);
  const abort = new AbortController();
  const stop = new AbortController();
  const signal = options.signal === undefined ? abort.signal : AbortSignal.any([options.signal, abort.signal]);
  const drain = AbortSignal.any([stop.signal, signal, ...(options.drain === undefined ? [] : [options.drain])]);
  const done = await output.open();
  const written = new Set<string>();
  const problems: { source: string | undefined; line: number | undefined; message: string }[] = [];
  const startedAt = clock.now();
  let succeeded = 0;
  let failed = 0;
  let inFlight = 0;
  let skipped = 0;
  let usage = NO_USAGE;
  let strictError: BatchError | undefined;

  const progress = (): BatchProgress => {
    const elapsedMs = clock.now() - startedAt;
    const finished = succeeded + failed;
    const itemsPerSecond = elapsedMs > 0 ? (finished * 1000) / elapsedMs : 0;
    const left = options.total === undefined ? undefined : Math.max(0, options.total - skipped - finished - problems.length);
    return {
      total: options.total,
      skipped,
      succeeded,
      failed,
      inFlight,
      invalid: problems.length,
      usage,
      elapsedMs,
      itemsPerSecond,
      etaMs: left === undefined ? undefined : left === 0 ? 0 : itemsPerSecond > 0 ? (left * 1000) / itemsPerSecond : undefined,
      pausedUntil: limiter.pausedUntil,
    };
  };
  const report = () => options.onProgress?.(progress());

  async function write(result: BatchResult): Promise<void> {
    if (done.has(result.id) || written.has(result.id)) return;
    written.add(result.id);
    await output.write(result as BatchResult<InferOutput<S>>);
    inFlight = Math.max(0, inFlight - 1);
    if (result.ok) succeeded++;
    else failed++;
    usage = addUsage(usage, result.usage);
    options.onResult?.(result as BatchResult<InferOutput<S>>);
    report();
  }

  // The pending items: valid, with an id not seen before and not done in an earlier run.
  async function* pending(): AsyncGenerator<BatchItem> {
    const seen = new Set<string>();
    let position = 0;
    for await (const entry of options.items) {
      position++;
      if (drain.aborted) return;
      let problem: BatchError | undefined;
      let item: BatchItem | undefined;
      if (BatchError.isInstance(entry)) problem = entry as BatchError;
      else if (typeof entry !== "object" || entry === null) problem = new BatchError("batch-input", `Item ${position} is not an object`, { source: "items", line: position });
      else {
        const id = (entry as { id?: unknown }).id;
        if (typeof id === "number" && Number.isFinite(id)) item = { ...(entry as BatchItem), id: String(id) };
        else if (typeof id === "string" && id !== "") item = entry as BatchItem;
        else problem = new BatchError("batch-input", `Item ${position} has no id (give each item a non-empty string "id")`, { source: "items", line: position });
        if (item !== undefined && seen.has(item.id)) {
          problem = new BatchError("batch-input", `Item ${position} repeats the id "${item.id}" (ids must be unique in a run)`, { source: "items", line: position });
          item = undefined;
        }
      }
      if (problem !== undefined) {
        problems.push({ source: problem.source, line: problem.line, message: problem.message });
        report();
        if (options.strict === true) {
          strictError = problem;
          stop.abort(problem);
          return;
        }
        continue;
      }
      if (item === undefined) continue;
      seen.add(item.id);
      if (done.has(item.id)) {
        skipped++;
        continue;
      }
      yield item;
    }
  }

  const fanOut = abortFanOut(signal);
  async function runLocally(items: AsyncIterable<BatchItem>): Promise<void> {
    const iterator = items[Symbol.asyncIterator]();
    // Async generators queue concurrent next() calls, so the workers share one iterator.
    const worker = async () => {
      for (;;) {
        if (drain.aborted) return;
        const next = await iterator.next();
        if (next.done === true) return;
        inFlight++;
        const child = fanOut.child();
        try {
          await write(await runItem(general, build, next.value, limiter, child.signal, report));
        } catch (error) {
          inFlight--;
          // Aborted: the item is released, pending for the next run.
          if (AbortError.isInstance(error) && signal.aborted) return;
          throw error;
        } finally {
          child.release();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      await iterator.return?.();
    }
  }

  try {
    const executor = options.queue ?? options.via;
    const items = pending();
    if (executor === undefined) await runLocally(items);
    else {
      await executor.execute({
        options: general,
        items,
        write,
        runLocally,
        started: (count) => {
          inFlight += count;
          report();
        },
        signal,
        drain,
        limiter,
      });
    }
  } finally {
    await output.close();
  }
  if (strictError !== undefined) throw strictError;
  const final = progress();
  const finished = options.total === undefined ? !drain.aborted : final.skipped + final.succeeded + final.failed + final.invalid >= options.total;
  return { ...final, inFlight: 0, stoppedEarly: !finished || drain.aborted, problems };
}
