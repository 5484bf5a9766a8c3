// A structured call's partial stream across attempts. Each attempt is a PartialStream of the
// stream layer over that attempt's text; when an answer fails validation or is not JSON, the
// errors are fed back and a new attempt starts, announced in updates() so that a UI can clear
// what it showed. Usage is summed over attempts.
import { AbortError } from "../errors/abort-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { NoItemsError } from "../errors/no-items-error.js";
import { RetryError } from "../errors/retry-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { formatJsonPath, type JsonPath } from "../json/json-path.js";
import { JsonParseError } from "../json/json-parse-error.js";
import { addUsage, NO_USAGE, type Usage } from "../providers/wire-event.js";
import type { PartialStream, UpdateDetail } from "../stream/partial-stream.js";
import { PolledReaders, type Poll } from "../stream/polled-readers.js";
import type { PartialUpdate } from "../stream/partial-parser.js";
import type { AttemptRecord } from "./attempt.js";
import type { CallTrace } from "../telemetry/call-trace.js";
import type { CacheHit, CallCache } from "./call-cache.js";
import type { Completion } from "./completion.js";
import type { Hooks } from "./hooks.js";
import { ValidatorError } from "../errors/validator-error.js";
import type { CallValidators } from "../validate/validators.js";

/** What one attempt is: its partial stream and the record the transport fills. */
export interface StartedAttempt<T, Partial> {
  readonly stream: PartialStream<T, Partial>;
  readonly record: AttemptRecord;
  /** Cancels the attempt's request at once. */
  cancel(reason: unknown): void;
}

/**
 * The outcome of a whole call. `completion` is the last attempt's, typed per entry point: the
 * SDK's own `ChatCompletion` for fromOpenAI, formwork's {@link Completion} elsewhere.
 */
export interface CallResult<T, C = Completion> {
  readonly data: T;
  readonly completion: C;
  readonly usage: Usage;
  /** Requests made: 0 when the cache answered. */
  readonly attempts: number;
  /** True when the response cache answered and no request was sent (usage is then zero). */
  readonly cached: boolean;
}

/** True for an answer that a new attempt may fix: it did not validate or was not JSON. */
export function isAnswerError(error: unknown): boolean {
  return (
    ValidationError.isInstance(error) ||
    JsonParseError.isInstance(error) ||
    // The text ended although the provider did not stop it (no finish reason of its own).
    (IncompleteOutputError.isInstance(error) && error.finishReason === undefined)
  );
}

/** The errors of an answer, as the model is told them. */
export function describeAnswerError(error: unknown): string {
  // NoItemsError's message speaks to the developer; the model is told what to do.
  if (NoItemsError.isInstance(error)) return "- The answer held no list of items: answer with the items, as the schema asks";
  if (ValidationError.isInstance(error)) return error.issues.map((issue) => `- ${formatJsonPath(issue.path)}: ${issue.message}`).join("\n");
  if (error instanceof Error) return `- ${error.message}`;
  return `- ${String(error)}`;
}

/**
 * Partial values of a structured call, across attempts. Iterate it for partial values, or call
 * updates() for records with progress; a record with `value` undefined and a new `attempt`
 * number says a retry began. `final` is the validated value; `result` adds the completion,
 * the total usage and the number of attempts.
 *
 * The attempts run on their own once anything asks for the stream (as the stream layer's pump
 * does): a consumer takes the latest update when it is ready, so a slow one gets coalesced
 * updates, and `final` settles whether or not anyone is still reading.
 */
export class StructuredStream<T, Partial, C = Completion> implements AsyncIterable<Partial> {
  private hasStarted = false;
  private isRead = false;
  private pending: PartialUpdate<Partial> | undefined;
  private readerKind: UpdateDetail = "none";
  private carried: JsonPath[] | undefined;
  private isFinished = false;
  private failure: unknown = undefined;
  private hasReportedFailure = false;
  private readonly readers = new PolledReaders();
  private current: StartedAttempt<T, Partial> | undefined;
  private isAborted = false;
  private abortReason: unknown;
  private readonly resultPromise: Promise<CallResult<T, C>>;
  private finalPromise: Promise<T> | undefined;
  private settle!: { resolve: (result: CallResult<T, C>) => void; reject: (error: unknown) => void };

  constructor(
    private readonly startAttempt: (attempt: number, feedback: readonly Record<string, unknown>[]) => StartedAttempt<T, Partial>,
    private readonly options: {
      readonly maxRetries: number;
      readonly hooks: Hooks;
      /** The call's validators: path ones as parts close, the rest after the schema. */
      readonly validators?: CallValidators;
      readonly feedback: (record: AttemptRecord, error: unknown) => Record<string, unknown>[];
      /** The response cache of this call: looked up before the first attempt. */
      readonly cache?: CallCache<PartialStream<T, Partial>>;
      /** The call's OpenTelemetry spans. */
      readonly trace?: CallTrace;
      /** Told as the call starts (see CallSignal.start). */
      readonly onStart?: () => void;
      /** Told once, as the call settles (see CallSignal.end). */
      readonly onEnd?: () => void;
    },
  ) {
    this.resultPromise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.resultPromise.catch(() => undefined); // never an unhandled rejection if nobody awaits it
  }

  /** The validated value. Reading it starts the call if nothing iterates it. */
  get final(): Promise<T> {
    // One promise, however often it is read: a promise made per read, rejected with the call's
    // error, was an unhandled rejection (a crash, by Node's default) for every read nobody awaited.
    if (this.finalPromise === undefined) {
      this.finalPromise = this.result.then((result) => result.data);
      this.finalPromise.catch(() => undefined);
    }
    return this.finalPromise;
  }

  /** The validated value with the completion, the total usage and the attempts made. */
  get result(): Promise<CallResult<T, C>> {
    this.start();
    return this.resultPromise;
  }

  /** Cancels the call: the request is closed and the stream ends with AbortError. */
  abort(reason?: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.current?.cancel(reason);
    this.current?.stream.abort(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<Partial> {
    this.claimReader("values");
    let last: Partial | undefined;
    // A record that only announces a new attempt, or only that a field closed, shows nothing new.
    return this.reader((): IteratorResult<Partial, undefined> | undefined => {
      const update = this.takePending();
      if (update !== undefined) {
        if (update.value !== undefined && update.value !== last) return { done: false, value: (last = update.value) };
      }
      return this.ending();
    });
  }

  /** The call as update records, attempt by attempt. One reader at a time. */
  updates(): AsyncIterator<PartialUpdate<Partial>> & AsyncIterable<PartialUpdate<Partial>> {
    this.claimReader("records");
    return this.reader((): IteratorResult<PartialUpdate<Partial>, undefined> | undefined => {
      const update = this.takePending();
      if (update !== undefined) {
        return { done: false, value: update };
      }
      return this.ending();
    });
  }

  private claimReader(kind: UpdateDetail): void {
    if (this.isRead) throw new TypeError("formwork: this stream is already being read (read it through one iterator)");
    this.isRead = true;
    this.readerKind = kind;
  }

  // What the reader needs of each attempt's updates (asked at every change: a reader may come
  // after the call started, with `final` or `result`): a reader of values needs no records, and
  // without any reader no partial value is worked out while the text streams.
  private readonly detail = (): UpdateDetail => this.readerKind;

  // The end of the reading when the call is over (its failure thrown once), else undefined.
  private ending(): IteratorReturnResult<undefined> | undefined {
    if (this.failure !== undefined) {
      if (this.hasReportedFailure) return { done: true, value: undefined };
      this.hasReportedFailure = true;
      throw this.failure;
    }
    return this.isFinished ? { done: true, value: undefined } : undefined;
  }

  // An iterator over `poll`, polled at once and then at every push (see PolledReaders).
  private reader<R>(poll: Poll<R>): AsyncIterator<R> & AsyncIterable<R> {
    const iterator = {
      next: (): Promise<IteratorResult<R, undefined>> => {
        this.start();
        return this.readers.read(poll);
      },
      return: async (): Promise<IteratorResult<R, undefined>> => {
        if (!this.isFinished && this.failure === undefined) this.abort("the consumer stopped reading");
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private start(): void {
    if (this.hasStarted) return;
    this.hasStarted = true;
    this.options.onStart?.();
    void this.run();
  }

  private readonly pushUpdate = (update: PartialUpdate<Partial>): void => this.push(update);

  // Keeps the latest update for the reader; what closed in the updates it skipped is carried
  // over (gathered in one list, so that a reader that never comes costs linear time).
  private push(update: PartialUpdate<Partial>): void {
    const skipped = this.pending;
    if (skipped !== undefined && skipped.completed.length > 0) (this.carried ??= []).push(...skipped.completed);
    this.pending = update;
    this.wake();
  }

  // The latest update, with the paths the skipped ones completed.
  private takePending(): PartialUpdate<Partial> | undefined {
    const update = this.pending;
    if (update === undefined) return undefined;
    this.pending = undefined;
    const carried = this.carried;
    if (carried === undefined) return update;
    this.carried = undefined;
    return { ...update, completed: [...carried, ...update.completed] };
  }

  private wake(): void {
    this.readers.wake();
  }

  private end(error?: unknown): void {
    this.options.onEnd?.();
    if (error === undefined) this.isFinished = true;
    else {
      this.options.trace?.finish({ error });
      this.failure = error;
      this.settle.reject(error);
    }
    this.wake();
  }

  // A cache hit: the stored answer's updates (it is already read, so a reader gets the whole
  // value at once), and a result that says no request was made.
  private async replay(hit: CacheHit<PartialStream<T, Partial>>): Promise<void> {
    const stream = hit.opened;
    try {
      for await (const update of stream.updates()) this.push({ ...update, attempt: 1 });
      const data = await stream.final;
      const result = { data, completion: hit.completion as C, usage: NO_USAGE, attempts: 0, cached: true };
      this.options.trace?.cacheHit();
      this.options.trace?.finish({ result });
      this.settle.resolve(result);
      this.end();
    } catch (error) {
      this.end(error);
    }
  }

  private async run(): Promise<void> {
    await this.options.trace?.begin();
    const cache = this.options.cache;
    if (cache !== undefined) {
      let hit: CacheHit<PartialStream<T, Partial>> | undefined;
      try {
        hit = await cache.lookup();
        if (this.isAborted) throw new AbortError(this.abortReason);
      } catch (error) {
        return this.end(error);
      }
      if (hit !== undefined) return this.replay(hit);
    }
    const errors: unknown[] = [];
    const feedback: Record<string, unknown>[] = [];
    let usage = NO_USAGE;
    for (let attempt = 1; ; attempt++) {
      let started: StartedAttempt<T, Partial>;
      try {
        this.options.hooks.emit("attempt:start", { attempt, error: errors.at(-1) });
        if (attempt > 1) this.push(newAttempt<Partial>(attempt));
        if (this.isAborted) throw new AbortError(this.abortReason);
        started = this.startAttempt(attempt, feedback);
      } catch (error) {
        return this.end(error);
      }
      this.current = started;
      if (this.isAborted) {
        started.cancel(this.abortReason);
        started.stream.abort(this.abortReason);
      }
      try {
        const validators = this.options.validators;
        // The stream layer numbers its records 1: only a retry's need renumbering (a copy each).
        if (validators?.hasPathValidators === true) {
          // Validators on paths run as each field closes, before the stream reads on.
          for await (const update of started.stream.updates()) {
            this.push(attempt === 1 ? update : { ...update, attempt });
            if (update.completed.length > 0) await validators.closed(update.value, update.completed, attempt, started.record.text);
          }
        } else {
          // Synchronously, as they come: one promise per attempt, not a hop per network read.
          await started.stream.forEachUpdate(attempt === 1 ? this.pushUpdate : (update) => this.push({ ...update, attempt }), this.detail);
        }
        const answered: T = await started.stream.final;
        const data = validators === undefined || validators.isEmpty ? answered : ((await validators.judge(answered, attempt, started.record.text, false)) as T);
        usage = addUsage(usage, started.record.usage);
        try {
          // A strict cache that cannot be written ends the call (CacheError); any other reports it.
          // An answer a validator replaced (a fix) is not the model's text: it is not stored.
          if (data === answered) await cache?.store(started.record);
        } catch (error) {
          return this.end(error);
        }
        const result = { data, completion: started.record.completion() as C, usage, attempts: attempt, cached: false };
        this.options.trace?.finish({ result });
        this.settle.resolve(result);
        return this.end();
      } catch (thrown) {
        // A validator's own failure is not the answer's: the call ends with it, as it is.
        if (ValidatorError.isInstance(thrown)) {
          started.cancel(thrown);
          return this.end(thrown);
        }
        await started.record.settled; // the usage of a failed answer arrives after it
        const error = withoutJson(thrown, started.record);
        usage = addUsage(usage, started.record.usage);
        errors.push(error);
        const canRetry = isAnswerError(error) && attempt <= this.options.maxRetries && !this.isAborted;
        try {
          if (isAnswerError(error)) this.options.hooks.emit("parse:error", { attempt, error });
          if (!canRetry) this.options.hooks.emit("completion:last_attempt", { attempt, error });
        } catch (hookError) {
          return this.end(hookError);
        }
        if (!canRetry) return this.end(errors.length > 1 ? new RetryError({ errors, usage }) : withUsage(error, usage));
        feedback.push(...this.options.feedback(started.record, error));
      }
    }
  }
}

function newAttempt<Partial>(attempt: number): PartialUpdate<Partial> {
  return { value: undefined, progress: { done: 0, total: 0, ratio: 0 }, completed: [], active: undefined, attempt, state: () => "pending" };
}

// An IncompleteOutputError made by the stream layer does not know the usage: the call does.
export function withUsage(error: unknown, usage: Usage): unknown {
  if (IncompleteOutputError.isInstance(error) && error.usage === undefined) {
    return new IncompleteOutputError({ message: error.message, partial: error.partial, text: error.text, usage, cause: error.cause, ...(error.finishReason === undefined ? {} : { finishReason: error.finishReason }) });
  }
  return error;
}

// A prose answer with no JSON at all, from a provider that finished normally: say so and quote
// the start of the text, rather than the parser's "expected a JSON value after the prose". In a
// tools mode, a model that wrote message text and called no tool is told apart: its text is on
// the channel the mode ignores, and quoting the empty arguments would say nothing.
function withoutJson(error: unknown, record: AttemptRecord): unknown {
  if (!IncompleteOutputError.isInstance(error) || error.finishReason !== undefined || record.finishReason === undefined) return error;
  if (/[[{]/.test(record.text)) return error;
  const text = record.text.trim();
  const content = record.content.trim();
  const quote = (value: string) => JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  const failure = new JsonParseError({
    code: "unexpected-end",
    message:
      text === "" && content !== ""
        ? `The model wrote message text instead of calling the tool (it finished normally, finish reason "${record.finishReason}"): ${quote(content)}. A tools mode reads the tool call's arguments; to read JSON from the message text, use mode "json" or "md_json"`
        : `The model answered without JSON (it finished normally, finish reason "${record.finishReason}"): ${quote(text)}`,
    offset: record.text.length,
    line: record.text.split("\n").length,
    column: record.text.length - record.text.lastIndexOf("\n"),
    path: [],
    found: "the end of the answer",
    expected: "a JSON value ('{' or '[')",
  });
  failure.text = record.text;
  return failure;
}
