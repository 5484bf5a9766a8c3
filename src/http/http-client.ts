// How formwork sends an HTTP request and reads the answer, as one function: fetch by default
// (web-standard, everywhere), or another implementation given by the user. On Node under load,
// `nodeHttpClient()` from `formwork/node` reads the socket without fetch's web streams.

/** One request as formwork sends it. */
export interface HttpRequest {
  readonly url: string;
  readonly method: "POST" | "GET";
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Aborting it closes the request, whether the answer has begun or not. */
  readonly signal: AbortSignal;
}

/**
 * Reads a body's bytes, one network read at a time. A `ReadableStreamDefaultReader` is one;
 * `cancel` closes the connection (reading stops early).
 */
export interface ByteReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

/** An answer as formwork reads it: the status, the headers, and the body (null when none). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ByteReader | null;
  /**
   * Where the answer came from, when a redirect was followed on the way (fetch's
   * `response.url` when `response.redirected`): an error then says where the request ended up.
   */
  readonly redirectedTo?: string | undefined;
}

/**
 * Sends one request and resolves with its answer once the headers came. A failure before any
 * answer rejects with the error as it is (formwork names the URL and the system code of its
 * `cause` chain in a ConnectionError); an aborted request rejects with the signal's reason.
 */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/** An {@link HttpClient} over fetch (the global one when none is given, looked up per request). */
export function fetchHttpClient(fetchImplementation?: typeof globalThis.fetch): HttpClient {
  return async ({ url, method, headers, body, signal }) => {
    const response = await (fetchImplementation ?? globalThis.fetch)(url, { method, headers, body: body ?? null, signal });
    return { status: response.status, headers: response.headers, body: response.body === null ? null : response.body.getReader(), ...(response.redirected ? { redirectedTo: response.url } : {}) };
  };
}
