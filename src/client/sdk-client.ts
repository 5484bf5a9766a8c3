// Working with the official SDK clients (openai, @anthropic-ai/sdk, @google/genai): their errors,
// thrown when a request fails and while a stream is read (an error event, a dropped socket),
// become ProviderError here, without headers (nothing of the request's authorisation is kept);
// and a client is wrapped so that formwork's calls sit beside its own methods.
import { ProviderError } from "../errors/provider-error.js";
import { chatError } from "../providers/openai/decode-chat-chunk.js";
import { retryAfterMs } from "../providers/openai/fetch-chat.js";
import type { Hooks } from "./hooks.js";
import type { StructuredCompletions } from "./structured-client.js";

export function toProviderError(error: unknown, provider: string, isMidAnswer: boolean): unknown {
  if (typeof error !== "object" || error === null || ProviderError.isInstance(error)) return error;
  const name = (error as { name?: string }).name;
  if (name === "APIUserAbortError" || name === "AbortError") return error;
  const status = (error as { status?: unknown }).status;
  const body = (error as { error?: unknown }).error;
  // An APIError: an HTTP status, or (status undefined) an error event inside the stream.
  if (typeof status === "number" || (body !== undefined && "status" in error)) {
    const headers = (error as { headers?: unknown }).headers;
    const wait = headers instanceof Headers ? retryAfterMs(headers) : undefined;
    // OpenAI's SDK keeps the inner `{message, type}`, Anthropic's the whole `{type, error}` body.
    const hasError = typeof body === "object" && body !== null && typeof (body as { error?: unknown }).error === "object";
    return chatError(hasError ? body : { error: body ?? { message: (error as Error).message } }, provider, typeof status === "number" ? status : undefined, wait);
  }
  const what = isMidAnswer ? `The connection to ${provider} dropped mid-answer` : `Could not reach ${provider}`;
  return new ProviderError({ message: `${what}: ${(error as Error).message}`, provider, isRetryable: true, cause: error });
}

/** The SDK's stream, one chunk a batch, its errors turned into ProviderError. */
export async function* providerErrors(chunks: AsyncIterable<unknown>, provider: string): AsyncGenerator<unknown[]> {
  try {
    for await (const chunk of chunks) yield [chunk];
  } catch (error) {
    throw toProviderError(error, provider, true);
  }
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
