import { FormworkError } from "../errors/formwork-error.js";
import type { JsonPath } from "./json-path.js";

/** Stable codes of {@link JsonParseError}. */
export type JsonParseErrorCode =
  | "unexpected-character"
  | "unexpected-end"
  | "invalid-escape"
  | "invalid-number"
  | "control-character"
  | "max-depth"
  | "max-string-length"
  | "max-length"
  | "write-after-end";

/**
 * The text is not JSON (or exceeds a limit). Says where: `offset` (UTF-16 code units from the
 * start of all text written), 1-based `line` and `column`, and the `path` of the value being
 * read; and what: the character `found` and what was `expected` there.
 */
export class JsonParseError extends FormworkError {
  static override readonly kind: string = "JsonParseError";
  declare readonly code: JsonParseErrorCode;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly path: JsonPath;
  /** What stood at `offset`, such as `"'x'"` or `"the end of input"`. */
  readonly found: string;
  /** What the grammar allowed there, such as `"',' or '}'"`. */
  readonly expected: string;
  /** The text read up to the error, where the reader keeps it (formwork's streams do). */
  text: string | undefined = undefined;

  constructor(details: {
    code: JsonParseErrorCode;
    message: string;
    offset: number;
    line: number;
    column: number;
    path: JsonPath;
    found: string;
    expected: string;
  }) {
    super(details.code, details.message);
    this.offset = details.offset;
    this.line = details.line;
    this.column = details.column;
    this.path = details.path;
    this.found = details.found;
    this.expected = details.expected;
  }
}
