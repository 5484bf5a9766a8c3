import type { InferInput } from "../schema/schema-adapter.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import type { Usage } from "../providers/wire-event.js";
import { FormworkError } from "./formwork-error.js";

/**
 * The output stopped before the value was complete: the text ended early, or the provider said
 * it stopped (`finishReason`, such as `"length"` when the token limit was reached). Carries the
 * last partial value shown, the text so far, and the usage where known.
 *
 * `Partial` is the type of the partial value; `isInstance(error, schema)` narrows to the one of
 * a schema.
 *
 * @example
 * if (IncompleteOutputError.isInstance(error, User)) console.log(error.partial?.name);
 */
export class IncompleteOutputError<Partial = unknown> extends FormworkError {
  static override readonly kind: string = "IncompleteOutputError";
  readonly finishReason: string | undefined;
  /** The last partial value shown (undefined when nothing was). */
  readonly partial: Partial | undefined;
  readonly text: string;
  readonly usage: Usage | undefined;

  constructor(details: { message?: string; finishReason?: string; partial: Partial | undefined; text: string; usage?: Usage | undefined; cause?: unknown }) {
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

  /**
   * True for an IncompleteOutputError from any copy of formwork. Given the call's schema, the
   * partial is typed by it (the check itself is the same: the schema only informs the type).
   */
  static override isInstance(value: unknown): value is IncompleteOutputError;
  static override isInstance<S>(value: unknown, schema: S): value is IncompleteOutputError<DeepPartial<InferInput<S>>>;
  static override isInstance(value: unknown): boolean {
    return FormworkError.isInstance.call(this as unknown as { kind: string; prototype: unknown }, value);
  }
}
