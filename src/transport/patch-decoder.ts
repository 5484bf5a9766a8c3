// The reader's half of the patch protocol (docs/transport.md): lines in, the document and what
// each frame said out. Pure: no I/O. Snapshots share every subtree a frame did not touch.
import { TransportError } from "../errors/transport-error.js";
import type { FormworkError } from "../errors/formwork-error.js";
import { formatJsonPath, type JsonPath } from "../json/json-path.js";
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
  /** The document: a new object only where a frame changed something. */
  value: unknown = undefined;
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

  read(line: string): DecodedFrame | undefined {
    this.lineNumber++;
    this.line = line;
    if (this.kind === undefined) {
      this.kind = this.header(line);
      return undefined;
    }
    if (line.trim() === "") return undefined; // a heartbeat
    if (this.isEnded) throw this.malformed("a line after the stream's last operation");
    let ops: unknown;
    try {
      ops = JSON.parse(line);
    } catch {
      throw this.malformed("not JSON");
    }
    if (!Array.isArray(ops)) throw this.malformed("a frame must be a JSON array of operations");
    this.fresh = new Set();
    let isUpdate = false;
    let attempt: number | undefined;
    const completed: JsonPath[] = [];
    const items: unknown[] = [];
    const frame: { usage?: unknown; final?: { value: unknown }; error?: FormworkError } = {};
    for (const op of ops as unknown[]) {
      if (!Array.isArray(op) || typeof op[0] !== "string") throw this.malformed("an operation must be an array that begins with its name");
      switch (op[0]) {
        case "s": {
          const path = this.path(op[1]);
          this.set(path, op.length < 3 ? undefined : op[2], op.length < 3);
          isUpdate = true;
          break;
        }
        case "a": {
          const path = this.path(op[1]);
          if (typeof op[2] !== "string") throw this.malformed("an append needs a string");
          this.append(path, op[2]);
          isUpdate = true;
          break;
        }
        case "d":
          for (const ref of op.slice(1)) completed.push(this.path(ref));
          isUpdate = true;
          break;
        case "@":
          this.active = op.length < 2 ? undefined : this.path(op[1]);
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
          this.value = undefined;
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
          frame.final = { value: op[1] };
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
    return { isUpdate, completed, items, attempt, ...frame };
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
    this.fresh.add(copy);
    return copy;
  }

  private parentOf(path: JsonPath): Container {
    let node = this.writable(this.value, path, -1);
    this.value = node;
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
      this.value = value;
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

  private append(path: JsonPath, text: string): void {
    if (path.length === 0) {
      if (typeof this.value !== "string") throw this.malformed("an append to a value that is not a string");
      this.value += text;
      return;
    }
    const parent = this.parentOf(path);
    const key = path[path.length - 1] as string | number;
    const current = read(parent, key);
    if (typeof current !== "string") throw this.malformed(`an append to ${formatJsonPath(path)}, which is not a string`);
    write(parent, key, current + text);
  }
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
