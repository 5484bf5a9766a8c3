// A formwork stream as a patch stream (docs/transport.md): web-standard, so it runs in Node 20+,
// Next.js route handlers, Hono, Bun, Deno and edge runtimes alike.
import type { JsonPath } from "../json/json-path.js";
import { PatchEncoder } from "../transport/patch-encoder.js";

/** What `createPartial`, `create({ stream: true })` and `partialStream` return, as far as the server needs. */
export interface PartialSource {
  updates(): AsyncIterable<{
    readonly value: unknown;
    readonly completed: readonly JsonPath[];
    readonly active: JsonPath | undefined;
    readonly progress: { readonly done: number; readonly total: number };
    readonly attempt: number;
  }>;
  readonly final: Promise<unknown>;
  abort(reason?: unknown): void;
}

/** What `createIterable` and `iterableStream` return, as far as the server needs. */
export interface ItemSource {
  updates(): AsyncIterable<{ readonly items: readonly unknown[]; readonly partial: unknown }>;
  readonly skipped: readonly unknown[];
  abort(reason?: unknown): void;
}

/** Any stream formwork gives, or the promise `create({ stream: true })` gives. */
export type PatchSource = PartialSource | ItemSource | PromiseLike<PartialSource | ItemSource>;

/** Options of {@link toPatchStream} and {@link toResponse}. */
export interface PatchStreamOptions {
  /**
   * The least time between two frames, in ms (default 50). A frame goes out at once when the
   * previous one left longer ago; otherwise the updates in between merge into one frame (one
   * append per string), which keeps the bytes close to the answer's own size.
   */
  readonly flushMs?: number;
  /** After this long with nothing written, an empty line keeps proxies from closing the stream (default 15000). */
  readonly heartbeatMs?: number;
}

function isItemSource(source: PartialSource | ItemSource): source is ItemSource {
  return "skipped" in source;
}

/**
 * The stream as the bytes of a patch stream. Cancelling the returned stream (the browser went
 * away, the client aborted) aborts `source`, which closes the model request at once.
 *
 * @example
 * return new Response(toPatchStream(client.chat.completions.createPartial({ ... })));
 */
export function toPatchStream(input: PatchSource, options: PatchStreamOptions = {}): ReadableStream<Uint8Array> {
  const flushMs = Math.max(0, options.flushMs ?? 50);
  const heartbeatMs = Math.max(1, options.heartbeatMs ?? 15_000);
  const bytes = new TextEncoder();
  let source: PartialSource | ItemSource | undefined;
  let encoder: PatchEncoder | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let isClosed = false;
  let lastFlushAt = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  let isFlushWanted = false;

  const send = (text: string): void => {
    if (isClosed || text === "") return;
    controller.enqueue(bytes.encode(text));
    clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(() => send("\n"), heartbeatMs);
  };
  const flush = (): void => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (encoder === undefined || !encoder.hasPending) return;
    // A slow reader: keep merging until it asks for more (pull).
    if ((controller.desiredSize ?? 1) <= 0) {
      isFlushWanted = true;
      return;
    }
    isFlushWanted = false;
    lastFlushAt = Date.now();
    send(encoder.flush());
  };
  const schedule = (): void => {
    if (flushTimer !== undefined || isFlushWanted) return;
    const wait = lastFlushAt + flushMs - Date.now();
    if (wait <= 0) flush();
    else flushTimer = setTimeout(flush, wait);
  };
  const close = (): void => {
    if (isClosed) return;
    isClosed = true;
    clearTimeout(flushTimer);
    clearTimeout(heartbeatTimer);
    controller.close();
  };

  const run = async (): Promise<void> => {
    try {
      source = await input;
      if (isClosed) {
        source.abort("the client disconnected");
        return;
      }
      const isItems = isItemSource(source);
      encoder = new PatchEncoder(isItems ? "iterable" : "partial");
      send(encoder.header());
      if (isItemSource(source)) {
        for await (const update of source.updates()) {
          for (const item of update.items) encoder.item(item);
          encoder.update({ value: update.partial });
          schedule();
        }
        send(encoder.finish());
      } else {
        let attempt = 1;
        for await (const update of source.updates()) {
          encoder.update(update);
          // A new attempt goes out at once, alone: the reader clears the form before the new
          // answer's first token.
          if (update.attempt !== attempt) {
            attempt = update.attempt;
            flush();
          } else schedule();
        }
        const final = await source.final;
        const result = (source as { readonly result?: Promise<{ readonly usage?: unknown }> }).result;
        if (result !== undefined) encoder.usage((await result).usage);
        send(encoder.finish(final));
      }
    } catch (error) {
      if (isClosed) return;
      encoder ??= new PatchEncoder("partial");
      if (source === undefined) send(encoder.header());
      send(encoder.fail(error));
    }
    close();
  };

  return new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
        void run();
      },
      pull() {
        if (isFlushWanted) flush();
      },
      cancel(reason) {
        if (isClosed) return;
        isClosed = true;
        clearTimeout(flushTimer);
        clearTimeout(heartbeatTimer);
        source?.abort(reason ?? "the client disconnected");
      },
    },
    // One frame waiting is enough: more would only queue what merging could have saved.
    new CountQueuingStrategy({ highWaterMark: 1 }),
  );
}
