export { toSchemaAdapter, jsonSchema } from "./schema-adapter.js";
export type { SchemaAdapter, SchemaLike, JsonSchemaObject, InferInput, InferOutput, ValidationResult } from "./schema-adapter.js";
export type { Shape, ShapeIssue } from "./shape.js";
