import { JsonParser, type JsonParserOptions } from "../json/json-parser.js";
import type { JsonPath } from "../json/json-path.js";
import { toSchemaAdapter, type InferInput, type SchemaAdapter, type SchemaLike } from "../schema/schema-adapter.js";
import type { DeepPartial } from "./deep-partial.js";
import { ShapeTracker, type FieldState, type Progress } from "./shape-tracker.js";
import { isSnapshotAffordable, STREAM_SNAPSHOT_BUDGET } from "./snapshot-budget.js";

/** Options of {@link PartialParser}. */
export interface PartialParserOptions {
  /** `"streaming"` (default): check each value as it closes; `"final"`: leave it to the end. */
  readonly validate?: "streaming" | "final";
  /** Read the text leniently (prose, fences, comments, trailing commas): see JsonParser. */
  readonly lenient?: boolean;
  /** Limits of the JSON parser. */
  readonly limits?: Pick<JsonParserOptions, "maxDepth" | "maxStringLength" | "maxLength">;
  /**
   * A null at a key the model may leave out, whose schema refuses null, means the key is
   * absent: it is not shown, and is removed from its object as the object closes (so before
   * any validation). For providers whose strict mode
   * sends optional fields as nullable (OpenAI's json_schema). Default false.
   */
  readonly nullAsAbsent?: boolean;
}

/** One record of progress (see {@link PartialStream.updates}). */
export interface PartialUpdate<Partial> {
  /** The partial value (a snapshot: never mutated, unchanged subtrees keep their identity). */
  readonly value: Partial | undefined;
  /** Leaf fields done out of all (an array is one field, done when it closes): see {@link Progress}. */
  readonly progress: Progress;
  /** Paths of the values that closed since the previous record. */
  readonly completed: readonly JsonPath[];
  /** The path being written now; undefined once the value is complete. */
  readonly active: JsonPath | undefined;
  /** Which attempt this is (1 unless a client retries; a new attempt starts from nothing). */
  readonly attempt: number;
  /** Whether a field is pending, streaming or done, for a form that shows each field's state. */
  state(path: JsonPath): FieldState;
}

/**
 * The synchronous core of {@link partialStream}: write text, read typed snapshots. For a caller
 * that drives the text itself (a callback, a test); the rules are those of partialStream.
 * `write` throws what the stream would end with: JsonParseError, or a ShapeViolation that the
 * stream turns into ValidationError.
 *
 * @example
 * const parser = new PartialParser(User);
 * parser.write('{"name": "Ad');
 * parser.snapshot(); // { name: "Ad" }
 */
export class PartialParser<Partial = unknown> {
  readonly adapter: SchemaAdapter;
  private readonly parser: JsonParser;
  private readonly tracker: ShapeTracker;
  private charactersSinceSnapshot = 0;
  private snapshotTime = 0;

  constructor(schema: SchemaLike, options: PartialParserOptions = {}) {
    this.adapter = toSchemaAdapter(schema);
    this.parser = new JsonParser({ ...options.limits, lenient: options.lenient === true });
    const tracker = (this.tracker = new ShapeTracker(this.adapter.shape, { baseDepth: 0, validate: options.validate !== "final", nullAsAbsent: options.nullAsAbsent === true }));
    this.parser.on("value-start", ({ path, kind }) => tracker.start(path, kind));
    this.parser.on("string-grow", ({ path, value }) => tracker.grow(path, value));
    this.parser.on("value-end", ({ path, value }) => tracker.end(path, value));
  }

  /** Reads more text. */
  write(chunk: string): void {
    this.parser.write(chunk);
    this.charactersSinceSnapshot += chunk.length;
  }

  /**
   * True when a snapshot now costs little enough for the text read since the last one (or the
   * time: see src/stream/snapshot-budget.ts). A stream takes a snapshot when one is affordable,
   * so copying a long array stays linear in the text, and values of ordinary size still get
   * one per chunk.
   */
  get isSnapshotAffordable(): boolean {
    return isSnapshotAffordable(STREAM_SNAPSHOT_BUDGET, this.tracker.lastSnapshotCost, this.charactersSinceSnapshot, this.snapshotTime);
  }

  /** True when the partial value changed since the last snapshot. */
  get hasChanged(): boolean {
    return this.tracker.hasChanged;
  }

  /** True once the whole value has closed (more text may follow, such as whitespace). */
  get isComplete(): boolean {
    return this.tracker.isComplete;
  }

  /** True when a value closed since the last update() (a field's state changed). */
  get hasCompleted(): boolean {
    return this.tracker.hasCompleted;
  }

  /** The partial value now: a new object only where something changed. */
  snapshot(): Partial | undefined {
    this.charactersSinceSnapshot = 0;
    const value = this.tracker.snapshot() as Partial | undefined;
    // Only a costly snapshot needs its time (the clock is read once per such snapshot).
    if (this.tracker.lastSnapshotCost > STREAM_SNAPSHOT_BUDGET.small) this.snapshotTime = performance.now();
    return value;
  }

  /** A snapshot with its progress, the paths completed since the last update and the active path. */
  update(): PartialUpdate<Partial> {
    const value = this.snapshot();
    const active = this.tracker.isComplete ? undefined : this.parser.activePath;
    return {
      value,
      progress: this.tracker.progress,
      completed: this.tracker.takeCompleted(),
      active,
      attempt: 1,
      state: (path) => ShapeTracker.stateOf(path, active, value),
    };
  }

  /** @internal Forgets the paths completed since the last update (a reader of values has no use for them). */
  discardCompleted(): void {
    this.tracker.takeCompleted();
  }

  /** Declares the end of the text; returns the value as written (validate it with `adapter.validate`). */
  end(): unknown {
    return this.parser.end();
  }
}

/** A PartialParser typed by its schema. */
export function createPartialParser<S extends SchemaLike>(schema: S, options?: PartialParserOptions): PartialParser<DeepPartial<InferInput<S>>> {
  return new PartialParser(schema, options);
}
