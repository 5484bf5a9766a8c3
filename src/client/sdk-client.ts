// Working with the official SDK clients (openai, @anthropic-ai/sdk, @google/genai): their errors,
// thrown when a request fails and while a stream is read (an error event, a dropped socket),
// become the wire's own ProviderError here (the wire's folder decodes the body and decides what
// is retryable), a failed connection a ConnectionError naming the URL; the key the SDK holds is
// known, so that no error shows it; and a client is wrapped so that formwork's calls sit beside
// its own methods.
import { ProviderError } from "../errors/provider-error.js";
import { connectionFailure, systemCodeOf } from "../http/connection-failure.js";
import { CREDENTIAL_HEADERS, Redactor } from "../http/redactor.js";
import { retryAfterMs } from "../http/retry-after.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import type { Hooks } from "./hooks.js";
import type { StructuredCompletions } from "./structured-client.js";

/** What the SDK path knows of the wire it calls. */
export interface SdkWire {
  readonly provider: string;
  readonly protocol: Pick<ProviderProtocol, "error">;
  /** The URL the SDK calls for a body, where the client tells its base URL. */
  readonly urlOf: (body: Record<string, unknown>) => string | undefined;
}

function parsedMessage(error: unknown): unknown {
  const message = (error as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  // @google/genai puts the response's JSON in the message, after the status.
  const start = message.indexOf("{");
  if (start < 0) return { error: { message } };
  try {
    return JSON.parse(message.slice(start)) as unknown;
  } catch {
    return { error: { message } };
  }
}

/** The ProviderError (or ConnectionError) of what an SDK threw. Cancellation stays as it is. */
export function toProviderError(error: unknown, wire: SdkWire, body: Record<string, unknown>, isMidAnswer: boolean): unknown {
  if (typeof error !== "object" || error === null || ProviderError.isInstance(error)) return error;
  const name = (error as { name?: string }).name;
  if (name === "APIUserAbortError" || name === "AbortError") return error;
  const status = (error as { status?: unknown }).status;
  const errorBody = (error as { error?: unknown }).error;
  // An APIError: an HTTP status, or (status undefined) an error event inside the stream.
  if (typeof status === "number" || (errorBody !== undefined && "status" in error)) {
    const headers = (error as { headers?: unknown }).headers;
    const wait = headers instanceof Headers ? retryAfterMs(headers) : undefined;
    // OpenAI's SDK keeps the inner `{ message, type }` of an error event, Anthropic's the whole
    // `{ type, error }` body: the wire is given the body as it was sent.
    const isWhole = typeof errorBody === "object" && errorBody !== null && "error" in errorBody;
    const decoded = errorBody === undefined ? (parsedMessage(error) ?? {}) : isWhole ? errorBody : { error: errorBody };
    return wire.protocol.error(decoded, wire.provider, { status: typeof status === "number" ? status : undefined, retryAfterMs: wait });
  }
  // The SDK could not read what the server sent (an event that is not JSON, or nested deeper
  // than JSON.parse goes): the server's failure, and asking again gives the same.
  if (error instanceof SyntaxError || error instanceof RangeError || (isMidAnswer && !isNetworkError(error))) {
    return new ProviderError({ message: `${wire.provider} sent a stream the SDK could not read: ${(error as Error).message}`, provider: wire.provider, isRetryable: false, cause: error });
  }
  if (isMidAnswer) {
    return new ProviderError({ message: `The connection to ${wire.provider} dropped mid-answer: ${(error as Error).message}`, provider: wire.provider, isRetryable: true, cause: error });
  }
  return connectionFailure(error, wire.provider, wire.urlOf(body) ?? "(the SDK's base URL)");
}

// A socket that closed or reset (a system code, undici's "terminated", an SDK's connection
// error), as opposed to an SDK that could not make sense of the bytes (@google/genai throws a
// plain Error for a body that is not an event stream).
function isNetworkError(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  return systemCodeOf(error) !== undefined || error instanceof TypeError || (typeof name === "string" && /Connection|Timeout/.test(name));
}

/** The SDK's stream, one chunk a batch, its errors turned into the wire's. */
export async function* providerErrors(chunks: AsyncIterable<unknown>, wire: SdkWire, body: Record<string, unknown>): AsyncGenerator<unknown[]> {
  try {
    for await (const chunk of chunks) yield [chunk];
  } catch (error) {
    throw toProviderError(error, wire, body, true);
  }
}

/**
 * The credentials an SDK client holds: its `apiKey` (and Anthropic's `authToken`), and the
 * credential headers among its default headers.
 */
export function sdkRedactor(client: object): Redactor {
  const fields = client as { apiKey?: unknown; authToken?: unknown; _options?: { defaultHeaders?: unknown }; httpOptions?: { headers?: unknown } };
  const values: (string | undefined)[] = [];
  for (const value of [fields.apiKey, fields.authToken]) if (typeof value === "string") values.push(value);
  for (const headers of [fields._options?.defaultHeaders, fields.httpOptions?.headers]) {
    if (typeof headers !== "object" || headers === null) continue;
    for (const [name, value] of Object.entries(headers)) if ((CREDENTIAL_HEADERS as readonly string[]).includes(name.toLowerCase()) && typeof value === "string") values.push(value);
  }
  return new Redactor(values);
}

/** `client.baseURL` (openai, @anthropic-ai/sdk) without a trailing slash, if it has one. */
export function baseURLOf(client: object): string | undefined {
  const base = (client as { baseURL?: unknown }).baseURL;
  return typeof base === "string" ? base.replace(/\/+$/, "") : undefined;
}

/**
 * The SDK client, with formwork's `chat.completions` and hooks added and every one of its own
 * methods still reachable.
 */
export function withStructuredCalls<C extends object>(client: C, completions: StructuredCompletions, hooks: Hooks): C {
  const added: Record<PropertyKey, unknown> = { chat: { completions }, on: hooks.on.bind(hooks), off: hooks.off.bind(hooks), clear: hooks.clear.bind(hooks) };
  return new Proxy(client, { get: (target, property, receiver) => (property in added ? added[property] : reach(target, property, receiver)) });
}

/** Returns a method of `target` bound to it, or any other property as it is. */
export function reach(target: object, property: PropertyKey, receiver: unknown): unknown {
  const value: unknown = Reflect.get(target, property, receiver);
  return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
