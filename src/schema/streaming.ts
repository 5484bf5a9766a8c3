// `streaming.done`, `streaming.notNull` and `streaming.withState`: how a part of a schema
// streams, declared on the schema itself. At run time a rule is the `x-formwork-stream`
// keyword (in a Zod schema's `.meta`, in a JSON Schema as is); at the type level it marks the
// schema's input type, which `DeepPartial` reads to type partial values accordingly.
import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import { isZodSchema } from "./from-zod.js";
import type { SchemaLike } from "./schema-adapter.js";
import { ruleNamesOf, STREAM_KEYWORD, streamRuleError, type StreamRuleName } from "./stream-rules.js";

declare const streamedKey: unique symbol;

/**
 * The type-level mark of a streaming rule: a schema part whose input type is `V` carries
 * `R`. It only ever exists in types (a schema's input type becomes `V | (V & Streamed<V, R>)`,
 * which any `V` is assignable to); `DeepPartial` reads it.
 */
export interface Streamed<V, R extends StreamRuleName> {
  readonly [streamedKey]: { readonly value: V; readonly rules: R };
}

/** The part of a type that carries a streaming mark. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any value type matches
export type Marked<T> = Extract<T, Streamed<any, StreamRuleName>>;
/** The value type under a mark. */
export type MarkedValue<T> = Marked<T>[typeof streamedKey]["value"];
/** The rules of a mark. */
export type MarkedRules<T> = Marked<T>[typeof streamedKey]["rules"];
/** True when a type carries a streaming mark. */
export type IsMarked<T> = [Marked<T>] extends [never] ? false : true;

type BaseOf<I> = IsMarked<I> extends true ? Exclude<I, Marked<I>> : I;
type RulesIn<I> = IsMarked<I> extends true ? MarkedRules<I> : never;
type AddRule<I, R extends StreamRuleName> = BaseOf<I> | (BaseOf<I> & Streamed<BaseOf<I>, RulesIn<I> | R>);

/** A schema with one more streaming rule: its input type carries the mark, its output is unchanged. */
export type WithStreamRule<S, R extends StreamRuleName> = S extends { readonly _zod: { readonly input: infer I } }
  ? S & { readonly _zod: { readonly input: AddRule<I, R> } }
  : S extends StandardSchemaV1<infer I, infer O>
    ? StandardSchemaV1<AddRule<I, R>, O> & StandardJSONSchemaV1<AddRule<I, R>, O>
    : S;

function namesOf(existing: unknown, rule: StreamRuleName): StreamRuleName[] {
  const { names } = existing === undefined ? { names: [] } : ruleNamesOf(existing);
  return names.includes(rule) ? names : [...names, rule];
}

function withRule(schema: SchemaLike, rule: StreamRuleName): unknown {
  if ((typeof schema !== "object" && typeof schema !== "function") || schema === null) {
    throw streamRuleError("", schema === null ? "null" : typeof schema, `streaming.${rule} takes a schema (Zod 4, a Standard Schema with a JSON Schema, or a JSON Schema object), not ${schema === null ? "null" : typeof schema}`);
  }
  if (isZodSchema(schema)) {
    const zod = schema as unknown as { meta?: ((data?: Record<string, unknown>) => unknown) };
    if (typeof zod.meta !== "function") {
      throw streamRuleError("", "a Zod schema without .meta()", `streaming.${rule} needs a schema with .meta() (Zod 4 "zod" or "zod/v4"); with zod/mini, register { "${STREAM_KEYWORD}": ["${rule}"] } in z.globalRegistry`);
    }
    const current = zod.meta.call(schema) as Record<string, unknown> | undefined;
    return zod.meta.call(schema, { [STREAM_KEYWORD]: namesOf(current?.[STREAM_KEYWORD], rule) });
  }
  const standard = (schema as Partial<StandardSchemaV1 & StandardJSONSchemaV1>)["~standard"];
  if (standard === undefined) {
    const json = schema as Readonly<Record<string, unknown>>;
    return { ...json, [STREAM_KEYWORD]: namesOf(json[STREAM_KEYWORD], rule) } as unknown;
  }
  const converter = standard.jsonSchema;
  if (converter === undefined) {
    throw streamRuleError("", `a ${standard.vendor} schema without a JSON Schema`, `streaming.${rule} needs the schema's JSON Schema, and this ${standard.vendor} schema gives none (~standard.jsonSchema); pass a JSON Schema with "${STREAM_KEYWORD}" instead`);
  }
  // Another Standard Schema (ArkType, valibot through toStandardJsonSchema, jsonSchema()):
  // the same schema, whose JSON Schema carries the rule at its root.
  const add = (options: StandardJSONSchemaV1.Options) => {
    const json = converter.input(options);
    return { ...json, [STREAM_KEYWORD]: namesOf(json[STREAM_KEYWORD], rule) };
  };
  return {
    "~standard": { ...standard, jsonSchema: { input: add, output: (options: StandardJSONSchemaV1.Options) => converter.output(options) } },
  } as unknown;
}

/**
 * Streaming rules declared on a schema, as BAML's `@stream.*` attributes. Each returns the
 * schema with the rule added (Zod: through `.meta`; a JSON Schema: the `x-formwork-stream`
 * keyword, which may also be written by hand: `"x-formwork-stream": ["done"]`). Rules combine.
 * `partialStream`, `iterableStream`, the client and the browser transport follow them, and the
 * partial types do too. The rules are never sent to a provider.
 *
 * @example
 * const Item = z.object({
 *   id: streaming.done(streaming.notNull(z.string())),   // no item without its whole id
 *   status: streaming.done(z.string()),                  // never a half-written status
 *   body: streaming.withState(z.string()),               // { state, value }
 * });
 */
export const streaming = {
  /**
   * The value appears only when complete: a string never shows a prefix, an object or an
   * array appears whole when it closes. On a value that already appears only whole (a number,
   * an enum member, a formatted string) it is a SchemaError.
   */
  done<S extends SchemaLike>(schema: S): WithStreamRule<S, "done"> {
    return withRule(schema, "done") as WithStreamRule<S, "done">;
  },
  /**
   * On a field of an object: the object is not shown until this field is (for a string, from
   * its first character; with `done`, once whole). If the field is optional and left out, the
   * object shows when it closes. Anywhere else it is a SchemaError.
   */
  notNull<S extends SchemaLike>(schema: S): WithStreamRule<S, "notNull"> {
    return withRule(schema, "notNull") as WithStreamRule<S, "notNull">;
  },
  /**
   * The partial carries `{ state, value }` (see `StreamState`): `"pending"` before the model
   * writes it (the field is there as soon as its object is), `"incomplete"` while it is being
   * written, `"complete"` once closed (or once its object closed without it).
   */
  withState<S extends SchemaLike>(schema: S): WithStreamRule<S, "withState"> {
    return withRule(schema, "withState") as WithStreamRule<S, "withState">;
  },
};
