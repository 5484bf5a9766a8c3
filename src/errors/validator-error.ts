import { formatJsonPath, type JsonPath } from "../json/json-path.js";
import { FormworkError } from "./formwork-error.js";

/**
 * A validator given with `validate` threw (or rejected) instead of returning issues. This is a
 * fault of the validator, not of the model's answer: it is never retried, never fed back to the
 * model, and the original error is the `cause`.
 */
export class ValidatorError extends FormworkError {
  static override readonly kind: string = "ValidatorError";
  /** The validator's name: its `name` option, its function's name, or its place in the list. */
  readonly validator: string;
  /** Where in the value it ran. */
  readonly path: JsonPath;
  readonly attempt: number;

  constructor(details: { validator: string; path: JsonPath; attempt: number; cause: unknown }) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause);
    super(
      "validator-failed",
      `The validator "${details.validator}" threw at ${formatJsonPath(details.path)} (attempt ${details.attempt}): ${reason}. A validator's own failure is not the model's fault, so the call was not retried: fix the validator, or return issues instead of throwing.`,
      { cause: details.cause },
    );
    this.validator = details.validator;
    this.path = details.path;
    this.attempt = details.attempt;
  }
}
