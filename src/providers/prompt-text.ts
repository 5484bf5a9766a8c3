// The words every protocol says to the model: how to answer in the prompt modes, and what was
// wrong with an answer. One place, so that every provider asks the same way.
import type { RequestSchema } from "./provider-protocol.js";

/** The instruction of the prompt modes: one JSON object, or one fenced JSON value (md_json). */
export function schemaInstructions(schema: RequestSchema, isFenced: boolean): string {
  const described = schema.description === undefined ? "" : `\n${schema.description}`;
  const shape = JSON.stringify(schema.jsonSchema, null, 2);
  return isFenced
    ? `Answer with one JSON value that fits this JSON Schema (${schema.name}), in a \`\`\`json fenced block:${described}\n${shape}`
    : `Answer with one JSON object that fits this JSON Schema (${schema.name}), and nothing else:${described}\n${shape}`;
}

/** What the model is told when its answer did not fit. */
export function feedbackRequest(errors: string): string {
  return `Your answer did not fit the schema:\n${errors}\nAnswer again, fixing every error.`;
}
