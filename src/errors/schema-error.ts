import { FormworkError } from "./formwork-error.js";

/**
 * What was given as a schema is not one formwork can use: neither a Zod schema, a Standard
 * Schema nor a JSON Schema object (a Zod shape, a map of type names, a string...), or a schema
 * with nothing to send to a provider. Thrown at the call, before any request. `path` says where
 * in the call (`response_model`, `response_model.schema`, `response_model[1].name`).
 *
 * @example
 * // SchemaError: response_model is a Zod shape (an object of Zod schemas: name, age); pass z.object({ ... }) ...
 * client.chat.completions.create({ model, messages, response_model: User.shape });
 */
export class SchemaError extends FormworkError {
  static override readonly kind: string = "SchemaError";
  /** Where in the call the schema was given. */
  readonly path: string;
  /** What was given, described (`"a string"`, `"a Zod shape"`...). */
  readonly received: string;

  constructor(details: { code?: "schema-invalid" | "schema-not-serializable" | "schema-name-invalid"; path: string; received: string; message: string }) {
    super(details.code ?? "schema-invalid", details.message);
    this.path = details.path;
    this.received = details.received;
  }
}
