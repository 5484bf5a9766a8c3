// The name and description a provider is given for a schema (the tool's name, the
// json_schema's name): the caller's own, else the schema's title and description (Zod's
// `.meta({ title, description })` and `.describe()` reach the JSON Schema as those), else
// "Response". Providers take names of letters, digits, `_` and `-`, at most 64.
import { SchemaError } from "../errors/schema-error.js";

const NAME_RULE = /^[a-zA-Z0-9_-]{1,64}$/;
const DEFAULT_NAME = "Response";

/** A title made into a name providers accept: "User Profile" gives "User_Profile". */
export function toToolName(title: string, maxLength = 64): string {
  const name = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-zA-Z0-9_-]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, maxLength);
  return name === "" ? DEFAULT_NAME : name;
}

/**
 * The name and description for a schema. An explicit name must already fit the providers'
 * rule (it is what parallel tool calls are matched by): a SchemaError says so, before any request.
 */
export function schemaName(
  jsonSchema: Readonly<Record<string, unknown>>,
  given: { readonly name?: string | undefined; readonly description?: string | undefined },
  path: string,
): { readonly name: string; readonly description: string | undefined } {
  const title = jsonSchema["title"];
  const ownDescription = jsonSchema["description"];
  if (given.name !== undefined && (typeof given.name !== "string" || !NAME_RULE.test(given.name))) {
    throw new SchemaError({
      code: "schema-name-invalid",
      path: `${path}.name`,
      received: JSON.stringify(given.name),
      message: `${path}.name ${JSON.stringify(given.name)} is not a name providers accept: use 1 to 64 letters, digits, _ or - (such as ${JSON.stringify(toToolName(String(given.name)))})`,
    });
  }
  return {
    name: given.name ?? (typeof title === "string" ? toToolName(title) : DEFAULT_NAME),
    description: given.description ?? (typeof ownDescription === "string" && ownDescription !== "" ? ownDescription : undefined),
  };
}
