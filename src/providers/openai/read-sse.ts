// Reads a Server-Sent Events body into the JSON of each `data:` event. eventsource-parser does
// the framing (comments, `data:` without a space, CRLF, multi-line data, events split anywhere).
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ProviderError } from "../../errors/provider-error.js";
import { readBodyText } from "../read-body-text.js";

/**
 * The parsed JSON of each event of an SSE body, until `[DONE]` or the end of the body, in one
 * batch per network read: a read holds many token-sized events, and handing them on one by one
 * would cost an await each.
 */
export async function* readSseJson(body: ReadableStream<Uint8Array>, provider: string): AsyncGenerator<unknown[]> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  for await (const piece of readBodyText(body, provider)) {
    parser.feed(piece);
    const batch: unknown[] = [];
    for (const event of pending) {
      if (event.data === "[DONE]") {
        if (batch.length > 0) yield batch;
        return;
      }
      batch.push(parseEvent(event, provider));
    }
    pending.length = 0;
    if (batch.length > 0) yield batch;
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
