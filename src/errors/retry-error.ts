import type { Usage } from "../providers/wire-event.js";
import { FormworkError } from "./formwork-error.js";

/** Every attempt failed: `errors` holds each attempt's error in order, `usage` the total. */
export class RetryError extends FormworkError {
  static override readonly kind: string = "RetryError";
  readonly attempts: number;
  readonly errors: readonly unknown[];
  readonly usage: Usage;

  constructor(details: { errors: readonly unknown[]; usage: Usage }) {
    const last = details.errors.at(-1);
    const reason = last instanceof Error ? last.message : String(last);
    super("retries-exhausted", `All ${details.errors.length} attempts failed; the last one: ${reason}`, { cause: last });
    this.attempts = details.errors.length;
    this.errors = details.errors;
    this.usage = details.usage;
  }
}
