// Accepts any schema a user has (Zod 4, any Standard Schema, a plain JSON Schema) and gives
// the stream layer one interface: the streaming policy (Shape), the final validation, and the
// JSON Schema to send to a provider.
import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { shapeFromJsonSchema } from "./from-json-schema.js";
import { isZodSchema, shapeFromZod } from "./from-zod.js";
import { checkJsonSchema, type JsonSchema } from "./json-schema-check.js";
import { ANY, type Shape, type ShapeIssue } from "./shape.js";

/** A plain JSON Schema object, optionally typed by the value it describes. */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

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
  readonly jsonSchema: JsonSchemaObject | undefined;
}

const adapters = new WeakMap<object, SchemaAdapter>();

/**
 * A schema built by formwork itself (`Maybe`, a schema with validators) may carry its own
 * adapter under this key, so that its parts keep their own streaming policy and checks.
 */
export const OWN_ADAPTER: unique symbol = Symbol.for("formwork.schema.adapter");

function isStandardSchema(value: object): value is StandardSchemaV1 {
  const standard = (value as { "~standard"?: { validate?: unknown } })["~standard"];
  return typeof standard === "object" && standard !== null && typeof standard.validate === "function";
}

function jsonSchemaOf(schema: object): JsonSchemaObject | undefined {
  const converter = (schema as Partial<StandardJSONSchemaV1>)["~standard"]?.jsonSchema;
  if (converter === undefined) return undefined;
  try {
    return converter.input({ target: "draft-2020-12" }) as JsonSchemaObject;
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
 */
export function toSchemaAdapter(schema: SchemaLike): SchemaAdapter {
  if (typeof schema !== "object" && typeof schema !== "function") {
    throw new TypeError(`formwork: expected a schema (Zod, a Standard Schema or a JSON Schema object), got ${schema === null ? "null" : typeof schema}`);
  }
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
      jsonSchema,
      validate: (value) => {
        const result = standard.validate(value);
        return result instanceof Promise ? result.then(fromStandardResult) : fromStandardResult(result);
      },
    };
  } else {
    const jsonSchema = schema as JsonSchemaObject;
    adapter = {
      shape: shapeFromJsonSchema(jsonSchema as JsonSchema),
      jsonSchema,
      validate: (value) => {
        const issues = checkJsonSchema(jsonSchema as JsonSchema, value);
        return issues.length === 0 ? { ok: true, value } : { ok: false, issues };
      },
    };
  }
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
