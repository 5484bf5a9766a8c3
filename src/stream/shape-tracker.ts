// Follows the parser's events under a schema's Shape and keeps the partial value a user may
// see: only what the schema allows to show, as immutable snapshots that share every subtree
// that did not change. One tracker follows one value; `baseDepth` is the length of that value's
// path in the document (0 for the whole document, 1 for the items of a top-level array...).
import type { JsonValueKind } from "../json/json-parser.js";
import type { JsonPath } from "../json/json-path.js";
import { ANY, countLeaves, isAbsentWhenNull, removeAbsentNulls, resolve, type ObjectShape, type Shape, type ShapeIssue, type UnionShape } from "../schema/shape.js";
import { hasRule, type StreamRules } from "../schema/stream-rules.js";

/** A value did not fit its part of the schema (turned into a ValidationError by the stream). */
export class ShapeViolation {
  constructor(
    readonly path: JsonPath,
    readonly issues: readonly ShapeIssue[],
  ) {}
}

/** Where a field stands: not begun, being written, or complete. */
export type { FieldState } from "./field-state.js";
import type { FieldState } from "./field-state.js";

/**
 * How far the value is: the schema's leaf fields done out of all. A leaf field is each scalar
 * field of an object at any depth outside arrays; an array counts as one field, done when it
 * closes, whatever its elements (so `ratio` never goes back when another element begins); a
 * union counts as its largest option. Fields the model leaves out count as done when their
 * object closes, so `done` reaches `total` exactly when the value is complete.
 */
export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly ratio: number;
}

interface Frame {
  shape: Shape;
  readonly isArray: boolean;
  readonly draft: Record<string, unknown> | unknown[];
  snapshot: unknown;
  isDirty: boolean;
  readonly parent: Frame | undefined;
  readonly key: string | number;
  isVisible: boolean;
  readonly isIgnored: boolean;
  openChild: Frame | undefined;
  // The child being written: its shape (scalars are shown at close) and whether it streams.
  childShape: Shape | undefined;
  isChildStreaming: boolean;
  // A discriminated union whose member is not known yet: the object stays hidden until it is.
  pendingUnion: UnionShape | undefined;
  readonly counts: boolean;
  leavesDone: number;
  // Streaming rules. `done`: hidden until it closes. `awaiting`: the notNull keys not shown
  // yet (hidden while any is missing). `withState`: shown in its parent as { state, value }.
  readonly depth: number;
  readonly isDone: boolean;
  awaiting: Set<string> | undefined;
  readonly withState: boolean;
  // The rules of the scalar child being written.
  childRules: StreamRules | undefined;
}

/** The wrappers `streaming.withState` shows, so that reading a path can look through them. */
const stateWrappers = new WeakSet<object>();

function stateOfValue(state: "pending" | "incomplete" | "complete", value: unknown): { state: string; value?: unknown } {
  // No `value` key when there is no value, so that a snapshot survives JSON (the browser
  // transport) unchanged.
  const wrapper = value === undefined ? { state } : { state, value };
  stateWrappers.add(wrapper);
  return wrapper;
}

// A withState field before the model writes it, and one its object closed without.
const PENDING = Object.freeze(stateOfValue("pending", undefined));
const ABSENT = Object.freeze(stateOfValue("complete", undefined));

/** The fields of an object that carry rules its frame acts on (computed once per shape). */
interface RuledFields {
  readonly withState: readonly string[];
  readonly notNull: readonly string[];
}
const NO_RULED_FIELDS: RuledFields = { withState: [], notNull: [] };
const ruledFieldsByShape = new WeakMap<ObjectShape, RuledFields>();

function ruledFields(shape: ObjectShape): RuledFields {
  let fields = ruledFieldsByShape.get(shape);
  if (fields === undefined) {
    const withState: string[] = [];
    const notNull: string[] = [];
    for (const [name, property] of shape.properties) {
      if (hasRule(property, "withState")) withState.push(name);
      if (hasRule(property, "notNull")) notNull.push(name);
    }
    fields = withState.length === 0 && notNull.length === 0 ? NO_RULED_FIELDS : { withState, notNull };
    ruledFieldsByShape.set(shape, fields);
  }
  return fields;
}

/** The rules of a value: those of its declared part and of the option it resolved to. */
function rulesOf(declared: Shape, resolved: Shape): StreamRules | undefined {
  const own = declared.rules;
  const picked = resolved === declared ? undefined : resolved.rules;
  if (picked === undefined) return own;
  if (own === undefined) return picked;
  return { done: own.done || picked.done, notNull: own.notNull || picked.notNull, withState: own.withState || picked.withState };
}

function isWithheld(frame: Frame): boolean {
  return frame.pendingUnion !== undefined || frame.isDone || frame.awaiting !== undefined;
}

const ROOT_KEY = "value";
const NOTHING_COMPLETED: JsonPath[] = [];

function setEntry(draft: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(draft, key, { value, writable: true, enumerable: true, configurable: true });
  else (draft as Record<string, unknown>)[key] = value;
}

function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case "enum":
      return `one of ${shape.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "union":
      return shape.options.map(describeShape).join(" or ");
    case "never":
      return "nothing";
    default:
      return shape.kind;
  }
}

/**
 * Keeps the schema-aware partial value. Progress counts the schema's leaf fields: every scalar
 * field of an object at any depth outside arrays, and each array as one field, done when it
 * closes; a union counts as its largest option. Fields the model leaves out count as done when
 * their object closes, so `done` never goes back and reaches `total` when the value closes.
 */
export class ShapeTracker {
  private readonly frames: (Frame | undefined)[] = [];
  private readonly holder: Frame;
  private readonly leafCounts = new Map<Shape, number>();
  readonly total: number;
  private done = 0;
  /** True when something visible changed since the last snapshot. */
  hasChanged = false;
  /** Paths that closed since the last call to takeCompleted(). */
  private completed: JsonPath[] = [];
  /**
   * What the last snapshot cost: the array entries it copied. The next one costs about as much
   * (the same open arrays, a little longer), so a stream can space out the snapshots of a long
   * array to keep its copying linear in the text (see PartialParser.isSnapshotAffordable).
   */
  lastSnapshotCost = 0;
  private copied = 0;

  /** True when a value closed since the last takeCompleted(): news for updates(), if not for snapshots. */
  get hasCompleted(): boolean {
    return this.completed.length > 0;
  }
  private isClosed = false;

  private readonly baseDepth: number;
  private readonly isStreamingValidation: boolean;
  private readonly isRootChecked: boolean;
  private readonly isNullAbsent: boolean;

  constructor(
    private readonly rootShape: Shape,
    options: {
      /** The length of the followed value's path in the document. */
      readonly baseDepth: number;
      /** Check each value as it closes (validate: "streaming"). */
      readonly validate: boolean;
      /** False where the caller judges the whole value itself the moment it closes. */
      readonly checkRoot?: boolean;
      /** A null at a key the model may leave out (and whose schema refuses null) means absent. */
      readonly nullAsAbsent?: boolean;
    },
  ) {
    this.baseDepth = options.baseDepth;
    this.isStreamingValidation = options.validate;
    this.isRootChecked = options.checkRoot ?? true;
    this.isNullAbsent = options.nullAsAbsent ?? false;
    this.holder = this.newFrame(ANY, false, undefined, ROOT_KEY, true, false);
    this.frames[0] = this.holder;
    this.total = this.leavesOf(rootShape);
  }

  /** The partial value now, as an immutable snapshot (undefined before the value begins). */
  snapshot(): unknown {
    this.hasChanged = false;
    this.copied = 0;
    const value = (this.freeze(this.holder) as Record<string, unknown>)[ROOT_KEY];
    this.lastSnapshotCost = this.copied;
    return value;
  }

  get progress(): Progress {
    const total = this.total;
    const done = this.isClosed ? total : Math.min(this.done, total);
    // The same (immutable) record while nothing new is done: one object per change, not per update.
    if (this.lastProgress?.done !== done) this.lastProgress = { done, total, ratio: total === 0 ? 1 : done / total };
    return this.lastProgress;
  }
  private lastProgress: Progress | undefined;

  get isComplete(): boolean {
    return this.isClosed;
  }

  /** The paths closed since the last call. */
  takeCompleted(): JsonPath[] {
    const completed = this.completed;
    // Most updates complete nothing: they share one empty list (never written to).
    if (completed.length === 0) return NOTHING_COMPLETED;
    this.completed = [];
    return completed;
  }

  /** The state of a field, given the active path and the last snapshot. */
  static stateOf(path: JsonPath, active: JsonPath | undefined, value: unknown): FieldState {
    if (active !== undefined && path.length <= active.length && path.every((key, index) => key === active[index])) return "streaming";
    let node = value;
    for (const key of path) {
      if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return "pending";
      node = (node as Record<string, unknown>)[key];
      // A withState field: its own state says, and the path goes on through its value.
      if (typeof node === "object" && node !== null && stateWrappers.has(node)) {
        const wrapper = node as { state: string; value: unknown };
        if (wrapper.state === "pending") return "pending";
        if (wrapper === ABSENT) return "done";
        node = wrapper.value;
      }
    }
    return node === undefined ? "pending" : "done";
  }

  start(path: JsonPath, kind: JsonValueKind): void {
    const depth = path.length - this.baseDepth;
    const parent = this.frames[depth];
    if (parent === undefined || depth < 0) return;
    const key = depth === 0 ? ROOT_KEY : (path[path.length - 1] as string | number);
    const isContainer = kind === "object" || kind === "array";
    if (parent.isIgnored) {
      if (isContainer) this.frames[depth + 1] = this.newFrame(ANY, kind === "array", parent, key, false, true);
      return;
    }
    const declared = this.declaredShape(parent, key);
    const isAbsent = kind === "null" && this.isNullAbsent && depth > 0 && parent.shape.kind === "object" && isAbsentWhenNull(parent.shape, key as string);
    if (declared === undefined || isAbsent) {
      // A key the schema does not list, or a null meaning "absent": not shown, not checked here
      // (the object's own check decides).
      parent.childShape = undefined;
      if (isContainer) this.frames[depth + 1] = this.newFrame(ANY, kind === "array", parent, key, false, true);
      return;
    }
    let shape: Shape;
    let pendingUnion: UnionShape | undefined;
    if (declared.kind === "union" && declared.discriminator !== undefined && kind === "object") {
      pendingUnion = declared;
      shape = resolve(declared, "object") ?? ANY;
    } else {
      const resolved = resolve(declared, kind);
      if (resolved === undefined || resolved.kind === "never") {
        if (this.isStreamingValidation) {
          throw new ShapeViolation(path, [{ path: [], message: `Expected ${describeShape(declared)}, received ${kind}`, code: "invalid_type" }]);
        }
        shape = ANY; // validate: 'final' shows it as written and lets the final check judge
      } else {
        shape = resolved;
      }
    }
    const rules = rulesOf(declared, shape);
    if (isContainer) {
      const frame = this.newFrame(shape, kind === "array", parent, key, false, false, rules);
      frame.pendingUnion = pendingUnion;
      if (pendingUnion === undefined) this.awaitFields(frame);
      this.frames[depth + 1] = frame;
      if (!isWithheld(frame)) this.release(frame);
      return;
    }
    parent.childShape = shape;
    parent.childRules = rules;
    parent.isChildStreaming = kind === "string" && rules?.done !== true && (shape.kind === "any" || (shape.kind === "string" && shape.streams));
    if (parent.isChildStreaming) {
      setEntry(parent.draft, key, rules?.withState === true ? stateOfValue("incomplete", "") : "");
      this.markDirty(parent);
      this.arrived(parent, key);
    }
  }

  grow(path: JsonPath, value: string): void {
    const depth = path.length - this.baseDepth;
    const parent = this.frames[depth];
    if (parent === undefined || depth < 0 || parent.isIgnored || !parent.isChildStreaming) return;
    setEntry(parent.draft, depth === 0 ? ROOT_KEY : (path[path.length - 1] as string | number), parent.childRules?.withState === true ? stateOfValue("incomplete", value) : value);
    this.markDirty(parent);
  }

  end(path: JsonPath, value: unknown): void {
    const depth = path.length - this.baseDepth;
    const parent = this.frames[depth];
    if (parent === undefined || depth < 0) return;
    const key = depth === 0 ? ROOT_KEY : (path[path.length - 1] as string | number);
    const isContainer = typeof value === "object" && value !== null;
    if (isContainer) this.endContainer(path, depth, parent, key, value);
    else this.endScalar(path, parent, key, value);
    if (depth === 0) {
      this.isClosed = true;
      this.done = this.total;
    }
  }

  private endContainer(path: JsonPath, depth: number, parent: Frame, key: string | number, value: unknown): void {
    const frame = this.frames[depth + 1] as Frame;
    this.frames[depth + 1] = undefined;
    if (frame.isIgnored) return;
    // Absent fields sent as null leave before the object is judged (its children already did).
    if (this.isNullAbsent && frame.shape.kind === "object") removeAbsentNulls(value as Record<string, unknown>, frame.shape);
    if (this.isStreamingValidation && (depth > 0 || this.isRootChecked)) {
      const check = frame.pendingUnion?.check ?? frame.shape.check;
      const issues = check?.(value);
      if (issues !== undefined) throw new ShapeViolation(path, issues);
    }
    // A withState field its object closed without is complete, and absent.
    if (frame.shape.kind === "object" && !frame.isArray) {
      const draft = frame.draft as Record<string, unknown>;
      for (const name of ruledFields(frame.shape).withState) {
        if (draft[name] !== PENDING) continue;
        setEntry(draft, name, ABSENT);
        this.markDirty(frame);
      }
    }
    if (isWithheld(frame)) {
      // Closed: shown now whatever it waited for (a discriminator that never came with
      // validate: 'final', a done value, notNull fields the model left out).
      frame.pendingUnion = undefined;
      frame.awaiting = undefined;
      frame.isVisible = parent.isVisible;
      if (frame.isVisible) this.attachChild(parent, frame);
    }
    const wasDirty = frame.isDirty;
    let frozen = this.freeze(frame);
    if (frame.withState) frozen = stateOfValue("complete", (frozen as { value: unknown }).value);
    if (parent.openChild === frame) parent.openChild = undefined;
    // Recorded even while the parent is hidden (a union awaiting its discriminator), so that
    // it shows with the parent. If the last snapshot already shows this very object, closing
    // it changes nothing visible.
    setEntry(parent.draft, key, frozen);
    if (wasDirty || !frame.isVisible || frame.withState) this.markDirty(parent);
    if (frame.isVisible) this.completed.push(path);
    this.arrived(parent, key);
    if (parent.counts && !parent.isArray) {
      const expected = frame.isArray ? 1 : this.leavesOf(frame.shape);
      this.done += Math.max(0, expected - (frame.isArray ? 0 : frame.leavesDone));
      parent.leavesDone += expected;
    }
  }

  private endScalar(path: JsonPath, parent: Frame, key: string | number, value: unknown): void {
    if (parent.isIgnored) return;
    const shape = parent.childShape;
    const wasStreaming = parent.isChildStreaming;
    const withState = parent.childRules?.withState === true;
    parent.childShape = undefined;
    parent.childRules = undefined;
    parent.isChildStreaming = false;
    if (shape === undefined) return; // an unlisted key
    if (this.isStreamingValidation) {
      const issues = shape.kind === "enum" && shape.check === undefined && !shape.values.includes(value)
        ? [{ path: [], message: `Expected ${describeShape(shape)}` }]
        : shape.check?.(value);
      if (issues !== undefined) throw new ShapeViolation(path, issues);
    }
    // A streamed string that closes as already shown changes nothing visible.
    const isShown = wasStreaming && !withState && (parent.draft as Record<string, unknown>)[key] === value;
    setEntry(parent.draft, key, withState ? stateOfValue("complete", value) : value);
    if (parent.pendingUnion !== undefined && key === parent.pendingUnion.discriminator) this.reveal(path, parent, value);
    if (!isShown) this.markDirty(parent);
    if (parent.isVisible) this.completed.push(path);
    this.arrived(parent, key);
    if (parent.counts && !parent.isArray) {
      this.done++;
      parent.leavesDone++;
    }
  }

  // The discriminator of a pending union arrived: the object takes its member's shape and shows.
  private reveal(path: JsonPath, frame: Frame, tag: unknown): void {
    const union = frame.pendingUnion as UnionShape;
    const member = union.members?.get(tag);
    frame.pendingUnion = undefined;
    if (member === undefined || member.kind !== "object") {
      if (this.isStreamingValidation) {
        const tags = [...(union.members?.keys() ?? [])].map((item) => JSON.stringify(item)).join(", ");
        throw new ShapeViolation(path, [{ path: [], message: `Expected one of ${tags}`, code: "invalid_union_discriminator" }]);
      }
    } else {
      frame.shape = member;
      this.applyMember(path.slice(0, -1), frame, member);
    }
    this.awaitFields(frame);
    if (!isWithheld(frame)) this.release(frame);
  }

  // Members written before the discriminator are judged by the member's shape now.
  private applyMember(objectPath: JsonPath, frame: Frame, member: ObjectShape): void {
    const draft = frame.draft as Record<string, unknown>;
    for (const key of Object.keys(draft)) {
      const property = member.properties.get(key) ?? member.rest;
      if (property === undefined || draft[key] === PENDING) {
        delete draft[key];
        continue;
      }
      // What is shown may hold withState wrappers: judge the value under one; one deeper is
      // left to the object's own check as it closes.
      let shown = draft[key];
      if (typeof shown === "object" && shown !== null && stateWrappers.has(shown)) shown = (shown as { value: unknown }).value;
      const issues = this.isStreamingValidation && !holdsWrapper(shown) ? property.check?.(shown) : undefined;
      if (issues !== undefined) throw new ShapeViolation([...objectPath, key], issues);
    }
    frame.isDirty = true;
  }

  private declaredShape(parent: Frame, key: string | number): Shape | undefined {
    if (parent === this.holder) return this.rootShape;
    const shape = parent.shape;
    if (shape.kind === "object") return shape.properties.get(key as string) ?? shape.rest;
    if (shape.kind === "array") return shape.prefix[key as number] ?? shape.items;
    return ANY;
  }

  private attachChild(parent: Frame, child: Frame): void {
    parent.openChild = child;
    setEntry(parent.draft, child.key, undefined);
    child.isDirty = true;
    this.markDirty(parent);
  }

  // An object's withState fields show as pending from the start; its notNull fields are awaited.
  private awaitFields(frame: Frame): void {
    const shape = frame.shape;
    if (shape.kind !== "object" || frame.isArray) return;
    const fields = ruledFields(shape);
    if (fields === NO_RULED_FIELDS) return;
    const draft = frame.draft as Record<string, unknown>;
    for (const name of fields.withState) if (!Object.hasOwn(draft, name)) setEntry(draft, name, PENDING);
    let awaiting: Set<string> | undefined;
    for (const name of fields.notNull) if (draft[name] === undefined || draft[name] === PENDING) (awaiting ??= new Set()).add(name);
    frame.awaiting = awaiting;
  }

  // A key's value is now shown, or would be if its object were: a notNull wait may end.
  private arrived(frame: Frame, key: string | number): void {
    const awaiting = frame.awaiting;
    if (awaiting === undefined || !awaiting.delete(key as string) || awaiting.size > 0) return;
    frame.awaiting = undefined;
    if (!isWithheld(frame)) this.release(frame);
  }

  // A frame waits no more: it shows if its parent does, and its parent learns it has arrived.
  private release(frame: Frame): void {
    const parent = frame.parent as Frame;
    if (parent.isVisible) this.show(frame);
    this.arrived(parent, frame.key);
  }

  // Shows a frame, and the open containers under it that were hidden only because it was.
  private show(frame: Frame): void {
    frame.isVisible = true;
    this.attachChild(frame.parent as Frame, frame);
    const child = this.frames[frame.depth + 1];
    if (child !== undefined && child.parent === frame && !child.isIgnored && !isWithheld(child)) this.show(child);
  }

  private newFrame(shape: Shape, isArray: boolean, parent: Frame | undefined, key: string | number, isVisible: boolean, isIgnored: boolean, rules?: StreamRules): Frame {
    return {
      shape,
      isArray,
      draft: isArray ? [] : {},
      snapshot: undefined,
      isDirty: true,
      parent,
      key,
      isVisible,
      isIgnored,
      openChild: undefined,
      childShape: undefined,
      isChildStreaming: false,
      pendingUnion: undefined,
      counts: parent === undefined || (parent.counts && !parent.isArray),
      leavesDone: 0,
      depth: parent === undefined ? 0 : parent.depth + 1,
      isDone: rules?.done === true,
      awaiting: undefined,
      withState: rules?.withState === true,
      childRules: undefined,
    };
  }

  // Marks a frame and its ancestors as changed; a change that no one can see is not one.
  private markDirty(frame: Frame): void {
    if (!frame.isVisible) {
      frame.isDirty = true;
      return;
    }
    this.hasChanged = true;
    for (let node: Frame | undefined = frame; node !== undefined && !node.isDirty; node = node.parent) node.isDirty = true;
  }

  // Copies what changed since the last snapshot; every unchanged subtree keeps its identity.
  private freeze(frame: Frame): unknown {
    if (!frame.isDirty) return frame.snapshot;
    const copy = frame.isArray ? (frame.draft as unknown[]).slice() : { ...(frame.draft as Record<string, unknown>) };
    // An array's copy costs a pointer per entry: the one cost that grows with a long value.
    // (Objects are counted as one: their keys are the schema's, bounded.)
    this.copied += frame.isArray ? (copy as unknown[]).length : 1;
    const child = frame.openChild;
    if (child !== undefined && child.isVisible) setEntry(copy, child.key, this.freeze(child));
    frame.snapshot = frame.withState ? stateOfValue("incomplete", copy) : copy;
    frame.isDirty = false;
    return frame.snapshot;
  }

  private leavesOf(shape: Shape): number {
    let count = this.leafCounts.get(shape);
    if (count === undefined) this.leafCounts.set(shape, (count = countLeaves(shape)));
    return count;
  }
}

// True when a shown value holds a withState wrapper below its top.
function holdsWrapper(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (stateWrappers.has(value)) return true;
  return Object.values(value).some(holdsWrapper);
}
