export { FormworkError } from "./errors/formwork-error.js";
export * from "./json/index.js";
