/** Where a value sits in the document: object keys and array indexes from the root. */
export type JsonPath = readonly (string | number)[];

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * Formats a path the way a reader writes it in code: `$.items[3].name`, `$["odd key"]`.
 *
 * @example
 * formatJsonPath(["items", 3, "name"]) // "$.items[3].name"
 */
export function formatJsonPath(path: JsonPath): string {
  let text = "$";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (identifier.test(key)) text += `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}
