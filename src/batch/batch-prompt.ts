// An item becomes the messages of its request: through templates with {{ field }} placeholders
// (the shared engine of src/template, as the client's messages use), or a function of the caller's.
import { compileTemplate } from "../template/render-template.js";
import type { BatchItem } from "./batch-result.js";

/** A chat message as the client sends it. */
export interface BatchMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/**
 * The prompt of a run: a template for the user message (`{{ text }}` reads the item's field,
 * `{{ meta.page }}` a nested one; `{% for %}` and `{% if %}` too: see `renderTemplate`), with an
 * optional system template, or a function that builds the messages itself.
 */
export type BatchPrompt =
  | string
  | { readonly system?: string; readonly user: string; readonly name?: string }
  | ((item: BatchItem) => readonly BatchMessage[] | string);

/**
 * Reads a prompt once and returns the function that builds each item's messages. Bad template
 * syntax throws here, before any request; a field an item lacks throws (a TemplateError naming
 * it) when that item's messages are built, and fails that item alone.
 */
export function compilePrompt(prompt: BatchPrompt): (item: BatchItem) => readonly BatchMessage[] {
  if (typeof prompt === "function") {
    return (item) => {
      const built = prompt(item);
      return typeof built === "string" ? [{ role: "user", content: built }] : built;
    };
  }
  const { system, user, name } = typeof prompt === "string" ? { system: undefined, user: prompt, name: undefined } : prompt;
  const userTemplate = compileTemplate(user, { name: name ?? "the prompt" });
  const systemTemplate = system === undefined ? undefined : compileTemplate(system, { name: `${name ?? "the prompt"} (system)` });
  return (item) => [...(systemTemplate === undefined ? [] : [{ role: "system" as const, content: systemTemplate.render(item) }]), { role: "user", content: userTemplate.render(item) }];
}
