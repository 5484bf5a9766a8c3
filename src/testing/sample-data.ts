// Deterministic, schema-valid sample values for the offline model server: prose with non-ASCII
// text and characters that need escaping, numbers within their bounds, enum members, arrays
// within their item counts, the common string formats. The same seed gives the same value.

type Schema = Record<string, unknown>;

/** A small seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ada", "Grace", "Alan", "Zoë", "José", "Søren", "Amaka", "Hiroshi", "Li Wei", "Chloé"];
const LAST = ["Lovelace", "Hopper", "Turing", "Müller", "García", "Kierkegaard", "Okafor", "Tanaka", "Zhang", "Dubois"];
const CITIES = ["Zürich", "São Paulo", "Kraków", "Reykjavík", "Tōkyō", "Nairobi", "Montréal", "Oslo"];
const ROLES = ["software engineer", "data scientist", "product designer", "researcher", "teacher", "chef", "architect", "journalist"];
const TOPICS = ["compilers", "coffee roasting", "typography", "distributed systems", "urban gardening", "jazz piano", "mountain trails", "open data"];
const THINGS = ["a small café", "a research lab", "an open-source project", "a design studio", "a public library", "a startup"];
const ADJECTIVES = ["curious", "patient", "meticulous", "cheerful", "thoughtful", "restless", "naïve", "bold"];
const NOTES = [" She said \"it works\" and meant it.", " Favourite symbol: →.", " Motto: “less, but better”.", " 😀", "", "", ""];
// Short sentences a model might write, with non-ASCII text and, now and then, characters that
// JSON must escape (quotes, a line break), so that clients meet escapes too.
const TEMPLATES: readonly ((next: () => number) => string)[] = [
  (next) => `A ${pick(next, ADJECTIVES)} ${pick(next, ROLES)} from ${pick(next, CITIES)} who spends weekends on ${pick(next, TOPICS)}.`,
  (next) => `Works at ${pick(next, THINGS)} in ${pick(next, CITIES)}, mostly on ${pick(next, TOPICS)}.`,
  (next) => `Writes about ${pick(next, TOPICS)} and ${pick(next, TOPICS)}; once ran ${pick(next, THINGS)}.`,
  (next) => `Known for a ${pick(next, ADJECTIVES)} approach to ${pick(next, TOPICS)}.\nCurrently learning ${pick(next, TOPICS)}.`,
];
const WORDS = ["notes", "plan", "draft", "summary", "launch", "review", "café", "résumé", "roadmap", "Zürich"];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

// Prose of about `sentences` sentences.
function prose(next: () => number, sentences: number): string {
  const parts = Array.from({ length: sentences }, () => pick(next, TEMPLATES)(next));
  return parts.join(" ") + pick(next, NOTES);
}

// A short label: a few words, capitalised.
function label(next: () => number): string {
  const text = `${pick(next, ADJECTIVES)} ${pick(next, WORDS)} on ${pick(next, TOPICS)}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// A constraint from its keyword, or from the description where a strict provider mode moved it
// (formwork writes them there as `(format: "email", minLength: 2)`), as a model reads it.
function constraint(schema: Schema, keyword: string): unknown {
  if (schema[keyword] !== undefined) return schema[keyword];
  const description = schema["description"];
  if (typeof description !== "string") return undefined;
  const match = new RegExp(`\\b${keyword}: ("(?:[^"\\\\]|\\\\.)*"|-?[\\d.e+-]+)`).exec(description);
  if (match?.[1] === undefined) return undefined;
  try {
    return JSON.parse(match[1]) as unknown;
  } catch {
    return undefined;
  }
}

function resolveRef(root: Schema, ref: string): Schema {
  let node: unknown = root;
  for (const part of ref.replace(/^#\/?/, "").split("/").filter(Boolean)) node = (node as Record<string, unknown>)?.[decodeURIComponent(part)];
  return (node ?? {}) as Schema;
}

function formatted(format: string, next: () => number): string | undefined {
  const pad = (value: number, size = 2) => String(value).padStart(size, "0");
  const year = 2000 + Math.floor(next() * 26);
  const date = `${year}-${pad(1 + Math.floor(next() * 12))}-${pad(1 + Math.floor(next() * 28))}`;
  switch (format) {
    case "date-time":
      return `${date}T${pad(Math.floor(next() * 24))}:${pad(Math.floor(next() * 60))}:${pad(Math.floor(next() * 60))}Z`;
    case "date":
      return date;
    case "time":
      return `${pad(Math.floor(next() * 24))}:${pad(Math.floor(next() * 60))}:${pad(Math.floor(next() * 60))}`;
    case "email":
      return `${pick(next, FIRST).toLowerCase().replace(/[^a-z]/g, "")}.${pick(next, LAST).toLowerCase().replace(/[^a-z]/g, "")}@example.com`;
    case "uuid": {
      const hex = () => Math.floor(next() * 16).toString(16);
      const part = (size: number) => Array.from({ length: size }, hex).join("");
      return `${part(8)}-${part(4)}-4${part(3)}-${pick(next, ["8", "9", "a", "b"])}${part(3)}-${part(12)}`;
    }
    case "uri":
    case "url":
      return `https://example.com/${pick(next, WORDS).replace(/[^a-z]/g, "") || "page"}/${Math.floor(next() * 1000)}`;
    case "ipv4":
      return Array.from({ length: 4 }, () => Math.floor(next() * 256)).join(".");
    default:
      return undefined;
  }
}

// A string that looks like what its field holds.
function stringFor(key: string, schema: Schema, next: () => number): string {
  const formatName = constraint(schema, "format");
  const format = typeof formatName === "string" ? formatted(formatName, next) : undefined;
  if (format !== undefined) return format;
  const lower = key.toLowerCase();
  let text: string;
  if (/name$/.test(lower) && !/file|user/.test(lower)) text = `${pick(next, FIRST)} ${pick(next, LAST)}`;
  else if (/city|place|location/.test(lower)) text = pick(next, CITIES);
  else if (/bio|description|summary|body|text|content|reason|notes?$/.test(lower)) text = prose(next, 1 + Math.floor(next() * 2));
  else text = label(next);
  const minLength = constraint(schema, "minLength");
  const maxLength = constraint(schema, "maxLength");
  const min = typeof minLength === "number" ? minLength : 0;
  const max = typeof maxLength === "number" ? maxLength : Infinity;
  while ([...text].length < min) text += ` ${pick(next, WORDS)}`;
  return [...text].slice(0, max).join("");
}

function numberFor(key: string, schema: Schema, isInteger: boolean, next: () => number): number {
  const lower = key.toLowerCase();
  const [minimum, maximum, exclusiveMinimum, exclusiveMaximum] = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"].map((name) => constraint(schema, name));
  let min = typeof minimum === "number" ? minimum : typeof exclusiveMinimum === "number" ? exclusiveMinimum + (isInteger ? 1 : 1e-6) : undefined;
  let max = typeof maximum === "number" ? maximum : typeof exclusiveMaximum === "number" ? exclusiveMaximum - (isInteger ? 1 : 1e-6) : undefined;
  if (min === undefined && max === undefined && /age/.test(lower)) [min, max] = [18, 90];
  min ??= max === undefined ? 0 : Math.min(0, max);
  max ??= min + (isInteger ? 100 : 1000);
  const value = min + next() * (max - min);
  if (isInteger) return Math.min(Math.floor(max), Math.max(Math.ceil(min), Math.round(value)));
  // Two decimals read well, unless rounding would cross a bound (an exclusive one above all).
  const rounded = Math.round(value * 100) / 100;
  return rounded >= min && rounded <= max ? rounded : value;
}

/** A value that fits `schema` (a JSON Schema), the same for the same seed. */
export function sampleValue(schema: unknown, next: () => number, root: Schema = schema as Schema, key = "", depth = 0): unknown {
  if (schema === true || schema === undefined || schema === null) return label(next);
  const s = schema as Schema;
  if (typeof s["$ref"] === "string") return sampleValue(resolveRef(root, s["$ref"]), next, root, key, depth);
  if ("const" in s) return s["const"];
  if (Array.isArray(s["enum"])) return pick(next, s["enum"]);
  const options = (s["anyOf"] ?? s["oneOf"]) as unknown[] | undefined;
  if (Array.isArray(options)) {
    // Prefer an option that is not null, so that answers show real values.
    const real = options.filter((option) => (option as Schema)["type"] !== "null");
    return sampleValue(pick(next, real.length > 0 ? real : options), next, root, key, depth);
  }
  if (Array.isArray(s["allOf"])) return Object.assign({}, ...(s["allOf"] as unknown[]).map((part) => sampleValue(part, next, root, key, depth)));
  let type = s["type"];
  if (Array.isArray(type)) type = (type as string[]).find((item) => item !== "null") ?? "null";
  if (type === undefined) type = s["properties"] !== undefined ? "object" : s["items"] !== undefined ? "array" : "string";
  switch (type) {
    case "object": {
      const properties = (s["properties"] as Record<string, unknown> | undefined) ?? {};
      const required = new Set((s["required"] as string[] | undefined) ?? []);
      const value: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) {
        // Optional fields appear most of the time; deep ones less, so that recursion ends.
        if (!required.has(name) && (depth > 3 || next() < 0.25)) continue;
        value[name] = sampleValue(property, next, root, name, depth + 1);
      }
      return value;
    }
    case "array": {
      const minItems = constraint(s, "minItems");
      const maxItems = constraint(s, "maxItems");
      // Several items near the top (a list the user asked for), fewer deeper down.
      const min = typeof minItems === "number" ? minItems : depth > 3 ? 0 : depth > 1 ? 1 : 2;
      const max = typeof maxItems === "number" ? maxItems : Math.max(min, depth > 1 ? 3 : 4);
      const count = min + Math.floor(next() * (max - min + 1));
      const prefix = (s["prefixItems"] as unknown[] | undefined) ?? [];
      return Array.from({ length: Math.max(count, prefix.length) }, (_, index) => sampleValue(prefix[index] ?? s["items"], next, root, key, depth + 1));
    }
    case "integer":
      return numberFor(key, s, true, next);
    case "number":
      return numberFor(key, s, false, next);
    case "boolean":
      return next() < 0.5;
    case "null":
      return null;
    default:
      return stringFor(key, s, next);
  }
}
