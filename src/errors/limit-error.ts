import { FormworkError } from "./formwork-error.js";

/**
 * A stream buffered more than its byte budget (`maxLength`, default 64 Mi): text of a channel
 * the mode ignores, an SSE line or event with no end, an error body. `limit` is the budget and
 * `what` names what was being buffered. Raise `maxLength` if the answer really is that large.
 */
export class LimitError extends FormworkError {
  static override readonly kind: string = "LimitError";
  readonly limit: number;
  readonly what: string;

  constructor(details: { limit: number; what: string; provider: string }) {
    super("max-length", `The ${details.provider} stream buffered more than its limit of ${details.limit} characters (${details.what}); raise maxLength if this is expected`);
    this.limit = details.limit;
    this.what = details.what;
  }
}
