// A failed tool call's arguments as the object a provider wants back in the feedback: what
// could be read of them (leniently: they may be cut short or malformed), or an empty object.
import { JsonParser } from "../json/json-parser.js";

export function failedInput(text: string): Record<string, unknown> {
  const parser = new JsonParser({ lenient: true });
  let value: unknown;
  try {
    parser.write(text);
    value = parser.end();
  } catch {
    value = parser.value;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
