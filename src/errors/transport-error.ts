import { FormworkError } from "./formwork-error.js";

/** Stable codes of {@link TransportError}. */
export type TransportErrorCode = "patch-version" | "patch-malformed" | "patch-truncated";

/**
 * A patch stream (docs/transport.md) could not be read: its first line is not a version-1
 * header (`patch-version`), a line breaks the protocol (`patch-malformed`), or the body ended
 * before its last operation (`patch-truncated`: the connection dropped). `lineNumber` and
 * `line` (its first 200 characters) say where; `partial` is the last value shown.
 */
export class TransportError extends FormworkError {
  static override readonly kind: string = "TransportError";
  declare readonly code: TransportErrorCode;
  /** 1-based number of the line at fault (for `patch-truncated`: the last line read). */
  readonly lineNumber: number;
  readonly line: string;
  readonly partial: unknown;

  constructor(details: { code: TransportErrorCode; message: string; lineNumber: number; line: string; partial: unknown }) {
    super(details.code, details.message);
    this.lineNumber = details.lineNumber;
    this.line = details.line.length > 200 ? `${details.line.slice(0, 200)}…` : details.line;
    this.partial = details.partial;
  }
}
