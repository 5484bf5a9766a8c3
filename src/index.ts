export * from "./errors/index.js";
export * from "./json/index.js";
export * from "./schema/index.js";
export * from "./stream/index.js";
export * from "./client/index.js";
export { renderTemplate, compileTemplate, hasTemplateSyntax, type CompiledTemplate, type TemplateOptions } from "./template/render-template.js";
export * from "./validate/index.js";
export * from "./media/index.js";
