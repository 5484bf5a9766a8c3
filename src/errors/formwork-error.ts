// Errors are recognised by a brand stored under a global symbol rather than by `instanceof`
// alone, so that an error thrown by one copy of formwork (say, a dependency's) is still
// recognised by another copy's `isInstance`.
const kindsKey = Symbol.for("formwork.error.kinds");

type ErrorClass<T> = { readonly kind: string; readonly prototype: T };

/**
 * The base of every error formwork throws. `code` is a stable string to branch on; subclasses
 * add the context a caller needs to act.
 *
 * @example
 * if (FormworkError.isInstance(error)) console.error(error.code, error.message);
 */
export class FormworkError extends Error {
  /** The name `isInstance` looks for; each subclass sets its own. */
  static readonly kind: string = "FormworkError";
  /** A stable identifier for what went wrong, such as `"unexpected-character"`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    const kinds: string[] = [];
    for (let type: unknown = new.target; typeof type === "function"; type = Object.getPrototypeOf(type)) {
      if (Object.hasOwn(type, "kind")) kinds.push((type as unknown as { kind: string }).kind);
      if (type === FormworkError) break;
    }
    this.name = kinds[0] ?? "FormworkError";
    Object.defineProperty(this, kindsKey, { value: kinds, enumerable: false });
  }

  /** True for an instance of this class or a subclass, from any copy of formwork. */
  static isInstance<T>(this: ErrorClass<T>, value: unknown): value is T {
    if (typeof value !== "object" || value === null) return false;
    const kinds = (value as Record<symbol, unknown>)[kindsKey];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }
}
