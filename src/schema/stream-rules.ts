// Streaming rules declared on a schema (BAML's @stream.done, @stream.not_null and
// @stream.with_state): read from the `x-formwork-stream` keyword (which Zod's `.meta` carries
// into its JSON Schema too), checked for placement once per schema, and stripped from the JSON
// Schema a provider is sent, since strict modes reject keywords they do not know.
import { SchemaError } from "../errors/schema-error.js";
import type { Shape } from "./shape.js";

/** A streaming rule that means nothing where it stands, or a keyword that is not one. */
export function streamRuleError(path: string, received: string, message: string): SchemaError {
  return new SchemaError({ path, received, message: `Schema at ${path === "" ? "the root" : path}: ${message}` });
}

/** The keyword that carries streaming rules in a JSON Schema (and in a Zod schema's `.meta`). */
export const STREAM_KEYWORD = "x-formwork-stream";

/** The rules a schema part may carry. */
export type StreamRuleName = "done" | "notNull" | "withState";

const RULE_NAMES: readonly StreamRuleName[] = ["done", "notNull", "withState"];

/**
 * The rules on one part of a schema, as the stream layer reads them. `problem` records a
 * keyword that could not be read; it is reported with its path when the schema is checked.
 */
export interface StreamRules {
  readonly done: boolean;
  readonly notNull: boolean;
  readonly withState: boolean;
  readonly problem?: string;
}

/** The rule names in a keyword value (a name or a list of names), or a description of what is wrong. */
export function ruleNamesOf(value: unknown): { names: StreamRuleName[]; problem?: string } {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (list === undefined) return { names: [], problem: `"${STREAM_KEYWORD}" must be a rule name or a list of them (${RULE_NAMES.join(", ")}), not ${JSON.stringify(value)}` };
  const names: StreamRuleName[] = [];
  for (const item of list) {
    if (!RULE_NAMES.includes(item as StreamRuleName)) {
      return { names, problem: `unknown streaming rule ${JSON.stringify(item)} in "${STREAM_KEYWORD}" (known: ${RULE_NAMES.join(", ")})` };
    }
    if (!names.includes(item as StreamRuleName)) names.push(item as StreamRuleName);
  }
  return { names };
}

/** The rules carried by a keyword value, or undefined when there is none. */
export function readStreamRules(value: unknown): StreamRules | undefined {
  if (value === undefined) return undefined;
  const { names, problem } = ruleNamesOf(value);
  return { done: names.includes("done"), notNull: names.includes("notNull"), withState: names.includes("withState"), ...(problem === undefined ? {} : { problem }) };
}

/**
 * The shape with `rules` added to those it has. Shapes built fresh for this schema part are
 * given the rules in place (so a recursive reference to it sees them); a shape shared with
 * another part (a wrapper such as `.optional()` returns its inner part's) is copied.
 */
export function applyStreamRules(shape: Shape, rules: StreamRules | undefined, isOwn: boolean): Shape {
  if (rules === undefined) return shape;
  const previous = shape.rules;
  const merged: StreamRules = {
    done: rules.done || previous?.done === true,
    notNull: rules.notNull || previous?.notNull === true,
    withState: rules.withState || previous?.withState === true,
    ...(rules.problem === undefined && previous?.problem === undefined ? {} : { problem: rules.problem ?? (previous?.problem as string) }),
  };
  if (!isOwn) return { ...shape, rules: merged } as Shape;
  (shape as { rules?: StreamRules }).rules = merged;
  return shape;
}

/** True when the shape, or (for a union) one of its options, carries the rule. */
export function hasRule(shape: Shape | undefined, rule: StreamRuleName): boolean {
  if (shape === undefined) return false;
  if (shape.rules?.[rule] === true) return true;
  return shape.kind === "union" && shape.options.some((option) => option.rules?.[rule] === true);
}

/** True when no value of this shape can ever be shown in part. */
function isAtomic(shape: Shape): boolean {
  switch (shape.kind) {
    case "number":
    case "boolean":
    case "null":
    case "enum":
    case "never":
      return true;
    case "string":
      return !shape.streams;
    case "union":
      return shape.options.every(isAtomic);
    default:
      return false;
  }
}

type Place = "root" | "property" | "element" | "value";

/**
 * Checks where each rule stands, once per schema, and throws a SchemaError naming the path of
 * the first that means nothing there:
 * - `done` where the value already appears only whole (a number, a boolean, an enum member, a
 *   literal, a string with a format such as date-time): it would change nothing.
 * - `notNull` anywhere but on a property of an object: it withholds the enclosing object,
 *   and the root, an array element or a record's values have none.
 * - a keyword that is not a rule name or a list of them.
 * `done` on an object or an array is allowed: the whole value then appears at once, when it
 * closes (BAML allows `@@stream.done` on a class for the same reason).
 */
export function checkStreamRules(shape: Shape): void {
  visit(shape, "", "root", new Set());
}

function visit(shape: Shape, path: string, place: Place, seen: Set<Shape>): void {
  if (seen.has(shape)) return;
  seen.add(shape);
  const rules = shape.rules;
  if (rules?.problem !== undefined) throw streamRuleError(path, `"${STREAM_KEYWORD}" that is not a rule`, rules.problem);
  if (rules?.done === true && isAtomic(shape)) {
    throw streamRuleError(path, `streaming.done on ${describe(shape)}`, `streaming.done changes nothing here: ${describe(shape)} already appears only whole. Remove the rule.`);
  }
  if (rules?.notNull === true && place !== "property") {
    const where = place === "root" ? "the root value has no enclosing object" : place === "element" ? "an array element is not a field of an object" : "a record's values are not named fields";
    throw streamRuleError(path, `streaming.notNull on ${place === "root" ? "the root" : place === "element" ? "an array element" : "a record's values"}`, `streaming.notNull withholds the object that holds this field until the field appears, but ${where}. Put it on a property of an object.`);
  }
  switch (shape.kind) {
    case "object":
      for (const [key, property] of shape.properties) visit(property, path === "" ? key : `${path}.${key}`, "property", seen);
      if (shape.rest !== undefined) visit(shape.rest, `${path}{}`, "value", seen);
      break;
    case "array":
      shape.prefix.forEach((item, index) => visit(item, `${path}[${index}]`, "element", seen));
      visit(shape.items, `${path}[]`, "element", seen);
      break;
    case "union":
      // A union is transparent: `streaming.notNull(z.string()).nullable()` is still a property's rule.
      for (const option of shape.options) visit(option, path, place, seen);
      break;
    default:
      break;
  }
  seen.delete(shape);
}

function describe(shape: Shape): string {
  switch (shape.kind) {
    case "enum":
      return shape.values.length === 1 ? "a literal" : "an enum member";
    case "string":
      return "a string with a format (no meaningful prefix)";
    case "union":
      return "each of its options";
    default:
      return `a ${shape.kind}`;
  }
}

// Keywords whose value is data, not a schema, and keywords whose value maps names to schemas.
const DATA_KEYWORDS = new Set(["enum", "const", "default", "examples", "required"]);
const MAP_KEYWORDS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);

/**
 * The JSON Schema without the streaming keyword, at any depth (a copy where something was
 * removed; the same object otherwise). Providers' strict modes reject unknown keywords, and
 * the rules say how to show the answer, not what to write. A property that happens to be
 * named `x-formwork-stream` is a name, not the keyword, and stays.
 */
export function stripStreamRules<T>(schema: T): T {
  if (typeof schema !== "object" || schema === null) return schema;
  if (Array.isArray(schema)) return mapArray(schema, stripStreamRules) as T;
  const node = schema as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === STREAM_KEYWORD) {
      copy ??= { ...node };
      delete copy[key];
      continue;
    }
    if (DATA_KEYWORDS.has(key) || typeof value !== "object" || value === null) continue;
    const stripped = MAP_KEYWORDS.has(key) && !Array.isArray(value) ? mapValues(value as Record<string, unknown>) : stripStreamRules(value);
    if (stripped !== value) setOwn((copy ??= { ...node }), key, stripped);
  }
  return (copy ?? schema) as T;
}

function mapValues(map: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(map)) {
    const stripped = stripStreamRules(value);
    if (stripped !== value) setOwn((copy ??= { ...map }), name, stripped);
  }
  return copy ?? map;
}

function mapArray(items: readonly unknown[], map: (item: unknown) => unknown): readonly unknown[] {
  let copy: unknown[] | undefined;
  items.forEach((item, index) => {
    const mapped = map(item);
    if (mapped !== item) (copy ??= items.slice())[index] = mapped;
  });
  return copy ?? items;
}

// A key "__proto__" must become an own property, never the prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
