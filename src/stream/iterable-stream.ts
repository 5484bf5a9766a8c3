import { ValidationError, type ValidationIssue } from "../errors/validation-error.js";
import { JsonParser, type JsonValueKind } from "../json/json-parser.js";
import type { JsonPath } from "../json/json-path.js";
import { toSchemaAdapter, type InferInput, type InferOutput, type SchemaAdapter, type SchemaLike, type ValidationResult } from "../schema/schema-adapter.js";
import { resolve, type Shape } from "../schema/shape.js";
import type { DeepPartial } from "./deep-partial.js";
import type { PartialStreamOptions } from "./partial-stream.js";
import { ShapeTracker, ShapeViolation } from "./shape-tracker.js";
import { absoluteIssues, toStreamError } from "./stream-errors.js";
import { StreamPump } from "./stream-pump.js";
import type { TextSource } from "./text-source.js";

/** Options of {@link iterableStream}. */
export interface IterableStreamOptions extends PartialStreamOptions {
  /** What an item that does not fit its schema does: end the stream (default) or be skipped and reported. */
  readonly onInvalid?: "throw" | "skip";
}

/** An item that was skipped (`onInvalid: "skip"`). */
export interface SkippedItem {
  /** Its position among the items (counting skipped ones). */
  readonly index: number;
  readonly path: JsonPath;
  readonly issues: readonly ValidationIssue[];
}

/** One record of {@link ItemStream.updates}. */
export interface ItemUpdate<T, Partial> {
  /** Items finished since the previous record, in order. */
  readonly items: readonly T[];
  /** The item being written, as a partial value (undefined between items). */
  readonly partial: Partial | undefined;
  /** Items finished so far. */
  readonly count: number;
  /** Items skipped so far (onInvalid: "skip"). */
  readonly skipped: readonly SkippedItem[];
  readonly attempt: number;
}

type Layout =
  | { kind: "unknown" }
  | { kind: "pending-object" }
  | { kind: "pending-array" }
  | { kind: "items"; depth: number; wrapperKey: string | undefined };

// How many finished items may wait for a slow consumer before reading pauses.
const MAX_WAITING_ITEMS = 256;

/**
 * Complete, validated items, one at a time, from a top-level array, from an object whose one
 * property is the array (Instructor's `{"tasks": [...]}`, under any key), or from newline-
 * delimited or concatenated values.
 */
export class ItemStream<T, Partial = DeepPartial<T>> extends StreamPump implements AsyncIterable<T> {
  private readonly parser: JsonParser;
  private readonly adapter: SchemaAdapter;
  private readonly isStreamingValidation: boolean;
  private readonly onInvalid: "throw" | "skip";
  private readonly isNullAbsent: boolean;
  private layout: Layout = { kind: "unknown" };
  private rootStart: { path: JsonPath; kind: JsonValueKind } | undefined;
  private tracker: ShapeTracker | undefined;
  private isSkippingItem = false;
  private index = 0;
  private readonly waiting: (T | Promise<ValidationResult> | { invalid: true })[] = [];
  // Items whose asynchronous validation has not settled yet.
  private readonly judging = new Set<Promise<ValidationResult>>();
  private readonly skippedItems: SkippedItem[] = [];
  private finishedCount = 0;
  private hasPartialChanged = false;
  private roomWaiter: (() => void) | undefined;

  /** @internal Use {@link iterableStream}. */
  constructor(itemSchema: SchemaLike, source: TextSource, options: IterableStreamOptions = {}) {
    super(source, options.signal);
    this.adapter = toSchemaAdapter(itemSchema);
    this.isStreamingValidation = options.validate !== "final";
    this.onInvalid = options.onInvalid ?? "throw";
    this.isNullAbsent = options.nullAsAbsent === true;
    this.parser = new JsonParser({ ...options.limits, lenient: options.lenient === true, multiple: true });
    this.parser.on("value-start", ({ path, kind }) => this.onValueStart(path, kind));
    this.parser.on("string-grow", ({ path, value }) => this.onStringGrow(path, value));
    this.parser.on("value-end", ({ path, value }) => this.onValueEnd(path, value));
  }

  /** Items skipped so far (onInvalid: "skip"). */
  get skipped(): readonly SkippedItem[] {
    return this.skippedItems;
  }

  /**
   * Whether the text held a list of items: a top-level array or a wrapper's array, even an
   * empty one. False for prose, an object without an array, or nothing at all.
   */
  get hasList(): boolean {
    return this.layout.kind === "pending-array" || (this.layout.kind === "items" && this.layout.depth > 0);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this.iterate(async () => {
      for (;;) {
        if (this.waiting.length > 0) {
          const item = await this.takeItem();
          if (item !== SKIPPED) return { done: false, value: item };
          continue;
        }
        if (this.isAtEnd()) return { done: true, value: undefined };
        await this.changed();
      }
    });
  }

  /** The same stream as records: finished items, the item in progress as a partial, counts. */
  updates(): AsyncIterableIterator<ItemUpdate<T, Partial>> {
    return this.iterate(async () => {
      for (;;) {
        if (this.waiting.length > 0 || this.hasPartialChanged) {
          const items: T[] = [];
          while (this.waiting.length > 0) {
            const item = await this.takeItem();
            if (item !== SKIPPED) items.push(item);
          }
          this.hasPartialChanged = false;
          const partial = this.tracker?.snapshot() as Partial | undefined;
          return { done: false, value: { items, partial, count: this.finishedCount, skipped: this.skippedItems, attempt: 1 } };
        }
        if (this.isAtEnd()) return { done: true, value: undefined };
        await this.changed();
      }
    });
  }

  // Takes the next finished item, waiting for its validation if the schema validates asynchronously.
  private async takeItem(): Promise<T | typeof SKIPPED> {
    const entry = this.waiting.shift();
    if (this.waiting.length < MAX_WAITING_ITEMS / 2) this.roomWaiter?.();
    if (entry instanceof Promise) {
      const result = await entry;
      // An item judged invalid (onInvalid "throw") or a validator that threw ended the stream:
      // nothing after it is handed out.
      if (!result.ok) {
        if (this.failure !== undefined) this.isAtEnd(); // throws the failure, once
        return SKIPPED;
      }
      return result.value as T;
    }
    if (typeof entry === "object" && entry !== null && (entry as { invalid?: true }).invalid === true) return SKIPPED;
    return entry as T;
  }

  protected override hasRoom(): Promise<void> | undefined {
    if (this.waiting.length < MAX_WAITING_ITEMS) return undefined;
    return new Promise((resolve) => {
      this.roomWaiter = () => {
        this.roomWaiter = undefined;
        resolve();
      };
    });
  }

  protected override onChunk(chunk: string): void {
    try {
      this.parser.write(chunk);
    } catch (error) {
      throw toStreamError(error, this.text, () => this.tracker?.snapshot());
    }
  }

  protected override onEnd(): Promise<void> | void {
    try {
      this.parser.end();
    } catch (error) {
      throw toStreamError(error, this.text, () => this.tracker?.snapshot());
    }
    // The stream is not over while an item is still being judged: an item that fails (or a
    // validator that throws) must end it with that error, however fast the text ended.
    if (this.judging.size > 0) return Promise.all(this.judging).then(() => undefined);
  }

  protected override onFailure(): void {
    this.roomWaiter?.();
  }

  override abort(reason?: unknown): void {
    super.abort(reason);
    this.roomWaiter?.();
  }

  private get itemShape(): Shape {
    return this.adapter.shape;
  }

  private onValueStart(path: JsonPath, kind: JsonValueKind): void {
    if (path.length === 0) {
      this.layout = { kind: "unknown" };
      if (kind === "array" && resolve(this.itemShape, "array") === undefined) {
        this.layout = { kind: "items", depth: 1, wrapperKey: undefined };
        return;
      }
      if (kind === "object" || kind === "array") {
        // `{"tasks": [` and `{"name": ...` begin alike, as do `[[1, 2], ...` (a list of array
        // items) and `[1, 2]` (one array item): decided by the first member or element below.
        this.layout = { kind: kind === "object" ? "pending-object" : "pending-array" };
        this.rootStart = { path, kind };
        return;
      }
      this.layout = { kind: "items", depth: 0, wrapperKey: undefined };
    } else if (this.layout.kind === "pending-array" && path.length === 1) {
      if (kind === "array") {
        this.layout = { kind: "items", depth: 1, wrapperKey: undefined };
      } else {
        this.layout = { kind: "items", depth: 0, wrapperKey: undefined };
        this.beginItem(this.rootStart as { path: JsonPath; kind: JsonValueKind });
      }
    } else if (this.layout.kind === "pending-object" && path.length === 1) {
      const key = path[0] as string;
      const itemObject = resolve(this.itemShape, "object");
      const isItemKey = itemObject?.kind === "object" && (itemObject.properties.has(key) || itemObject.rest !== undefined && itemObject.properties.size === 0);
      if (kind === "array" && !isItemKey) {
        this.layout = { kind: "items", depth: 2, wrapperKey: key };
        return;
      }
      this.layout = { kind: "items", depth: 0, wrapperKey: undefined };
      this.beginItem(this.rootStart as { path: JsonPath; kind: JsonValueKind });
    }
    const layout = this.layout;
    if (layout.kind !== "items") return;
    if (path.length === layout.depth && this.isUnderWrapper(path, layout)) {
      this.beginItem({ path, kind });
      return;
    }
    if (path.length > layout.depth && this.tracker !== undefined && !this.isSkippingItem) this.guard(path, () => this.tracker?.start(path, kind));
  }

  private onStringGrow(path: JsonPath, value: string): void {
    if (this.tracker === undefined || this.isSkippingItem) return;
    this.guard(path, () => this.tracker?.grow(path, value));
    this.hasPartialChanged ||= this.tracker.hasChanged;
  }

  private onValueEnd(path: JsonPath, value: unknown): void {
    const layout = this.layout;
    if (layout.kind !== "items") return;
    if (path.length < layout.depth || !this.isUnderWrapper(path, layout) || this.tracker === undefined) return;
    // The item's own close goes to its tracker too (it removes absent nulls; the item's check is
    // the whole validation below).
    if (!this.isSkippingItem) this.guard(path, () => this.tracker?.end(path, value));
    if (path.length > layout.depth) {
      this.hasPartialChanged ||= this.tracker?.hasChanged === true;
      return;
    }
    // The item closed: judge it whole by the item schema (transforms and defaults applied).
    const index = this.index++;
    const wasSkipped = this.isSkippingItem;
    this.tracker = undefined;
    this.isSkippingItem = false;
    this.hasPartialChanged = true;
    if (wasSkipped) {
      this.waiting.push({ invalid: true });
      return;
    }
    const result = this.adapter.validate(value);
    if (result instanceof Promise) {
      const judged = result.then(
        (settled) => this.settle(settled, path, index),
        // The validation itself threw (a user's validator): that ends the stream, as it is.
        (error: unknown): ValidationResult => {
          this.stop(error);
          return { ok: false, issues: [] };
        },
      );
      this.judging.add(judged);
      void judged.then(() => this.judging.delete(judged));
      this.waiting.push(judged);
      return;
    }
    const settled = this.settle(result, path, index);
    // Thrown through the parser so that it reads no further than the item at fault.
    if (!settled.ok && this.onInvalid === "throw") throw this.failure;
    this.waiting.push(settled.ok ? (settled.value as T) : { invalid: true });
  }

  // Counts a valid item; an invalid one ends the stream or is reported as skipped. Never throws:
  // an asynchronous result may settle after the consumer has gone.
  private settle(result: ValidationResult, path: JsonPath, index: number): ValidationResult {
    if (result.ok) {
      this.finishedCount++;
      return result;
    }
    const issues = absoluteIssues(path, result.issues);
    if (this.onInvalid === "throw") this.stop(new ValidationError({ path, issues, text: this.text }));
    else this.skippedItems.push({ index, path, issues });
    return result;
  }

  private beginItem(start: { path: JsonPath; kind: JsonValueKind }): void {
    this.tracker = new ShapeTracker(this.itemShape, { baseDepth: start.path.length, validate: this.isStreamingValidation, checkRoot: false, nullAsAbsent: this.isNullAbsent });
    this.isSkippingItem = false;
    this.hasPartialChanged = true;
    this.guard(start.path, () => this.tracker?.start(start.path, start.kind));
  }

  private isUnderWrapper(path: JsonPath, layout: Extract<Layout, { kind: "items" }>): boolean {
    return layout.wrapperKey === undefined || path[0] === layout.wrapperKey;
  }

  // A part of the item does not fit: the stream ends, or with onInvalid "skip" the item is dropped.
  private guard(path: JsonPath, step: () => void): void {
    try {
      step();
    } catch (error) {
      if (!(error instanceof ShapeViolation) || this.onInvalid === "throw") throw error;
      const layout = this.layout as Extract<Layout, { kind: "items" }>;
      this.skippedItems.push({ index: this.index, path: path.slice(0, layout.depth), issues: absoluteIssues(error.path, error.issues) });
      this.isSkippingItem = true;
    }
  }
}

const SKIPPED: unique symbol = Symbol("skipped");

/**
 * Streams complete items of `itemSchema`, each yielded the moment it closes and fits. The
 * items may come as a top-level array, as the one array property of an object (`{"tasks":
 * [...]}` under any key: an object whose first key is not one of the item's and holds an
 * array), or as newline-delimited or concatenated values. `itemSchema` may be a union: a
 * discriminated union picks its member by the discriminator, a plain one takes the first member
 * that fits. `onInvalid: "skip"` drops items that do not fit and reports them in `skipped`.
 *
 * @example
 * for await (const task of iterableStream(Task, textDeltas)) console.log(task.title);
 */
export function iterableStream<S extends SchemaLike>(
  itemSchema: S,
  source: TextSource,
  options?: IterableStreamOptions,
): ItemStream<InferOutput<S>, DeepPartial<InferInput<S>>> {
  return new ItemStream(itemSchema, source, options);
}
