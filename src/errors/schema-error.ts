import { FormworkError } from "./formwork-error.js";

/**
 * A schema that formwork cannot use as written, found before anything is sent or streamed:
 * `path` is where in the value the schema describes (`""` for the root, `"items[].id"`), and
 * the message says what is wrong there and how to fix it.
 */
export class SchemaError extends FormworkError {
  static override readonly kind: string = "SchemaError";
  readonly path: string;

  constructor(details: { path: string; message: string }) {
    super("schema-invalid", `Schema at ${details.path === "" ? "the root" : details.path}: ${details.message}`);
    this.path = details.path;
  }
}
