// Instructor's llm_validator: a rule in plain language, judged by a model through formwork
// itself (so the verdict is a validated structured answer, with retries and every provider).
import { jsonSchema } from "../schema/schema-adapter.js";
import type { Validator, ValidatorIssue } from "./validators.js";

/** The verdict the judging model gives. */
export interface Verdict {
  readonly isValid: boolean;
  readonly reason?: string;
  /** The value corrected to follow the rule, as JSON text. */
  readonly fixedValue?: string;
}

const VerdictSchema = jsonSchema<Verdict>({
  type: "object",
  properties: {
    isValid: { type: "boolean", description: "true when the value follows the rule" },
    reason: { type: "string", description: "when it does not: what breaks the rule, said so that whoever wrote the value can fix it" },
    fixedValue: { type: "string", description: "when it does not: the value corrected to follow the rule, as JSON" },
  },
  required: ["isValid"],
  additionalProperties: false,
});

/** Options of {@link llmValidator}. */
export interface LlmValidatorOptions {
  /** The rule, in plain language: "the summary must not name any person". */
  readonly rule: string;
  /** The model that judges; default the client's own default model (`provider/model`). */
  readonly model?: string;
  /** Attempts after the first when the verdict itself does not fit; default 1. */
  readonly maxRetries?: number;
  /** Other fields for the judging request (temperature...), passed through. */
  readonly request?: Readonly<Record<string, unknown>>;
  /** Names the validator in errors; default `llmValidator("<rule>")`. */
  readonly name?: string;
  /**
   * Instructor's `allow_override`: when the judge gives a `fixedValue` for the whole value, it
   * replaces the answer once it fits the schema (else its reason goes back as usual). Default false.
   */
  readonly allowOverride?: boolean;
}

/**
 * A validator that asks a model whether a value follows a rule. The verdict's `reason` is the
 * issue fed back to the model that wrote the value, with the suggested `fixedValue` when the
 * judge gives one. A failure of the judging call itself (a provider error, a verdict that never
 * fits) is the validator's own failure: a ValidatorError, never retried.
 *
 * @example
 * const noNames = llmValidator(client, { rule: "the summary names no person", model: "gpt-4o-mini" });
 * await client.chat.completions.create({ model, messages, response_model: Summary, validate: { path: "summary", validate: noNames }, max_retries: 2 });
 */
/** Any formwork client (fromOpenAI, fromAnthropic, fromGemini, fromProvider). */
export interface JudgingClient {
  readonly chat: { readonly completions: { create(params: never): PromiseLike<unknown> } };
}

export function llmValidator(client: JudgingClient, options: LlmValidatorOptions): Validator {
  if (typeof options.rule !== "string" || options.rule.trim() === "") throw new TypeError("formwork: llmValidator needs a rule, in plain language");
  const name = options.name ?? `llmValidator(${JSON.stringify(options.rule.length > 40 ? `${options.rule.slice(0, 40)}…` : options.rule)})`;
  const validate: Validator = async (value, { path, signal }) => {
    const verdict = (await client.chat.completions.create({
      ...options.request,
      ...(options.model === undefined ? {} : { model: options.model }),
      messages: [
        {
          role: "system",
          content: "You check values against a rule. Judge only the rule, nothing else. When the value breaks it, say why in `reason`, and give in `fixedValue` the value corrected to follow it, as JSON.",
        },
        { role: "user", content: `Rule: ${options.rule}\n\nValue${path.length === 0 ? "" : ` (at ${path.join(".")})`}:\n${JSON.stringify(value, null, 2)}` },
      ],
      response_model: { schema: VerdictSchema, name: "Verdict" },
      max_retries: options.maxRetries ?? 1,
      ...(signal === undefined ? {} : { signal }),
    } as never)) as Verdict;
    if (verdict.isValid) return undefined;
    const reason = verdict.reason === undefined || verdict.reason.trim() === "" ? `It breaks the rule: ${options.rule}` : verdict.reason;
    const fix = options.allowOverride === true && path.length === 0 ? parseFix(verdict.fixedValue) : NO_FIX;
    if (fix !== NO_FIX) return { fixedValue: fix, reason };
    const issue: ValidatorIssue = { message: verdict.fixedValue === undefined ? reason : `${reason} (suggested: ${verdict.fixedValue})` };
    return [issue];
  };
  Object.defineProperty(validate, "name", { value: name });
  return validate;
}

const NO_FIX: unique symbol = Symbol("no fix");

// The judge writes its fix as JSON text (so the verdict fits every strict subset); a fix that is
// not JSON is no fix, and the reason is fed back instead.
function parseFix(text: string | undefined): unknown {
  if (text === undefined || text.trim() === "") return NO_FIX;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NO_FIX;
  }
}
