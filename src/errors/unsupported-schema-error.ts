import { FormworkError } from "./formwork-error.js";

/**
 * A schema cannot be expressed in what a provider's mode accepts (such as a record in OpenAI's
 * strict mode). `path` is where in the JSON Schema, `keyword` what could not be carried over.
 */
export class UnsupportedSchemaError extends FormworkError {
  static override readonly kind: string = "UnsupportedSchemaError";
  readonly path: string;
  readonly keyword: string;
  readonly provider: string;

  constructor(details: { path: string; keyword: string; provider: string; reason: string }) {
    super("unsupported-schema", `${details.provider} cannot take the schema at ${details.path}: ${details.reason} (use another mode, such as "tools" or "json", or change the schema)`);
    this.path = details.path;
    this.keyword = details.keyword;
    this.provider = details.provider;
  }
}
