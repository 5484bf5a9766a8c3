import type { Usage } from "../providers/wire-event.js";
import { FormworkError } from "./formwork-error.js";

/** The provider's content filter stopped the answer; `text` is what had been written. */
export class ContentFilterError extends FormworkError {
  static override readonly kind: string = "ContentFilterError";
  readonly provider: string;
  readonly finishReason: string;
  readonly text: string;
  readonly partial: unknown;
  readonly usage: Usage | undefined;

  constructor(details: { provider: string; finishReason: string; text: string; partial?: unknown; usage?: Usage | undefined }) {
    super("content-filter", `The ${details.provider} content filter stopped the answer (finish reason: ${details.finishReason})`);
    this.provider = details.provider;
    this.finishReason = details.finishReason;
    this.text = details.text;
    this.partial = details.partial;
    this.usage = details.usage;
  }
}
