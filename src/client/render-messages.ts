// Templated messages: every string in a call's messages (a message's content, and the text of
// each text part) is filled in from the call's `context` by the template engine. Only when a
// context is given, as Instructor does: without one, braces in a message (code, JSON examples)
// are the user's own text and go out as written.
import { compileTemplate, hasTemplateSyntax } from "../template/render-template.js";

type Message = Record<string, unknown>;

/**
 * The messages with their templates filled in from `context`; a missing variable is a
 * TemplateError naming it and the message (`messages[2]`, `messages[2].content[0]`).
 */
export function renderMessages(messages: readonly Message[], context: Readonly<Record<string, unknown>> | undefined): Message[] {
  if (context === undefined) return [...messages];
  return messages.map((message, index) => {
    if (typeof message !== "object" || message === null) return message;
    const content = message["content"];
    if (typeof content === "string") return hasTemplateSyntax(content) ? { ...message, content: render(content, `messages[${index}]`, context) } : message;
    if (!Array.isArray(content)) return message;
    let changed = false;
    const parts = content.map((part: unknown, partIndex) => {
      const text = typeof part === "object" && part !== null ? (part as Message)["text"] : undefined;
      if (typeof text !== "string" || !hasTemplateSyntax(text)) return part;
      changed = true;
      return { ...(part as Message), text: render(text, `messages[${index}].content[${partIndex}]`, context) };
    });
    return changed ? { ...message, content: parts } : message;
  });
}

function render(text: string, name: string, context: Readonly<Record<string, unknown>>): string {
  return compileTemplate(text, { name }).render(context);
}

/**
 * A plain call's fields (no response_model) with its templates filled in from `context`, and
 * `context` itself removed: it is formwork's, never the provider's.
 */
export function withTemplatesFilled<P extends Record<string, unknown>>(params: P): P {
  if (params["context"] === undefined) return params;
  const { context, ...rest } = params as Record<string, unknown>;
  if (Array.isArray(rest["messages"])) rest["messages"] = renderMessages(rest["messages"] as Message[], context as Readonly<Record<string, unknown>>);
  return rest as P;
}
