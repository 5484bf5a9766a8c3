// Instructor's Maybe[T]: an answer that may legitimately not be there. The model either gives
// `result`, or sets `error` and says why in `message`, instead of inventing a value to fill the
// schema. Built on any schema formwork takes; `result` keeps that schema's own streaming policy
// and checks, so a Maybe streams like any object.
import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { OWN_ADAPTER, toSchemaAdapter, type InferInput, type InferOutput, type SchemaAdapter, type SchemaLike, type ValidationResult } from "./schema-adapter.js";
import type { ObjectShape, Shape, ShapeIssue } from "./shape.js";

/** The value of `Maybe(schema)`: `result` when the answer is there, `error` and `message` when not. */
export interface MaybeValue<T> {
  readonly result?: T;
  readonly error: boolean;
  readonly message?: string;
}

/** The schema `Maybe` returns: a Standard Schema of {@link MaybeValue}, with its JSON Schema. */
export type MaybeSchema<S extends SchemaLike> = StandardSchemaV1<MaybeValue<InferInput<S>>, MaybeValue<InferOutput<S>>> &
  StandardJSONSchemaV1<MaybeValue<InferInput<S>>, MaybeValue<InferOutput<S>>>;

/** What the model is told about a Maybe; formwork sends it as the schema's description. */
export const MAYBE_DESCRIPTION =
  "If the answer is in the input, put it in `result` and set `error` to false. If it is not there, do not invent one: leave `result` out, set `error` to true and say in `message` what is missing.";

const BOOLEAN: Shape = { kind: "boolean", check: (value) => (typeof value === "boolean" ? undefined : [{ path: [], message: "Expected a boolean" }]) };
const TEXT: Shape = { kind: "string", streams: true, check: (value) => (typeof value === "string" ? undefined : [{ path: [], message: "Expected a string" }]) };

// What a Maybe object must be, whatever `result` holds (the result's own schema judges it).
function structureIssues(value: unknown): ShapeIssue[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [{ path: [], message: "Expected an object with `error` and either `result` or `message`" }];
  const record = value as Record<string, unknown>;
  const issues: ShapeIssue[] = [];
  if (typeof record["error"] !== "boolean") issues.push({ path: ["error"], message: "Expected a boolean: false with a result, true when the answer is not there" });
  if (record["message"] !== undefined && typeof record["message"] !== "string") issues.push({ path: ["message"], message: "Expected a string" });
  if (record["error"] === false && record["result"] === undefined) issues.push({ path: ["result"], message: "Give the result, or set `error` to true and say why in `message`" });
  for (const key of Object.keys(record)) {
    if (key !== "result" && key !== "error" && key !== "message") issues.push({ path: [key], message: "Unknown field: a Maybe has only result, error and message" });
  }
  return issues;
}

// The inner JSON Schema as the `result` property: its $defs move to the root (where `#/$defs/…`
// references point), and a reference to its own root now points at it there.
function maybeJsonSchema(inner: Record<string, unknown> | undefined): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...inner };
  const { $defs, definitions } = rest;
  for (const key of ["$schema", "$defs", "definitions"]) delete rest[key];
  const defs: Record<string, unknown> = { ...(definitions as Record<string, unknown> | undefined), ...($defs as Record<string, unknown> | undefined) };
  const refersToRoot = JSON.stringify(rest).includes('"$ref":"#"');
  const resultSchema = refersToRoot ? { $ref: "#/$defs/MaybeResult" } : rest;
  if (refersToRoot) defs["MaybeResult"] = retarget(rest);
  return {
    type: "object",
    description: MAYBE_DESCRIPTION,
    properties: {
      result: resultSchema,
      error: { type: "boolean", description: "true when the answer is not in the input" },
      message: { type: "string", description: "why the answer is missing (when error is true)" },
    },
    required: ["error"],
    additionalProperties: false,
    ...(Object.keys(defs).length === 0 ? {} : { $defs: retarget(defs) }),
  };
}

function retarget<T>(schema: T): T {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#"', '"$ref":"#/$defs/MaybeResult"')) as T;
}

/**
 * Wraps a schema as Instructor's `Maybe`: `{ result?: T, error: boolean, message?: string }`.
 * The schema's description tells the model to set `error` rather than invent a value.
 *
 * @example
 * const MaybeUser = Maybe(User);
 * const answer = await client.chat.completions.create({ model, messages, response_model: MaybeUser });
 * if (hasResult(answer)) console.log(answer.result.name);
 * else console.log("not found:", answer.message);
 */
export function Maybe<S extends SchemaLike>(schema: S): MaybeSchema<S> {
  const inner = toSchemaAdapter(schema);
  const jsonSchema = maybeJsonSchema(inner.jsonSchema);
  const validate = (value: unknown): ValidationResult | Promise<ValidationResult> => {
    const issues = structureIssues(value);
    if (issues.length > 0) return { ok: false, issues };
    const record = value as Record<string, unknown>;
    if (record["result"] === undefined) return { ok: true, value: record };
    const judge = (result: ValidationResult): ValidationResult =>
      result.ok ? { ok: true, value: { ...record, result: result.value } } : { ok: false, issues: result.issues.map((issue) => ({ ...issue, path: ["result", ...issue.path] })) };
    const result = inner.validate(record["result"]);
    return result instanceof Promise ? result.then(judge) : judge(result);
  };
  const shape: ObjectShape = {
    kind: "object",
    properties: new Map([["result", inner.shape], ["error", BOOLEAN], ["message", TEXT]]),
    optional: new Set(["result", "message"]),
    rest: undefined,
    check: (value) => {
      const issues = structureIssues(value);
      return issues.length === 0 ? undefined : issues;
    },
  };
  const adapter: SchemaAdapter = { shape, jsonSchema, validate };
  const standard = {
    version: 1 as const,
    vendor: "formwork",
    validate: (value: unknown) => {
      const toStandard = (result: ValidationResult) => (result.ok ? { value: result.value } : { issues: result.issues });
      const result = validate(value);
      return result instanceof Promise ? result.then(toStandard) : toStandard(result);
    },
    jsonSchema: { input: () => jsonSchema, output: () => jsonSchema },
  };
  return { "~standard": standard, [OWN_ADAPTER]: () => adapter } as unknown as MaybeSchema<S>;
}

/**
 * True when a Maybe holds its result: narrows it to `{ result: T, error: false }`.
 *
 * @example
 * if (hasResult(answer)) use(answer.result);
 */
export function hasResult<T>(value: MaybeValue<T>): value is MaybeValue<T> & { readonly result: T; readonly error: false } {
  return value.error === false && value.result !== undefined;
}
