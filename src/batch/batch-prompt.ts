// An item becomes the messages of its request: through a template with {{field}} placeholders
// (the shared engine of src/template), or a function of the caller's.
import type { BatchItem } from "./batch-result.js";

/** A chat message as the client sends it. */
export interface BatchMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/**
 * The prompt of a run: a template (the user message; `{{field}}` reads the item's field,
 * `{{a.b}}` a nested one) with an optional system template, or a function that builds the
 * messages itself.
 */
export type BatchPrompt = string | { readonly system?: string; readonly user: string } | ((item: BatchItem) => readonly BatchMessage[] | string);

/** Renders a template with an item's fields. */
export function renderTemplate(template: string, item: BatchItem): string {
  // Stand-in until src/template lands on main; the one call every prompt goes through.
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
    let value: unknown = item;
    for (const key of path.split(".")) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    return value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
  });
}

/** The messages for one item. */
export function promptMessages(prompt: BatchPrompt, item: BatchItem): readonly BatchMessage[] {
  if (typeof prompt === "function") {
    const built = prompt(item);
    return typeof built === "string" ? [{ role: "user", content: built }] : built;
  }
  const { system, user } = typeof prompt === "string" ? { system: undefined, user: prompt } : prompt;
  const messages: BatchMessage[] = [];
  if (system !== undefined) messages.push({ role: "system", content: renderTemplate(system, item) });
  messages.push({ role: "user", content: renderTemplate(user, item) });
  return messages;
}
