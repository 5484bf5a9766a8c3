import { FormworkError } from "./formwork-error.js";

/**
 * The client or a call is set up in a way that cannot work, found before any request: a
 * provider's missing setting (Azure's endpoint, Vertex AI's project), or an input the chosen
 * provider does not take (audio on Anthropic). The message names the setting and the fix.
 */
export class ConfigurationError extends FormworkError {
  static override readonly kind: string = "ConfigurationError";

  constructor(message: string, options?: { cause?: unknown }) {
    super("configuration-invalid", message, options);
  }
}
