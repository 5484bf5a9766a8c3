export { JsonParser } from "./json-parser.js";
export type { JsonParserOptions, JsonParserEvents, JsonRepair, JsonValueKind } from "./json-parser.js";
export { JsonParseError } from "./json-parse-error.js";
export type { JsonParseErrorCode } from "./json-parse-error.js";
export { formatJsonPath } from "./json-path.js";
export type { JsonPath } from "./json-path.js";
