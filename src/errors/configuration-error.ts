import { FormworkError } from "./formwork-error.js";

/**
 * A client was set up wrong: an unknown provider or mode, a missing API key, a base URL without
 * a scheme, something that is not an SDK client. Thrown when the client is created (before any
 * request), with the fix in the message. `option` names the setting at fault.
 *
 * @example
 * // ConfigurationError: fromProvider("gpt-4o"): "gpt-4o" is not a provider. Write "provider/model", such as "openai/gpt-4o" ...
 * fromProvider("gpt-4o");
 */
export class ConfigurationError extends FormworkError {
  static override readonly kind: string = "ConfigurationError";
  /** The option at fault (`"mode"`, `"provider"`, `"apiKey"`, `"baseURL"`, `"client"`). */
  readonly option: string;

  constructor(details: { option: string; message: string }) {
    super("configuration-invalid", details.message);
    this.option = details.option;
  }
}
