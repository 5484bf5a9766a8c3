import { AbortError } from "../errors/abort-error.js";
import { ProviderError } from "../errors/provider-error.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import { readIterable, type ReadIterableOptions, type RemoteItemStream } from "./read-iterable.js";
import { readPartial, type ReadPartialOptions, type RemotePartialStream } from "./read-partial.js";

/** Options of {@link fetchPartial} and {@link fetchIterable}. */
export interface FetchPartialOptions {
  /** Sent as JSON (a string or a FormData/Blob body is sent as it is). */
  readonly body?: unknown;
  readonly headers?: HeadersInit | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Default: the global fetch. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Default POST. */
  readonly method?: string | undefined;
}

function request(url: string | URL, options: FetchPartialOptions, controller: AbortController): Promise<Response> {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined;
  if (options.body === undefined || typeof options.body === "string" || options.body instanceof Blob || options.body instanceof FormData || options.body instanceof URLSearchParams) {
    body = options.body;
  } else {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  return doFetch(url, { method: options.method ?? "POST", headers, ...(body === undefined ? {} : { body }), signal: controller.signal }).catch((error: unknown) => {
    if (controller.signal.aborted) throw new AbortError(controller.signal.reason);
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new ProviderError({ message: `Could not reach ${String(url)}: ${reason} (is the server running, and the URL right?)`, provider: "http", cause: error });
  });
}

/**
 * POSTs `body` as JSON to `url` and reads the answer (a `toResponse` stream) as a PartialStream.
 * An HTTP error status before the stream is a ProviderError; `abort()` or `signal` cancels the
 * request, and the server then closes the model request.
 *
 * @example
 * const stream = fetchPartial<User>("/api/user", { body: { prompt } });
 * for await (const { value, progress } of stream.updates()) render(value, progress.ratio);
 */
export function fetchPartial<T = unknown, Partial = DeepPartial<T>>(url: string | URL, options: FetchPartialOptions & Omit<ReadPartialOptions<T>, "signal"> = {}): RemotePartialStream<T, Partial> {
  // One controller per call: aborting the stream (or `signal`) aborts the fetch, before or after its response.
  const controller = new AbortController();
  return readPartial<T, Partial>(request(url, options, controller), { schema: options.schema, signal: options.signal, onCancel: (reason) => controller.abort(reason) });
}

/** {@link fetchPartial} for a streamed `createIterable`: the items, each once complete. */
export function fetchIterable<T = unknown, Partial = DeepPartial<T>>(url: string | URL, options: FetchPartialOptions & Omit<ReadIterableOptions<T>, "signal"> = {}): RemoteItemStream<T, Partial> {
  // One controller per call: aborting the stream (or `signal`) aborts the fetch, before or after its response.
  const controller = new AbortController();
  return readIterable<T, Partial>(request(url, options, controller), { schema: options.schema, signal: options.signal, onCancel: (reason) => controller.abort(reason) });
}
