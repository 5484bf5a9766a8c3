// Reads a Server-Sent Events body into the JSON of each `data:` event. eventsource-parser does
// the framing (comments, `data:` without a space, CRLF, multi-line data, events split anywhere);
// bytes are decoded as UTF-8 across chunk boundaries.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ProviderError } from "../../errors/provider-error.js";

/**
 * The parsed JSON of each event of an SSE body, until `[DONE]` or the end of the body, in one
 * batch per network read: a read holds many token-sized events, and handing them on one by one
 * would cost an await each.
 */
export async function* readSseJson(body: ReadableStream<Uint8Array>, provider: string): AsyncGenerator<unknown[]> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw new ProviderError({ message: `The connection to ${provider} dropped mid-answer: ${(error as Error).message}`, provider, isRetryable: true, cause: error });
      }
      parser.feed(result.done ? decoder.decode() : decoder.decode(result.value, { stream: true }));
      const batch: unknown[] = [];
      let isDone = result.done;
      for (const event of pending) {
        if (event.data === "[DONE]") {
          isDone = true;
          break;
        }
        batch.push(parseEvent(event, provider));
      }
      pending.length = 0;
      if (batch.length > 0) yield batch;
      if (isDone) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseEvent(event: EventSourceMessage, provider: string): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new ProviderError({ message: `${provider} sent an event that is not JSON: ${event.data.slice(0, 200)}`, provider, body: event.data, isRetryable: false });
    }
    throw error;
  }
}
