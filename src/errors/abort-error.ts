import { FormworkError } from "./formwork-error.js";

/** The stream was cancelled by `abort()` or an `AbortSignal`; `reason` is what it was given. */
export class AbortError extends FormworkError {
  static override readonly kind: string = "AbortError";
  readonly reason: unknown;

  constructor(reason?: unknown) {
    super("aborted", reason === undefined ? "The stream was aborted" : `The stream was aborted: ${describeReason(reason)}`, { cause: reason });
    this.reason = reason;
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === "string" ? reason : String(reason);
}
