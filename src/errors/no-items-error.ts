import type { Usage } from "../providers/wire-event.js";
import { FormworkError } from "./formwork-error.js";

/**
 * createIterable's answer held no list of items: prose (a refusal, an apology), an object
 * without an array, no tool call at all. An explicit empty list is an answer, not this error.
 * `text` is what the model wrote (the tool arguments, or else its message text).
 */
export class NoItemsError extends FormworkError {
  static override readonly kind: string = "NoItemsError";
  readonly text: string;
  readonly usage: Usage | undefined;

  constructor(details: { text: string; usage?: Usage | undefined }) {
    const excerpt = details.text.trim() === "" ? "the model wrote nothing the client could read" : `the model wrote ${JSON.stringify(details.text.trim().slice(0, 120))}${details.text.trim().length > 120 ? "…" : ""}`;
    super("no-items", `The answer held no list of items (${excerpt}); raise max_retries to ask again, or check that the prompt asks for a list`);
    this.text = details.text;
    this.usage = details.usage;
  }
}
