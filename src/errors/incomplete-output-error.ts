import { FormworkError } from "./formwork-error.js";

/**
 * The output stopped before the value was complete: the text ended early, or the provider said
 * it stopped (`finishReason`, such as `"length"` when the token limit was reached). Carries the
 * last partial value shown, the text so far, and the usage where known.
 */
export class IncompleteOutputError extends FormworkError {
  static override readonly kind: string = "IncompleteOutputError";
  readonly finishReason: string | undefined;
  readonly partial: unknown;
  readonly text: string;
  readonly usage: unknown;

  constructor(details: { message?: string; finishReason?: string; partial: unknown; text: string; usage?: unknown; cause?: unknown }) {
    super(
      "incomplete-output",
      details.message ??
        `The output ended before the value was complete${details.finishReason === undefined ? "" : ` (finish reason: ${details.finishReason})`}; raise the token limit or ask for less`,
      { cause: details.cause },
    );
    this.finishReason = details.finishReason;
    this.partial = details.partial;
    this.text = details.text;
    this.usage = details.usage;
  }
}
