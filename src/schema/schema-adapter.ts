// Accepts any schema a user has (Zod 4, any Standard Schema, a plain JSON Schema) and gives
// the stream layer one interface: the streaming policy (Shape), the final validation, and the
// JSON Schema to send to a provider.
import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { shapeFromJsonSchema } from "./from-json-schema.js";
import { isZodSchema, shapeFromZod } from "./from-zod.js";
import { checkJsonSchema, type JsonSchema } from "./json-schema-check.js";
import { ANY, type Shape, type ShapeIssue } from "./shape.js";
import { checkStreamRules, stripStreamRules, type StreamRuleName } from "./stream-rules.js";
import { SchemaError } from "../errors/schema-error.js";

/** The type names of JSON Schema's `type` keyword. */
export type JsonSchemaTypeName = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

type JsonSchemaPart = JsonSchemaObject | boolean;

// Each keyword also takes `undefined`, so that schemas typed by @types/json-schema (which
// declares `?: T | undefined`) fit under exactOptionalPropertyTypes.

/**
 * A plain JSON Schema object. Its keywords are typed (and all optional), so that TypeScript
 * rejects an object that shares none of them: `{ name: "string" }` or a Zod shape
 * (`User.shape`) does not compile where a schema is expected. Other keywords (`nullable`,
 * `x-…`) are accepted beside at least one known one; a schema typed as
 * `Record<string, unknown>` is accepted as it is and checked at run time.
 */
export interface JsonSchemaObject {
  readonly $schema?: string | undefined;
  readonly $id?: string | undefined;
  readonly $ref?: string | undefined;
  readonly $defs?: { readonly [name: string]: JsonSchemaPart } | undefined;
  readonly definitions?: { readonly [name: string]: JsonSchemaPart } | undefined;
  /**
   * A type name, or several. Any string is accepted so that a schema declared without
   * `as const` (where `type` widens to string) still compiles; the check at the call refuses
   * a name that is not one.
   */
  readonly type?: JsonSchemaTypeName | readonly JsonSchemaTypeName[] | (string & {}) | readonly string[] | undefined;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly default?: unknown | undefined;
  readonly examples?: unknown | undefined;
  readonly const?: unknown | undefined;
  readonly enum?: readonly unknown[] | undefined;
  readonly properties?: { readonly [key: string]: JsonSchemaPart } | undefined;
  readonly required?: readonly string[] | boolean | undefined;
  readonly additionalProperties?: JsonSchemaPart | undefined;
  readonly patternProperties?: { readonly [pattern: string]: JsonSchemaPart } | undefined;
  readonly propertyNames?: JsonSchemaPart | undefined;
  readonly minProperties?: number | undefined;
  readonly maxProperties?: number | undefined;
  readonly items?: JsonSchemaPart | readonly JsonSchemaPart[] | undefined;
  readonly prefixItems?: readonly JsonSchemaPart[] | undefined;
  readonly minItems?: number | undefined;
  readonly maxItems?: number | undefined;
  readonly uniqueItems?: boolean | undefined;
  readonly contains?: JsonSchemaPart | undefined;
  readonly anyOf?: readonly JsonSchemaPart[] | undefined;
  readonly oneOf?: readonly JsonSchemaPart[] | undefined;
  readonly allOf?: readonly JsonSchemaPart[] | undefined;
  readonly not?: JsonSchemaPart | undefined;
  readonly if?: JsonSchemaPart | undefined;
  readonly then?: JsonSchemaPart | undefined;
  readonly else?: JsonSchemaPart | undefined;
  readonly minLength?: number | undefined;
  readonly maxLength?: number | undefined;
  readonly pattern?: string | undefined;
  readonly format?: string | undefined;
  readonly minimum?: number | undefined;
  readonly maximum?: number | undefined;
  readonly exclusiveMinimum?: number | boolean | undefined;
  readonly exclusiveMaximum?: number | boolean | undefined;
  readonly multipleOf?: number | undefined;
  /**
   * formwork's streaming rules for this part (see `streaming`); never sent to a provider. Any
   * string is accepted, as for `type`; the check when the schema is used refuses one that is
   * not a rule.
   */
  readonly "x-formwork-stream"?: StreamRuleName | readonly StreamRuleName[] | (string & {}) | readonly string[] | undefined;
}

// Every keyword a JSON Schema object may hold at its root, for the run-time check: an object
// with none of them is not a schema (`{ name: "string" }`). Draft 4 to 2020-12, plus OpenAPI's.
const JSON_SCHEMA_KEYWORDS = new Set([
  "$schema", "$id", "id", "$ref", "$defs", "definitions", "$anchor", "$dynamicRef", "$dynamicAnchor", "$comment", "$vocabulary",
  "type", "title", "description", "default", "examples", "const", "enum", "deprecated", "readOnly", "writeOnly",
  "properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties", "maxProperties",
  "dependentRequired", "dependentSchemas", "dependencies", "unevaluatedProperties", "unevaluatedItems",
  "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains",
  "anyOf", "oneOf", "allOf", "not", "if", "then", "else",
  "minLength", "maxLength", "pattern", "format", "contentEncoding", "contentMediaType",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "nullable", "discriminator",
]);
const JSON_TYPE_NAMES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);

/** Any schema formwork accepts. */
export type SchemaLike = StandardSchemaV1 | JsonSchemaObject;

/** The value a schema gives once validated (transforms and defaults applied). */
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : unknown;
/** The value a model writes for a schema, before transforms. */
export type InferInput<S> = S extends StandardSchemaV1<infer Input, unknown> ? Input : unknown;

export type ValidationResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: readonly ShapeIssue[] };

/** What the stream layer needs of a schema. */
export interface SchemaAdapter {
  /** The per-path streaming policy. */
  readonly shape: Shape;
  /** Judges a complete value by the whole schema: transforms and defaults applied. */
  validate(value: unknown): ValidationResult | Promise<ValidationResult>;
  /** The schema as JSON Schema (input side), where one can be had. */
  readonly jsonSchema: Readonly<Record<string, unknown>> | undefined;
}

const adapters = new WeakMap<object, SchemaAdapter>();

/**
 * A schema built by formwork itself (`Maybe`, a schema with validators) may carry its own
 * adapter under this key, so that its parts keep their own streaming policy and checks.
 */
export const OWN_ADAPTER: unique symbol = Symbol.for("formwork.schema.adapter");

function isStandardSchema(value: object): value is StandardSchemaV1 {
  // ArkType's types are functions carrying `~standard`.
  const standard = (value as { "~standard"?: { validate?: unknown } })["~standard"];
  return typeof standard === "object" && standard !== null && typeof standard.validate === "function";
}

function jsonSchemaOf(schema: object): Readonly<Record<string, unknown>> | undefined {
  const converter = (schema as Partial<StandardJSONSchemaV1>)["~standard"]?.jsonSchema;
  if (converter === undefined) return undefined;
  try {
    return converter.input({ target: "draft-2020-12" });
  } catch {
    // Some schemas (a transform, a custom check) have no JSON Schema: the policy is then "any".
    return undefined;
  }
}

function standardIssues(issues: readonly StandardSchemaV1.Issue[]): ShapeIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) => (typeof segment === "object" ? segment.key : segment))
      .filter((key): key is string | number => typeof key === "string" || typeof key === "number"),
    message: issue.message,
  }));
}

function fromStandardResult(result: StandardSchemaV1.Result<unknown>): ValidationResult {
  return result.issues === undefined ? { ok: true, value: result.value } : { ok: false, issues: standardIssues(result.issues) };
}

/**
 * The adapter of a schema (cached per schema object).
 * - Zod 4: the policy is walked from the schema itself; each part checks with its own safeParse.
 * - Any other Standard Schema: the policy is read from the JSON Schema it produces
 *   (`~standard.jsonSchema`: ArkType; valibot through `toStandardJsonSchema`); without one,
 *   every value streams as written and only the final value is judged.
 * - A plain JSON Schema: the policy is read from it, and values are judged by formwork's own
 *   compact checker, or by a validator given with {@link jsonSchema}.
 * Streaming rules (`x-formwork-stream`, see {@link streaming}) are read into the shape, checked
 * for placement (a SchemaError naming the path), and left out of `jsonSchema`.
 */
export function toSchemaAdapter(schema: SchemaLike): SchemaAdapter {
  if (typeof schema !== "object" || schema === null) checkSchema(schema, "schema");
  const cached = adapters.get(schema);
  if (cached !== undefined) return cached;
  let adapter: SchemaAdapter;
  const own = (schema as { [OWN_ADAPTER]?: () => SchemaAdapter })[OWN_ADAPTER];
  if (typeof own === "function") {
    adapter = own();
  } else if (isStandardSchema(schema)) {
    const jsonSchema = jsonSchemaOf(schema);
    const shape = isZodSchema(schema) ? shapeFromZod(schema) : jsonSchema === undefined ? ANY : shapeFromJsonSchema(jsonSchema);
    const standard = schema["~standard"];
    adapter = {
      shape,
      jsonSchema: stripStreamRules(jsonSchema),
      validate: (value) => {
        const result = standard.validate(value);
        return result instanceof Promise ? result.then(fromStandardResult) : fromStandardResult(result);
      },
    };
  } else {
    checkSchema(schema, "schema");
    const jsonSchema = schema as Readonly<Record<string, unknown>>;
    adapter = {
      shape: shapeFromJsonSchema(jsonSchema as JsonSchema),
      jsonSchema: stripStreamRules(jsonSchema),
      validate: (value) => {
        const issues = checkJsonSchema(jsonSchema as JsonSchema, value);
        return issues.length === 0 ? { ok: true, value } : { ok: false, issues };
      },
    };
  }
  // A streaming rule that means nothing where it stands is a SchemaError before anything runs.
  checkStreamRules(adapter.shape);
  adapters.set(schema, adapter);
  return adapter;
}

/**
 * Wraps a JSON Schema as a typed Standard Schema, judged by `validate` (Ajv's compiled function
 * fits: it returns a boolean and keeps `errors`) or else by formwork's compact checker.
 *
 * @example
 * const User = jsonSchema<{ name: string }>({ type: "object", properties: { name: { type: "string" } }, required: ["name"] });
 */
export function jsonSchema<T = unknown>(
  schema: JsonSchemaObject,
  validate?: (value: unknown) => boolean | { ok: true; value?: T } | { ok: false; issues: readonly { path?: readonly (string | number)[]; message: string }[] },
): StandardSchemaV1<T, T> & StandardJSONSchemaV1<T, T> {
  const check = (value: unknown): StandardSchemaV1.Result<T> => {
    if (validate === undefined) {
      const issues = checkJsonSchema(schema as JsonSchema, value);
      return issues.length === 0 ? { value: value as T } : { issues };
    }
    const result = validate(value);
    if (result === true) return { value: value as T };
    if (result === false) {
      const errors = (validate as { errors?: readonly { instancePath?: string; message?: string }[] }).errors ?? [];
      return { issues: errors.length === 0 ? [{ message: "The value does not fit the schema" }] : errors.map(ajvIssue) };
    }
    return result.ok ? { value: (result.value ?? value) as T } : { issues: result.issues.map((issue) => ({ message: issue.message, path: issue.path ?? [] })) };
  };
  const standard = {
    version: 1 as const,
    vendor: "formwork",
    validate: check,
    jsonSchema: { input: () => schema as Record<string, unknown>, output: () => schema as Record<string, unknown> },
  };
  return { "~standard": standard } as unknown as StandardSchemaV1<T, T> & StandardJSONSchemaV1<T, T>;
}

function ajvIssue(error: { instancePath?: string; message?: string }): StandardSchemaV1.Issue {
  const path = (error.instancePath ?? "")
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, "/").replace(/~0/g, "~")));
  return { message: error.message ?? "Invalid", path };
}

// What a value is, in a few words, for an error message.
function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") {
    const keys = Object.keys(value);
    return keys.length === 0 ? "an empty object" : `an object with the keys ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}`;
  }
  return `${typeof value === "undefined" ? "undefined" : `a ${typeof value}`}`;
}

/**
 * Checks that `value` is a schema formwork can use: a Standard Schema (Zod 4, valibot,
 * ArkType...) or a JSON Schema object. Throws {@link SchemaError} otherwise, naming `path` (where
 * in the call it was given) and what it got, with the fix: a Zod shape gets "pass
 * z.object(...)", a map of type names gets the JSON Schema it meant.
 */
export function checkSchema(value: unknown, path: string): asserts value is SchemaLike {
  const fail = (received: string, fix: string): never => {
    throw new SchemaError({ path, received, message: `${path} is ${received}, not a schema; ${fix}` });
  };
  const kinds = "pass a Zod schema (z.object({ ... })), another Standard Schema (valibot, ArkType) or a JSON Schema object ({ type: \"object\", properties: { ... } })";
  if (typeof value === "function") {
    if (isStandardSchema(value)) return;
    return fail("a function", kinds);
  }
  if (typeof value !== "object" || value === null) return fail(describeValue(value), kinds);
  if (isStandardSchema(value)) return;
  if (Array.isArray(value)) return fail(describeValue(value), `${kinds}. Several schemas are for createIterable with the mode "parallel_tools", as [{ schema, name }, ...]`);
  const entries = Object.entries(value);
  if (entries.length > 0 && entries.every(([, part]) => typeof part === "object" && part !== null && isStandardSchema(part) || typeof part === "function" && isStandardSchema(part))) {
    const keys = entries.slice(0, 4).map(([key]) => key).join(", ");
    return fail(`a Zod shape (an object of schemas: ${keys})`, "pass z.object({ ... }) around it (for User.shape, pass User itself)");
  }
  if (entries.length > 0 && !entries.some(([key]) => JSON_SCHEMA_KEYWORDS.has(key))) {
    const isTypeMap = entries.every(([, part]) => typeof part === "string");
    const example = isTypeMap
      ? `{ type: "object", properties: { ${entries.slice(0, 2).map(([key, part]) => `${key}: { type: ${JSON.stringify(part)} }`).join(", ")} } } or z.object({ ... })`
      : "a JSON Schema has keywords such as type and properties";
    return fail(`${describeValue(value)} and no JSON Schema keyword`, isTypeMap ? `write it as ${example}` : `${kinds} (${example})`);
  }
  const type = (value as { type?: unknown }).type;
  const typeNames = Array.isArray(type) ? type : [type];
  if (type !== undefined && !typeNames.every((name) => typeof name === "string" && JSON_TYPE_NAMES.has(name))) {
    return fail(`a JSON Schema whose type is ${JSON.stringify(type)}`, `type takes ${[...JSON_TYPE_NAMES].join(", ")} (or an array of them)`);
  }
}
