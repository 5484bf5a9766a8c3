import { FormworkError } from "./formwork-error.js";

/**
 * A `{{ }}` template could not be read or filled in. `template` names it (a message's place, a
 * prompt file), `line` and `column` point at the tag (1-based), and `variable` is the dotted
 * path that had no value, for code `template-missing-variable`. Codes: `template-invalid` (the
 * syntax is wrong), `template-missing-variable` (a placeholder's path is not in the context).
 */
export class TemplateError extends FormworkError {
  static override readonly kind: string = "TemplateError";
  readonly template: string;
  readonly line: number;
  readonly column: number;
  readonly variable: string | undefined;

  constructor(details: {
    code: "template-invalid" | "template-missing-variable";
    message: string;
    template: string;
    line: number;
    column: number;
    variable?: string;
  }) {
    super(details.code, `${details.message} (template ${details.template}, line ${details.line}, column ${details.column})`);
    this.template = details.template;
    this.line = details.line;
    this.column = details.column;
    this.variable = details.variable;
  }
}
