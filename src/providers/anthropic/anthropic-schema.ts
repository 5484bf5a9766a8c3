// Converts a JSON Schema into what Anthropic's structured outputs accept: every object closed
// (`additionalProperties: false`; optional properties may stay optional), `oneOf` as `anyOf`,
// only the string formats it knows, `minItems` of 0 or 1, and every other constraint written
// into the description, where the model still reads it and formwork still checks it. What
// cannot be expressed is an UnsupportedSchemaError naming its path.
import { UnsupportedSchemaError } from "../../errors/unsupported-schema-error.js";

type Schema = Record<string, unknown>;

const PROVIDER = "Anthropic structured outputs";
const FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"]);
// Carried over as they are; anything else becomes part of the description.
const KEPT = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs", "description", "title", "format", "minItems"]);
const SILENT = new Set(["$schema", "$id", "$comment"]);

const isPrimitive = (value: unknown) => value === null || typeof value !== "object";

/** The Anthropic form of `schema`, whose root must be an object. */
export function toAnthropicSchema(schema: Schema): Schema {
  if (schema["type"] !== "object") {
    throw new UnsupportedSchemaError({ path: "#", keyword: "type", provider: PROVIDER, reason: "the root must be an object (wrap the value in an object with one field)" });
  }
  return convert(schema, "#");
}

function convert(schema: unknown, path: string): Schema {
  if (typeof schema !== "object" || schema === null) throw new UnsupportedSchemaError({ path, keyword: String(schema), provider: PROVIDER, reason: "a boolean schema is not accepted" });
  const source = schema as Schema;
  const result: Schema = {};
  const notes: string[] = [];
  for (const [keyword, value] of Object.entries(source)) {
    if (SILENT.has(keyword)) continue;
    const isKept =
      KEPT.has(keyword) &&
      !(keyword === "format" && !FORMATS.has(String(value))) &&
      !(keyword === "minItems" && value !== 0 && value !== 1) &&
      !((keyword === "enum" && (!Array.isArray(value) || !value.every(isPrimitive))) || (keyword === "const" && !isPrimitive(value)));
    if (isKept) result[keyword] = value;
    else notes.push(`${keyword}: ${JSON.stringify(value)}`);
  }
  if (notes.length > 0) result["description"] = [source["description"], `(${notes.join(", ")})`].filter(Boolean).join(" ");
  if (result["oneOf"] !== undefined) {
    result["anyOf"] = result["oneOf"];
    delete result["oneOf"];
  }
  for (const combinator of ["anyOf", "allOf"]) {
    if (Array.isArray(result[combinator])) result[combinator] = (result[combinator] as unknown[]).map((option, index) => convert(option, `${path}/${combinator}/${index}`));
  }
  if (typeof result["$defs"] === "object" && result["$defs"] !== null) {
    result["$defs"] = Object.fromEntries(Object.entries(result["$defs"] as Schema).map(([name, item]) => [name, convert(item, `${path}/$defs/${name}`)]));
  }
  const hasShape = result["$ref"] !== undefined || result["enum"] !== undefined || result["const"] !== undefined || result["anyOf"] !== undefined || result["allOf"] !== undefined;
  if (result["type"] === undefined && !hasShape) {
    throw new UnsupportedSchemaError({ path, keyword: "type", provider: PROVIDER, reason: "a value of any type is not accepted; give it a type" });
  }
  const types = Array.isArray(result["type"]) ? (result["type"] as unknown[]) : [result["type"]];
  if (types.includes("object")) {
    const properties = (source["properties"] as Record<string, unknown> | undefined) ?? {};
    const additional = source["additionalProperties"];
    if (Object.keys(properties).length === 0 && additional !== undefined && additional !== false) {
      throw new UnsupportedSchemaError({ path: `${path}/additionalProperties`, keyword: "additionalProperties", provider: PROVIDER, reason: "a record (an object of any keys) is not accepted; use an array of key and value objects" });
    }
    result["properties"] = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, convert(property, `${path}/properties/${encodeURIComponent(key)}`)]));
    result["additionalProperties"] = false;
  }
  if (result["items"] !== undefined) {
    if (Array.isArray(result["items"])) throw new UnsupportedSchemaError({ path: `${path}/items`, keyword: "items", provider: PROVIDER, reason: "tuples are not accepted; use an object with named fields" });
    result["items"] = convert(result["items"], `${path}/items`);
  }
  return result;
}
