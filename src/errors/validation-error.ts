import { formatJsonPath, type JsonPath } from "../json/json-path.js";
import { FormworkError } from "./formwork-error.js";

/** One problem a schema found: where, and what. */
export interface ValidationIssue {
  /** Path from the root of the document to the value at fault. */
  readonly path: JsonPath;
  readonly message: string;
  /** The schema library's own code for it, where it has one (Zod's `invalid_type`...). */
  readonly code?: string;
}

/**
 * A value did not fit its schema. `path` is the value that was checked (a field, an object that
 * just closed, or the root); `issues` say what is wrong inside it; `text` is the model's text up
 * to that moment, to log or to show the model when asking again.
 */
export class ValidationError extends FormworkError {
  static override readonly kind: string = "ValidationError";
  readonly path: JsonPath;
  readonly issues: readonly ValidationIssue[];
  readonly text: string;

  constructor(details: { path: JsonPath; issues: readonly ValidationIssue[]; text: string; cause?: unknown }) {
    const where = formatJsonPath(details.path);
    const listed = details.issues
      .slice(0, 5)
      .map((issue) => `${formatJsonPath(issue.path)}: ${issue.message}`)
      .join("; ");
    const more = details.issues.length > 5 ? ` (and ${details.issues.length - 5} more)` : "";
    super("validation-failed", `The value at ${where} does not fit the schema: ${listed}${more}`, { cause: details.cause });
    this.path = details.path;
    this.issues = details.issues;
    this.text = details.text;
  }
}
