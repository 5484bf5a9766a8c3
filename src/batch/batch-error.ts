import { FormworkError } from "../errors/formwork-error.js";

/**
 * What can go wrong around a batch rather than inside one item's call: bad input, options,
 * a schema module, the results file, the queue. `code` says which:
 * - `batch-input`: an input line or item could not be read (`line` says where; the run skips
 *   it unless `strict`).
 * - `batch-options`: an option is missing or wrong (`option` names it).
 * - `batch-schema`: the schema module or file could not be loaded, or lacks the export.
 * - `batch-results`: the results file or its state cannot be used (another run holds it...).
 * - `batch-queue`: the queue (Redis) is unreachable or refused a command; `url` names it.
 * - `batch-provider`: a provider batch failed or expired as a whole.
 *
 * @example
 * if (BatchError.isInstance(error) && error.code === "batch-input") console.error(error.source, error.line);
 */
export class BatchError extends FormworkError {
  static override readonly kind: string = "BatchError";
  /** The input file (or "items") and the 1-based line or position, for `batch-input`. */
  readonly source: string | undefined;
  readonly line: number | undefined;
  /** The flag or option at fault, for `batch-options`. */
  readonly option: string | undefined;
  /** The queue's URL, for `batch-queue` (without a password). */
  readonly url: string | undefined;

  constructor(
    code: "batch-input" | "batch-options" | "batch-schema" | "batch-results" | "batch-queue" | "batch-provider",
    message: string,
    details: { source?: string; line?: number; option?: string; url?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.source = details.source;
    this.line = details.line;
    this.option = details.option;
    this.url = details.url;
  }
}
