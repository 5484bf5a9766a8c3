// The reader's half of the patch protocol (docs/transport.md): lines in, the document and what
// each frame said out. Pure: no I/O. Snapshots share every subtree a frame did not touch.
import { TransportError } from "../errors/transport-error.js";
import type { FormworkError } from "../errors/formwork-error.js";
import { formatJsonPath, type JsonPath } from "../json/json-path.js";
import { isSnapshotAffordable, type SnapshotBudget } from "../stream/snapshot-budget.js";
import { decodeError } from "./error-codec.js";
import { PATCH_VERSION, type PatchStreamKind } from "./protocol.js";

/** What one frame said. */
export interface DecodedFrame {
  /** True when the frame changed what `updates()` reports (value, active, progress, completed, attempt). */
  readonly isUpdate: boolean;
  /** Paths that closed in this frame. */
  readonly completed: readonly JsonPath[];
  /** Items an iterable stream finished in this frame. */
  readonly items: readonly unknown[];
  /** Set when the frame began a new attempt. */
  readonly attempt: number | undefined;
  readonly usage?: unknown;
  /** Set when the stream ended well (`value` is undefined for an iterable stream). */
  readonly final?: { readonly value: unknown };
  /** Set when the stream ended with an error. */
  readonly error?: FormworkError;
}

type Container = Record<string, unknown> | unknown[];

/**
 * How often {@link PatchDecoder.snapshot} copies a long array: the server's budget (see
 * src/stream/snapshot-budget.ts) scaled to the reader's work. The reader spends about 0.2 µs
 * per character of frames (a JSON.parse and a path walk, no tokenizer, no schema), about what
 * 64 copied entries cost, so it allows 8 per character (about a tenth more work) where the
 * server allows 64. Arrays of up to 64 items are copied after every frame; a 1,000-item array
 * every 125 characters or so, when frames come faster than that (at a model's real pace,
 * frames 50 ms apart, the time allows a copy after every frame for arrays up to 50,000 items).
 */
const READER_SNAPSHOT_BUDGET: SnapshotBudget = { copiesPerCharacter: 8, copiesPerMillisecond: 1000, small: 64 };

/**
 * Reads a patch stream line by line. `read(line)` (without its newline) returns what the frame
 * said, or undefined for the header and heartbeats; it throws TransportError for a line that
 * breaks the protocol. `value`, `progress`, `active` and `attempt` are the state after it.
 *
 * @example
 * const decoder = new PatchDecoder();
 * for (const line of body.split("\n")) decoder.read(line);
 * decoder.value; // the document as the server last showed it
 */
export class PatchDecoder {
  private document: unknown = undefined;

  /**
   * The document as a snapshot: never changed afterwards, sharing every subtree that did not
   * change since the previous read. Reading it seals the document: frames applied before the
   * next read copy what they change once (path copying), however many frames that is, so a
   * reader that looks less often than frames arrive pays less. A reader that shows every frame
   * reads {@link snapshot} instead, which spaces out the copies of a long array.
   */
  get value(): unknown {
    if (this.copied > READER_SNAPSHOT_BUDGET.small) this.sealTime = performance.now();
    this.copied = 0;
    this.characters = 0;
    this.fresh = new Set();
    return (this.shown = this.document);
  }

  /**
   * True when sealing the document now costs little enough for the frames read since the last
   * seal. The cost of a seal is the copying it causes: the next frame copies each container on
   * its path once, and an array costs a pointer per item, so for a long array (over about 500
   * items) a seal after every frame makes the copying grow with items × frames. The budget is
   * the server's (partialStream's rule 7, src/stream/snapshot-budget.ts): copies per character
   * of the frames since, or per millisecond.
   */
  get isSnapshotAffordable(): boolean {
    return isSnapshotAffordable(READER_SNAPSHOT_BUDGET, this.copied, this.characters, this.sealTime);
  }

  /**
   * The document as a snapshot when one is affordable ({@link isSnapshotAffordable}) or the
   * stream has ended; otherwise the previous snapshot, unchanged, until enough frames have come
   * to pay for the copy. The snapshots of a long array are spaced out as on the server, so a
   * reader that looks after every frame stays linear in the answer's length; each snapshot it
   * gets deep-equals the writer's after some frame, and the last is the writer's last.
   */
  snapshot(): unknown {
    return this.isEnded || this.isSnapshotAffordable ? this.value : this.shown;
  }
  progress = { done: 0, total: 0, ratio: 0 };
  active: JsonPath | undefined = undefined;
  attempt = 1;
  kind: PatchStreamKind | undefined = undefined;
  /** True once an `f` or `e` operation was read. */
  isEnded = false;
  private lineNumber = 0;
  private line = "";
  private readonly paths: JsonPath[] = [[]];
  private fresh = new Set<object>();
  // The last sealed document, and what the copying since the seal cost (array entries; an
  // object counts as one: its keys are the schema's), over how many characters of frames.
  private shown: unknown = undefined;
  private copied = 0;
  private characters = 0;
  private sealTime = 0;

  read(line: string): DecodedFrame | undefined {
    this.lineNumber++;
    this.line = line;
    if (this.kind === undefined) {
      this.kind = this.header(line);
      return undefined;
    }
    if (line.trim() === "") return undefined; // a heartbeat
    if (this.isEnded) throw this.malformed("a line after the stream's last operation");
    this.characters += line.length;
    let ops: unknown;
    try {
      ops = JSON.parse(line);
    } catch {
      throw this.malformed("not JSON");
    }
    // A bare string is a frame with one append to the active path.
    if (typeof ops === "string") ops = [ops];
    if (!Array.isArray(ops)) throw this.malformed("a frame must be a JSON array of operations, or a string");
    let isUpdate = false;
    let attempt: number | undefined;
    const completed: JsonPath[] = [];
    const items: unknown[] = [];
    const frame: { usage?: unknown; final?: { value: unknown }; error?: FormworkError } = {};
    for (const op of ops as unknown[]) {
      if (typeof op === "string") {
        if (this.active === undefined) throw this.malformed("an append to the active path, but none is active");
        this.append(this.active, op);
        isUpdate = true;
        continue;
      }
      if (!Array.isArray(op) || typeof op[0] !== "string") throw this.malformed("an operation must be a string or an array that begins with its name");
      switch (op[0]) {
        case "s": {
          const path = this.path(op[1]);
          const isRemoval = op.length < 3;
          this.set(path, isRemoval ? undefined : op[2], isRemoval);
          if (!isRemoval) this.moveActive(rightmost(path, op[2]), completed);
          isUpdate = true;
          break;
        }
        case "a": {
          const path = this.path(op[1]);
          if (typeof op[2] !== "string") throw this.malformed("an append needs a string");
          this.append(path, op[2]);
          this.moveActive(path, completed);
          isUpdate = true;
          break;
        }
        case "m":
          this.moveActive(this.merge(this.path(op[1]), op[2], completed), completed);
          isUpdate = true;
          break;
        case "d":
          for (const ref of op.slice(1)) completed.push(this.path(ref));
          isUpdate = true;
          break;
        case "@":
          this.moveActive(op.length < 2 ? undefined : this.path(op[1]), completed);
          isUpdate = true;
          break;
        case "p": {
          const [, done, total] = op as unknown[];
          if (typeof done !== "number" || typeof total !== "number") throw this.malformed("progress needs two numbers");
          this.progress = { done, total, ratio: total === 0 ? 0 : done / total };
          isUpdate = true;
          break;
        }
        case "n":
          if (typeof op[1] !== "number") throw this.malformed("an attempt needs its number");
          attempt = this.attempt = op[1];
          this.document = undefined;
          this.copied = 0; // an empty document: the next snapshot costs nothing
          this.active = undefined;
          this.progress = { done: 0, total: 0, ratio: 0 };
          completed.length = 0;
          isUpdate = true;
          break;
        case "i":
          items.push(op[1]);
          break;
        case "u":
          frame.usage = op[1];
          break;
        case "f":
          // Without a value: a partial stream's final value is the document as shown.
          frame.final = { value: op.length < 2 ? (this.kind === "partial" ? this.document : undefined) : op[1] };
          this.isEnded = true;
          break;
        case "e":
          frame.error = decodeError(op[1]);
          this.isEnded = true;
          break;
        default:
          break; // an operation of a later minor revision: skipped whole (docs/transport.md)
      }
    }
    // A value may be done twice over (an atomic member of a merge, which the active path then
    // leaves): listed once.
    const unique = completed.length < 2 ? completed : [...new Map(completed.map((path) => [JSON.stringify(path), path])).values()];
    return { isUpdate, completed: unique, items, attempt, ...frame };
  }

  /** The error to end with when the body ended here: patch-truncated, unless the stream was over. */
  truncated(): TransportError | undefined {
    if (this.isEnded) return undefined;
    const where = this.lineNumber === 0 ? "before its first line" : `after line ${this.lineNumber}`;
    return new TransportError({
      code: "patch-truncated",
      message: `The patch stream ended ${where}, before its final operation: the connection dropped or the server stopped. The last value shown is on \`partial\`; ask again to get the whole value`,
      lineNumber: this.lineNumber,
      line: this.line,
      partial: this.value,
    });
  }

  private header(line: string): PatchStreamKind {
    let header: unknown;
    try {
      header = JSON.parse(line);
    } catch {
      header = undefined;
    }
    const record = (typeof header === "object" && header !== null ? header : {}) as Record<string, unknown>;
    const kind = record["kind"];
    if (record["formwork"] !== "patch" || record["version"] !== PATCH_VERSION || (kind !== "partial" && kind !== "iterable")) {
      const what = record["formwork"] === "patch" ? `version ${JSON.stringify(record["version"])} (this reader knows version ${PATCH_VERSION}; use the same formwork version on both sides)` : "not a formwork patch stream (is the URL right? does the server answer with toResponse?)";
      throw new TransportError({ code: "patch-version", message: `Line 1 of the patch stream is ${what}: ${excerpt(line)}`, lineNumber: 1, line, partial: undefined });
    }
    return kind;
  }

  private malformed(reason: string): TransportError {
    return new TransportError({
      code: "patch-malformed",
      message: `Line ${this.lineNumber} of the patch stream is malformed (${reason}): ${excerpt(this.line)}`,
      lineNumber: this.lineNumber,
      line: this.line,
      partial: this.value,
    });
  }

  private path(ref: unknown): JsonPath {
    if (typeof ref === "number") {
      const path = this.paths[ref];
      if (path === undefined) throw this.malformed(`path id ${ref} was never defined`);
      return path;
    }
    if (Array.isArray(ref) && ref.length === 2 && (typeof ref[1] === "string" || (Number.isInteger(ref[1]) && ref[1] >= 0))) {
      const path = [...this.path(ref[0]), ref[1] as string | number];
      this.paths.push(path);
      return path;
    }
    throw this.malformed(`${JSON.stringify(ref)} is not a path reference`);
  }

  // A copy of `value` this frame may change in place (copied once per frame: path copying).
  private writable(value: unknown, path: JsonPath, depth: number): Container {
    if (typeof value !== "object" || value === null) throw this.malformed(`nothing holds ${formatJsonPath(path.slice(0, depth + 1))}`);
    if (this.fresh.has(value)) return value as Container;
    const copy = Array.isArray(value) ? value.slice() : { ...(value as Record<string, unknown>) };
    this.copied += Array.isArray(copy) ? copy.length : 1;
    this.fresh.add(copy);
    return copy;
  }

  private parentOf(path: JsonPath): Container {
    let node = this.writable(this.document, path, -1);
    this.document = node;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const key = path[depth] as string | number;
      const child = this.writable(read(node, key), path, depth);
      write(node, key, child);
      node = child;
    }
    return node;
  }

  private set(path: JsonPath, value: unknown, isRemoval: boolean): void {
    if (path.length === 0) {
      this.document = value;
      if (typeof value === "object" && value !== null) this.fresh.add(value);
      return;
    }
    const parent = this.parentOf(path);
    const key = path[path.length - 1] as string | number;
    if (Array.isArray(parent)) {
      if (typeof key !== "number" || key > parent.length) throw this.malformed(`an array has no element ${JSON.stringify(key)} to set`);
      if (isRemoval) {
        if (key !== parent.length - 1) throw this.malformed("only an array's last element can be removed");
        parent.pop();
      } else parent[key] = value;
    } else {
      if (typeof key !== "string") throw this.malformed(`an object has no index ${key}`);
      if (isRemoval) delete parent[key];
      else write(parent, key, value);
    }
    if (typeof value === "object" && value !== null) this.fresh.add(value);
  }

  // Every shown value the active path leaves is done: JSON is written in order.
  private moveActive(next: JsonPath | undefined, completed: JsonPath[]): void {
    const before = this.active;
    this.active = next;
    if (before === undefined || before === next) return;
    let common = 0;
    if (next === undefined) common = -1;
    else while (common < before.length && common < next.length && before[common] === next[common]) common++;
    for (let length = before.length; length > common; length--) {
      const path = before.slice(0, length);
      if (this.isShown(path)) completed.push(path);
    }
  }

  private isShown(path: JsonPath): boolean {
    let value = this.document;
    for (const key of path) {
      if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return false;
      value = (value as Record<string | number, unknown>)[key];
    }
    return value !== undefined;
  }

  // New members (an object) or elements (an array) at the end of the container at `path`.
  private merge(path: JsonPath, members: unknown, completed: JsonPath[]): JsonPath {
    const target = path.length === 0 ? this.writable(this.document, path, -1) : this.containerAt(path);
    if (path.length === 0) this.document = target;
    if (typeof members !== "object" || members === null || Array.isArray(members) !== Array.isArray(target)) throw this.malformed(`a merge into ${formatJsonPath(path)} needs ${Array.isArray(target) ? "an array" : "an object"}`);
    let last = path;
    const entries: [string | number, unknown][] = Array.isArray(members) ? members.map((value, offset) => [(target as unknown[]).length + offset, value]) : Object.entries(members);
    for (const [key, value] of entries) {
      const child = [...path, key];
      this.paths.push(child);
      write(target, key, value);
      if (typeof value === "object" && value !== null) this.fresh.add(value);
      else if (typeof value !== "string") completed.push(child); // atomic: whole, so done
      last = rightmost(child, value);
    }
    return last;
  }

  // The container at `path`, made writable for this frame.
  private containerAt(path: JsonPath): Container {
    const parent = this.parentOf(path);
    const key = path[path.length - 1] as string | number;
    const child = this.writable(read(parent, key), path, path.length - 1);
    write(parent, key, child);
    return child;
  }

  private append(path: JsonPath, text: string): void {
    if (path.length === 0) {
      if (typeof this.document !== "string") throw this.malformed("an append to a value that is not a string");
      this.document += text;
      return;
    }
    const parent = this.parentOf(path);
    const key = path[path.length - 1] as string | number;
    const current = read(parent, key);
    if (typeof current !== "string") throw this.malformed(`an append to ${formatJsonPath(path)}, which is not a string`);
    write(parent, key, current + text);
  }
}

// The path a write makes active: the value's last member, down; when that is atomic (whole),
// the container holding it (docs/transport.md).
function rightmost(path: JsonPath, value: unknown): JsonPath {
  let at = path;
  let inner = value;
  while (typeof inner === "object" && inner !== null) {
    const key = Array.isArray(inner) ? inner.length - 1 : Object.keys(inner).at(-1);
    if (key === undefined || key === -1) return at;
    at = [...at, key];
    inner = (inner as Record<string | number, unknown>)[key];
  }
  return typeof inner === "string" || at.length === 0 ? at : at.slice(0, -1);
}

function read(container: Container, key: string | number): unknown {
  return Object.hasOwn(container, key) ? (container as Record<string | number, unknown>)[key] : undefined;
}

// "__proto__" is an own key, as JSON.parse makes it; nothing is ever assigned through a prototype.
function write(container: Container, key: string | number, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
  else (container as Record<string | number, unknown>)[key] = value;
}

function excerpt(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
