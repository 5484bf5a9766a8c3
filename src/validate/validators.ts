// Validators given with a call's `validate`: the checks a schema cannot express (a quote that
// must appear in the source text, a total that must add up), run after the schema with the
// call's `context`. What they return is fed back to the model on retry exactly as a schema's
// issues are; what they throw is their own fault, a ValidatorError that is never retried.
import { ValidationError, type ValidationIssue } from "../errors/validation-error.js";
import { ValidatorError } from "../errors/validator-error.js";
import type { JsonPath } from "../json/json-path.js";
import { OWN_ADAPTER, toSchemaAdapter, type SchemaAdapter, type SchemaLike, type ValidationResult } from "../schema/schema-adapter.js";

/** One problem a validator found: a message, with the path (relative to the value it judged). */
export type ValidatorIssue = string | { readonly path?: JsonPath; readonly message: string };

/**
 * Instead of issues, a validator of the whole value may give the value fixed (Instructor's
 * `allow_override`): it replaces the answer once it fits the schema; if it does not fit, the
 * schema's issues (and `reason`) are fed back as usual. On a part (`{ path }`), a fix is not
 * applied: `reason` is the issue.
 */
export interface ValidatorFix {
  readonly fixedValue: unknown;
  readonly reason?: string;
}

/** What a validator returns: nothing (or an empty list) when the value is good. */
export type ValidatorResult = void | undefined | null | string | readonly ValidatorIssue[] | ValidatorFix;

/** What a validator is told besides the value. */
export interface ValidatorContext {
  /** The call's `context`, as given. */
  readonly context: Readonly<Record<string, unknown>> | undefined;
  /** The attempt being judged, from 1. */
  readonly attempt: number;
  /** Where the value sits in the answer (`[]` for the whole value). */
  readonly path: JsonPath;
  /** Cancelled with the call: pass it on to any request the validator makes. */
  readonly signal: AbortSignal | undefined;
}

/** A check after the schema: sync or async, returns issues (see {@link ValidatorResult}). */
export type Validator<T = unknown> = (value: T, context: ValidatorContext) => ValidatorResult | Promise<ValidatorResult>;

/**
 * A validator of one part of the answer, run (while streaming) the moment that part closes.
 * `path` is a list of keys and indexes, or a dotted string; `"*"` matches any key or index:
 * `"quotes.*"` judges each quote as it closes.
 */
export interface PathValidator {
  readonly path: string | readonly (string | number)[];
  readonly validate: Validator;
  /** Names it in errors; default the function's name. */
  readonly name?: string;
}

/** The `validate` of a call: a validator of the whole value, a path validator, or a list of them. */
export type ValidateOption<T> = Validator<T> | PathValidator | readonly (Validator<T> | PathValidator)[];

interface Entry {
  readonly name: string;
  readonly pattern: readonly (string | number)[] | undefined;
  readonly validate: Validator<unknown>;
}

function patternOf(path: string | readonly (string | number)[]): readonly (string | number)[] {
  if (typeof path !== "string") return path;
  return path === "" || path === "$" ? [] : path.replace(/^\$\.?/, "").split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function matches(pattern: readonly (string | number)[], path: JsonPath): boolean {
  return pattern.length === path.length && pattern.every((part, index) => part === "*" || part === path[index] || String(part) === String(path[index]));
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let value = root;
  for (const key of path) value = typeof value === "object" && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

function isFix(result: ValidatorResult): result is ValidatorFix {
  return typeof result === "object" && result !== null && !Array.isArray(result) && "fixedValue" in result;
}

function toIssues(result: Exclude<ValidatorResult, ValidatorFix>, at: JsonPath): ValidationIssue[] {
  if (result === undefined || result === null || result === "") return [];
  const list = typeof result === "string" ? [result] : result;
  return list.map((issue) =>
    typeof issue === "string" ? { path: at, message: issue, code: "validator" } : { path: [...at, ...(issue.path ?? [])], message: issue.message, code: "validator" },
  );
}

/**
 * The validators of one call, bound to its context. `closed` runs the path validators of the
 * parts that just closed; `judge` runs the validators of the whole value (and, for a value
 * that did not stream, the path validators too).
 */
export class CallValidators {
  private readonly entries: readonly Entry[];

  /** `adapter` judges a validator's fix of the whole value (the call's schema). */
  constructor(
    option: ValidateOption<never> | undefined,
    private readonly context: Readonly<Record<string, unknown>> | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly adapter?: SchemaAdapter,
    entries?: readonly Entry[],
  ) {
    if (entries !== undefined) {
      this.entries = entries;
      return;
    }
    const list = option === undefined ? [] : Array.isArray(option) ? (option as readonly (Validator<never> | PathValidator)[]) : [option as Validator<never> | PathValidator];
    this.entries = list.map((item, index) => {
      if (typeof item === "function") return { name: item.name || `validate[${index}]`, pattern: undefined, validate: item as Validator<unknown> };
      if (typeof item !== "object" || item === null || typeof item.validate !== "function") {
        throw new TypeError(`formwork: validate[${index}] is neither a function nor { path, validate } (got ${JSON.stringify(item)})`);
      }
      const pattern = patternOf(item.path);
      // A path to the root is a validator of the whole value.
      return { name: item.name ?? (item.validate.name || `validate[${index}]`), pattern: pattern.length === 0 ? undefined : pattern, validate: item.validate };
    });
  }

  /** The same validators, with fixes judged by another schema (each tool's, in parallel calls). */
  forSchema(adapter: SchemaAdapter): CallValidators {
    return new CallValidators(undefined, this.context, this.signal, adapter, this.entries);
  }

  /** True when there is nothing to run. */
  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** True when some validator judges a part of the value as it closes. */
  get hasPathValidators(): boolean {
    return this.entries.some((entry) => entry.pattern !== undefined);
  }

  /** Runs the path validators of `paths` (just closed) on their values in `root`. Throws ValidationError or ValidatorError. */
  async closed(root: unknown, paths: readonly JsonPath[], attempt: number, text: string): Promise<void> {
    for (const path of paths) {
      const entries = this.entries.filter((entry) => entry.pattern !== undefined && matches(entry.pattern, path));
      // An optional part that was left out (or sent as null for absent) has nothing to judge.
      const value = entries.length === 0 ? undefined : valueAt(root, path);
      if (value !== undefined) await this.run(entries, value, path, attempt, text);
    }
  }

  /**
   * Runs the validators of the whole value (with `withPaths`, every path validator too, on what
   * it matches) and gives the value: the same, or a validator's fix that fits the schema.
   */
  async judge(value: unknown, attempt: number, text: string, withPaths: boolean): Promise<unknown> {
    if (withPaths) {
      const paths: JsonPath[] = [];
      collectPaths(value, [], paths);
      await this.closed(value, paths, attempt, text);
    }
    return this.run(this.entries.filter((entry) => entry.pattern === undefined), value, [], attempt, text);
  }

  private async run(entries: readonly Entry[], given: unknown, path: JsonPath, attempt: number, text: string): Promise<unknown> {
    const issues: ValidationIssue[] = [];
    let value = given;
    for (const entry of entries) {
      let result: ValidatorResult;
      try {
        result = await entry.validate(value, { context: this.context, attempt, path, signal: this.signal });
      } catch (error) {
        throw new ValidatorError({ validator: entry.name, path, attempt, cause: error });
      }
      if (!isFix(result)) {
        issues.push(...toIssues(result, path));
        continue;
      }
      const reason = result.reason ?? `${entry.name} gave a fix`;
      const fixed = path.length === 0 && this.adapter !== undefined ? await this.adapter.validate(result.fixedValue) : undefined;
      if (fixed?.ok === true) value = fixed.value;
      else issues.push({ path, message: `${reason} (suggested: ${JSON.stringify(result.fixedValue)})`, code: "validator" }, ...(fixed?.ok === false ? absolute(path, fixed.issues) : []));
    }
    if (issues.length > 0) throw new ValidationError({ path, issues, text });
    return value;
  }
}

function absolute(at: JsonPath, issues: readonly { path: readonly (string | number)[]; message: string }[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: [...at, ...issue.path], message: `the suggested fix does not fit the schema: ${issue.message}`, code: "validator" }));
}

// Every path in a value, children before their parent (as they close while streaming).
function collectPaths(value: unknown, path: JsonPath, into: JsonPath[]): void {
  if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) collectPaths(child, [...path, Array.isArray(value) ? Number(key) : key], into);
  }
  if (path.length > 0) into.push(path);
}

/**
 * The schema with the validators added after it: what createIterable judges each item by, so
 * that an item the validators reject is invalid like any other (on_invalid decides). The
 * schema's streaming policy and per-part checks are kept.
 */
export function withValidators(schema: SchemaLike, validators: CallValidators): SchemaLike {
  const inner = toSchemaAdapter(schema);
  const own = validators.forSchema(inner);
  const judge = async (result: ValidationResult): Promise<ValidationResult> => {
    if (!result.ok) return result;
    try {
      return { ok: true, value: await own.judge(result.value, 1, "", true) };
    } catch (error) {
      if (ValidationError.isInstance(error)) return { ok: false, issues: error.issues };
      throw error;
    }
  };
  const adapter: SchemaAdapter = {
    shape: inner.shape,
    jsonSchema: inner.jsonSchema,
    validate: (value) => {
      const result = inner.validate(value);
      return result instanceof Promise ? result.then(judge) : judge(result);
    },
  };
  const standard = {
    version: 1 as const,
    vendor: "formwork",
    validate: async (value: unknown) => {
      const result = await adapter.validate(value);
      return result.ok ? { value: result.value } : { issues: result.issues };
    },
  };
  return { "~standard": standard, [OWN_ADAPTER]: () => adapter } as unknown as SchemaLike;
}
