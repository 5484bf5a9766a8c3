// Builds a Shape from a JSON Schema: the policy for schemas that come as JSON Schema (any
// Standard Schema that can produce one, such as ArkType or valibot with toStandardJsonSchema,
// and hand-written ones). Each part is checked by the compact checker.
import { checkJsonSchema, resolveRef, type JsonSchema } from "./json-schema-check.js";
import { applyStreamRules, readStreamRules, STREAM_KEYWORD } from "./stream-rules.js";
import { ANY, findDiscriminator, union, type ArrayShape, type ObjectShape, type Shape, type ShapeCheck, type UnionShape } from "./shape.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const NEVER: Shape = { kind: "never", check: undefined };

/** Builds the Shape of a JSON Schema; local `$ref`s (recursive ones too) are followed. */
export function shapeFromJsonSchema(schema: JsonSchema, root: JsonSchema = schema, seen = new Map<object, Shape>()): Shape {
  if (schema === true) return ANY;
  if (schema === false) return NEVER;
  const known = seen.get(schema);
  if (known !== undefined) return known;
  const shape = buildShape(schema, root, seen);
  // The shared constants (ANY, NEVER) are copied; every other shape was built for this node.
  return applyStreamRules(shape, readStreamRules(schema[STREAM_KEYWORD]), shape !== ANY && shape !== NEVER);
}

function buildShape(schema: Exclude<JsonSchema, boolean>, root: JsonSchema, seen: Map<object, Shape>): Shape {
  const s = schema as Record<string, unknown>;
  const check: ShapeCheck = (value) => {
    const issues = checkJsonSchema(schema, value, root);
    return issues.length === 0 ? undefined : issues;
  };
  const child = (inner: unknown) => shapeFromJsonSchema(inner as JsonSchema, root, seen);

  if (typeof s["$ref"] === "string") {
    // Register first: a recursive $ref resolves to the shape being built.
    const target = resolveRef(root, s["$ref"]);
    const placeholder = {} as Mutable<Shape>;
    seen.set(schema, placeholder as Shape);
    Object.assign(placeholder, child(target));
    return placeholder as Shape;
  }
  if (Array.isArray(s["enum"])) return { kind: "enum", values: s["enum"] as unknown[], check };
  if ("const" in s) return { kind: "enum", values: [s["const"]], check };
  const options = (s["anyOf"] ?? s["oneOf"]) as JsonSchema[] | undefined;
  if (options !== undefined) {
    const shape = { kind: "union", options: [], discriminator: undefined, members: undefined, check } as Mutable<UnionShape>;
    seen.set(schema, shape);
    shape.options = options.map(child);
    const found = findDiscriminator(shape.options);
    if (found !== undefined) {
      shape.discriminator = found.key;
      shape.members = found.members;
    }
    return shape;
  }
  if (Array.isArray(s["allOf"])) {
    const parts = (s["allOf"] as JsonSchema[]).map(child);
    if (parts.every((part) => part.kind === "object")) {
      const objects = parts as ObjectShape[];
      const properties = new Map(objects.flatMap((part) => [...part.properties]));
      const required = new Set(objects.flatMap((part) => [...part.properties.keys()].filter((key) => !part.optional.has(key))));
      return { kind: "object", properties, optional: new Set([...properties.keys()].filter((key) => !required.has(key))), rest: objects.find((part) => part.rest)?.rest, check };
    }
    return { kind: "any", check };
  }
  const type = s["type"];
  if (Array.isArray(type)) {
    // ["string", "null"]: one shape per type, each read from this same schema.
    // The rules belong to the whole, not to each type.
    return union(type.map((item) => child({ ...s, type: item, [STREAM_KEYWORD]: undefined })), check);
  }
  const kind = typeof type === "string" ? type : "properties" in s ? "object" : "items" in s || "prefixItems" in s ? "array" : undefined;
  switch (kind) {
    case "object": {
      const required = new Set((s["required"] as string[] | undefined) ?? []);
      const optional = new Set<string>();
      const shape = { kind: "object", properties: new Map<string, Shape>(), optional, rest: ANY, check } as Mutable<ObjectShape>;
      seen.set(schema, shape);
      for (const [key, value] of Object.entries((s["properties"] as Record<string, unknown> | undefined) ?? {})) {
        (shape.properties as Map<string, Shape>).set(key, child(value));
        if (!required.has(key)) optional.add(key);
      }
      const additional = s["additionalProperties"];
      shape.rest = additional === false ? undefined : additional === undefined || additional === true ? ANY : child(additional);
      return shape;
    }
    case "array": {
      const shape = { kind: "array", prefix: [], items: ANY, check } as Mutable<ArrayShape>;
      seen.set(schema, shape);
      const prefix = Array.isArray(s["prefixItems"]) ? s["prefixItems"] : Array.isArray(s["items"]) ? s["items"] : [];
      shape.prefix = (prefix as unknown[]).map(child);
      const rest = Array.isArray(s["items"]) ? s["additionalItems"] : s["items"];
      shape.items = rest === undefined ? ANY : child(rest);
      return shape;
    }
    case "string":
      // A format (date-time, email, uuid...) has no meaningful prefix: shown only whole.
      return { kind: "string", streams: typeof s["format"] !== "string", check };
    case "number":
    case "integer":
      return { kind: "number", check };
    case "boolean":
      return { kind: "boolean", check: undefined };
    case "null":
      return { kind: "null", check: undefined };
    default:
      return Object.keys(s).length === 0 ? ANY : { kind: "any", check };
  }
}
