// Bytes of a patch stream in, decoded frames out: the loop under readPartial and readIterable.
import { AbortError } from "../errors/abort-error.js";
import { FormworkError } from "../errors/formwork-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { TransportError } from "../errors/transport-error.js";
import { PatchDecoder, type DecodedFrame } from "../transport/patch-decoder.js";

/** What readPartial and readIterable read: a response, its body, or a response to come. */
export type PatchInput = Response | ReadableStream<Uint8Array> | PromiseLike<Response>;

/** Options shared by the readers. */
export interface ReadOptions {
  /** Cancels the read (and so the request) when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** @internal Called once when the read is cancelled (fetchPartial aborts its fetch). */
  readonly onCancel?: ((reason: unknown) => void) | undefined;
}

/**
 * Reads `input` to its end, handing each frame to `onFrame`. Resolves when the stream ended
 * with `f`; rejects with the stream's own error, TransportError, ProviderError (an HTTP error
 * status) or AbortError. `cancel(reason)` stops it and closes the connection.
 */
export class PatchBodyReader {
  readonly decoder = new PatchDecoder();
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private abortReason: { reason: unknown } | undefined;
  private readonly onAbortListeners: (() => void)[] = [];

  constructor(
    private readonly input: PatchInput,
    private readonly onFrame: (frame: DecodedFrame) => void,
    private readonly onCancel?: ((reason: unknown) => void) | undefined,
  ) {}

  /** Stops reading: the body is cancelled, which closes the request. */
  cancel(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = { reason };
    this.onCancel?.(reason);
    void this.reader?.cancel(reason).catch(() => undefined);
    for (const listener of this.onAbortListeners) listener();
  }

  /** Resolves the moment cancel() is called. */
  private aborted(): Promise<never> {
    return new Promise((_, reject) => this.onAbortListeners.push(() => reject(new AbortError(this.abortReason?.reason))));
  }

  async run(): Promise<void> {
    const aborted = this.aborted();
    aborted.catch(() => undefined);
    const body = await Promise.race([this.body(), aborted]);
    const reader = (this.reader = body.getReader());
    if (this.abortReason !== undefined) {
      void reader.cancel(this.abortReason.reason).catch(() => undefined);
      throw new AbortError(this.abortReason.reason);
    }
    const text = new TextDecoder();
    let pieces: string[] = [];
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        // Not raced against `aborted`: cancel() cancels the reader, which settles a pending read
        // at once (a race per read would hang a reaction, and so the chunk, on `aborted` for the
        // whole stream).
        result = await reader.read();
      } catch (error) {
        if (this.abortReason !== undefined) throw new AbortError((this.abortReason as { reason: unknown }).reason);
        // The connection failed mid-stream: what was shown is kept on the error.
        throw this.truncated(error);
      }
      // (A cast: TypeScript cannot see that cancel() sets it while the read waited.)
      if (this.abortReason !== undefined) throw new AbortError((this.abortReason as { reason: unknown }).reason);
      const chunk = result.done ? text.decode() : text.decode(result.value, { stream: true });
      // Pieces of a long line are joined once, at its end (joining per chunk would be quadratic).
      let start = 0;
      for (let newline = chunk.indexOf("\n"); newline >= 0; newline = chunk.indexOf("\n", start)) {
        pieces.push(chunk.slice(start, newline));
        const line = pieces.length === 1 ? (pieces[0] as string) : pieces.join("");
        pieces = [];
        start = newline + 1;
        const frame = this.decoder.read(line.endsWith("\r") ? line.slice(0, -1) : line);
        if (frame === undefined) continue;
        this.onFrame(frame);
        if (frame.error !== undefined) throw frame.error;
        if (frame.final !== undefined) {
          void reader.cancel().catch(() => undefined);
          return;
        }
      }
      if (start < chunk.length) pieces.push(chunk.slice(start));
      if (result.done) {
        if (pieces.length > 0 && pieces.join("").trim() !== "") {
          const frame = this.decoder.read(pieces.join(""));
          if (frame !== undefined) {
            this.onFrame(frame);
            if (frame.error !== undefined) throw frame.error;
            if (frame.final !== undefined) return;
          }
        }
        throw this.truncated(undefined);
      }
    }
  }

  private truncated(cause: unknown): TransportError {
    const error = this.decoder.truncated() as TransportError;
    if (cause !== undefined) Object.defineProperty(error, "cause", { value: cause, enumerable: false });
    return error;
  }

  private async body(): Promise<ReadableStream<Uint8Array>> {
    const input = await this.input;
    if (!(input instanceof Response)) return input;
    if (!input.ok) throw await responseError(input);
    if (input.body === null) throw this.truncated(undefined);
    return input.body;
  }
}

/**
 * The ProviderError for an HTTP error status that came before any stream: `status`, the body
 * (parsed when it is JSON) and the body's own message where it has one.
 */
export async function responseError(response: Response): Promise<ProviderError> {
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text is the body
  }
  const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const inner = record["error"];
  const said =
    typeof inner === "object" && inner !== null && typeof (inner as Record<string, unknown>)["message"] === "string"
      ? ((inner as Record<string, unknown>)["message"] as string)
      : typeof inner === "string"
        ? inner
        : typeof record["message"] === "string"
          ? record["message"]
          : text.slice(0, 200);
  const where = response.url === "" ? "The server" : `The server at ${response.url}`;
  return new ProviderError({
    message: `${where} answered ${response.status}${response.statusText === "" ? "" : ` ${response.statusText}`} before any stream${said === "" ? "" : `: ${said}`}`,
    provider: "http",
    status: response.status,
    body,
  });
}

/** The error to end with: formwork's own as it is, anything else as the connection failing. */
export function asStreamError(error: unknown, partial: unknown): unknown {
  if (FormworkError.isInstance(error)) return error;
  return new TransportError({ code: "patch-truncated", message: `The patch stream failed: ${error instanceof Error ? error.message : String(error)}`, lineNumber: 0, line: "", partial });
}
