// Walks a Zod 4 schema into a Shape. Zod is read through its public `_zod.def` (no import of
// zod itself), so this works with whichever copy of Zod 4 the caller has. Each part's check is
// that part's own `safeParse`, so a closed value is judged exactly as Zod would judge it.
import { applyStreamRules, readStreamRules, STREAM_KEYWORD } from "./stream-rules.js";
import { ANY, findDiscriminator, union, type ArrayShape, type ObjectShape, type Shape, type ShapeCheck, type ShapeIssue, type UnionShape } from "./shape.js";

/** The part of a Zod 4 schema this module reads. */
export interface ZodLike {
  readonly _zod: { readonly def: ZodDef };
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly ZodIssueLike[] } };
}

interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
}

interface ZodDef {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** True for a Zod 4 schema. */
export function isZodSchema(value: unknown): value is ZodLike {
  return typeof value === "object" && value !== null && "_zod" in value && typeof (value as { safeParse?: unknown }).safeParse === "function";
}

/** Turns Zod issues into formwork's, with paths of strings and numbers only. */
export function zodIssues(issues: readonly ZodIssueLike[]): ShapeIssue[] {
  return issues.map((issue) => ({
    path: issue.path.filter((key): key is string | number => typeof key !== "symbol"),
    message: issue.message,
    ...(issue.code === undefined ? {} : { code: issue.code }),
  }));
}

function checkOf(schema: ZodLike): ShapeCheck {
  return (value) => {
    let result: ReturnType<ZodLike["safeParse"]>;
    try {
      result = schema.safeParse(value);
    } catch {
      // An async refinement cannot run synchronously: leave it to the final validation.
      return undefined;
    }
    return result.success ? undefined : zodIssues(result.error.issues);
  };
}

// Formats whose prefix means nothing: a half-written UUID or date is not shown. A `regex`
// format constrains free text, which still streams.
const STREAMING_FORMATS = new Set(["regex", "lowercase", "uppercase", "includes", "starts_with", "ends_with"]);

function stringStreams(def: ZodDef): boolean {
  if (typeof def["format"] === "string" && !STREAMING_FORMATS.has(def["format"])) return false;
  const checks = (def["checks"] as readonly { _zod: { def: { check?: string; format?: string } } }[] | undefined) ?? [];
  return !checks.some(({ _zod }) => _zod.def.check === "string_format" && !STREAMING_FORMATS.has(_zod.def.format ?? ""));
}

function isOptionalIn(shape: ObjectShape, key: string): boolean {
  return !shape.properties.has(key) || shape.optional.has(key);
}

function hasChecks(def: ZodDef): boolean {
  return Array.isArray(def["checks"]) && def["checks"].length > 0;
}

// The streaming rules `streaming.done` and the others put in the schema's metadata.
function zodStreamRules(schema: ZodLike): ReturnType<typeof readStreamRules> {
  const meta = (schema as { meta?: () => Record<string, unknown> | undefined }).meta;
  return typeof meta === "function" ? readStreamRules(meta.call(schema)?.[STREAM_KEYWORD]) : undefined;
}

/** Builds the Shape of a Zod 4 schema. Recursive schemas (z.lazy, getters) give cyclic shapes. */
export function shapeFromZod(schema: ZodLike, seen = new Map<ZodLike, Shape>()): Shape {
  const known = seen.get(schema);
  if (known !== undefined) return known;
  const shape = buildShape(schema, seen);
  // A shape registered for this very schema (objects, arrays, unions) is its own; a wrapper
  // (optional, default, lazy...) returns its inner part's, which must not take its rules.
  return applyStreamRules(shape, zodStreamRules(schema), seen.get(schema) === shape && schema._zod.def.type !== "lazy");
}

function buildShape(schema: ZodLike, seen: Map<ZodLike, Shape>): Shape {
  const def = schema._zod.def;
  const child = (inner: unknown) => shapeFromZod(inner as ZodLike, seen);
  switch (def.type) {
    case "object": {
      const optional = new Set<string>();
      const shape = { kind: "object", properties: new Map<string, Shape>(), optional, rest: undefined, check: checkOf(schema) } as {
        -readonly [K in keyof ObjectShape]: ObjectShape[K];
      };
      seen.set(schema, shape);
      for (const [key, value] of Object.entries(def["shape"] as Record<string, unknown>)) {
        (shape.properties as Map<string, Shape>).set(key, child(value));
        // Optional on the input side: `.optional()`, or a default the schema fills in.
        const optin = (value as { _zod: { optin?: string } })._zod.optin;
        if (optin === "optional" || optin === "defaulted") optional.add(key);
      }
      const catchall = def["catchall"] as ZodLike | undefined;
      const catchallType = catchall?._zod.def.type;
      if (catchall !== undefined && catchallType !== "never") shape.rest = catchallType === "unknown" || catchallType === "any" ? ANY : child(catchall);
      return shape;
    }
    case "record": {
      const shape = { kind: "object", properties: new Map(), optional: new Set(), rest: ANY, check: checkOf(schema) } as { -readonly [K in keyof ObjectShape]: ObjectShape[K] };
      seen.set(schema, shape);
      shape.rest = child(def["valueType"]);
      return shape;
    }
    case "array": {
      const shape = { kind: "array", prefix: [], items: ANY, check: checkOf(schema) } as { -readonly [K in keyof ArrayShape]: ArrayShape[K] };
      seen.set(schema, shape);
      shape.items = child(def["element"]);
      return shape;
    }
    case "tuple": {
      const shape = { kind: "array", prefix: [], items: ANY, check: checkOf(schema) } as { -readonly [K in keyof ArrayShape]: ArrayShape[K] };
      seen.set(schema, shape);
      shape.prefix = (def["items"] as unknown[]).map(child);
      shape.items = def["rest"] === undefined || def["rest"] === null ? { kind: "never", check: undefined } : child(def["rest"]);
      return shape;
    }
    case "union": {
      const shape = { kind: "union", options: [], discriminator: undefined, members: undefined, check: checkOf(schema) } as {
        -readonly [K in keyof UnionShape]: UnionShape[K];
      };
      seen.set(schema, shape);
      shape.options = (def["options"] as unknown[]).map(child);
      const found = findDiscriminator(shape.options);
      if (found !== undefined && (def["discriminator"] === undefined || def["discriminator"] === found.key)) {
        shape.discriminator = found.key;
        shape.members = found.members;
      }
      return shape;
    }
    case "intersection": {
      const left = child(def["left"]);
      const right = child(def["right"]);
      if (left.kind === "object" && right.kind === "object") {
        return {
          kind: "object",
          properties: new Map([...left.properties, ...right.properties]),
          // Optional unless either side requires it.
          optional: new Set([...left.properties.keys(), ...right.properties.keys()].filter((key) => isOptionalIn(left, key) && isOptionalIn(right, key))),
          rest: left.rest ?? right.rest,
          check: checkOf(schema),
        };
      }
      return { kind: "any", check: checkOf(schema) };
    }
    case "string":
      return { kind: "string", streams: stringStreams(def), check: hasChecks(def) || def["format"] !== undefined ? checkOf(schema) : undefined };
    case "template_literal":
      return { kind: "string", streams: false, check: checkOf(schema) };
    case "number":
    case "int":
      return { kind: "number", check: checkOf(schema) };
    case "boolean":
      return { kind: "boolean", check: undefined };
    case "null":
      return { kind: "null", check: undefined };
    case "enum":
      return { kind: "enum", values: [...new Set(Object.values(def["entries"] as Record<string, unknown>))], check: checkOf(schema) };
    case "literal":
      return { kind: "enum", values: [...(def["values"] as unknown[])], check: checkOf(schema) };
    case "optional":
    case "nonoptional":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "success":
      return child(def["innerType"]);
    case "nullable":
      return union([child(def["innerType"]), { kind: "null", check: undefined }], checkOf(schema));
    case "pipe": {
      // The model writes the input side; the whole pipe judges the value.
      const input = child(def["in"]);
      return { ...input, check: checkOf(schema) } as Shape;
    }
    case "lazy": {
      // `z.lazy(() => z.object({ c: z.array(T) }))` builds a new inner schema on every call of
      // the getter: Zod caches one as `_zod.innerType`, and the lazy schema is marked seen
      // (through a placeholder filled in below) before its inner one is walked, so that the
      // recursion closes instead of overflowing the stack.
      const inner = ((schema._zod as { innerType?: ZodLike }).innerType ?? (def["getter"] as () => ZodLike)());
      const placeholder = {} as Shape;
      seen.set(schema, placeholder);
      const shape = child(inner);
      Object.assign(placeholder, shape);
      seen.set(schema, shape);
      return placeholder;
    }
    case "never":
    case "undefined":
    case "void":
      return { kind: "never", check: undefined };
    default:
      // any, unknown, transform, custom, date, and what JSON cannot hold: shown as written,
      // judged by the schema.
      return def.type === "any" || def.type === "unknown" ? ANY : { kind: "any", check: checkOf(schema) };
  }
}
