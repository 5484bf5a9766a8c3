// One attempt of a structured call: send the request (again, with backoff, while the provider
// fails before any output), decode the stream, give the answer's text to the stream layer, and
// end the way the provider said it ended.
import { AbortError } from "../errors/abort-error.js";
import { ContentFilterError } from "../errors/content-filter-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { RefusalError } from "../errors/refusal-error.js";
import { FormworkError } from "../errors/formwork-error.js";
import { ByteBudget } from "../http/byte-budget.js";
import { IdleWatch, withDeadline, type HttpOptions } from "../http/deadlines.js";
import { MAX_TIMER_MS } from "../http/retry-after.js";
import type { Redactor } from "../http/redactor.js";
import { NO_USAGE, type Usage, type WireEvent } from "../providers/wire-event.js";
import type { Completion } from "./completion.js";
import type { Hooks } from "./hooks.js";

/** What one request of an attempt is given: its cancellation and its byte budget. */
export interface TransportCall {
  readonly signal: AbortSignal;
  readonly budget: ByteBudget;
}

/**
 * How the client reaches a provider: send a request, get its stream's chunks (in batches: all
 * that one network read brought, where the transport can tell; an empty batch says bytes came
 * that completed no chunk), decode each with a decoder made for that response.
 */
export interface ChatTransport {
  readonly provider: string;
  send(body: Record<string, unknown>, call: TransportCall): Promise<AsyncIterable<readonly unknown[]>>;
  decoder(): (chunk: unknown) => WireEvent[];
  /** Knows the credentials the transport sends, to remove them from every error. */
  readonly redactor: Redactor;
}

// Of a channel the mode ignores, this much is kept for the completion (`message.content`).
const IGNORED_KEPT = 1024 * 1024;

/** What an attempt saw, filled in as it streams. */
export class AttemptRecord {
  text = "";
  content = "";
  refusal = "";
  toolCallId: string | undefined;
  toolIndex: number | undefined;
  /** Characters of the content channel when the mode ignores it (only the first 1 Mi are kept in `content`). */
  ignoredLength = 0;
  /** Arguments the forced tool's start already held (Anthropic's `input: {}`), used if no delta follows. */
  toolPlaceholder: string | undefined;
  finishReason: string | undefined;
  /** A safety filter stopped the answer (OpenAI's content_filter, Gemini's SAFETY...). */
  isFiltered = false;
  usage: Usage = NO_USAGE;
  responseId: string | undefined;
  model: string | undefined;
  /** Resolves when the attempt's request is over (its tail read, or closed). */
  readonly settled: Promise<void>;
  /** @internal */
  markSettled!: () => void;

  constructor(
    readonly attempt: number,
    readonly toolName: string,
    /** The model the request named, for the completion when the provider names none. */
    readonly requestedModel?: string,
  ) {
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }

  /** The completion, as a Chat Completions response object. */
  completion(): Completion {
    const toolCalls = this.toolCallId !== undefined || this.toolIndex !== undefined ? [{ id: this.toolCallId ?? "call_0", type: "function" as const, function: { name: this.toolName, arguments: this.text } }] : undefined;
    const message = {
      role: "assistant" as const,
      content: this.content === "" ? null : this.content,
      refusal: this.refusal === "" ? null : this.refusal,
      ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }),
    };
    return {
      id: this.responseId ?? "",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: this.model ?? this.requestedModel ?? "",
      choices: [{ index: 0, message, finish_reason: this.finishReason ?? null, logprobs: null }],
      usage: { prompt_tokens: this.usage.inputTokens, completion_tokens: this.usage.outputTokens, total_tokens: this.usage.totalTokens },
    };
  }
}

export interface AttemptOptions {
  readonly transport: ChatTransport;
  readonly body: Record<string, unknown>;
  readonly channel: "tool" | "content";
  readonly record: AttemptRecord;
  readonly hooks: Hooks;
  readonly signal: AbortSignal;
  readonly maxTransportRetries: number;
  /** The deadlines and bounds of the call (its `timeout` is kept by `signal`). */
  readonly http: Required<HttpOptions>;
  /** The last partial value shown, for IncompleteOutputError. */
  readonly partial: () => unknown;
}

/** Exponential backoff with full jitter, at least what the provider asked for. */
export function backoffMs(retry: number, retryAfterMs: number | undefined): number {
  const exponential = Math.min(8000, 250 * 2 ** retry);
  return Math.max(retryAfterMs ?? 0, Math.random() * exponential);
}

/** The error a cancelled call ends with: the deadline's own TimeoutError, or an AbortError. */
export function abortErrorOf(reason: unknown): FormworkError {
  return FormworkError.isInstance(reason) ? reason : new AbortError(reason);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortErrorOf(signal.reason));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, Math.min(ms, MAX_TIMER_MS));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortErrorOf(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The text of the answer, as it arrives. Ends with the provider's own ending as a typed error.
 * Closing it early does not cancel the request (an invalid answer's tail still holds the
 * usage): a caller that cancels aborts `signal`, which closes the request at once.
 */
export async function* answerText(options: AttemptOptions): AsyncGenerator<string> {
  for await (const { text } of attemptEvents(options)) if (text !== "") yield text;
}

/**
 * The wire events of the attempt, a batch at a time, with the answer text the batch carries
 * for the attempt's channel (joined: one delta per network read rather than per token). The
 * record is kept up to date; the ending is the provider's own, as a typed error.
 */
export async function* attemptEvents(options: AttemptOptions): AsyncGenerator<{ readonly events: readonly WireEvent[]; readonly text: string }> {
  const { transport, record, hooks } = options;
  // Our own controller, so that leaving early (break, abort, an error) closes the request.
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });
  let chunks: AsyncIterator<readonly unknown[]> | undefined;
  // The request of the current try: its decoder, idle deadline and byte budget.
  let decode: ((chunk: unknown) => WireEvent[]) | undefined;
  let idle: IdleWatch | undefined;
  let budget: ByteBudget | undefined;
  let isOver = false;
  let removeLink: (() => void) | undefined;
  try {
    for (let retry = 0; ; retry++) {
      hooks.emit("completion:kwargs", { attempt: record.attempt, body: options.body });
      let hasOutput = false;
      // Each request has its own controller (a child of the attempt's): the outer finally, or a
      // cancellation, closes it through the attempt's.
      const request = new AbortController();
      const onCancel = () => request.abort(controller.signal.reason);
      controller.signal.addEventListener("abort", onCancel, { once: true });
      removeLink = () => controller.signal.removeEventListener("abort", onCancel);
      const decodeChunk = (decode = transport.decoder());
      const bytes = (budget = new ByteBudget(options.http.maxLength, transport.provider));
      try {
        const call = { signal: request.signal, budget: bytes };
        const close = (error: unknown) => request.abort(error);
        chunks = (await withDeadline(transport.send(options.body, call), "headersTimeout", options.http.headersTimeout, transport.provider, close))[Symbol.asyncIterator]();
        idle = new IdleWatch(options.http.idleTimeout, transport.provider, close);
        let chunkCount = 0;
        for (let next = await nextOf(chunks, idle); next.done !== true; next = await nextOf(chunks, idle)) {
          if (next.value.length === 0) continue; // bytes that completed no chunk: alive, nothing to read
          const events: WireEvent[] = [];
          let text = "";
          for (const chunk of next.value) {
            chunkCount++;
            for (const event of decodeChunk(chunk)) {
              text += take(event, options.channel, record, bytes) ?? "";
              hasOutput ||= event.type === "content-delta" || event.type === "tool-delta";
              events.push(event);
            }
          }
          yield { events, text };
        }
        idle.stop();
        // A 200 that carried nothing at all is the server's failure, not an answer to ask again for.
        if (chunkCount === 0) throw new ProviderError({ message: `${transport.provider} answered with an empty stream (no events)`, provider: transport.provider, isRetryable: false });
        // Anthropic's forced tool with empty arguments: `input: {}` at the start and no delta.
        const tail = flushPlaceholder(options.channel, record);
        if (tail !== undefined) yield { events: [], text: tail };
        isOver = true;
        break;
      } catch (thrown) {
        idle?.stop();
        if (controller.signal.aborted) throw abortErrorOf(controller.signal.reason);
        // A deadline that fired shows as the transport's own abort error: the deadline is the news.
        const failure = FormworkError.isInstance(request.signal.reason) ? request.signal.reason : thrown;
        // An SDK raises a stream's error event itself: the truncation reported before it is kept too.
        const error = transport.redactor.error(ProviderError.isInstance(failure) ? withFinishReason(failure, record.finishReason) : failure);
        // A request a deadline closed has no tail to read.
        if (request.signal.aborted) chunks = undefined;
        hooks.emit("completion:error", { attempt: record.attempt, error });
        // 429, 5xx, a dropped connection, a stall: asked again while nothing was shown (after
        // output, a new request would show the user a second beginning), and never past the
        // Retry-After cap: a longer wait fails at once with retryAfterMs set.
        if (!hasOutput && ProviderError.isInstance(error) && error.isRetryable && retry < options.maxTransportRetries && (error.retryAfterMs ?? 0) <= options.http.maxRetryAfter) {
          request.abort("retrying");
          removeLink?.();
          chunks = undefined;
          await sleep(backoffMs(retry, error.retryAfterMs), controller.signal);
          continue;
        }
        throw error;
      }
    }
    hooks.emit("completion:response", { attempt: record.attempt, completion: record.completion() });
    if (record.refusal !== "") throw new RefusalError({ refusal: record.refusal, provider: transport.provider, usage: record.usage });
    if (record.finishReason === "length") {
      throw new IncompleteOutputError({ finishReason: "length", partial: options.partial(), text: record.text, usage: record.usage });
    }
    if (record.isFiltered) {
      throw new ContentFilterError({ provider: transport.provider, finishReason: record.finishReason ?? "content_filter", text: record.text, partial: options.partial(), usage: record.usage });
    }
  } finally {
    // Stopped early on an invalid answer (not cancelled): the usage still matters, and it comes
    // after the answer. Read the tail for it, but close at the first further text: a model still
    // writing is not waited for.
    if (!isOver && chunks !== undefined && decode !== undefined && budget !== undefined && !controller.signal.aborted) {
      idle?.stop();
      const tailIdle = new IdleWatch(options.http.idleTimeout, transport.provider, (error) => controller.abort(error));
      const isWhole = await readTail(chunks, tailIdle, decode, record, budget).catch(() => false);
      tailIdle.stop();
      if (isWhole) hooks.emit("completion:response", { attempt: record.attempt, completion: record.completion() });
    }
    options.signal.removeEventListener("abort", onAbort);
    controller.abort("the attempt ended");
    removeLink?.();
    record.markSettled();
  }
}

// True when the stream was read to its end (the completion is whole).
async function readTail(chunks: AsyncIterator<readonly unknown[]>, idle: IdleWatch, decode: (chunk: unknown) => WireEvent[], record: AttemptRecord, budget: ByteBudget): Promise<boolean> {
  for (let next = await nextOf(chunks, idle); next.done !== true; next = await nextOf(chunks, idle)) {
    for (const chunk of next.value) {
      for (const event of decode(chunk)) {
        if (event.type === "content-delta" || event.type === "tool-delta" || event.type === "error") return false;
        take(event, "content", record, budget);
      }
    }
  }
  return true;
}

// The next batch, or the idle deadline's TimeoutError if the stream went silent first.
function nextOf(chunks: AsyncIterator<readonly unknown[]>, idle: IdleWatch): Promise<IteratorResult<readonly unknown[]>> {
  return idle.wait(chunks.next());
}

// The forced tool's placeholder arguments, when the stream ended without a delta for it.
function flushPlaceholder(channel: "tool" | "content", record: AttemptRecord): string | undefined {
  if (channel !== "tool" || record.text !== "" || record.toolPlaceholder === undefined) return undefined;
  record.text = record.toolPlaceholder;
  return record.toolPlaceholder;
}

// The error event, with a truncation the provider reported before it kept on it (OpenRouter
// sends `finish_reason: "length"` and then an error chunk).
function withFinishReason(error: ProviderError, finishReason: string | undefined): ProviderError {
  if (finishReason === undefined || error.finishReason !== undefined) return error;
  const { provider, status, body, isRetryable, retryAfterMs, cause } = error;
  return new ProviderError({ message: `${error.message} (after the provider reported finish reason "${finishReason}")`, provider, status, body, isRetryable, retryAfterMs, finishReason, cause });
}

// Applies one event to the record; returns the answer text it carries, if any. What the record
// holds counts toward the stream's byte budget: the answer, and text of a channel the mode
// ignores (a flood of content deltas in tools mode must end in a LimitError, not a crash).
function take(event: WireEvent, channel: "tool" | "content", record: AttemptRecord, budget: ByteBudget): string | undefined {
  switch (event.type) {
    case "content-delta":
      if (channel !== "content") {
        // Kept for the completion up to a point; counted whole, so that a flood ends in a
        // LimitError at maxLength while memory stays flat.
        record.ignoredLength += event.text.length;
        if (record.content.length < IGNORED_KEPT) record.content += event.text.slice(0, IGNORED_KEPT - record.content.length);
        budget.hold("text of the content channel, which this mode ignores", record.ignoredLength);
        return undefined;
      }
      record.content += event.text;
      record.text += event.text;
      budget.hold("the answer", record.text.length);
      return event.text;
    case "tool-call-start":
      // The forced tool is the first call with its name (or the first call at all).
      if (record.toolIndex === undefined && (event.name === record.toolName || event.name === "")) {
        record.toolIndex = event.index;
        record.toolCallId = event.id;
        record.toolPlaceholder = event.arguments;
      }
      return undefined;
    case "tool-delta":
      if (channel !== "tool" || event.index !== (record.toolIndex ?? 0)) return undefined;
      record.toolIndex ??= event.index;
      record.text += event.text;
      budget.hold("the answer", record.text.length);
      return event.text;
    case "tool-call-done":
      // The whole arguments as the call ended: the answer only when no delta brought it (LM
      // Studio's Responses API sends no argument deltas at all).
      if (channel !== "tool" || record.text !== "" || event.index !== (record.toolIndex ?? event.index)) return undefined;
      record.toolIndex ??= event.index;
      record.text = event.text;
      budget.hold("the answer", record.text.length);
      return event.text;
    case "refusal-delta":
      record.refusal += event.text;
      budget.hold("the refusal", record.refusal.length);
      return undefined;
    case "usage":
      record.usage = event.usage;
      return undefined;
    case "usage-part": {
      const inputTokens = event.inputTokens ?? record.usage.inputTokens;
      const outputTokens = event.outputTokens ?? record.usage.outputTokens;
      record.usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
      return undefined;
    }
    case "finish":
      record.finishReason = event.reason;
      record.isFiltered ||= event.isFiltered === true || event.reason === "content_filter";
      return flushPlaceholder(channel, record);
    case "response-id":
      record.responseId ??= event.id;
      record.model ??= event.model;
      return undefined;
    case "error":
      throw withFinishReason(event.error, record.finishReason);
    default: {
      const unknownEvent: never = event;
      throw new TypeError(`formwork: unknown wire event ${JSON.stringify(unknownEvent)}`);
    }
  }
}
