// The key of a cached answer: a SHA-256 (Web Crypto, so it runs in browsers and at the edge)
// over canonical JSON of what decides the answer.

/**
 * JSON with object keys sorted at every depth, so that the same request gives the same text
 * whatever order its fields were written in. `undefined` members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined && typeof (value as Record<string, unknown>)[key] !== "function")
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

// Request fields that change how an answer is delivered, not what it says.
const DELIVERY_FIELDS = new Set(["stream", "stream_options", "user", "metadata", "store", "signal"]);

/**
 * The cache key of a structured call: the hex SHA-256 of the provider, the mode and the
 * request body as sent (model, messages, the schema as the provider sees it, sampling fields
 * such as temperature, top_p, seed and max_tokens), less the fields that only change delivery.
 * `context` is what the call fills its messages' placeholders from, should the body hold them
 * unfilled.
 */
export async function cacheKey(parts: { readonly provider: string; readonly mode: string; readonly body: Record<string, unknown>; readonly context?: unknown }): Promise<string> {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(parts.body)) if (!DELIVERY_FIELDS.has(field)) body[field] = value;
  const text = canonicalJson({ version: 1, provider: parts.provider, mode: parts.mode, body, context: parts.context });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
