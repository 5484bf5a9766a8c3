export { toSchemaAdapter, jsonSchema, checkSchema } from "./schema-adapter.js";
export type { SchemaAdapter, SchemaLike, JsonSchemaObject, JsonSchemaTypeName, InferInput, InferOutput, ValidationResult } from "./schema-adapter.js";
export type { Shape, ShapeIssue } from "./shape.js";
export { Maybe, hasResult, MAYBE_DESCRIPTION } from "./maybe.js";
export type { MaybeValue, MaybeSchema } from "./maybe.js";
export { streaming } from "./streaming.js";
export type { Streamed, WithStreamRule } from "./streaming.js";
export { STREAM_KEYWORD } from "./stream-rules.js";
export type { StreamRuleName } from "./stream-rules.js";
