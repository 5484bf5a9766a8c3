// The per-path streaming policy that the stream layer follows, built from any schema: which
// values stream and which appear only whole, how unions are told apart, and how each closed
// value is checked against its own part of the schema.
import type { JsonValueKind } from "../json/json-parser.js";
import type { StreamRules } from "./stream-rules.js";

/** A problem found by a check, with the path relative to the value checked. */
export interface ShapeIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly code?: string;
}

/** Checks a complete value against one part of the schema; returns its issues, or undefined when it fits. */
export type ShapeCheck = (value: unknown) => readonly ShapeIssue[] | undefined;

interface ShapeBase {
  /** The check of this part of the schema, run the moment a value of it closes. */
  readonly check: ShapeCheck | undefined;
  /** Streaming rules declared on this part (`streaming.done` and the others), if any. */
  readonly rules?: StreamRules;
}

/**
 * An object. `rest` is the shape of keys not listed (undefined: such keys are not shown);
 * `optional` lists the keys the model may leave out.
 */
export interface ObjectShape extends ShapeBase {
  readonly kind: "object";
  readonly properties: ReadonlyMap<string, Shape>;
  readonly optional: ReadonlySet<string>;
  readonly rest: Shape | undefined;
}

/** An array or a tuple: `prefix` gives the first elements' shapes, `items` the rest. */
export interface ArrayShape extends ShapeBase {
  readonly kind: "array";
  readonly prefix: readonly Shape[];
  readonly items: Shape;
}

/** A string. `streams` is false where a prefix means nothing (formats such as date-time, uuid). */
export interface StringShape extends ShapeBase {
  readonly kind: "string";
  readonly streams: boolean;
}

/** A number, a boolean or null: shown only whole. */
export interface ScalarShape extends ShapeBase {
  readonly kind: "number" | "boolean" | "null";
}

/** One of fixed values (an enum, a literal, a const): shown only whole and only if one of them. */
export interface EnumShape extends ShapeBase {
  readonly kind: "enum";
  readonly values: readonly unknown[];
}

/**
 * One of several shapes. With a `discriminator`, an object member is chosen by the value of
 * that key (`members` maps each value to its shape); otherwise by the kind of JSON value.
 */
export interface UnionShape extends ShapeBase {
  readonly kind: "union";
  readonly options: readonly Shape[];
  readonly discriminator: string | undefined;
  readonly members: ReadonlyMap<unknown, Shape> | undefined;
}

/** Anything: shown as written. */
export interface AnyShape extends ShapeBase {
  readonly kind: "any";
}

/** Nothing fits: a value here is an error. */
export interface NeverShape extends ShapeBase {
  readonly kind: "never";
}

export type Shape = ObjectShape | ArrayShape | StringShape | ScalarShape | EnumShape | UnionShape | AnyShape | NeverShape;

export const ANY: AnyShape = { kind: "any", check: undefined };

/** The kinds of JSON value a shape admits. */
export function admits(shape: Shape, kind: JsonValueKind): boolean {
  switch (shape.kind) {
    case "any":
      return true;
    case "never":
      return false;
    case "object":
    case "array":
    case "string":
    case "number":
    case "boolean":
    case "null":
      return shape.kind === kind;
    case "enum":
      return shape.values.some((value) => kindOf(value) === kind);
    case "union":
      return shape.options.some((option) => admits(option, kind));
    default: {
      const unknownShape: never = shape;
      throw new TypeError(`formwork: unknown shape ${String(unknownShape)}`);
    }
  }
}

/** The JSON kind of a value. */
export function kindOf(value: unknown): JsonValueKind | undefined {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      return "object";
    default:
      return undefined;
  }
}

const merged = new WeakMap<UnionShape, Map<JsonValueKind, Shape>>();

/**
 * The shape that a value of `kind` follows under `shape`, or undefined if the schema does not
 * admit that kind there. A union resolves to its one option of that kind; several object
 * options merge (a key's shape is the union of its shapes in each), and the union's own check
 * still decides at close.
 */
export function resolve(shape: Shape, kind: JsonValueKind): Shape | undefined {
  if (shape.kind !== "union") return admits(shape, kind) ? shape : undefined;
  let cache = merged.get(shape);
  if (cache === undefined) merged.set(shape, (cache = new Map()));
  const cached = cache.get(kind);
  if (cached !== undefined) return cached;
  const options = shape.options.map((option) => resolve(option, kind)).filter((option) => option !== undefined);
  let result: Shape | undefined;
  if (options.length === 0) result = undefined;
  else if (options.length === 1) result = options[0];
  else result = mergeOptions(options, shape.check);
  if (result !== undefined) cache.set(kind, result);
  return result;
}

function mergeOptions(options: readonly Shape[], check: ShapeCheck | undefined): Shape {
  if (options.some((option) => option.kind === "any")) return { kind: "any", check };
  const first = options[0] as Shape;
  if (options.every((option) => option.kind === "object")) {
    const objects = options as readonly ObjectShape[];
    const keys = new Set(objects.flatMap((option) => [...option.properties.keys()]));
    const properties = new Map<string, Shape>();
    for (const key of keys) {
      const shapes = objects.map((option) => option.properties.get(key) ?? option.rest).filter((item) => item !== undefined);
      properties.set(key, shapes.length === 1 ? (shapes[0] as Shape) : union(shapes, undefined));
    }
    const rests = objects.map((option) => option.rest).filter((item) => item !== undefined);
    const optional = new Set([...keys].filter((key) => objects.some((option) => !option.properties.has(key) || option.optional.has(key))));
    return { kind: "object", properties, optional, rest: rests.length === 0 ? undefined : union(rests, undefined), check };
  }
  if (options.every((option) => option.kind === "array")) {
    const arrays = options as readonly ArrayShape[];
    return { kind: "array", prefix: [], items: union(arrays.map((option) => option.items), undefined), check };
  }
  if (options.every((option) => option.kind === "string" || option.kind === "enum")) {
    // A plain string streams; an enum member or a formatted string must be whole: it streams
    // only if every option lets it.
    const streams = options.every((option) => option.kind === "string" && option.streams);
    return { kind: "string", streams, check };
  }
  return { ...first, check } as Shape;
}

/** A union of shapes without a discriminator. */
export function union(options: readonly Shape[], check: ShapeCheck | undefined): UnionShape {
  return { kind: "union", options, discriminator: undefined, members: undefined, check };
}

/**
 * Finds a key that tells the object options of a union apart: present in each, with a fixed
 * value (a literal or a one-value enum) that differs between them.
 */
export function findDiscriminator(options: readonly Shape[]): { key: string; members: Map<unknown, Shape> } | undefined {
  const objects = options.filter((option): option is ObjectShape => option.kind === "object");
  if (objects.length < 2 || objects.length !== options.length) return undefined;
  const firstKeys = [...(objects[0] as ObjectShape).properties.keys()];
  for (const key of firstKeys) {
    const members = new Map<unknown, Shape>();
    const isUnique = objects.every((option) => {
      const property = option.properties.get(key);
      if (property?.kind !== "enum") return false;
      return property.values.every((value) => {
        if (members.has(value)) return false;
        members.set(value, option);
        return true;
      });
    });
    if (isUnique) return { key, members };
  }
  return undefined;
}

/**
 * The number of leaf fields under a shape, for progress: every scalar field of an object at any
 * depth outside arrays, and each array as one field. A union counts as its largest option.
 */
export function countLeaves(shape: Shape, seen: Set<Shape> = new Set()): number {
  if (shape.kind === "object") {
    if (seen.has(shape)) return 1; // a recursive schema: count the cycle once
    seen.add(shape);
    let count = 0;
    for (const property of shape.properties.values()) count += countLeaves(property, seen);
    seen.delete(shape);
    return Math.max(count, 1);
  }
  if (shape.kind === "union") return Math.max(1, ...shape.options.map((option) => countLeaves(option, seen)));
  return 1;
}

/**
 * Deletes, in place, each key of `object` whose `null` stands for an absent field: a key the
 * model may leave out whose schema does not accept null. Providers whose strict mode wants every
 * key present (OpenAI's) are sent such fields as nullable; this gives them back as absent. The
 * stream layer calls it as each object closes, so nested objects are already done by then.
 */
export function removeAbsentNulls(object: Record<string, unknown>, shape: ObjectShape): void {
  for (const key of Object.keys(object)) {
    if (object[key] === null && isAbsentWhenNull(shape, key)) delete object[key];
  }
}

/** True when a null at `key` of this object means the field is absent. */
export function isAbsentWhenNull(shape: ObjectShape, key: string): boolean {
  const property = shape.properties.get(key);
  return property !== undefined && shape.optional.has(key) && !admits(property, "null");
}
