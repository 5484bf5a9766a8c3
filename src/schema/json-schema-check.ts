// A compact JSON Schema checker for the keywords that structured output uses, so that a value
// can be judged the moment it closes when the schema came as JSON Schema (ArkType, valibot, a
// hand-written one). The final value is still judged by the schema's own validator where it
// has one. Unknown keywords are ignored, as JSON Schema says.
import type { ShapeIssue } from "./shape.js";

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

const FORMATS: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/,
  time: /^\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  uri: /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/,
  ipv4: /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/,
};

/** Resolves a local `$ref` (`#`, `#/$defs/Name`, `#/definitions/Name`) against the root. */
export function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith("#")) throw new TypeError(`formwork: only local $ref are supported, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~");
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (node === undefined) throw new TypeError(`formwork: $ref ${ref} points at nothing`);
  return node as JsonSchema;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function isEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => isEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Checks `value` against `schema`; returns every issue found (empty when it fits). */
export function checkJsonSchema(schema: JsonSchema, value: unknown, root: JsonSchema = schema, path: (string | number)[] = []): ShapeIssue[] {
  if (schema === true) return [];
  if (schema === false) return [{ path, message: "No value is allowed here" }];
  const issues: ShapeIssue[] = [];
  const add = (message: string, at = path) => issues.push({ path: at, message });
  const s = schema as Record<string, unknown>;
  if (typeof s["$ref"] === "string") issues.push(...checkJsonSchema(resolveRef(root, s["$ref"]), value, root, path));
  const type = s["type"];
  if (type !== undefined) {
    const types = Array.isArray(type) ? (type as string[]) : [type as string];
    if (!types.some((item) => matchesType(value, item))) {
      add(`Expected ${types.join(" or ")}, received ${typeOf(value)}`);
      return issues;
    }
  }
  if (Array.isArray(s["enum"]) && !s["enum"].some((item) => isEqual(item, value))) add(`Expected one of ${JSON.stringify(s["enum"])}`);
  if ("const" in s && !isEqual(s["const"], value)) add(`Expected ${JSON.stringify(s["const"])}`);
  if (typeof value === "string") {
    if (typeof s["minLength"] === "number" && [...value].length < s["minLength"]) add(`Expected at least ${s["minLength"]} characters`);
    if (typeof s["maxLength"] === "number" && [...value].length > s["maxLength"]) add(`Expected at most ${s["maxLength"]} characters`);
    if (typeof s["pattern"] === "string" && !new RegExp(s["pattern"], "u").test(value)) add(`Expected to match ${s["pattern"]}`);
    const format = typeof s["format"] === "string" ? FORMATS[s["format"]] : undefined;
    if (format !== undefined && !format.test(value)) add(`Expected a valid ${String(s["format"])}`);
  }
  if (typeof value === "number") {
    if (typeof s["minimum"] === "number" && value < s["minimum"]) add(`Expected at least ${s["minimum"]}`);
    if (typeof s["maximum"] === "number" && value > s["maximum"]) add(`Expected at most ${s["maximum"]}`);
    if (typeof s["exclusiveMinimum"] === "number" && value <= s["exclusiveMinimum"]) add(`Expected more than ${s["exclusiveMinimum"]}`);
    if (typeof s["exclusiveMaximum"] === "number" && value >= s["exclusiveMaximum"]) add(`Expected less than ${s["exclusiveMaximum"]}`);
    if (typeof s["multipleOf"] === "number" && Math.abs(value / s["multipleOf"] - Math.round(value / s["multipleOf"])) > 1e-9) add(`Expected a multiple of ${s["multipleOf"]}`);
  }
  if (Array.isArray(value)) {
    if (typeof s["minItems"] === "number" && value.length < s["minItems"]) add(`Expected at least ${s["minItems"]} items`);
    if (typeof s["maxItems"] === "number" && value.length > s["maxItems"]) add(`Expected at most ${s["maxItems"]} items`);
    const prefix = Array.isArray(s["prefixItems"]) ? (s["prefixItems"] as JsonSchema[]) : Array.isArray(s["items"]) ? (s["items"] as JsonSchema[]) : [];
    const rest = Array.isArray(s["items"]) ? s["additionalItems"] : s["items"];
    value.forEach((item, index) => {
      const itemSchema = index < prefix.length ? prefix[index] : (rest as JsonSchema | undefined);
      if (itemSchema !== undefined) issues.push(...checkJsonSchema(itemSchema, item, root, [...path, index]));
    });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (s["properties"] as Record<string, JsonSchema> | undefined) ?? {};
    for (const key of (s["required"] as string[] | undefined) ?? []) {
      if (!Object.hasOwn(object, key)) add(`Required`, [...path, key]);
    }
    for (const [key, item] of Object.entries(object)) {
      const propertySchema = Object.hasOwn(properties, key) ? properties[key] : (s["additionalProperties"] as JsonSchema | undefined);
      if (propertySchema === false) add(`Unrecognised key "${key}"`, [...path, key]);
      else if (propertySchema !== undefined) issues.push(...checkJsonSchema(propertySchema, item, root, [...path, key]));
    }
  }
  for (const item of (s["allOf"] as JsonSchema[] | undefined) ?? []) issues.push(...checkJsonSchema(item, value, root, path));
  const anyOf = (s["anyOf"] ?? s["oneOf"]) as JsonSchema[] | undefined;
  if (anyOf !== undefined && !anyOf.some((item) => checkJsonSchema(item, value, root, path).length === 0)) {
    add("Expected a value that fits one of the options");
  }
  return issues;
}
