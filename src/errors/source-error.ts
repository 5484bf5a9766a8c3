import { FormworkError } from "./formwork-error.js";

/**
 * The text source itself failed (the iterable threw, the ReadableStream errored). `cause` is the
 * original error; `text` is what had arrived before it.
 */
export class SourceError extends FormworkError {
  static override readonly kind: string = "SourceError";
  readonly text: string;

  constructor(details: { cause: unknown; text: string }) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause);
    super("source-failed", `The text source failed after ${details.text.length} characters: ${reason}`, { cause: details.cause });
    this.text = details.text;
  }
}
