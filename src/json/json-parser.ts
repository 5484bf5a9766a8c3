import { JsonParseError, type JsonParseErrorCode } from "./json-parse-error.js";
import { formatJsonPath, type JsonPath } from "./json-path.js";

/** Options of {@link JsonParser}. */
export interface JsonParserOptions {
  /**
   * Accept what models write around and inside JSON: a byte-order mark, prose before the value
   * and after it, markdown fences, `//` and `/* *\/` comments, trailing commas. Nothing is
   * invented; everything skipped or repaired is listed in {@link JsonParser.repairs}.
   * Default `false`: strict RFC 8259.
   */
  readonly lenient?: boolean;
  /** Deepest nesting of objects and arrays. Default 512. */
  readonly maxDepth?: number;
  /** Longest string or key, in UTF-16 code units. Default 16 Mi (16,777,216). */
  readonly maxStringLength?: number;
  /** Most text in all, in UTF-16 code units. Default 64 Mi (67,108,864). */
  readonly maxLength?: number;
  /**
   * Read a sequence of values (newline-delimited or simply concatenated) instead of one. Each
   * emits `value-end` at the root path `[]`; `value` shows the one being read, and `end()`
   * returns the last one (undefined if there was none). Default `false`.
   */
  readonly multiple?: boolean;
}

/** The kind of a value, as told by its first character. */
export type JsonValueKind = "object" | "array" | "string" | "number" | "boolean" | "null";

/** What lenient mode skipped or repaired, and where (`offset` to `end`, UTF-16 code units). */
export interface JsonRepair {
  readonly kind: "byte-order-mark" | "prose" | "markdown-fence" | "comment" | "trailing-comma";
  readonly offset: number;
  readonly end: number;
}

/** Events a {@link JsonParser} emits synchronously while it reads. */
export interface JsonParserEvents {
  /** A value began: the path being written now. Numbers and literals are not shown yet (rule 2). */
  "value-start": { readonly path: JsonPath; readonly kind: JsonValueKind };
  /** A value closed: its path and its complete value (for containers, the live object). */
  "value-end": { readonly path: JsonPath; readonly value: unknown };
  /** A string value grew during the last `write` (emitted once per write, at its end). */
  "string-grow": { readonly path: JsonPath; readonly value: string };
}

type Listener<T> = (event: T) => void;

const DEFAULT_MAX_DEPTH = 512;
const DEFAULT_MAX_STRING_LENGTH = 16 * 1024 * 1024;
const DEFAULT_MAX_LENGTH = 64 * 1024 * 1024;

// Parser states. Plain numbers (not a const enum) so that isolated transpilers keep them inline.
const VALUE = 0; // a value must follow: at the root, after ':'
const FIRST_ELEMENT = 1; // after '[': a value or ']'
const ELEMENT = 2; // after ',' in an array: a value
const FIRST_KEY = 3; // after '{': a key or '}'
const KEY = 4; // after ',' in an object: a key
const COLON = 5; // after a key: ':'
const AFTER_VALUE = 6; // after a value in a container: ',' or the closer
const STRING = 7; // inside a string (a key or a value)
const ESCAPE = 8; // after '\' in a string
const UNICODE = 9; // reading the four hex digits of '\u'
const HELD_HIGH = 10; // a high surrogate was read; it is shown with whatever comes next
const NUMBER = 11;
const LITERAL = 12; // true, false, null
const DONE = 13; // the root value closed
// Lenient-only states.
const START = 14; // nothing but whitespace yet: a value of any kind may start here
const PROSE = 15; // prose before the value: only '{', '[' or a fence begins it
const FENCE_INFO = 16; // the rest of a fence's opening line (```json)
const COMMENT_START = 17; // after '/'
const LINE_COMMENT = 18;
const BLOCK_COMMENT = 19;
const BLOCK_COMMENT_STAR = 20; // after '*' inside a block comment
const TRAILER = 21; // lenient: anything after the root value is skipped

// Number grammar sub-states (RFC 8259 section 6).
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRACTION = 4;
const N_E = 5;
const N_E_SIGN = 6;
const N_EXPONENT = 7;

const LITERALS = ["true", "false", "null"] as const;
const LITERAL_VALUES = [true, false, null] as const;

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

// Reachable for as long as this module is: see the static block of JsonParser.
const keptAlive: unknown[] = [];

/**
 * An incremental JSON parser: feed it text in chunks of any size and read the value as it grows.
 * Each character is looked at once, and reading the partial value costs O(1): `value` is a live
 * view, updated in place by later writes. Never recursive, so no input can overflow the stack.
 *
 * Rules of partial values, numbered so that tests can name them:
 * 1. A string appears as soon as its opening quote is read and only grows by appending. An
 *    escape appears only once it is complete; a high surrogate waits for its low half.
 * 2. Numbers, `true`, `false` and `null` appear only when complete: a number whose digits may
 *    continue is not shown (`12` might become `123`) until a delimiter or `end()`.
 * 3. An object member appears when its value appears; an array element likewise.
 * 4. Once shown, a value never disappears, never changes type, and an atomic value never
 *    changes. (A duplicated key is the exception JSON allows: the later member replaces it,
 *    as `JSON.parse` does.)
 * 5. Any split of the same text into chunks gives the same sequence of distinct values (a
 *    coarser split skips some of them) and the same final value, which deep-equals
 *    `JSON.parse` of the text.
 * 6. A key `"__proto__"` becomes an own property, as with `JSON.parse`; nothing is ever
 *    assigned through a prototype.
 *
 * @example
 * const parser = new JsonParser();
 * parser.write('{"name": "Ada", "tags": ["ma');
 * parser.value; // { name: "Ada", tags: ["ma"] }
 * parser.write('th"]}');
 * parser.end(); // { name: "Ada", tags: ["math"] }
 */
export class JsonParser {
  // One parser kept alive for as long as the class is, so that its hidden class (and those of
  // the values it built) never dies. After about 30 s of idleness V8's memory reducer runs full
  // GCs; if no parser were alive then, the hidden class would be collected, every optimised
  // method that depends on it thrown away, and the next document would run unoptimised for its
  // first half: measured 2.5x the busy time at 1 MB and 6.5x at 100 KB (`npm run bench -- json`).
  // It has read one small document of every kind of value, so its fields hold the same kinds
  // of values as any parser's.
  static {
    keptAlive.push(warmUp(new JsonParser()));
  }

  /** What lenient mode skipped or repaired, in order. Always empty in strict mode. */
  readonly repairs: JsonRepair[] = [];

  private readonly isLenient: boolean;
  private readonly isMultiple: boolean;
  private readonly maxDepth: number;
  private readonly maxStringLength: number;
  private readonly maxLength: number;

  private state: number;
  private root: unknown = undefined;
  private hasRoot = false;
  private isEnded = false;
  private failure: JsonParseError | undefined = undefined;

  // Open containers, innermost last, and the key of the child being written in each.
  private readonly containers: (Record<string, unknown> | unknown[])[] = [];
  private readonly keys: (string | number)[] = [];
  // Bumped whenever `keys` or `depth` changes: the cached path is then stale.
  private pathVersion = 0;
  private cachedPathVersion = -1;
  private cachedPath: JsonPath = [];
  private depth = 0;
  private isInArray = false;

  // The string being read: its text so far, whether it is a key, and a held high surrogate.
  private text = "";
  private isKey = false;
  private heldHigh = -1;
  private hexDigits = 0;
  private hexValue = 0;
  private key = "";
  private shownLength = 0;
  private pieces = 0; // how many pieces the string was built from (see detach)
  // Where the string value being read is shown: its container (undefined at the root) and key.
  private slot: Record<string, unknown> | unknown[] | undefined = undefined;
  private slotKey: string | number = 0;

  private numberState = 0;
  private numberText = ""; // the number's text read in earlier chunks
  private numberStart = 0; // offset of its first character
  private literal = 0;
  private literalIndex = 0;

  // Position: `base` is the offset of the current chunk; lines are counted where they may occur.
  private base = 0;
  private line = 1;
  private lineStart = 0;

  // Lenient bookkeeping.
  private returnState = 0;
  private backticks = 0;
  private proseStart = -1;
  private commentStart = 0;
  private literalStart = 0;
  private commaOffset = 0;

  private startListeners: Listener<JsonParserEvents["value-start"]>[] | undefined;
  private endListeners: Listener<JsonParserEvents["value-end"]>[] | undefined;
  private growListeners: Listener<JsonParserEvents["string-grow"]>[] | undefined;

  constructor(options: JsonParserOptions = {}) {
    this.isLenient = options.lenient === true;
    this.isMultiple = options.multiple === true;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxStringLength = options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH;
    this.maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    this.state = this.isLenient ? START : VALUE;
  }

  /** The partial value so far; `undefined` before one begins. A live view: copy it to keep it. */
  get value(): unknown {
    return this.root;
  }

  /** Whether the root value is complete (more text may still be rejected unless it is whitespace). */
  get isComplete(): boolean {
    return this.state === DONE || this.state === TRAILER || (this.isEnded && this.failure === undefined);
  }

  /** The path being written now: the innermost open value. */
  get activePath(): JsonPath {
    // keys[k] is the key of the child being written inside containers[k]: a scalar's path runs
    // through the innermost container, a container's own path stops short of it.
    return this.pathOf(this.isInScalar() ? this.depth : Math.max(0, this.depth - 1));
  }

  // The path of the first `depth` keys. While no key or depth changes (a string growing over
  // many writes), the same immutable array is handed out again: one path per value, not one
  // per event.
  private pathOf(depth: number): JsonPath {
    if (this.cachedPathVersion === this.pathVersion && this.cachedPath.length === depth) return this.cachedPath;
    this.cachedPathVersion = this.pathVersion;
    return (this.cachedPath = this.keys.slice(0, depth));
  }

  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof JsonParserEvents>(type: K, listener: Listener<JsonParserEvents[K]>): () => void {
    const list = this.listenersOf(type);
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  /** Reads the next piece of text. Throws {@link JsonParseError} at the first character that cannot be JSON. */
  write(chunk: string): void {
    if (typeof chunk !== "string") {
      throw new TypeError(`formwork: JsonParser.write takes a string, not ${chunk === null ? "null" : typeof chunk} (decode bytes with TextDecoder first)`);
    }
    if (this.failure !== undefined) throw this.failure;
    if (this.isEnded) this.fail("write-after-end", this.base, "more text", "nothing after end()");
    const length = chunk.length;
    if (this.base + length > this.maxLength) {
      this.fail("max-length", this.maxLength, "more text", `at most ${this.maxLength} characters in all`);
    }
    if (this.state === STRING && !this.isKey && this.continuesString(chunk)) {
      this.base += length;
      return;
    }
    this.read(chunk);
    if (this.state >= STRING && this.state <= HELD_HIGH && !this.isKey) this.showString();
    // A number still open keeps its text so far: it may go on in the next chunk (rule 2).
    else if (this.state === NUMBER) this.numberText += chunk.slice(Math.max(this.numberStart - this.base, 0));
    this.base += length;
  }

  // The commonest chunk of all, more of a string value with no quote, backslash or control
  // character (and no high surrogate at its end), is appended and shown without the state
  // machine. False, having done nothing, for any other chunk.
  private continuesString(chunk: string): boolean {
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0x22 || c === 0x5c || c < 0x20) return false;
    }
    const last = chunk.charCodeAt(length - 1);
    if (length === 0 || (last >= 0xd800 && last <= 0xdbff)) return false;
    this.appendText(chunk, this.base);
    this.showString();
    return true;
  }

  /** Declares the end of the text and returns the complete value. Throws if it is incomplete. */
  end(): unknown {
    if (this.failure !== undefined) throw this.failure;
    if (this.isEnded) return this.root;
    if (this.state === NUMBER && this.depth === 0) {
      this.finishNumber(this.numberText, this.base, "end of input");
    } else if (this.state === LITERAL && this.isLenient && this.depth === 0 && !this.hasRoot) {
      // A lenient answer that began like `true` or `null` but stopped short of it: prose.
      this.state = PROSE;
      this.proseStart = this.literalStart;
    }
    if (this.isLenient) this.closeProse(this.base);
    const isBetweenValues = this.isMultiple && this.depth === 0 && (this.state === VALUE || this.state === START || this.state === PROSE);
    if (this.state !== DONE && this.state !== TRAILER && !isBetweenValues) {
      this.fail("unexpected-end", this.base, "end of input", this.expectation());
    }
    this.isEnded = true;
    return this.root;
  }

  // The state machine. Hot paths (strings, numbers, whitespace) scan with inner loops so that
  // each character costs one charCodeAt and a compare; everything else goes one character at a
  // time. A `continue` re-enters the switch without consuming.
  private read(chunk: string): void {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      let c = chunk.charCodeAt(i);
      switch (this.state) {
        case STRING: {
          const start = i;
          while (c !== 0x22 && c !== 0x5c && c >= 0x20) {
            if (++i === length) break;
            c = chunk.charCodeAt(i);
          }
          if (i === length) {
            // The chunk ends inside the string. A high surrogate at its very end is held back,
            // so that a pair split across chunks is never shown half written (rule 1).
            const last = chunk.charCodeAt(length - 1);
            if (last >= 0xd800 && last <= 0xdbff) {
              this.appendText(chunk.slice(start, length - 1), this.base + start);
              this.heldHigh = last;
              this.state = HELD_HIGH;
            } else {
              this.appendText(chunk.slice(start, length), this.base + start);
            }
            return;
          }
          if (i > start) this.appendText(chunk.slice(start, i), this.base + start);
          if (c === 0x22) {
            i++;
            this.finishString();
          } else if (c === 0x5c) {
            i++;
            this.state = ESCAPE;
          } else {
            this.fail("control-character", this.base + i, describe(c), "a character other than a control character (escape it)");
          }
          continue;
        }
        case AFTER_VALUE: {
          i = this.skipWhitespace(chunk, i);
          if (i === length) return;
          c = chunk.charCodeAt(i);
          if (c === 0x2c) {
            this.commaOffset = this.base + i;
            i++;
            this.state = this.isInArray ? ELEMENT : KEY;
          } else if (c === (this.isInArray ? 0x5d : 0x7d)) {
            i++;
            this.closeContainer();
          } else {
            i = this.commentOrFail(c, i);
          }
          continue;
        }
        case COLON: {
          i = this.skipWhitespace(chunk, i);
          if (i === length) return;
          c = chunk.charCodeAt(i);
          if (c === 0x3a) {
            i++;
            this.state = VALUE;
          } else {
            i = this.commentOrFail(c, i);
          }
          continue;
        }
        case FIRST_KEY:
        case KEY: {
          i = this.skipWhitespace(chunk, i);
          if (i === length) return;
          c = chunk.charCodeAt(i);
          if (c === 0x22) {
            i++;
            this.text = "";
            this.pieces = 0;
            this.isKey = true;
            this.state = STRING;
          } else if (c === 0x7d && this.state === FIRST_KEY) {
            i++;
            this.closeContainer();
          } else if (c === 0x7d && this.isLenient) {
            this.repair("trailing-comma", this.commaOffset, this.commaOffset + 1);
            i++;
            this.closeContainer();
          } else {
            i = this.commentOrFail(c, i);
          }
          continue;
        }
        case VALUE:
        case FIRST_ELEMENT:
        case ELEMENT:
        case START: {
          i = this.skipWhitespace(chunk, i);
          if (i === length) return;
          c = chunk.charCodeAt(i);
          if (c === 0x5d && (this.state === FIRST_ELEMENT || (this.state === ELEMENT && this.isLenient))) {
            if (this.state === ELEMENT) this.repair("trailing-comma", this.commaOffset, this.commaOffset + 1);
            i++;
            this.closeContainer();
            continue;
          }
          if (this.startValue(c, i)) {
            i++;
          } else if (this.state === START) {
            // Lenient: the answer does not open with JSON, so it opens with prose.
            this.state = PROSE;
            this.proseStart = this.base + i;
          } else {
            i = this.commentOrFail(c, i);
          }
          continue;
        }
        case NUMBER: {
          i = this.readNumber(chunk, i);
          continue;
        }
        case ESCAPE: {
          i++;
          if (c === 0x75) {
            this.hexDigits = 0;
            this.hexValue = 0;
            this.state = UNICODE;
            continue;
          }
          const escaped = SIMPLE_ESCAPES[c];
          if (escaped === undefined) {
            this.fail("invalid-escape", this.base + i - 1, describe(c), "an escape: one of \" \\ / b f n r t u");
          }
          if (this.heldHigh >= 0) this.releaseHeld();
          this.appendText(escaped, this.base + i);
          this.state = STRING;
          continue;
        }
        case UNICODE: {
          const digit = hexValue(c);
          if (digit < 0) this.fail("invalid-escape", this.base + i, describe(c), "a hex digit in a \\u escape");
          i++;
          this.hexValue = this.hexValue * 16 + digit;
          if (++this.hexDigits === 4) this.finishUnicode(this.hexValue, i);
          continue;
        }
        case HELD_HIGH: {
          if (c === 0x5c) {
            i++;
            this.state = ESCAPE;
          } else if (c >= 0xdc00 && c <= 0xdfff) {
            i++;
            this.appendText(String.fromCharCode(this.heldHigh, c), this.base + i);
            this.heldHigh = -1;
            this.state = STRING;
          } else {
            this.releaseHeld();
            this.state = STRING;
          }
          continue;
        }
        case LITERAL: {
          const word = LITERALS[this.literal] as string;
          if (c === word.charCodeAt(this.literalIndex)) {
            i++;
            if (++this.literalIndex === word.length) this.finishScalar(LITERAL_VALUES[this.literal] as boolean | null);
          } else if (this.isLenient && this.depth === 0 && !this.hasRoot) {
            // Lenient: "no problem, here it is: {...}" began like `null` but is prose.
            this.state = PROSE;
            this.proseStart = this.literalStart;
          } else {
            this.fail("unexpected-character", this.base + i, describe(c), `'${word[this.literalIndex]}' (in '${word}')`);
          }
          continue;
        }
        case DONE: {
          i = this.skipWhitespace(chunk, i);
          if (i === length) return;
          c = chunk.charCodeAt(i);
          if (this.isLenient) {
            this.state = TRAILER;
            this.proseStart = this.base + i;
          } else {
            this.fail("unexpected-character", this.base + i, describe(c), "the end of input (only whitespace may follow the value)");
          }
          continue;
        }
        case TRAILER: {
          i = this.skipProse(chunk, i);
          continue;
        }
        case PROSE: {
          i = this.readProse(chunk, i);
          continue;
        }
        case FENCE_INFO: {
          while (i < length && chunk.charCodeAt(i) !== 0x0a) i++;
          if (i < length) {
            this.newline(i);
            i++;
            this.repair("markdown-fence", this.proseStart, this.base + i);
            this.proseStart = -1;
            this.state = START;
          }
          continue;
        }
        case COMMENT_START: {
          if (c === 0x2f) this.state = LINE_COMMENT;
          else if (c === 0x2a) this.state = BLOCK_COMMENT;
          else this.fail("unexpected-character", this.base + i, describe(c), "'/' or '*' to begin a comment");
          i++;
          continue;
        }
        case LINE_COMMENT: {
          while (i < length && chunk.charCodeAt(i) !== 0x0a) i++;
          if (i < length) this.finishComment(i);
          continue;
        }
        case BLOCK_COMMENT:
        case BLOCK_COMMENT_STAR: {
          i = this.readBlockComment(chunk, i);
          continue;
        }
        default:
          throw new Error(`formwork: JsonParser reached unknown state ${this.state}`);
      }
    }
  }

  private skipWhitespace(chunk: string, i: number): number {
    const length = chunk.length;
    for (; i < length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0x20 || c === 0x0d || c === 0x09) continue;
      if (c !== 0x0a) break;
      this.newline(i);
    }
    return i;
  }

  private newline(i: number): void {
    this.line++;
    this.lineStart = this.base + i + 1;
  }

  // Begins the value whose first character is `c`; false if no value begins with it.
  private startValue(c: number, i: number): boolean {
    if (c === 0x22) {
      this.text = "";
      this.pieces = 0;
      this.shownLength = 0;
      this.isKey = false;
      this.attach("");
      this.slot = this.depth === 0 ? undefined : this.containers[this.depth - 1];
      this.slotKey = this.depth === 0 ? 0 : (this.keys[this.depth - 1] as string | number);
      this.state = STRING;
      this.emitStart("string");
    } else if (c === 0x7b || c === 0x5b) {
      if (this.depth >= this.maxDepth) {
        this.fail("max-depth", this.base + i, describe(c), `at most ${this.maxDepth} nested objects and arrays`);
      }
      const isArray = c === 0x5b;
      const container = isArray ? [] : {};
      this.attach(container);
      this.emitStart(isArray ? "array" : "object");
      this.containers[this.depth++] = container;
      this.pathVersion++;
      this.isInArray = isArray;
      this.state = isArray ? FIRST_ELEMENT : FIRST_KEY;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.numberState = c === 0x2d ? N_MINUS : c === 0x30 ? N_ZERO : N_INT;
      this.numberText = "";
      this.numberStart = this.base + i;
      this.reserveSlot();
      this.state = NUMBER;
      this.emitStart("number");
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.literal = c === 0x74 ? 0 : c === 0x66 ? 1 : 2;
      this.literalIndex = 1;
      this.literalStart = this.base + i;
      this.reserveSlot();
      this.state = LITERAL;
      this.emitStart(c === 0x6e ? "null" : "boolean");
    } else if (c === 0xfeff && this.isLenient && this.base + i === 0) {
      this.repair("byte-order-mark", 0, 1);
      this.state = START;
    } else {
      return false;
    }
    return true;
  }

  // Records where the next child goes without showing it (numbers and literals, rule 2).
  private reserveSlot(): void {
    if (this.depth === 0) return;
    this.pathVersion++;
    if (this.isInArray) this.keys[this.depth - 1] = (this.containers[this.depth - 1] as unknown[]).length;
    else this.keys[this.depth - 1] = this.key;
  }

  // Shows a new child in the current container (or as the root) and records its key.
  private attach(value: unknown): void {
    const depth = this.depth;
    if (depth === 0) {
      this.root = value;
      this.hasRoot = true;
      return;
    }
    const container = this.containers[depth - 1] as Record<string, unknown> | unknown[];
    this.pathVersion++;
    if (this.isInArray) {
      const array = container as unknown[];
      this.keys[depth - 1] = array.length;
      array.push(value);
    } else {
      const key = this.key;
      this.keys[depth - 1] = key;
      setMember(container as Record<string, unknown>, key, value);
    }
  }

  // Shows the string value being read as it now stands (it grew or closed).
  private update(value: string): void {
    const slot = this.slot;
    if (slot === undefined) this.root = value;
    else setMember(slot as Record<string, unknown>, this.slotKey as string, value);
  }

  private appendText(piece: string, offset: number): void {
    this.pieces++;
    const text = this.text + piece;
    if (text.length > this.maxStringLength) {
      this.fail("max-string-length", offset, "a longer string", `strings of at most ${this.maxStringLength} characters`);
    }
    this.text = text;
  }

  private releaseHeld(): void {
    this.pieces++;
    this.text += String.fromCharCode(this.heldHigh);
    this.heldHigh = -1;
  }

  // Shows the string as it stands at the end of a write.
  private showString(): void {
    const text = this.text;
    if (text.length === this.shownLength) return;
    this.shownLength = text.length;
    this.update(text);
    if (this.growListeners !== undefined && this.growListeners.length > 0) {
      const event = { path: this.pathOf(this.depth), value: text };
      for (const listener of this.growListeners) listener(event);
    }
  }

  private finishUnicode(code: number, i: number): void {
    const held = this.heldHigh;
    this.state = STRING;
    if (held >= 0) {
      this.heldHigh = -1;
      if (code >= 0xdc00 && code <= 0xdfff) {
        this.appendText(String.fromCharCode(held, code), this.base + i);
        return;
      }
      this.appendText(String.fromCharCode(held), this.base + i);
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      this.heldHigh = code;
      this.state = HELD_HIGH;
    } else {
      this.appendText(String.fromCharCode(code), this.base + i);
    }
  }

  private finishString(): void {
    if (this.heldHigh >= 0) this.releaseHeld();
    const text = this.text;
    this.text = "";
    if (this.isKey) {
      this.key = text;
      this.isKey = false;
      this.state = COLON;
      return;
    }
    const value = text.length >= 13 ? detach(text, this.pieces === 1) : text;
    this.update(value);
    this.shownLength = 0;
    this.afterValue(value);
  }

  private readNumber(chunk: string, i: number): number {
    const length = chunk.length;
    // The first character was read by startValue: in this chunk, the text begins there.
    const start = Math.max(this.numberStart - this.base, 0);
    let state = this.numberState;
    for (; i < length; i++) {
      const c = chunk.charCodeAt(i);
      const isDigit = c >= 0x30 && c <= 0x39;
      if (state === N_INT || state === N_FRACTION || state === N_EXPONENT) {
        if (isDigit) continue;
        if (c === 0x2e && state === N_INT) state = N_DOT;
        else if ((c === 0x65 || c === 0x45) && state !== N_EXPONENT) state = N_E;
        else break;
      } else if (state === N_MINUS) {
        if (!isDigit) this.fail("invalid-number", this.base + i, describe(c), "a digit after '-'");
        state = c === 0x30 ? N_ZERO : N_INT;
      } else if (state === N_ZERO) {
        if (c === 0x2e) state = N_DOT;
        else if (c === 0x65 || c === 0x45) state = N_E;
        else if (isDigit) this.fail("invalid-number", this.base + i, describe(c), "'.', 'e' or the end of the number (no leading zeros)");
        else break;
      } else if (state === N_DOT) {
        if (!isDigit) this.fail("invalid-number", this.base + i, describe(c), "a digit after '.'");
        state = N_FRACTION;
      } else if (state === N_E) {
        if (c === 0x2b || c === 0x2d) state = N_E_SIGN;
        else if (isDigit) state = N_EXPONENT;
        else this.fail("invalid-number", this.base + i, describe(c), "a digit or a sign in the exponent");
      } else {
        if (!isDigit) this.fail("invalid-number", this.base + i, describe(c), "a digit in the exponent");
        state = N_EXPONENT;
      }
    }
    this.numberState = state;
    if (i === length) return i; // write() keeps the text: digits may continue (rule 2)
    this.finishNumber(this.numberText + chunk.slice(start, i), this.base + i, describe(chunk.charCodeAt(i)));
    return i;
  }

  private finishNumber(text: string, offset: number, found: string): void {
    const state = this.numberState;
    if (state !== N_ZERO && state !== N_INT && state !== N_FRACTION && state !== N_EXPONENT) {
      // Cut off by end(): the text is incomplete rather than wrong.
      const code = found === "end of input" ? "unexpected-end" : "invalid-number";
      this.fail(code, offset, found, state === N_MINUS ? "a digit after '-'" : "more digits");
    }
    this.numberText = "";
    this.finishScalar(+text);
  }

  private finishScalar(value: number | boolean | null): void {
    this.attach(value);
    this.afterValue(value);
  }

  private closeContainer(): void {
    const container = this.containers[--this.depth];
    this.pathVersion++;
    this.containers[this.depth] = undefined as never;
    if (this.depth > 0) this.isInArray = Array.isArray(this.containers[this.depth - 1]);
    this.afterValue(container);
  }

  private afterValue(value: unknown): void {
    if (this.depth > 0) this.state = AFTER_VALUE;
    else if (!this.isMultiple) this.state = DONE;
    else {
      // The next value may follow at once (`{}{}`), after whitespace, or in lenient mode after prose.
      this.state = this.isLenient ? START : VALUE;
      this.hasRoot = false;
    }
    if (this.endListeners !== undefined && this.endListeners.length > 0) {
      const event = { path: this.pathOf(this.depth), value };
      for (const listener of this.endListeners) listener(event);
    }
  }

  private emitStart(kind: JsonValueKind): void {
    if (this.startListeners !== undefined && this.startListeners.length > 0) {
      const event = { path: this.pathOf(this.depth), kind };
      for (const listener of this.startListeners) listener(event);
    }
  }

  // Where whitespace may stand, lenient mode also takes a comment; anything else is an error
  // here. Returns the index after the comment's '/'.
  private commentOrFail(c: number, i: number): number {
    if (!this.isLenient || c !== 0x2f) this.fail("unexpected-character", this.base + i, describe(c), this.expectation());
    this.returnState = this.state;
    this.commentStart = this.base + i;
    this.state = COMMENT_START;
    return i + 1;
  }

  private finishComment(i: number): void {
    this.repair("comment", this.commentStart, this.base + i);
    this.state = this.returnState;
  }

  private readBlockComment(chunk: string, i: number): number {
    const length = chunk.length;
    for (; i < length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0x2f && this.state === BLOCK_COMMENT_STAR) {
        this.finishComment(i + 1);
        return i + 1;
      }
      if (c === 0x0a) this.newline(i);
      this.state = c === 0x2a ? BLOCK_COMMENT_STAR : BLOCK_COMMENT;
    }
    return i;
  }

  // Prose before the value: a value begins only at '{', '[' or after a fence's opening line.
  private readProse(chunk: string, i: number): number {
    const length = chunk.length;
    for (; i < length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0x60) {
        if (++this.backticks === 3) {
          this.backticks = 0;
          this.closeProse(this.base + i - 2);
          this.proseStart = this.base + i - 2;
          this.state = FENCE_INFO;
          return i + 1;
        }
        continue;
      }
      this.backticks = 0;
      if (c === 0x0a) this.newline(i);
      else if (c === 0x7b || c === 0x5b) {
        this.closeProse(this.base + i);
        this.state = VALUE;
        return i;
      }
    }
    return i;
  }

  private skipProse(chunk: string, i: number): number {
    const length = chunk.length;
    for (; i < length; i++) if (chunk.charCodeAt(i) === 0x0a) this.newline(i);
    return i;
  }

  private closeProse(end: number): void {
    if (this.proseStart >= 0 && end > this.proseStart) this.repair("prose", this.proseStart, end);
    this.proseStart = -1;
  }

  private repair(kind: JsonRepair["kind"], offset: number, end: number): void {
    this.repairs.push({ kind, offset, end });
  }

  private isInScalar(): boolean {
    return this.state >= STRING && this.state <= LITERAL && !this.isKey;
  }

  // What the grammar allows in the current state, for error messages.
  private expectation(): string {
    switch (this.state) {
      case VALUE:
      case ELEMENT:
        return "a value";
      case START:
        return "a JSON value";
      case PROSE:
      case FENCE_INFO:
        return "a JSON value ('{' or '[') after the prose";
      case FIRST_ELEMENT:
        return "a value or ']'";
      case FIRST_KEY:
        return "'\"' to begin a key, or '}'";
      case KEY:
        return "'\"' to begin a key";
      case COLON:
        return "':' after the key";
      case AFTER_VALUE:
        return this.afterValueExpectation();
      case STRING:
      case HELD_HIGH:
        return "'\"' to close the string";
      case ESCAPE:
        return "an escape character";
      case UNICODE:
        return "a hex digit in a \\u escape";
      case NUMBER:
        return this.depth === 0 ? "a digit" : `a digit, ${this.afterValueExpectation()}`;
      case LITERAL: {
        const word = LITERALS[this.literal] as string;
        return `'${word[this.literalIndex]}' (in '${word}')`;
      }
      case COMMENT_START:
        return "'/' or '*' to begin a comment";
      case LINE_COMMENT:
      case BLOCK_COMMENT:
      case BLOCK_COMMENT_STAR:
        return "the end of the comment";
      default:
        return "end of input";
    }
  }

  private afterValueExpectation(): string {
    return this.isInArray ? "',' or ']'" : "',' or '}'";
  }

  private fail(code: JsonParseErrorCode, offset: number, found: string, expected: string): never {
    const line = this.line;
    const column = offset - this.lineStart + 1;
    const path = this.activePath;
    const where = `line ${line}, column ${column} (offset ${offset})${path.length > 0 ? ` in ${formatJsonPath(path)}` : ""}`;
    const message =
      code === "max-depth" || code === "max-string-length" || code === "max-length"
        ? `JSON exceeds a limit at ${where}: expected ${expected}`
        : `Unexpected ${found} at ${where}: expected ${expected}`;
    this.failure = new JsonParseError({ code, message, offset, line, column, path, found, expected });
    throw this.failure;
  }

  private listenersOf<K extends keyof JsonParserEvents>(type: K): Listener<JsonParserEvents[K]>[] {
    switch (type) {
      case "value-start":
        return (this.startListeners ??= []) as Listener<JsonParserEvents[K]>[];
      case "value-end":
        return (this.endListeners ??= []) as Listener<JsonParserEvents[K]>[];
      case "string-grow":
        return (this.growListeners ??= []) as Listener<JsonParserEvents[K]>[];
      default: {
        const unknownType: never = type;
        throw new TypeError(`formwork: JsonParser has no event ${String(unknownType)}`);
      }
    }
  }
}

function warmUp(parser: JsonParser): JsonParser {
  parser.write('{"text": "a string long enough to be detached", "items": [1, -2.5e3, true, false, null, {"nested": "\\u00e9\\n"}]}');
  parser.end();
  return parser;
}

// `__proto__` must become an own property, as JSON.parse makes it (rule 6); a plain assignment
// would set the object's prototype instead.
function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

// A closed string must not keep more memory alive than its characters. V8 keeps a string built
// by appending as a tree of every piece (a cons string, ~30 bytes a piece), and a string sliced
// from a large chunk as a view that keeps the whole chunk alive: parsing 10 MB then retained
// 2.5x to 5.5x the heap of JSON.parse. Reading a character flattens a cons string in place;
// a single piece may be such a view, and concatenating then slicing copies it out. (V8 copies
// strings under 13 characters anyway.)
function detach(text: string, isSinglePiece: boolean): string {
  if (isSinglePiece) return (" " + text).slice(1);
  text.charCodeAt(0);
  return text;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

const CONTROL_NAMES: Record<number, string> = {
  0x00: "NUL",
  0x09: "tab",
  0x0a: "line feed",
  0x0d: "carriage return",
};

function describe(c: number): string {
  if (c < 0x20 || c === 0x7f) {
    const name = CONTROL_NAMES[c];
    return `U+${c.toString(16).toUpperCase().padStart(4, "0")}${name === undefined ? "" : ` (${name})`}`;
  }
  if (c === 0xfeff) return "a byte-order mark (U+FEFF; parse with { lenient: true } to skip it)";
  if (c >= 0xd800 && c <= 0xdfff) return `U+${c.toString(16).toUpperCase()} (a surrogate)`;
  return `'${String.fromCharCode(c)}'`;
}
