export { toSchemaAdapter, jsonSchema, checkSchema } from "./schema-adapter.js";
export type { SchemaAdapter, SchemaLike, JsonSchemaObject, JsonSchemaTypeName, InferInput, InferOutput, ValidationResult } from "./schema-adapter.js";
export type { Shape, ShapeIssue } from "./shape.js";
export { Maybe, hasResult, MAYBE_DESCRIPTION } from "./maybe.js";
export type { MaybeValue, MaybeSchema } from "./maybe.js";
