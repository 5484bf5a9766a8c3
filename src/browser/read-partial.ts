import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ValidationError } from "../errors/validation-error.js";
import type { JsonPath } from "../json/json-path.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import { fieldState, type FieldState } from "../stream/field-state.js";
import type { DecodedFrame } from "../transport/patch-decoder.js";
import { asStreamError, type PatchInput, type ReadOptions } from "./read-patch-body.js";
import { RemoteStream } from "./remote-stream.js";

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
export class RemotePartialStream<T, Partial = DeepPartial<T>> extends RemoteStream<RemoteUpdate<Partial>> implements AsyncIterable<Partial> {
  // Frames applied since the reader last took a record, and what closed in them: the record
  // itself is made when taken, so a reader slower than the network gets the latest state and
  // the document is copied once per record rather than once per frame (and a long array only
  // as often as the frames pay for its copy).
  private hasPending = false;
  private pendingCompleted: JsonPath[] = [];
  private lastUsage: unknown = undefined;
  private readonly finalPromise: Promise<T>;
  private settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };

  /** @internal Use {@link readPartial} or fetchPartial. */
  constructor(
    input: PatchInput,
    private readonly options: ReadPartialOptions<T> = {},
  ) {
    super(input, options);
    this.finalPromise = new Promise<T>((resolve, reject) => (this.settle = { resolve, reject }));
    this.finalPromise.catch(() => undefined); // nobody may await it
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

  protected takeRecord(): RemoteUpdate<Partial> | undefined {
    if (!this.hasPending) return undefined;
    const decoder = this.body.decoder;
    // A long array is copied only once the frames since its last copy pay for it (the
    // server's budget, see PatchDecoder.snapshot): until then its news wait in this record,
    // which is due within an animation frame at the latest. The last state always comes.
    if (!this.isRecordDue && !decoder.isEnded && !decoder.isSnapshotAffordable) {
      this.holdRecord();
      return undefined;
    }
    this.recordTaken();
    const value = decoder.value as Partial | undefined;
    const active = decoder.active;
    const completed = this.pendingCompleted;
    this.hasPending = false;
    this.pendingCompleted = [];
    return { value, progress: decoder.progress, completed, active, attempt: decoder.attempt, state: (path) => fieldState(path, active, value) };
  }

  protected onFrame(frame: DecodedFrame): void {
    if (frame.usage !== undefined) this.lastUsage = frame.usage;
    if (frame.attempt !== undefined) this.pendingCompleted = [];
    if (frame.isUpdate) {
      this.hasPending = true;
      for (const path of frame.completed) this.pendingCompleted.push(path);
    }
    if (frame.final !== undefined) void this.settleFinal(frame.final.value);
  }

  protected onEnd(): void {
    // The final value settles the stream (after the optional check), not the body's end.
  }

  protected onFailure(error: unknown): void {
    this.settle.reject(error);
  }

  protected override fail(error: unknown): void {
    super.fail(asStreamError(error, this.body.decoder.value));
  }

  private async settleFinal(value: unknown): Promise<void> {
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
    this.finish();
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
