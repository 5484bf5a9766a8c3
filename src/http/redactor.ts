// The credentials a client sent never reach a caller: some proxies answer a 401 with a body that
// quotes the Authorization header, and some error events quote it too. The client knows what it
// sent (the key, and the values of the headers that carry one), so it replaces each in every
// message, stack, body and cause of an error before anyone sees it.

/** The headers whose values are credentials. */
export const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "x-api-key", "x-goog-api-key", "api-key"] as const;

const REPLACEMENT = "[redacted]";

// Shorter values are too likely to occur in ordinary text to be replaced everywhere.
const MIN_SECRET_LENGTH = 6;

// Keys that local servers' own docs tell users to pass because some key must be sent (shorter
// ones, such as vLLM's "EMPTY", are under the length above): they are no secret, and replacing
// them garbles messages that name the thing ("The [redacted] model had an error" for the offline
// server's key, "none of the loaded models ([redacted]) match" for Ollama's). Exact values only,
// any case.
const PLACEHOLDER_KEYS: ReadonlySet<string> = new Set(["offline", "ollama", "lm-studio", "lmstudio", "not-needed", "no-key", "sk-no-key-required"]);

export class Redactor {
  private readonly secrets: readonly string[];

  /** `secrets`: keys and header values; `Bearer <token>` also gives the token alone. */
  constructor(secrets: Iterable<string | undefined>) {
    const found = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== "string") continue;
      for (const part of [secret.trim(), secret.trim().replace(/^(Bearer|Basic|Token)\s+/i, "")]) if (part.length >= MIN_SECRET_LENGTH && !PLACEHOLDER_KEYS.has(part.toLowerCase())) found.add(part);
    }
    // Longest first, so a key inside a header value is not replaced before the whole value.
    this.secrets = [...found].sort((a, b) => b.length - a.length);
  }

  /** The credentials in a set of headers (any case), plus `more` (a key held elsewhere). */
  static forHeaders(headers: Readonly<Record<string, string>> | undefined, ...more: (string | undefined)[]): Redactor {
    const values: (string | undefined)[] = [...more];
    for (const [name, value] of Object.entries(headers ?? {})) if ((CREDENTIAL_HEADERS as readonly string[]).includes(name.toLowerCase())) values.push(value);
    return new Redactor(values);
  }

  /** A Redactor that knows the secrets of both. */
  with(other: Redactor): Redactor {
    return new Redactor([...this.secrets, ...other.secrets]);
  }

  get isEmpty(): boolean {
    return this.secrets.length === 0;
  }

  /** `text` with every secret replaced. */
  text(text: string): string {
    let result = text;
    for (const secret of this.secrets) if (result.includes(secret)) result = result.replaceAll(secret, REPLACEMENT);
    return result;
  }

  /**
   * Removes the secrets from an error, in place: its message and stack, its `body` (or an SDK's
   * `error`), every string in them at any depth, and the same down its cause chain. Returns it.
   */
  error<T>(error: T): T {
    if (this.isEmpty) return error;
    const seen = new Set<unknown>();
    let current: unknown = error;
    for (let depth = 0; depth < 16 && typeof current === "object" && current !== null && !seen.has(current); depth++) {
      seen.add(current);
      const target = current as Record<string, unknown>;
      for (const key of ["message", "stack"]) if (typeof target[key] === "string") assign(target, key, this.text(target[key]));
      for (const key of ["body", "error", "text", "reason"]) {
        const value = target[key];
        if (typeof value === "string") assign(target, key, this.text(value));
        else this.scrub(value);
      }
      current = target["cause"];
    }
    return error;
  }

  /**
   * Replaces the secrets in every string of a JSON-like value, in place, iteratively (a
   * 100,000-deep body must not overflow the stack).
   */
  scrub(value: unknown): void {
    if (this.isEmpty || typeof value !== "object" || value === null) return;
    const seen = new Set<object>();
    const stack: object[] = [value];
    while (stack.length > 0) {
      const container = stack.pop() as Record<string, unknown>;
      if (seen.has(container) || container instanceof Headers) continue;
      seen.add(container);
      for (const key of Object.keys(container)) {
        const item = container[key];
        if (typeof item === "string") {
          const clean = this.text(item);
          if (clean !== item) assign(container, key, clean);
        } else if (typeof item === "object" && item !== null) stack.push(item);
      }
    }
  }
}

// Error fields are readonly in their types and some are accessors: set what can be set.
function assign(target: Record<string, unknown>, key: string, value: string): void {
  try {
    target[key] = value;
    if (target[key] !== value) Object.defineProperty(target, key, { value, writable: true, configurable: true });
  } catch {
    try {
      Object.defineProperty(target, key, { value, writable: true, configurable: true });
    } catch {
      // A frozen object: nothing more can be done.
    }
  }
}
