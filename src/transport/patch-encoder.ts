// The writer's half of the patch protocol (docs/transport.md): updates of a stream in, frames
// out. Pure: no timers, no I/O; the caller decides when to flush (see toPatchStream).
import type { JsonPath } from "../json/json-path.js";
import { encodeError } from "./error-codec.js";
import { patchHeader, type PatchOperation, type PatchStreamKind, type PatchUpdate, type PathRef } from "./protocol.js";

interface PathNode {
  /** -1 until the reader has been told of the path. */
  id: number;
  readonly key: string | number;
  readonly parent: PathNode | undefined;
  children: Map<string | number, PathNode> | undefined;
  /** Clock values: a value is closed when it closed after it (or an ancestor) was last set. */
  setAt: number;
  closedAt: number;
}

/** Options of {@link PatchEncoder}. */
export interface PatchEncoderOptions {
  /**
   * Check that a grown string begins with the one sent before appending (else set it whole).
   * Needed when updates carry no `completed` paths (iterable streams' partial items); costs
   * a comparison of the string per update.
   */
  readonly checkPrefixes?: boolean;
}

/**
 * Turns a stream's updates into frames of the patch protocol. Call {@link update} for every
 * update (or {@link item} for an iterable's finished item), then {@link flush} whenever a frame
 * should go out: everything since the last flush becomes one frame, and appends to one string
 * are merged into one. Each method returns text to send (whole lines), or `""`.
 *
 * @example
 * const encoder = new PatchEncoder("partial");
 * let body = encoder.header();
 * for await (const update of stream.updates()) { encoder.update(update); body += encoder.flush(); }
 * body += encoder.finish(await stream.final);
 */
export class PatchEncoder {
  private sent: unknown = undefined;
  private readonly root: PathNode = { id: 0, key: "", parent: undefined, children: undefined, setAt: 0, closedAt: 0 };
  private nextId = 1;
  private clock = 0;
  // The active path as the reader has it after the operations written so far (each set, merge
  // and append moves it; see docs/transport.md).
  private readerActive: PathNode | null = null;
  private impliedDone = new Set<PathNode>();
  private current: unknown = undefined;
  private sentProgress = "";
  private attempt = 1;
  private newAttempt: number | undefined = undefined;
  private latest: PatchUpdate | undefined = undefined;
  private completed: JsonPath[] = [];
  private items: unknown[] = [];
  private ops: PatchOperation[] = [];
  private closing = new Set<PathNode>();
  private readonly checkPrefixes: boolean;
  private pendingUsage: unknown = undefined;

  constructor(
    readonly kind: PatchStreamKind,
    options: PatchEncoderOptions = {},
  ) {
    this.checkPrefixes = options.checkPrefixes ?? kind === "iterable";
  }

  /** The first line of the stream. */
  header(): string {
    return `${patchHeader(this.kind)}\n`;
  }

  /** True when something waits for {@link flush}. */
  get hasPending(): boolean {
    return this.latest !== undefined || this.items.length > 0 || this.newAttempt !== undefined;
  }

  /** Records an update (the latest value wins; completed paths add up until the next flush). */
  update(update: PatchUpdate): void {
    const attempt = update.attempt ?? this.attempt;
    if (attempt !== this.attempt) {
      // What the old attempt closed no longer matters: the reader clears it all.
      this.attempt = attempt;
      this.newAttempt = attempt;
      this.completed = [];
    }
    if (update.completed !== undefined) for (const path of update.completed) this.completed.push(path);
    this.latest = update;
  }

  /** Records a finished item of an iterable stream. */
  item(value: unknown): void {
    this.items.push(value);
  }

  /** One frame with everything recorded since the last flush, or "" when nothing changed. */
  flush(): string {
    let cleared = "";
    const ops: PatchOperation[] = (this.ops = []);
    if (this.newAttempt !== undefined) {
      // A frame of its own, so that a reader shows the empty form before the new answer.
      cleared = `${JSON.stringify([["n", this.newAttempt]])}\n`;
      this.newAttempt = undefined;
      this.sent = undefined;
      this.root.setAt = ++this.clock; // every string of the old attempt counts as open again
      this.readerActive = null;
      this.sentProgress = "0/0";
    }
    for (const item of this.items) ops.push(["i", item]);
    this.items = [];
    const update = this.latest;
    this.latest = undefined;
    if (update !== undefined) {
      const closing = (this.closing = new Set<PathNode>());
      for (const path of this.completed) closing.add(this.nodeAt(path));
      this.impliedDone = new Set();
      this.current = update.value;
      this.diff(this.sent, update.value, this.root);
      this.sent = update.value;
      if (this.kind === "partial") {
        const active = update.active === undefined ? null : this.nodeAt(update.active);
        if (active !== this.readerActive) {
          ops.push(active === null ? ["@"] : ["@", this.ref(active)]);
          this.moveActive(active);
        }
      }
      if (this.completed.length > 0) {
        const done: unknown[] = ["d"];
        for (const path of this.completed) {
          const node = this.nodeAt(path);
          node.closedAt = ++this.clock;
          if (!this.impliedDone.delete(node)) done.push(this.ref(node));
        }
        if (done.length > 1) ops.push(done as unknown as PatchOperation);
        this.completed = [];
      }
      closing.clear();
      if (update.progress !== undefined) {
        const progress = `${update.progress.done}/${update.progress.total}`;
        if (progress !== this.sentProgress) {
          ops.push(["p", update.progress.done, update.progress.total]);
          this.sentProgress = progress;
        }
      }
    }
    if (ops.length === 0) return cleared;
    // A frame that only appends to the active string is written as the bare string.
    const [only] = ops;
    return `${cleared}${JSON.stringify(ops.length === 1 && typeof only === "string" ? only : ops)}\n`;
  }

  /** The last frames of a stream that ended well: what is pending, the usage, and `final`. */
  finish(...final: [] | [value: unknown]): string {
    const pending = this.flush();
    // The final value is most often the document as shown (no transform changed it): then the
    // reader takes its own, and the answer is not sent twice.
    const isShown = final.length === 0 || (this.kind === "partial" && isSameJson(final[0], this.sent));
    return `${pending}${this.end(isShown ? ["f"] : ["f", final[0]])}`;
  }

  /** Records the usage, sent with the stream's last frame. */
  usage(usage: unknown): void {
    this.pendingUsage = usage;
  }

  /** The last frames of a stream that failed: what is pending, then the error. */
  fail(error: unknown): string {
    return this.end(["e", encodeError(error)]);
  }

  private end(last: PatchOperation): string {
    const pending = this.flush();
    const ops: PatchOperation[] = [];
    if (this.pendingUsage !== undefined) ops.push(["u", this.pendingUsage]);
    ops.push(last);
    return `${pending}${JSON.stringify(ops)}\n`;
  }

  private diff(before: unknown, after: unknown, node: PathNode): void {
    if (before === after) return;
    if (after === undefined) {
      this.ops.push(["s", this.ref(node)]);
      node.setAt = ++this.clock;
      return;
    }
    if (typeof before === "string" && typeof after === "string") {
      if (this.canAppend(before, after, node)) {
        const text = after.slice(before.length);
        this.ops.push(node === this.readerActive ? text : ["a", this.ref(node), text]);
        this.moveActive(node);
        return;
      }
    } else if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
      if (Array.isArray(before)) {
        const list = after as unknown[];
        if (list.length >= before.length) {
          // An array being written only grows, and every element before the last one sent had
          // closed. One that closed (compared once) may have been replaced by a duplicated key.
          const from = this.checkPrefixes || this.closing.has(node) || this.isClosed(node) ? 0 : Math.max(0, before.length - 1);
          for (let index = from; index < before.length; index++) this.diff(before[index], list[index], this.child(node, index));
          if (list.length > before.length) this.merge(node, list.slice(before.length).map((value, offset) => [before.length + offset, value]), true);
          return;
        }
      } else {
        const old = before as Record<string, unknown>;
        const now = after as Record<string, unknown>;
        let kept = 0;
        const added: [string, unknown][] = [];
        for (const key of Object.keys(now)) {
          if (!Object.hasOwn(old, key)) {
            added.push([key, now[key]]);
            continue;
          }
          kept++;
          this.diff(old[key], now[key], this.child(node, key));
        }
        if (kept < Object.keys(old).length) {
          for (const key of Object.keys(old)) if (!Object.hasOwn(now, key)) this.diff(old[key], undefined, this.child(node, key));
        }
        // New members come after the old ones (JSON is written in order), so one merge keeps
        // the reader's key order.
        if (added.length > 0) this.merge(node, added, false);
        return;
      }
    }
    this.ops.push(["s", this.ref(node), after]);
    node.setAt = ++this.clock;
    this.moveActive(this.rightmost(node, after));
  }

  // New members of an object (or elements of an array) in one operation, with the bytes of the
  // answer's own text: each member gets the next path id; an atomic member is done by rule 2.
  private merge(node: PathNode, members: readonly (readonly [string | number, unknown])[], isArray: boolean): void {
    const ref = this.ref(node);
    const body: Record<string, unknown> | unknown[] = isArray ? [] : {};
    let last = node;
    for (const [key, value] of members) {
      const child = this.child(node, key);
      child.id = this.nextId++;
      child.setAt = ++this.clock;
      if (isArray) (body as unknown[]).push(value);
      else Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
      if (!isContainer(value) && typeof value !== "string") this.impliedDone.add(child);
      last = this.rightmost(child, value);
    }
    this.ops.push(["m", ref, body]);
    this.moveActive(last);
  }

  // The reader counts as done every shown value the active path leaves (JSON is written in
  // order: what the writer left is complete), so those need no "d".
  private moveActive(next: PathNode | null): void {
    const before = this.readerActive;
    this.readerActive = next;
    if (before === null || before === next) return;
    const stay = new Set<PathNode>();
    for (let at: PathNode | undefined = next ?? undefined; at !== undefined; at = at.parent) stay.add(at);
    for (let at: PathNode | undefined = before; at !== undefined && !stay.has(at); at = at.parent) {
      if (this.isShown(at)) this.impliedDone.add(at);
    }
  }

  private isShown(node: PathNode): boolean {
    const keys: (string | number)[] = [];
    for (let at: PathNode | undefined = node; at?.parent !== undefined; at = at.parent) keys.push(at.key);
    let value = this.current;
    for (let index = keys.length - 1; index >= 0; index--) {
      if (!isContainer(value) || !Object.hasOwn(value, keys[index] as string | number)) return false;
      value = (value as Record<string | number, unknown>)[keys[index] as string | number];
    }
    return value !== undefined;
  }

  // The path the reader makes active after writing `value` at `node`: its last member, down; a
  // last member that is atomic is whole, so then the container holding it.
  private rightmost(node: PathNode, value: unknown): PathNode {
    for (let at = node, inner = value; ; ) {
      if (!isContainer(inner)) return typeof inner === "string" || at.parent === undefined ? at : at.parent;
      const key = Array.isArray(inner) ? inner.length - 1 : Object.keys(inner).at(-1);
      if (key === undefined || key === -1) return at;
      at = this.child(at, key);
      inner = (inner as Record<string | number, unknown>)[key];
    }
  }

  // A string being written only grows (rule 1 of partial values), so its new tail is all that
  // is sent. One that had closed can only change by being replaced (a duplicated key); one that
  // closed in this frame is compared once, which keeps the whole check linear.
  private canAppend(before: string, after: string, node: PathNode): boolean {
    if (after.length <= before.length || this.isClosed(node)) return false;
    if (this.checkPrefixes || this.closing.has(node)) return after.startsWith(before);
    return true;
  }

  private isClosed(node: PathNode): boolean {
    let setAt = 0;
    for (let at: PathNode | undefined = node; at !== undefined; at = at.parent) setAt = Math.max(setAt, at.setAt);
    return node.closedAt > setAt;
  }

  private child(node: PathNode, key: string | number): PathNode {
    const children = (node.children ??= new Map());
    let child = children.get(key);
    if (child === undefined) {
      child = { id: -1, key, parent: node, children: undefined, setAt: 0, closedAt: 0 };
      children.set(key, child);
    }
    return child;
  }

  private nodeAt(path: JsonPath): PathNode {
    let node = this.root;
    for (const key of path) node = this.child(node, key);
    return node;
  }

  // The reader numbers definitions in the order it finishes reading them: parent first.
  private ref(node: PathNode): PathRef {
    if (node.id >= 0) return node.id;
    const parent = this.ref(node.parent as PathNode);
    node.id = this.nextId++;
    return [parent, node.key];
  }
}

// Equal as JSON text would be: the same plain values, keys in the same order.
function isSameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "object" || a === null || isPlain(a);
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b) || !isPlain(a) || !isPlain(b)) return false;
  const keys = Object.keys(a);
  const others = Object.keys(b);
  if (keys.length !== others.length) return false;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (key !== others[index] || !isSameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
