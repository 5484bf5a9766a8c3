// Converts a JSON Schema into the subset OpenAI's strict structured outputs accept: every
// property required (optional ones sent as nullable, and given back as absent by the stream
// layer's nullAsAbsent), `additionalProperties: false` on every object, `oneOf` as `anyOf`,
// and constraints the strict subset does not take (lengths, bounds, formats, patterns...)
// written into the description, where the model still reads them and formwork still checks
// them. What cannot be expressed at all is an UnsupportedSchemaError naming its path.
import { UnsupportedSchemaError } from "../../errors/unsupported-schema-error.js";

type Schema = Record<string, unknown>;

// Kept as they are.
const STRUCTURAL = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "oneOf", "$ref", "$defs", "definitions", "description", "title"]);
// Written into the description.
const DESCRIBED = new Set([
  "pattern", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "default", "examples",
  "contentEncoding", "contentMediaType", "readOnly", "writeOnly", "deprecated", "$schema", "$id", "$comment",
]);
// Cannot be expressed, with why.
const UNSUPPORTED: Record<string, string> = {
  allOf: "allOf (an intersection) is not accepted; merge the parts into one object",
  not: "not is not accepted",
  if: "conditional schemas (if/then/else) are not accepted",
  then: "conditional schemas (if/then/else) are not accepted",
  else: "conditional schemas (if/then/else) are not accepted",
  patternProperties: "patternProperties are not accepted",
  prefixItems: "tuples (prefixItems) are not accepted; use an object with named fields",
  additionalItems: "tuples are not accepted; use an object with named fields",
  dependentRequired: "dependentRequired is not accepted",
  dependentSchemas: "dependentSchemas is not accepted",
  propertyNames: "propertyNames is not accepted",
  unevaluatedProperties: "unevaluatedProperties is not accepted",
  contains: "contains is not accepted",
};

const PROVIDER = "OpenAI strict mode";

/** The strict form of `schema`, whose root must be an object. */
export function toStrictSchema(schema: Schema): Schema {
  if (schema["type"] !== "object" && !(schema["properties"] !== undefined && schema["type"] === undefined)) {
    throw new UnsupportedSchemaError({ path: "#", keyword: "type", provider: PROVIDER, reason: "the root must be an object (wrap the value in an object with one field)" });
  }
  return convert(schema, "#");
}

function convert(schema: unknown, path: string): Schema {
  if (schema === true || (typeof schema === "object" && schema !== null && Object.keys(schema).length === 0)) {
    throw new UnsupportedSchemaError({ path, keyword: "{}", provider: PROVIDER, reason: "a value of any type is not accepted; give it a type" });
  }
  if (typeof schema !== "object" || schema === null) {
    throw new UnsupportedSchemaError({ path, keyword: String(schema), provider: PROVIDER, reason: "this schema allows nothing" });
  }
  const source = schema as Schema;
  const additional = source["additionalProperties"];
  if (source["properties"] === undefined && additional !== undefined && additional !== false) {
    throw new UnsupportedSchemaError({ path: `${path}/additionalProperties`, keyword: "additionalProperties", provider: PROVIDER, reason: "a record (an object of any keys) is not accepted; use an array of key and value objects" });
  }
  const result: Schema = {};
  const notes: string[] = [];
  for (const [keyword, value] of Object.entries(source)) {
    const reason = UNSUPPORTED[keyword];
    if (reason !== undefined) throw new UnsupportedSchemaError({ path: `${path}/${keyword}`, keyword, provider: PROVIDER, reason });
    if (DESCRIBED.has(keyword)) {
      if (keyword !== "$schema" && keyword !== "$id" && keyword !== "$comment") notes.push(`${keyword}: ${JSON.stringify(value)}`);
    } else if (STRUCTURAL.has(keyword)) {
      result[keyword] = value;
    }
    // Any other keyword (an annotation of some library) is dropped.
  }
  if (notes.length > 0) result["description"] = [source["description"], `(${notes.join(", ")})`].filter(Boolean).join(" ");
  if (result["oneOf"] !== undefined) {
    result["anyOf"] = result["oneOf"];
    delete result["oneOf"];
  }
  if (Array.isArray(result["anyOf"])) result["anyOf"] = (result["anyOf"] as unknown[]).map((option, index) => convert(option, `${path}/anyOf/${index}`));
  for (const defsKey of ["$defs", "definitions"]) {
    const defs = result[defsKey];
    if (typeof defs === "object" && defs !== null) {
      result[defsKey] = Object.fromEntries(Object.entries(defs).map(([name, item]) => [name, convert(item, `${path}/${defsKey}/${name}`)]));
    }
  }
  const isObject = result["type"] === "object" || (Array.isArray(result["type"]) && (result["type"] as unknown[]).includes("object")) || result["properties"] !== undefined;
  if (isObject) convertObject(source, result, path);
  if (result["items"] !== undefined) {
    if (Array.isArray(result["items"])) throw new UnsupportedSchemaError({ path: `${path}/items`, keyword: "items", provider: PROVIDER, reason: UNSUPPORTED["prefixItems"] as string });
    result["items"] = convert(result["items"], `${path}/items`);
  }
  return result;
}

function convertObject(source: Schema, result: Schema, path: string): void {
  const properties = (source["properties"] as Record<string, unknown> | undefined) ?? {};
  const required = new Set((source["required"] as string[] | undefined) ?? []);
  const converted: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    const strict = convert(property, `${path}/properties/${encodeURIComponent(key)}`);
    converted[key] = required.has(key) ? strict : nullable(strict);
  }
  result["properties"] = converted;
  result["required"] = Object.keys(properties);
  result["additionalProperties"] = false;
}

// An optional field, sent as required but nullable: null then means "absent".
function nullable(schema: Schema): Schema {
  const type = schema["type"];
  if (typeof type === "string" && schema["enum"] === undefined && schema["const"] === undefined) return { ...schema, type: type === "null" ? type : [type, "null"] };
  if (Array.isArray(type) && schema["enum"] === undefined) return type.includes("null") ? schema : { ...schema, type: [...type, "null"] };
  if (Array.isArray(schema["anyOf"])) {
    const options = schema["anyOf"] as Schema[];
    return options.some((option) => option["type"] === "null") ? schema : { ...schema, anyOf: [...options, { type: "null" }] };
  }
  const { description, ...rest } = schema;
  return { ...(description === undefined ? {} : { description }), anyOf: [rest, { type: "null" }] };
}
