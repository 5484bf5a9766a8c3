// The Chat Completions call over plain fetch, for any OpenAI-compatible server: no SDK needed.
import { ProviderError } from "../../errors/provider-error.js";
import { chatError } from "./decode-chat-chunk.js";
import { bearerAuth } from "../provider-protocol.js";
import { readNdjson } from "../read-ndjson.js";
import { readSseJson } from "./read-sse.js";

/** Where and how to call a provider's HTTP API. */
export interface ChatEndpoint {
  readonly provider: string;
  readonly baseURL: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly fetch: typeof globalThis.fetch | undefined;
  /** Where a call is posted after the base URL, and its body as sent; default `/chat/completions`. */
  readonly endpoint?: (body: Record<string, unknown>) => { readonly path: string; readonly body: Record<string, unknown> };
  /** The headers that carry the key; default `authorization: Bearer <key>`. */
  readonly authHeaders?: (apiKey: string | undefined) => Record<string, string>;
  /** How the stream is framed; default server-sent events. */
  readonly framing?: "sse" | "ndjson";
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), or retry-after-ms. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.has("retry-after-ms") && Number.isFinite(ms)) return ms;
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Posts a streamed chat request and gives its chunks, parsed, in one batch per network read.
 * HTTP errors become ProviderError.
 */
export async function fetchChatChunks(endpoint: ChatEndpoint, request: Record<string, unknown>, signal: AbortSignal): Promise<AsyncIterable<unknown[]>> {
  const { path, body } = endpoint.endpoint?.(request) ?? { path: "/chat/completions", body: request };
  const url = `${endpoint.baseURL.replace(/\/+$/, "")}${path}`;
  const auth = endpoint.authHeaders ?? bearerAuth;
  const accept = endpoint.framing === "ndjson" ? "application/x-ndjson" : "text/event-stream";
  const headers: Record<string, string> = { "content-type": "application/json", accept, ...endpoint.headers, ...auth(endpoint.apiKey) };
  let response: Response;
  try {
    response = await (endpoint.fetch ?? globalThis.fetch)(url, { method: "POST", headers, body: JSON.stringify(body), signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ProviderError({ message: `Could not reach ${endpoint.provider} at ${url}: ${(error as Error).message}`, provider: endpoint.provider, isRetryable: true, cause: error });
  }
  if (!response.ok || response.body === null) {
    const text = await response.text().catch(() => "");
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    throw chatError(parsed, endpoint.provider, response.status, retryAfterMs(response.headers));
  }
  return endpoint.framing === "ndjson" ? readNdjson(response.body, endpoint.provider) : readSseJson(response.body, endpoint.provider);
}
