// An HttpClient on Node's own http and https modules, for servers that hold many streams at
// once. Node's fetch (undici) hands each network read through a web ReadableStream: at 1,000
// concurrent streams that costs about a third more CPU than node:http (docs/benchmarks.md).
// Here a network read is one Buffer from the socket, handed to the reader's pending read.
// Node-only (it imports node:http), so it lives outside the web-standard core.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable, Transform } from "node:stream";
import { ConfigurationError } from "../../errors/configuration-error.js";
import type { ByteReader, HttpClient, HttpRequest, HttpResponse } from "../http-client.js";
import { StringDecoder } from "node:string_decoder";
import { PULL, PULL_TEXT, type Pullable, type TextPullable } from "../../stream/pull.js";

/** Options of {@link nodeHttpClient}. */
export interface NodeHttpClientOptions {
  /**
   * The agent of http:// requests; default Node's global agent (keep-alive since Node 19). Give
   * one with `maxSockets` to bound the connections to one server.
   */
  readonly httpAgent?: HttpAgent;
  /** The agent of https:// requests; default Node's global https agent. */
  readonly httpsAgent?: HttpsAgent;
  /** Redirects followed (307 and 308, which keep the method and body). Default 5. */
  readonly maxRedirects?: number;
}

// A body that arrives faster than it is read is held up to this many bytes, then the socket is
// paused (TCP tells the server to wait) until the reader catches up.
const HIGH_WATER = 256 * 1024;

/**
 * An {@link HttpClient} on node:http and node:https: pass it as `fromProvider({ httpClient })`.
 * It behaves as fetch does where formwork relies on it: a failure before the answer rejects
 * with Node's error (its `code`, ECONNREFUSED say, names the cause); aborting the signal
 * closes the request and rejects pending reads with the signal's reason; a gzip, deflate or
 * brotli body is decoded; 307 and 308 redirects are followed (without the credential headers
 * when they lead to another origin), other redirects are handed back as they are.
 *
 * @example
 * import { nodeHttpClient } from "formwork/node";
 * const client = fromProvider({ provider: "openai", httpClient: nodeHttpClient() });
 */
export function nodeHttpClient(options: NodeHttpClientOptions = {}): HttpClient {
  checkOptions(options);
  const maxRedirects = options.maxRedirects ?? 5;
  const send = (call: HttpRequest, url: string, sentHeaders: Readonly<Record<string, string>>, redirects: number): Promise<HttpResponse> =>
    new Promise<HttpResponse>((resolve, reject) => {
      const { signal } = call;
      if (signal.aborted) return reject(signal.reason);
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        // No cause: the parser's carries the code ERR_INVALID_URL, which formwork would name
        // instead of saying that the URL cannot be called (connection-failure.ts).
        return reject(new TypeError(`Invalid URL: ${url}`));
      }
      const isHttps = target.protocol === "https:";
      if (!isHttps && target.protocol !== "http:") return reject(new TypeError(`unknown scheme ${target.protocol} (nodeHttpClient sends http: and https: only)`));
      const headers: Record<string, string> = { ...sentHeaders };
      if (call.body !== undefined) headers["content-length"] = String(Buffer.byteLength(call.body));
      const onAbort = () => {
        outgoing.destroy();
        reject(signal.reason);
      };
      const agent = isHttps ? options.httpsAgent : options.httpAgent;
      const outgoing = (isHttps ? httpsRequest : httpRequest)(target, { method: call.method, headers, ...(agent === undefined ? {} : { agent }) }, (incoming) => {
        signal.removeEventListener("abort", onAbort);
        const status = incoming.statusCode ?? 0;
        const location = incoming.headers.location;
        const next = (status === 307 || status === 308) && location !== undefined && redirects < maxRedirects ? urlOrNull(location, target) : null;
        if (next !== null) {
          incoming.resume();
          resolve(send(call, next.href, next.origin === target.origin ? sentHeaders : withoutCredentials(sentHeaders), redirects + 1));
          return;
        }
        resolve({ status, headers: headersOf(incoming), body: new SocketReader(decoded(incoming), incoming, signal) });
      });
      outgoing.on("error", (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(signal.aborted ? signal.reason : error);
      });
      signal.addEventListener("abort", onAbort, { once: true });
      outgoing.end(call.body);
    });
  return (call) => send(call, call.url, call.headers, 0);
}

// The redirect's target, or null when the Location cannot be read: the answer is then handed
// back as it is (URL.parse would do, but Node 20 before 20.18 lacks it).
function urlOrNull(location: string, base: URL): URL | null {
  try {
    return new URL(location, base);
  } catch {
    return null;
  }
}

// Headers that carry a credential, not sent on to another origin: fetch drops Authorization
// there; the others are where formwork's providers put their keys (Anthropic, Gemini, Azure).
const CREDENTIALS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key", "x-goog-api-key", "api-key"]);

function withoutCredentials(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIALS.has(name.toLowerCase())));
}

// Mistakes in the options are told now, not found as odd behaviour on the first request.
function checkOptions(options: unknown): void {
  const fail = (option: string, message: string) => {
    throw new ConfigurationError({ option, message: `nodeHttpClient: ${message}` });
  };
  const shown = (value: unknown) => (Array.isArray(value) ? "an array" : typeof value === "string" ? JSON.stringify(value) : String(value));
  if (typeof options !== "object" || options === null || Array.isArray(options)) fail("nodeHttpClient", `takes an options object ({ httpAgent, httpsAgent, maxRedirects }) or nothing, not ${shown(options)}`);
  const { httpAgent, httpsAgent, maxRedirects } = options as NodeHttpClientOptions;
  if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && maxRedirects >= 0)) fail("maxRedirects", `maxRedirects takes a whole number, 0 or more, not ${shown(maxRedirects)}`);
  if (httpAgent !== undefined && !(httpAgent instanceof HttpAgent)) fail("httpAgent", "httpAgent takes an http.Agent (new http.Agent({ keepAlive: true, maxSockets }))");
  if (httpsAgent !== undefined && !(httpsAgent instanceof HttpsAgent)) fail("httpsAgent", "httpsAgent takes an https.Agent (new https.Agent({ keepAlive: true, maxSockets }))");
}

function headersOf(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index] as string, raw[index + 1] as string);
    } catch {
      // A header fetch would refuse (an invalid name or value) is left out, as fetch leaves it.
    }
  }
  return headers;
}

// The body as sent, or decoded when the server compressed it although nobody asked.
function decoded(incoming: IncomingMessage): Readable {
  // Codings are listed in the order they were applied ("gzip, br": gzip first), so they are
  // undone from the last. An unknown coding leaves the body as it came, as fetch does.
  const codings = (incoming.headers["content-encoding"] ?? "")
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  const decoders = codings.reverse().map(decoderOf);
  if (decoders.length === 0 || decoders.includes(undefined)) return incoming;
  let body: Readable = incoming;
  for (const decoder of decoders as Transform[]) {
    const source = body;
    source.on("error", (error) => decoder.destroy(error));
    body = source.pipe(decoder);
  }
  return body;
}

function decoderOf(coding: string): Transform | undefined {
  if (coding === "gzip" || coding === "x-gzip") return createGunzip();
  if (coding === "deflate") return createInflate();
  if (coding === "br") return createBrotliDecompress();
  return undefined;
}

const END: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };
// A read as handed on: bytes, or text when the body is read as text (PULL_TEXT).
type BodyRead = ReadableStreamReadResult<Uint8Array> | ReadableStreamReadResult<string>;

/**
 * A body read one network read at a time: a read pending when bytes come is resolved with them
 * at once; bytes that come between reads are held (and handed on together), pausing the
 * socket past HIGH_WATER. A connection that closes before the end is an error whose `code`
 * (ECONNRESET) says so.
 */
class SocketReader implements ByteReader, Pullable<ReadableStreamReadResult<Uint8Array>>, TextPullable {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private isEnded = false;
  private failure: unknown = undefined;
  // Set when the body is read as text (PULL_TEXT): Node's decoder, a third of a TextDecoder's
  // cost per read. `isFirstText`: a leading BOM is still to be dropped, as TextDecoder does.
  private decoder: StringDecoder | undefined;
  private isFirstText = true;
  private isTailGiven = false;
  private resolve: ((result: BodyRead) => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;

  constructor(
    private readonly body: Readable,
    private readonly incoming: IncomingMessage,
    private readonly signal: AbortSignal,
  ) {
    body.on("data", this.onData);
    body.on("end", this.onEnd);
    body.on("error", this.onError);
    incoming.on("close", this.onClose);
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    return new Promise((resolve, reject) => this[PULL](resolve, reject));
  }

  /** The next read by callbacks, with no promise (formwork's own layers read this way). */
  [PULL](onResult: (result: ReadableStreamReadResult<Uint8Array>) => void, onError: (error: unknown) => void): void {
    this.pull(onResult as (result: BodyRead) => void, onError);
  }

  /** The next read as text, by callbacks (see PULL_TEXT): formwork's SSE and NDJSON readers read this way. */
  [PULL_TEXT](onResult: (result: ReadableStreamReadResult<string>) => void, onError: (error: unknown) => void): void {
    this.decoder ??= new StringDecoder("utf8");
    this.pull(onResult as (result: BodyRead) => void, onError);
  }

  private pull(onResult: (result: BodyRead) => void, onError: (error: unknown) => void): void {
    const held = this.held;
    if (held.length > 0) {
      const value = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, this.heldBytes);
      this.dropHeld();
      if (this.body.isPaused()) this.body.resume();
      return onResult(this.piece(value));
    }
    if (this.failure !== undefined) return onError(this.failure);
    if (this.isEnded) return onResult(this.last());
    this.resolve = onResult;
    this.reject = onError;
  }

  // A read's bytes as the reader reads them: as they are, or decoded.
  private piece(bytes: Buffer): BodyRead {
    const decoder = this.decoder;
    if (decoder === undefined) return { done: false, value: bytes };
    return { done: false, value: this.firstText(decoder.write(bytes)) };
  }

  // The body's end; read as text, a character cut short at the end comes first (as U+FFFD).
  private last(): BodyRead {
    if (this.decoder === undefined || this.isTailGiven) return END;
    this.isTailGiven = true;
    const tail = this.firstText(this.decoder.end());
    return tail === "" ? END : { done: false, value: tail };
  }

  private firstText(text: string): string {
    if (!this.isFirstText || text === "") return text;
    this.isFirstText = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  // As a web stream's cancel: held bytes are dropped, and every read after it is done.
  cancel(): Promise<void> {
    if (!this.isEnded && this.failure === undefined) {
      this.isEnded = true;
      this.dropHeld();
      this.detach();
      this.settle(undefined, END);
      this.incoming.destroy();
    }
    return Promise.resolve();
  }

  private readonly onData = (chunk: Buffer): void => {
    // A decoder may still hand on what it had after a cancel: nobody reads it.
    if (this.isEnded) return;
    const resolve = this.resolve;
    if (resolve !== undefined) {
      this.resolve = this.reject = undefined;
      resolve(this.piece(chunk));
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes > HIGH_WATER) this.body.pause();
  };

  private readonly onEnd = (): void => {
    this.isEnded = true;
    this.detach();
    if (this.resolve !== undefined) this.settle(undefined, this.last());
  };

  private readonly onError = (error: Error): void => {
    this.fail(error);
  };

  // The socket closed before the body ended: the server or the network dropped it.
  private readonly onClose = (): void => {
    if (!this.incoming.complete) this.fail(Object.assign(new Error("the connection closed before the body ended"), { code: "ECONNRESET" }));
  };

  // As fetch does: once aborted, every read rejects with the reason, held bytes or not.
  private readonly onAbort = (): void => {
    if (this.isEnded || this.failure !== undefined) return;
    this.dropHeld();
    this.fail(this.signal.reason);
  };

  // A body that failed (reset, aborted, undecodable) is never read on: its connection is closed,
  // not left half-read (a decoding error would otherwise keep it open, off the agent's pool).
  private fail(error: unknown): void {
    if (this.isEnded || this.failure !== undefined) return;
    this.failure = error;
    this.detach();
    this.settle(error, undefined);
    this.incoming.destroy();
  }

  private dropHeld(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  private settle(error: unknown, result: BodyRead | undefined): void {
    const resolve = this.resolve;
    const reject = this.reject;
    this.resolve = this.reject = undefined;
    if (result !== undefined) resolve?.(result);
    else reject?.(error);
  }

  private detach(): void {
    this.signal.removeEventListener("abort", this.onAbort);
    this.incoming.off("close", this.onClose);
  }
}
