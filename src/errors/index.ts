export { FormworkError } from "./formwork-error.js";
export { ValidationError, type ValidationIssue } from "./validation-error.js";
export { IncompleteOutputError } from "./incomplete-output-error.js";
export { AbortError } from "./abort-error.js";
export { SourceError } from "./source-error.js";
export { ProviderError } from "./provider-error.js";
export { RefusalError } from "./refusal-error.js";
export { ContentFilterError } from "./content-filter-error.js";
export { RetryError } from "./retry-error.js";
