// One attempt of a structured call: send the request (again, with backoff, while the provider
// fails before any output), decode the stream, give the answer's text to the stream layer, and
// end the way the provider said it ended.
import { AbortError } from "../errors/abort-error.js";
import { ContentFilterError } from "../errors/content-filter-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { RefusalError } from "../errors/refusal-error.js";
import { TimeoutError } from "../errors/timeout-error.js";
import { FormworkError } from "../errors/formwork-error.js";
import { ByteBudget } from "../http/byte-budget.js";
import { IdleWatch, withDeadline, type HttpOptions } from "../http/deadlines.js";
import { MAX_TIMER_MS } from "../http/retry-after.js";
import type { Redactor } from "../http/redactor.js";
import { NO_USAGE, type Usage, type WireEvent } from "../providers/wire-event.js";
import { GIVES_STRINGS, TEXT_SO_FAR } from "../stream/text-source.js";
import { TextLog } from "../stream/text-log.js";
import { isPullable, PULL, type Pullable } from "../stream/pull.js";
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
  // The answer's text, kept at about its own size (a rope of a node per token was 12 times it).
  private answer = new TextLog();
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

  /** The answer's text so far. */
  get text(): string {
    return this.answer.text;
  }

  set text(text: string) {
    this.answer = new TextLog();
    this.answer.append(text);
  }

  /** The answer's length so far (nothing joined). */
  get textLength(): number {
    return this.answer.length;
  }

  /** @internal More of the answer. */
  appendText(piece: string): void {
    this.answer.append(piece);
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
  /** The call's signal: aborting it cancels the attempt. */
  readonly signal: AbortSignal;
  /**
   * The attempt's own controller, when the caller wants to cancel this attempt alone (a retry's
   * caller cancels the attempt, not the call): aborting it closes the request at once. Made
   * here when not given. One controller rather than AbortSignal.any over two: a call's signals
   * are a measurable part of what a short call costs.
   */
  readonly controller?: AbortController;
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

/** What one network read brought: the wire events, and the answer text they carry. */
export interface AttemptBatch {
  readonly events: readonly WireEvent[];
  readonly text: string;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The text of the answer, as it arrives. Ends with the provider's own ending as a typed error.
 * Closing it early does not cancel the request (an invalid answer's tail still holds the
 * usage): a caller that cancels aborts `signal`, which closes the request at once.
 */
export function answerText(options: AttemptOptions): AsyncIterableIterator<string, undefined> {
  return new AttemptReader<string>(options, false);
}

/**
 * The wire events of the attempt, a batch at a time, with the answer text the batch carries
 * for the attempt's channel (joined: one delta per network read rather than per token). The
 * record is kept up to date; the ending is the provider's own, as a typed error.
 */
export function attemptEvents(options: AttemptOptions): AsyncIterableIterator<AttemptBatch, undefined> {
  return new AttemptReader<AttemptBatch>(options, true);
}

/**
 * An attempt, read by hand rather than by an async generator: under load a stream's cost is
 * what each network read costs, and a read here is the transport's promise, one `then` and the
 * reader's own promise. Sending, retrying and ending are the rare steps and may take their
 * time; the read in between is synchronous work. It behaves as the generator it replaces: one
 * read at a time (a second `next()` waits for the first), `return()` waits for a pending read
 * and then ends the attempt (reading the tail of an unfinished answer for its usage, unless the
 * call was cancelled), and the record is settled on every way out.
 */
class AttemptReader<R> implements AsyncIterableIterator<R, undefined>, Pullable<IteratorResult<R, undefined>> {
  // Our own controller, so that leaving early (return, abort, an error) closes the request.
  private readonly controller: AbortController;
  private readonly onAbort = () => this.controller.abort(this.options.signal.reason);
  private retry = 0;
  // The request of the current try: its controller, decoder, idle deadline, byte budget, chunks.
  private request: AbortController | undefined;
  private removeLink: (() => void) | undefined;
  private decode: ((chunk: unknown) => WireEvent[]) | undefined;
  private idle: IdleWatch | undefined;
  private budget: ByteBudget | undefined;
  private chunks: AsyncIterator<readonly unknown[]> | undefined;
  // The current request's read handlers (made once a request): a read settling late, after an
  // idle deadline or a retry moved on, finds another `chunks` and is ignored.
  private onRead: (next: IteratorResult<readonly unknown[]>) => void = () => undefined;
  private onReadError: (error: unknown) => void = () => undefined;
  private isReading = false;
  private hasOutput = false;
  private chunkCount = 0;
  // The forced tool's placeholder was handed on: the next read completes the attempt.
  private isTailShown = false;
  // The stream was read to its end (nothing left to read for the usage).
  private isOver = false;
  private closing: Promise<void> | undefined;
  // The pending next(): its promise and settlers.
  private current: Promise<IteratorResult<R, undefined>> | undefined;
  private resolveRead: ((result: IteratorResult<R, undefined>) => void) | undefined;
  private rejectRead: ((error: unknown) => void) | undefined;

  constructor(
    private readonly options: AttemptOptions,
    /** Hands on every batch with its events; else only the text, skipping reads without any. */
    private readonly keepsEvents: boolean,
  ) {
    this.controller = options.controller ?? new AbortController();
    if (options.signal.aborted) this.onAbort();
    else options.signal.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Text only (no events) is strings only: the stream layer reads it as it is. */
  get [GIVES_STRINGS](): boolean {
    return !this.keepsEvents;
  }

  /** The answer's text handed on so far: the record holds it, so the stream keeps no copy. */
  [TEXT_SO_FAR](): string {
    return this.options.record.text;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R, undefined>> {
    if (this.closing !== undefined) return this.closing.then(() => DONE);
    // One read at a time, as a generator queues them.
    if (this.current !== undefined) return this.current.then(() => this.next(), () => this.next());
    const read = new Promise<IteratorResult<R, undefined>>((resolve, reject) => {
      this.resolveRead = resolve;
      this.rejectRead = reject;
    });
    this.current = read;
    this.readOn();
    return read;
  }

  /** The next result by callbacks (see Pullable): the stream layer reads the answer this way. */
  [PULL](onResult: (result: IteratorResult<R, undefined>) => void, onError: (error: unknown) => void): void {
    if (this.closing !== undefined) {
      this.closing.then(() => onResult(DONE), onError);
      return;
    }
    if (this.resolveRead !== undefined) throw new TypeError("formwork: an attempt is read one result at a time");
    this.resolveRead = onResult;
    this.rejectRead = onError;
    this.readOn();
  }

  // The read asked for: the attempt's completion after a tail shown, else the next batch.
  private readOn(): void {
    if (this.isTailShown) this.complete();
    else this.pull();
  }

  return(): Promise<IteratorResult<R, undefined>> {
    const pending = this.current ?? (this.resolveRead === undefined ? Promise.resolve(DONE) : this.pendingPull());
    return pending.then(
      () => (this.closing ?? this.finish(undefined)).then(() => DONE),
      () => (this.closing ?? this.finish(undefined)).then(() => DONE),
    );
  }

  // A pull's read as a promise, for return() to wait for: its callbacks are wrapped to tell.
  private pendingPull(): Promise<unknown> {
    const onResult = this.resolveRead as (result: IteratorResult<R, undefined>) => void;
    const onError = this.rejectRead as (error: unknown) => void;
    return new Promise<void>((settled) => {
      this.resolveRead = (result) => {
        onResult(result);
        settled();
      };
      this.rejectRead = (error) => {
        onError(error);
        settled();
      };
    });
  }

  // Reads on: opens a request first when there is none (the first, or a retry's).
  private readonly pull = (): void => {
    const chunks = this.chunks;
    if (chunks === undefined) {
      let sent: Promise<void>;
      try {
        sent = this.send();
      } catch (error) {
        void this.finish(error);
        return;
      }
      sent.then(this.pull, this.onFailure);
      return;
    }
    this.isReading = true;
    this.idle?.begin();
    const onReadError = this.onReadError;
    try {
      if (isPullable<IteratorResult<readonly unknown[]>>(chunks)) chunks[PULL](this.onRead, onReadError);
      else chunks.next().then(this.onRead, onReadError);
    } catch (error) {
      // An iterator that throws rather than rejects: the same failure.
      onReadError(error);
    }
  };

  // Opens one request: the hooks hear of it, and its headers come within headersTimeout.
  private send(): Promise<void> {
    const { transport, hooks, record } = this.options;
    const controller = this.controller;
    // Cancelled before anything was sent (an aborted signal, or one aborted at once): nothing is.
    if (controller.signal.aborted) throw abortErrorOf(controller.signal.reason);
    hooks.emit("completion:kwargs", { attempt: record.attempt, body: this.options.body });
    this.hasOutput = false;
    this.chunkCount = 0;
    // Each request has its own controller (a child of the attempt's): ending the attempt, or a
    // cancellation, closes it through the attempt's.
    const request = (this.request = new AbortController());
    const onCancel = () => request.abort(controller.signal.reason);
    controller.signal.addEventListener("abort", onCancel, { once: true });
    this.removeLink = () => controller.signal.removeEventListener("abort", onCancel);
    this.decode = transport.decoder();
    const budget = (this.budget = new ByteBudget(this.options.http.maxLength, transport.provider));
    const close = (error: unknown) => request.abort(error);
    let sending: Promise<AsyncIterable<readonly unknown[]>>;
    try {
      sending = transport.send(this.options.body, { signal: request.signal, budget });
    } catch (error) {
      // A transport that throws rather than rejects fails the request the same way.
      sending = Promise.reject(error);
    }
    return withDeadline(sending, "headersTimeout", this.options.http.headersTimeout, transport.provider, close).then((iterable) => {
      const chunks = iterable[Symbol.asyncIterator]();
      this.chunks = chunks;
      this.idle = new IdleWatch(this.options.http.idleTimeout, transport.provider, (error) => {
        close(error);
        if (this.chunks === chunks && this.isReading) this.onFailure(error);
      });
      this.onRead = (next) => {
        if (this.chunks === chunks && this.isReading) this.take(next);
      };
      this.onReadError = (error) => {
        if (this.chunks === chunks && this.isReading) this.onFailure(error);
      };
    });
  }

  // One read's batch: decoded, applied to the record, and handed on (or read on past a batch
  // that carries nothing for this reader).
  private take(next: IteratorResult<readonly unknown[]>): void {
    this.isReading = false;
    this.idle?.end();
    try {
      // An end that follows the request's closing is the closing's, not the server's: the
      // official SDKs' streams end quietly when their signal aborts, and a deadline or a
      // cancellation must not read as an answer cut short.
      if (next.done === true) return this.request?.signal.aborted === true ? this.onFailure(this.request.signal.reason) : this.endOfStream();
      if (next.value.length === 0) return this.pull(); // bytes that completed no chunk: alive, nothing to read
      const { channel, record } = this.options;
      const decode = this.decode as (chunk: unknown) => WireEvent[];
      const budget = this.budget as ByteBudget;
      const events: WireEvent[] | undefined = this.keepsEvents ? [] : undefined;
      let text = "";
      for (const chunk of next.value) {
        this.chunkCount++;
        for (const event of decode(chunk)) {
          text += take(event, channel, record, budget) ?? "";
          if (!this.hasOutput) this.hasOutput = event.type === "content-delta" || event.type === "tool-delta";
          events?.push(event);
        }
      }
      if (events !== undefined) return this.deliver({ events, text } as R);
      if (text === "") return this.pull();
      this.deliver(text as R);
    } catch (error) {
      this.onFailure(error);
    }
  }

  private deliver(value: R): void {
    const resolve = this.resolveRead;
    this.current = this.resolveRead = this.rejectRead = undefined;
    resolve?.({ done: false, value });
  }

  // The body ended: an empty 200 is the server's failure; Anthropic's forced tool with empty
  // arguments (`input: {}` at the start and no delta) is handed on before the attempt completes.
  private endOfStream(): void {
    this.idle?.stop();
    const provider = this.options.transport.provider;
    // A 200 that carried nothing at all is the server's failure, not an answer to ask again for.
    if (this.chunkCount === 0) throw new ProviderError({ message: `${provider} answered with an empty stream (no events)`, provider, isRetryable: false });
    const tail = flushPlaceholder(this.options.channel, this.options.record);
    if (tail === undefined) return this.complete();
    this.isTailShown = true;
    this.deliver((this.keepsEvents ? { events: [], text: tail } : tail) as R);
  }

  // The stream was read whole: the response is reported, and the provider's own ending (a
  // refusal, a cut, a filter) is the attempt's error.
  private complete(): void {
    this.isTailShown = false;
    this.isOver = true;
    const { transport, record, hooks } = this.options;
    try {
      hooks.emit("completion:response", { attempt: record.attempt, completion: record.completion() });
      if (record.refusal !== "") throw new RefusalError({ refusal: record.refusal, provider: transport.provider, usage: record.usage });
      if (record.finishReason === "length") throw new IncompleteOutputError({ finishReason: "length", partial: this.options.partial(), text: record.text, usage: record.usage });
      if (record.isFiltered) throw new ContentFilterError({ provider: transport.provider, finishReason: record.finishReason ?? "content_filter", text: record.text, partial: this.options.partial(), usage: record.usage });
    } catch (error) {
      void this.finish(error);
      return;
    }
    void this.finish(undefined);
  }

  // A request failed (before or while reading): asked again when that may help, else the end.
  private readonly onFailure = (thrown: unknown): void => {
    this.isReading = false;
    this.idle?.stop();
    const { transport, hooks, record } = this.options;
    const controller = this.controller;
    try {
      if (controller.signal.aborted) throw abortErrorOf(controller.signal.reason);
      const request = this.request as AbortController;
      // A deadline that fired shows as the transport's own abort error: the deadline is the news.
      const failure = FormworkError.isInstance(request.signal.reason) ? request.signal.reason : thrown;
      // The provider said the answer is finished, then went silent without its end marker
      // (`[DONE]`, `message_stop`) and held the connection open: the answer is whole, so it is
      // used, not thrown away with a timeout; only what a tail would have added (usage) is lost.
      if (TimeoutError.isInstance(failure) && failure.deadline === "idleTimeout" && record.finishReason !== undefined && this.chunks !== undefined) {
        this.chunks = undefined;
        return this.endOfStream();
      }
      // An SDK raises a stream's error event itself: the truncation reported before it is kept too.
      const error = transport.redactor.error(ProviderError.isInstance(failure) ? withFinishReason(failure, record.finishReason) : failure);
      // A request a deadline closed has no tail to read.
      if (request.signal.aborted) this.chunks = undefined;
      hooks.emit("completion:error", { attempt: record.attempt, error });
      // 429, 5xx, a dropped connection, a stall: asked again while nothing was shown (after
      // output, a new request would show the user a second beginning), and never past the
      // Retry-After cap: a longer wait fails at once with retryAfterMs set.
      if (!this.hasOutput && ProviderError.isInstance(error) && error.isRetryable && this.retry < this.options.maxTransportRetries && (error.retryAfterMs ?? 0) <= this.options.http.maxRetryAfter) {
        request.abort("retrying");
        this.removeLink?.();
        this.chunks = undefined;
        const wait = backoffMs(this.retry++, error.retryAfterMs);
        sleep(wait, controller.signal).then(this.pull, (abort: unknown) => void this.finish(abort));
        return;
      }
      throw error;
    } catch (error) {
      void this.finish(error);
    }
  };

  // The attempt ends (once), with `error` or cleanly. Stopped early on an invalid answer (not
  // cancelled): the usage still matters, and it comes after the answer, so the tail is read for
  // it, closing at the first further text (a model still writing is not waited for). A request
  // that failed (an error event, a dropped or stalled body, a limit) has no tail worth waiting
  // for: a server that keeps the connection open after an error event, with keep-alive
  // comments, would hold the error back until the call's whole deadline. Then the request is
  // closed, the record settled, and the pending read told.
  private finish(error: unknown): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const { transport, record, hooks } = this.options;
    const controller = this.controller;
    const closing = (async () => {
      let outcome = error;
      try {
        const { chunks, decode, budget } = this;
        if (error === undefined && !this.isOver && chunks !== undefined && decode !== undefined && budget !== undefined && !controller.signal.aborted) {
          this.idle?.stop();
          const tailIdle = new IdleWatch(this.options.http.idleTimeout, transport.provider, (idleError) => controller.abort(idleError));
          const isWhole = await readTail(chunks, tailIdle, decode, record, budget).catch(() => false);
          tailIdle.stop();
          if (isWhole) hooks.emit("completion:response", { attempt: record.attempt, completion: record.completion() });
        }
      } catch (hookError) {
        outcome = hookError;
      } finally {
        this.options.signal.removeEventListener("abort", this.onAbort);
        // A stream read to its end has nothing left open (its body closed itself, and a stream
        // that went silent after its finish had its request closed by the idle deadline): only
        // the listeners go. Aborting the two signals anyway runs every listener on them, a
        // measurable part of what a short call costs.
        if (!this.isOver) {
          controller.abort("the attempt ended");
          // The request is closed on every other way out, also when the attempt's controller
          // was aborted before the request was linked to it.
          this.request?.abort("the attempt ended");
        }
        this.idle?.stop();
        this.removeLink?.();
        record.markSettled();
      }
      const resolve = this.resolveRead;
      const reject = this.rejectRead;
      this.current = this.resolveRead = this.rejectRead = undefined;
      if (outcome === undefined) resolve?.(DONE);
      else if (reject !== undefined) reject(outcome);
    })();
    this.closing = closing;
    return closing;
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
  if (channel !== "tool" || record.textLength !== 0 || record.toolPlaceholder === undefined) return undefined;
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
      record.appendText(event.text);
      budget.hold("the answer", record.textLength);
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
      record.appendText(event.text);
      budget.hold("the answer", record.textLength);
      return event.text;
    case "tool-call-done":
      // The whole arguments as the call ended: the answer only when no delta brought it (LM
      // Studio's Responses API sends no argument deltas at all).
      if (channel !== "tool" || record.textLength !== 0 || event.index !== (record.toolIndex ?? event.index)) return undefined;
      record.toolIndex ??= event.index;
      record.text = event.text;
      budget.hold("the answer", record.textLength);
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
