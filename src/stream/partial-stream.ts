import { ValidationError } from "../errors/validation-error.js";
import type { InferInput, InferOutput, SchemaLike } from "../schema/schema-adapter.js";
import type { DeepPartial } from "./deep-partial.js";
import { PartialParser, type PartialParserOptions, type PartialUpdate } from "./partial-parser.js";
import type { FieldState } from "./shape-tracker.js";
import { absoluteIssues, toStreamError } from "./stream-errors.js";
import { StreamPump } from "./stream-pump.js";
import type { TextSource } from "./text-source.js";

export type { PartialUpdate } from "./partial-parser.js";

const END: IteratorReturnResult<undefined> = { done: true, value: undefined };
// What a reader of values is given beside the value (it reads nothing else).
const NO_PROGRESS = Object.freeze({ done: 0, total: 0, ratio: 0 });
const NONE: readonly never[] = Object.freeze([]);
const unknownState = (): FieldState => "pending";

/** What the reader of a stream's updates needs: see {@link PartialStream.forEachUpdate}. */
export type UpdateDetail = "records" | "values" | "none";

/** Options of {@link partialStream}. */
export interface PartialStreamOptions extends PartialParserOptions {
  /** Cancels the stream (and its source) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Typed partial values of a value being written, and its final, validated value.
 * Iterate it for snapshots, or call {@link updates} for snapshots with progress.
 * Use one of the two: they share one stream of changes.
 */
export class PartialStream<T, Partial = DeepPartial<T>> extends StreamPump implements AsyncIterable<Partial> {
  private readonly core: PartialParser<Partial>;
  private last: Partial | undefined = undefined;
  private hasYielded = false;
  private readonly finalPromise: Promise<T>;
  private resolveFinal!: (value: T) => void;
  private rejectFinal!: (error: unknown) => void;

  /** @internal Use {@link partialStream}. */
  constructor(schema: SchemaLike, source: TextSource, options: PartialStreamOptions = {}) {
    super(source, options.signal);
    this.core = new PartialParser<Partial>(schema, options);
    this.finalPromise = new Promise<T>((resolve, reject) => {
      this.resolveFinal = resolve;
      this.rejectFinal = reject;
    });
    // Nobody may ever await `final`: that must not be an unhandled rejection.
    this.finalPromise.catch(() => undefined);
  }

  /**
   * The value validated against the whole schema, transforms and defaults applied. Rejects with
   * ValidationError, JsonParseError, IncompleteOutputError (the text ended first), AbortError
   * or SourceError. Reading it starts the stream if nothing iterates it.
   */
  get final(): Promise<T> {
    this.start();
    return this.finalPromise;
  }

  /** The last partial value yielded. */
  get partial(): Partial | undefined {
    return this.last;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Partial> {
    return this.iteratePolled((): IteratorResult<Partial, undefined> | undefined => {
      const update = this.nextUpdate(false);
      return update === undefined ? update : update === null ? END : { done: false, value: update.value as Partial };
    });
  }

  /** The same stream as records with progress, the paths just completed and the active path. */
  updates(): AsyncIterableIterator<PartialUpdate<Partial>> {
    return this.iteratePolled((): IteratorResult<PartialUpdate<Partial>, undefined> | undefined => {
      const update = this.nextUpdate(true);
      return update === undefined ? update : update === null ? END : { done: false, value: update };
    });
  }

  /**
   * @internal Hands every update record to `onUpdate` as it comes, synchronously (for a caller
   * that passes them on, such as the client across attempts): one promise for the whole stream,
   * which settles at its end, or rejects with its error. `detail()`, asked at every change,
   * says what the caller's own reader needs now: `"records"` (every record, as `updates()`),
   * `"values"` (a record only when the value changed, with no progress, paths or state worked
   * out: a reader of values) or `"none"` (nobody reads partials: no snapshot is taken while
   * the text streams, and one record comes at the end, for a reader that comes late).
   */
  forEachUpdate(onUpdate: (update: PartialUpdate<Partial>) => void, detail: () => UpdateDetail = () => "records"): Promise<void> {
    const poll = (): IteratorResult<never, undefined> | undefined => {
      for (;;) {
        const needed = detail();
        const update = needed === "records" ? this.nextUpdate(true) : needed === "values" ? this.nextValue() : this.nextAtEnd();
        if (update === undefined) return undefined;
        if (update === null) return END;
        onUpdate(update);
      }
    };
    return this.iteratePolled(poll)
      .next()
      .then(() => undefined);
  }

  // Snapshots come when the value changed (and a snapshot is affordable: a long array is
  // copied only every so many characters, see PartialParser.isSnapshotAffordable; the last
  // one always comes); update records also when a field closed. Null at the end, undefined while
  // there is nothing yet.
  private nextUpdate(isClosingNews: boolean): PartialUpdate<Partial> | null | undefined {
    if (this.failure === undefined && this.isUpdateDue(isClosingNews)) return this.record();
    return this.isAtEnd() ? null : undefined;
  }

  // A record for a reader of values: the snapshot alone, when it changed.
  private nextValue(): PartialUpdate<Partial> | null | undefined {
    if (this.failure === undefined && this.isUpdateDue(false)) {
      // The paths that closed are not kept for a reader that never asks for them.
      this.core.discardCompleted();
      const value = this.core.snapshot();
      this.last = value;
      this.hasYielded = true;
      return { value, progress: NO_PROGRESS, completed: NONE, active: undefined, attempt: 1, state: unknownState };
    }
    return this.isAtEnd() ? null : undefined;
  }

  // Nothing while the text streams; the whole record once it ended well.
  private nextAtEnd(): PartialUpdate<Partial> | null | undefined {
    if (this.failure === undefined && this.isFinished && (this.core.hasChanged || this.core.hasCompleted)) return this.record();
    return this.isAtEnd() ? null : undefined;
  }

  /** @internal The partial value now (a snapshot taken if it changed), whether or not anyone read it. */
  currentValue(): Partial | undefined {
    return this.currentPartial() as Partial | undefined;
  }

  private isUpdateDue(isClosingNews: boolean): boolean {
    const core = this.core;
    if (core.hasChanged) return this.isFinished || core.isSnapshotAffordable;
    return isClosingNews && core.hasCompleted;
  }

  private record(): PartialUpdate<Partial> {
    const update = this.core.update();
    this.last = update.value;
    this.hasYielded = true;
    return update;
  }

  protected override onChunk(chunk: string): void {
    try {
      this.core.write(chunk);
    } catch (error) {
      throw toStreamError(error, this.text, () => this.currentPartial());
    }
  }

  protected override async onEnd(): Promise<void> {
    let value: unknown;
    try {
      value = this.core.end();
    } catch (error) {
      throw toStreamError(error, this.text, () => this.currentPartial());
    }
    const result = await this.core.adapter.validate(value);
    if (!result.ok) throw new ValidationError({ path: [], issues: absoluteIssues([], result.issues), text: this.text });
    this.resolveFinal(result.value as T);
  }

  protected override onFailure(error: unknown): void {
    this.rejectFinal(error);
  }

  private currentPartial(): unknown {
    return this.core.hasChanged || !this.hasYielded ? this.core.snapshot() : this.last;
  }
}

/**
 * Streams typed partial values of the JSON a model writes, following `schema` (Zod 4, any
 * Standard Schema, or a JSON Schema). `source` is an AsyncIterable or a ReadableStream of
 * strings or UTF-8 bytes.
 *
 * Rules of partial values, numbered so that tests can name them:
 * 1. Strings stream as they are written. Enum members, literals and strings with a format that
 *    has no meaningful prefix (date-time, uuid, email...) appear only whole and valid.
 * 2. Numbers, booleans and null appear only whole. A value that does not fit its schema (an
 *    integer field given `2.5`, a member outside the enum) ends the stream with ValidationError
 *    at that moment, not later and not as a silent wrong value.
 * 3. A discriminated union's member shows once its discriminator is known, and is then shaped
 *    by that member (members written before the discriminator are judged by it then).
 * 4. A snapshot shows only what the model wrote, and only keys the schema lists; defaults and
 *    transforms are applied to the final value only.
 * 5. A shown value never disappears and never changes type, and atomic values never change.
 * 6. Each object and array, at any depth, is checked against its own part of the schema the
 *    moment it closes; the first that does not fit ends the stream (`validate: "final"` turns
 *    this off). `final` is the whole value checked by the whole schema.
 * 7. A new snapshot comes only when something visible changed; it is never mutated afterwards,
 *    and every subtree that did not change keeps its identity (`===`). When the consumer is
 *    slower than the source, updates coalesce: the consumer gets the latest snapshot. So do
 *    the snapshots of a long array (over about 500 items) while text comes faster than it can
 *    be copied: one comes when the text (or the time) since the last pays for its copy, and
 *    the last always comes, so that the stream stays linear in the text.
 *
 * Rules the schema declares (`streaming.done`, `streaming.notNull`, `streaming.withState` on
 * Zod, or the `x-formwork-stream` keyword of a JSON Schema) change what is shown:
 * 8. `done`: the value appears only when complete. A string never shows a prefix; an object
 *    or an array appears whole as it closes, nothing of it before; array elements that are
 *    `done` appear one by one, each whole.
 * 9. `notNull` on a field: the object that holds it is not shown until the field is (a string
 *    from its first character, a container from its opening bracket; with `done`, once whole).
 *    What the object held meanwhile shows with it. An object that closes without the field
 *    (an optional one left out) shows as it closes.
 * 10. `withState`: the value shows as `{ state, value }`: `"pending"` (value undefined) from
 *    the moment its object shows, before the model writes it; `"incomplete"` with the partial
 *    value while written (never with `done`); `"complete"` with the whole value once closed, or
 *    with value undefined once its object closed without it. The state only moves forward;
 *    `updates().state(path)` reads through the wrapper.
 * 11. The rules change what is shown and nothing else: `final` and the values of
 *    `iterableStream` are the schema's own, and the JSON Schema sent to a provider carries no
 *    rule. A rule where it means nothing is a `SchemaError` naming the path, thrown when the
 *    stream is made: `done` on a value that already appears only whole (a number, a boolean,
 *    an enum member, a literal, a formatted string), `notNull` anywhere but on a field of an
 *    object, or a keyword that is not a rule name.
 *
 * @example
 * const stream = partialStream(User, textDeltas);
 * for await (const user of stream) render(user);   // { name: "Ad" }, { name: "Ada", age: 36 }...
 * const user = await stream.final;                  // validated, defaults applied
 */
export function partialStream<S extends SchemaLike>(
  schema: S,
  source: TextSource,
  options?: PartialStreamOptions,
): PartialStream<InferOutput<S>, DeepPartial<InferInput<S>>> {
  return new PartialStream(schema, source, options);
}
