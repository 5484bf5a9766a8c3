import type { Usage } from "../providers/wire-event.js";
import { FormworkError } from "./formwork-error.js";

/** The model refused to answer (OpenAI's `refusal`); `refusal` is its text. */
export class RefusalError extends FormworkError {
  static override readonly kind: string = "RefusalError";
  readonly refusal: string;
  readonly provider: string;
  readonly usage: Usage | undefined;

  constructor(details: { refusal: string; provider: string; usage?: Usage | undefined }) {
    super("refusal", `The model refused to answer: ${details.refusal}`);
    this.refusal = details.refusal;
    this.provider = details.provider;
    this.usage = details.usage;
  }
}
