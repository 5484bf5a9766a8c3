import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ValidationError } from "../errors/validation-error.js";
import type { JsonPath } from "../json/json-path.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import { fieldState, type FieldState } from "../stream/field-state.js";
import type { DecodedFrame } from "../transport/patch-decoder.js";
import { asStreamError, PatchBodyReader, type PatchInput, type ReadOptions } from "./read-patch-body.js";

/** Options of {@link readPartial}. */
export interface ReadPartialOptions<T> extends ReadOptions {
  /**
   * Types the result; if it is a Standard Schema (Zod, valibot, ArkType...), `final` is checked
   * by it again in the browser. Nothing else needs a schema: the server applied it.
   */
  readonly schema?: StandardSchemaV1<unknown, T> | undefined;
}

/** One update, as the server's `updates()` gives it. */
export interface RemoteUpdate<Partial> {
  readonly value: Partial | undefined;
  readonly progress: { readonly done: number; readonly total: number; readonly ratio: number };
  readonly completed: readonly JsonPath[];
  readonly active: JsonPath | undefined;
  readonly attempt: number;
  state(path: JsonPath): FieldState;
}

/**
 * A PartialStream read from a patch stream: the same interface as the server's (snapshots,
 * `updates()`, `final`, `partial`, `abort()`), without a parser or a schema.
 */
export class RemotePartialStream<T, Partial = DeepPartial<T>> implements AsyncIterable<Partial> {
  private readonly body: PatchBodyReader;
  private hasStarted = false;
  private isRead = false;
  // Frames applied since the reader last took a record, and what closed in them: the record
  // itself is made when taken, so a reader slower than the network gets the latest state and
  // the document is copied once per record rather than once per frame.
  private hasPending = false;
  private pendingCompleted: JsonPath[] = [];
  private isFinished = false;
  private failure: unknown = undefined;
  private hasReportedFailure = false;
  private waiters: (() => void)[] = [];
  private lastUsage: unknown = undefined;
  private readonly finalPromise: Promise<T>;
  private settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };

  /** @internal Use {@link readPartial} or fetchPartial. */
  constructor(
    input: PatchInput,
    private readonly options: ReadPartialOptions<T> = {},
  ) {
    this.body = new PatchBodyReader(input, (frame) => this.onFrame(frame), options.onCancel);
    this.finalPromise = new Promise<T>((resolve, reject) => (this.settle = { resolve, reject }));
    this.finalPromise.catch(() => undefined); // nobody may await it
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.abort(signal.reason);
      else signal.addEventListener("abort", () => this.abort(signal.reason), { once: true });
    }
  }

  /** The final value, validated on the server (and again here if a schema was given). Reading it starts the stream. */
  get final(): Promise<T> {
    this.start();
    return this.finalPromise;
  }

  /** The last partial value shown. */
  get partial(): Partial | undefined {
    return this.body.decoder.value as Partial | undefined;
  }

  /** The token usage the server reported (with the final value), if it did. */
  get usage(): unknown {
    return this.lastUsage;
  }

  /** Stops reading and closes the request; the stream ends with AbortError. */
  abort(reason?: unknown): void {
    this.body.cancel(reason);
  }

  [Symbol.asyncIterator](): AsyncIterator<Partial> {
    const updates = this.updates();
    let shown: Partial | undefined;
    return {
      next: async () => {
        for (;;) {
          const next = await updates.next();
          if (next.done === true) return { done: true, value: undefined };
          if (next.value.value !== undefined && next.value.value !== shown) return { done: false, value: (shown = next.value.value) };
        }
      },
      return: async () => {
        await updates.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** The stream as update records (progress, completed paths, active path, attempt, state). One reader. */
  updates(): AsyncIterableIterator<RemoteUpdate<Partial>> {
    if (this.isRead) throw new TypeError("formwork: this stream is already being read (read it through one iterator)");
    this.isRead = true;
    const iterator: AsyncIterableIterator<RemoteUpdate<Partial>> = {
      next: async () => {
        this.start();
        for (;;) {
          if (this.hasPending) return { done: false, value: this.take() };
          if (this.failure !== undefined) {
            if (this.hasReportedFailure) return { done: true, value: undefined };
            this.hasReportedFailure = true;
            throw this.failure;
          }
          if (this.isFinished) return { done: true, value: undefined };
          await new Promise<void>((resolve) => this.waiters.push(resolve));
        }
      },
      return: async () => {
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
    this.body.run().then(
      () => undefined,
      (error: unknown) => this.fail(asStreamError(error, this.body.decoder.value)),
    );
  }

  private take(): RemoteUpdate<Partial> {
    const decoder = this.body.decoder;
    const value = decoder.value as Partial | undefined;
    const active = decoder.active;
    const completed = this.pendingCompleted;
    this.hasPending = false;
    this.pendingCompleted = [];
    return { value, progress: decoder.progress, completed, active, attempt: decoder.attempt, state: (path) => fieldState(path, active, value) };
  }

  private onFrame(frame: DecodedFrame): void {
    if (frame.usage !== undefined) this.lastUsage = frame.usage;
    if (frame.attempt !== undefined) this.pendingCompleted = [];
    if (frame.isUpdate) {
      this.hasPending = true;
      for (const path of frame.completed) this.pendingCompleted.push(path);
    }
    if (frame.final !== undefined) void this.finish(frame.final.value);
    this.wake();
  }

  private async finish(value: unknown): Promise<void> {
    const schema = this.options.schema;
    if (schema !== undefined && typeof schema === "object" && "~standard" in schema) {
      const result = await schema["~standard"].validate(value);
      if (result.issues !== undefined) {
        const issues = result.issues.map((issue) => ({ path: (issue.path ?? []).map((key) => (typeof key === "object" ? (key.key as string | number) : (key as string | number))), message: issue.message }));
        return this.fail(new ValidationError({ path: [], issues, text: JSON.stringify(value) }));
      }
      value = result.value;
    }
    this.settle.resolve(value as T);
    this.isFinished = true;
    this.wake();
  }

  private fail(error: unknown): void {
    if (this.isFinished || this.failure !== undefined) return;
    this.failure = error;
    this.settle.reject(error);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Reads a patch stream (what `toResponse` sent) as a PartialStream: immutable snapshots that
 * share unchanged subtrees, `updates()` with progress and field states, `final` and `abort()`.
 * Uses no Node API: it runs in browsers, workers and Node alike.
 *
 * @example
 * const stream = readPartial<User>(await fetch("/api/user", { method: "POST", body }));
 * for await (const user of stream) render(user);
 */
export function readPartial<T = unknown, Partial = DeepPartial<T>>(input: PatchInput, options?: ReadPartialOptions<T>): RemotePartialStream<T, Partial> {
  return new RemotePartialStream<T, Partial>(input, options);
}
