// Errors across the wire (docs/transport.md, "Errors"): the same class on both sides, with its
// code, message and fields, and never a credential.
import * as errors from "../errors/index.js";
import { FormworkError } from "../errors/formwork-error.js";
import { JsonParseError } from "../json/json-parse-error.js";

type ErrorClass = (abstract new (...args: never[]) => FormworkError) & { readonly kind: string };

// Every class formwork throws, by the name it goes by. A later class missing here still arrives
// as a FormworkError with its name, code, message and fields.
const CLASSES = new Map<string, ErrorClass>();
for (const value of [...Object.values(errors), JsonParseError]) {
  if (typeof value === "function" && (value === FormworkError || value.prototype instanceof FormworkError)) {
    CLASSES.set((value as unknown as ErrorClass).kind, value as unknown as ErrorClass);
  }
}

// Fields that may hold a request, its headers or a key: never sent.
const DROPPED = /^(cause|stack|headers|request|response|apikey|api_key|authorization|password|secret|token|credentials?)$/i;
// Shapes of keys and tokens inside any text that is sent.
const SECRETS = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g,
  /\b(sk-ant|xai|gsk)-[A-Za-z0-9_-]{8,}/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
  /\b((?:x-)?api[_-]?key|x-goog-api-key|authorization|access[_-]?token)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi,
];

/** Replaces anything shaped like a credential in `text` with `[redacted]`. */
export function redact(text: string): string {
  let result = text;
  for (const pattern of SECRETS) result = result.replace(pattern, (match: string, _key?: string, separator?: string) => (separator === undefined ? "[redacted]" : `${_key}${separator}[redacted]`));
  return result;
}

/** An error as the `e` operation carries it: `{ name, code, message, ...fields }`. */
export function encodeError(error: unknown): Record<string, unknown> {
  if (!FormworkError.isInstance(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return { name: "Error", code: "server-error", message: redact(message) };
  }
  const encoded: Record<string, unknown> = { name: error.name, code: error.code, message: redact(error.message) };
  for (const [key, value] of Object.entries(error)) {
    if (key === "name" || key === "code" || key === "message" || DROPPED.test(key)) continue;
    encoded[key] = toWire(value, 0);
  }
  return encoded;
}

function toWire(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return typeof value === "number" || typeof value === "boolean" || value === null ? value : undefined;
  if (depth > 64) return undefined;
  if (value instanceof Error) return { $error: encodeError(value) };
  if (Array.isArray(value)) return value.map((element) => toWire(element, depth + 1) ?? null);
  const result: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(value)) {
    if (DROPPED.test(key)) continue;
    const wired = toWire(element, depth + 1);
    if (wired !== undefined) Object.defineProperty(result, key, { value: wired, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** The error an `e` operation describes, as an instance of its class (FormworkError if unknown). */
export function decodeError(encoded: unknown): FormworkError {
  const record = (typeof encoded === "object" && encoded !== null ? encoded : {}) as Record<string, unknown>;
  const name = typeof record["name"] === "string" ? record["name"] : "FormworkError";
  const code = typeof record["code"] === "string" ? record["code"] : "server-error";
  const message = typeof record["message"] === "string" ? record["message"] : "The server reported an error";
  const type = CLASSES.get(name) ?? FormworkError;
  // The class's own constructor takes details shaped per class; building through the base one
  // with the class as new.target gives the right prototype, name and isInstance brand for any.
  const error = Reflect.construct(FormworkError, [code, message], type) as FormworkError;
  if (type === FormworkError && name !== "FormworkError") error.name = name;
  for (const [key, value] of Object.entries(record)) {
    if (key === "name" || key === "code" || key === "message") continue;
    Object.defineProperty(error, key, { value: fromWire(value), enumerable: true, writable: true, configurable: true });
  }
  return error;
}

function fromWire(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(fromWire);
  if (Object.hasOwn(value, "$error")) return decodeError((value as Record<string, unknown>)["$error"]);
  return value;
}
