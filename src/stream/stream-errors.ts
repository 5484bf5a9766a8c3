// Turns what the engines throw into the typed errors a stream ends with, each carrying the path
// and the text so far.
import { FormworkError } from "../errors/formwork-error.js";
import { IncompleteOutputError } from "../errors/incomplete-output-error.js";
import { ValidationError } from "../errors/validation-error.js";
import { JsonParseError } from "../json/json-parse-error.js";
import type { ShapeIssue } from "../schema/shape.js";
import type { JsonPath } from "../json/json-path.js";
import { ShapeViolation } from "./shape-tracker.js";

/** Issues of a check made at `path`, with paths made absolute. */
export function absoluteIssues(path: JsonPath, issues: readonly ShapeIssue[]): ShapeIssue[] {
  return issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] }));
}

/** The typed error for what an engine threw while reading `text`. */
export function toStreamError(error: unknown, text: string, partial: () => unknown): unknown {
  if (error instanceof ShapeViolation) return new ValidationError({ path: error.path, issues: absoluteIssues(error.path, error.issues), text });
  if (JsonParseError.isInstance(error)) {
    if (error.code === "unexpected-end") {
      return new IncompleteOutputError({ message: `The text ended before the JSON value was complete: ${error.message}`, partial: partial(), text, cause: error });
    }
    error.text = text;
    return error;
  }
  if (FormworkError.isInstance(error)) return error;
  // A bug of ours or a listener's: keep it as it is rather than disguise it.
  return error;
}
