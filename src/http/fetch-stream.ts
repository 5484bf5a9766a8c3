// A streamed JSON POST over fetch (or the HttpClient given), for any wire: the URL and headers as the wire says, the
// response checked (an error status or a body that is not a stream is the wire's error to
// decode), and the body framed as server-sent events or NDJSON. It names no provider: each
// wire's folder decodes its own error bodies and events.
import type { ProviderError } from "../errors/provider-error.js";
import { ProviderError as Failure } from "../errors/provider-error.js";
import { ByteBudget, DEFAULT_MAX_LENGTH } from "./byte-budget.js";
import { connectionFailure } from "./connection-failure.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { fetchHttpClient, type HttpClient, type HttpResponse } from "./http-client.js";
import { quoteStart } from "./quote.js";
import type { IdleWatch } from "./deadlines.js";
import { readBodyText, readBoundedText } from "./read-body-text.js";
import { readNdjson } from "./read-ndjson.js";
import { readSseJson } from "./read-sse.js";
import { retryAfterMs } from "./retry-after.js";

/** An HTTP error response, for a wire to decode. `body` is the parsed JSON, or the text. */
export interface HttpFailure {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
  readonly retryAfterMs: number | undefined;
  /** The body was longer than the budget and was cut. */
  readonly isCut: boolean;
}

/** Where and how to call a server's HTTP API. */
export interface StreamEndpoint {
  /** Names the server in errors. */
  readonly provider: string;
  readonly baseURL: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly fetch: typeof globalThis.fetch | undefined;
  /** Sends the requests instead of `fetch` (formwork/node's nodeHttpClient, say). */
  readonly httpClient?: HttpClient | undefined;
  /** Where a call is posted after the base URL, and its body as sent. */
  readonly endpoint: (body: Record<string, unknown>) => { readonly path: string; readonly body: Record<string, unknown> };
  /** The headers that carry the key. */
  readonly authHeaders: (apiKey: string | undefined) => Record<string, string>;
  /** How the stream is framed. */
  readonly framing: "sse" | "ndjson";
  /** The wire's error for an HTTP error response. */
  readonly httpError: (failure: HttpFailure) => ProviderError;
}

/** What one request is given besides its body. */
export interface StreamCall {
  readonly signal: AbortSignal;
  /** The stream's byte budget (error bodies count toward it too). */
  readonly budget?: ByteBudget | undefined;
  /**
   * An SSE stream's events are handed on as their data's text, not parsed: the reader parses
   * each with {@link parseSseData} as it decodes it (through an EnvelopeTemplate).
   */
  readonly rawEvents?: boolean;
}

/** The URL a body is posted to. */
export function urlFor(endpoint: StreamEndpoint, path: string): string {
  return `${endpoint.baseURL.replace(/\/+$/, "")}${path}`;
}

/** The headers of a request: the caller's, then the key's (which always win). */
export function headersFor(endpoint: StreamEndpoint, accept: string): Record<string, string> {
  return { "content-type": "application/json", accept, ...endpoint.headers, ...endpoint.authHeaders(endpoint.apiKey) };
}

// The POST itself: a failure before any response is a ConnectionError naming the URL called.
async function post(endpoint: StreamEndpoint, request: Record<string, unknown>, accept: string, signal: AbortSignal): Promise<{ response: HttpResponse; url: string }> {
  const { path, body } = endpoint.endpoint(request);
  const url = urlFor(endpoint, path);
  try {
    const send = endpoint.httpClient ?? fetchHttpClient(endpoint.fetch);
    const response = await send({ url, method: "POST", headers: headersFor(endpoint, accept), body: JSON.stringify(body), signal });
    return { response: checkedResponse(response, endpoint.provider), url };
  } catch (error) {
    if (signal.aborted || ConfigurationError.isInstance(error)) throw error;
    throw connectionFailure(error, endpoint.provider, url);
  }
}

// What an HttpClient resolved with, checked: a user's client that hands back a fetch Response,
// a ReadableStream or plain headers gets an error that says what to give, not a crash later.
function checkedResponse(response: unknown, provider: string): HttpResponse {
  const problem = responseProblem(response);
  if (problem === undefined) return response as HttpResponse;
  throw new ConfigurationError({ option: "httpClient", message: `The httpClient given to ${provider}'s client ${problem}; it must resolve with { status, headers: Headers, body: ByteReader | null }, as fetchHttpClient(fetch) does` });
}

function responseProblem(response: unknown): string | undefined {
  if (typeof response !== "object" || response === null) return `resolved with ${response === null ? "null" : typeof response}`;
  const { status, headers, body } = response as { status?: unknown; headers?: { get?: unknown }; body?: unknown };
  if (typeof status !== "number") return "gave no numeric status";
  if (typeof headers?.get !== "function") return "gave headers that are not a Headers object (wrap them: new Headers(headers))";
  if (body === null) return undefined;
  const reader = body as { read?: unknown; cancel?: unknown; getReader?: unknown } | undefined;
  if (typeof reader?.read === "function" && typeof reader.cancel === "function") return undefined;
  if (typeof reader?.getReader === "function") return "gave a ReadableStream as body: give its reader (stream.getReader())";
  return "gave a body that is neither a reader ({ read(), cancel() }) nor null";
}

const isOk = (response: HttpResponse) => response.status >= 200 && response.status < 300;

async function failureOf(endpoint: StreamEndpoint, response: HttpResponse, budget: ByteBudget): Promise<ProviderError> {
  const { text, isCut } = await readBoundedText(response.body, endpoint.provider, budget.limit);
  budget.hold("an error body", text.length);
  // A redirect that reached us was not followed (an HttpClient follows a POST only through 307
  // and 308): its body says nothing, its Location says where the server is.
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get("location");
    return new Failure({
      message: `${endpoint.provider} answered ${response.status}, a redirect${location === null ? "" : ` to ${location}`}, which is not followed: a POST is followed only through 307 and 308 (301, 302 and 303 would turn it into a GET). Set baseURL to the URL it points to`,
      provider: endpoint.provider,
      status: response.status,
      body: text,
      isRetryable: false,
    });
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (an HTML page from a proxy, say): the text is the body.
  }
  const failure = endpoint.httpError({ status: response.status, body, headers: response.headers, retryAfterMs: retryAfterMs(response.headers), isCut });
  // fetch followed a redirect on the way: a 301, 302 or 303 turned the POST into a GET, and the
  // error (often a 404 or 405) is the new URL's answer to that GET. Say where it ended up (the
  // wire's own error is kept, class and fields; only its message grows).
  if (response.redirectedTo !== undefined) failure.message += ` (the request was redirected to ${response.redirectedTo} on the way; after a 301, 302 or 303 fetch re-sends a POST as a GET: if so, set baseURL to the URL it points to)`;
  return failure;
}

const STREAM_TYPES: Readonly<Record<"sse" | "ndjson", RegExp>> = {
  sse: /text\/event-stream/i,
  ndjson: /ndjson|jsonl|json-seq|application\/json/i,
};

/**
 * Posts a streamed request and gives the values of its stream (SSE events or NDJSON lines),
 * parsed, in one batch per network read. An HTTP error is the wire's `httpError`; a 200 whose
 * content type is not the stream asked for is a ProviderError that names the type and quotes
 * the start of the body.
 */
export async function fetchStream(endpoint: StreamEndpoint, request: Record<string, unknown>, call: StreamCall): Promise<AsyncIterable<unknown[]>> {
  const accept = endpoint.framing === "ndjson" ? "application/x-ndjson" : "text/event-stream";
  const budget = call.budget ?? new ByteBudget(DEFAULT_MAX_LENGTH, endpoint.provider);
  const { response } = await post(endpoint, request, accept, call.signal);
  if (!isOk(response) || response.body === null) throw await failureOf(endpoint, response, budget);
  const type = response.headers.get("content-type");
  if (type !== null && type !== "" && !STREAM_TYPES[endpoint.framing].test(type)) {
    const { text } = await readBoundedText(response.body, endpoint.provider, 1024);
    throw new Failure({
      message: `${endpoint.provider} answered 200 with ${type}, not ${endpoint.framing === "sse" ? "an event stream" : "NDJSON"}: ${quoteStart(text)}`,
      provider: endpoint.provider,
      status: response.status,
      body: text,
      isRetryable: false,
    });
  }
  const options = { service: endpoint.provider, budget, rawEvents: call.rawEvents === true };
  return endpoint.framing === "ndjson" ? readNdjson(response.body, options) : readSseJson(response.body, options);
}

/**
 * Posts a request that is not streamed and gives its response once its headers came; an HTTP
 * error is the wire's. Read its body with {@link readJsonBody}.
 */
export async function postJson(endpoint: StreamEndpoint, request: Record<string, unknown>, call: StreamCall): Promise<HttpResponse> {
  const { response } = await post(endpoint, request, "application/json", call.signal);
  if (!isOk(response)) throw await failureOf(endpoint, response, call.budget ?? new ByteBudget(DEFAULT_MAX_LENGTH, endpoint.provider));
  return response;
}

/**
 * The JSON (or text) of a whole response's body, each read within `idle` if given. A body cut
 * off is a dropped connection, not a shorter answer; a body over the budget a LimitError.
 */
export async function readJsonBody(response: HttpResponse, provider: string, budget: ByteBudget, idle?: IdleWatch): Promise<unknown> {
  let text = "";
  if (response.body !== null) {
    for await (const piece of readBodyText(response.body, provider, idle)) {
      text += piece;
      budget.hold("the response body", text.length);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
