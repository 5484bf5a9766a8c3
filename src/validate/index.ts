export { llmValidator } from "./llm-validator.js";
export type { LlmValidatorOptions, Verdict } from "./llm-validator.js";
export type { Validator, ValidatorContext, ValidatorIssue, ValidatorResult, ValidatorFix, PathValidator, ValidateOption } from "./validators.js";
