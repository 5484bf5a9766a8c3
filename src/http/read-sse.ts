// Reads a Server-Sent Events body into the JSON of each `data:` event. eventsource-parser does
// the framing (comments, `data:` without a space, CRLF, multi-line data, events split anywhere).
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ProviderError } from "../errors/provider-error.js";
import type { ByteBudget } from "./byte-budget.js";
import { readBodyText } from "./read-body-text.js";
import { quoteStart } from "./quote.js";

/** What a stream reader is given besides the body. */
export interface StreamReadOptions {
  /** Names the server in errors. */
  readonly service: string;
  /** Counts what is held while an event or a line has not ended. */
  readonly budget?: ByteBudget | undefined;
}

/**
 * The parsed JSON of each event of an SSE body, until `[DONE]` or the end of the body, in one
 * batch per network read: a read holds many token-sized events, and handing them on one by one
 * would cost an await each. A read that completes no event gives an empty batch, so that the
 * reader knows bytes arrived (comments are keep-alives too).
 */
export async function* readSseJson(body: ReadableStream<Uint8Array>, options: StreamReadOptions): AsyncGenerator<unknown[]> {
  const { service, budget } = options;
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  // What has arrived since the last whole event: the parser holds it (an upper bound, by at most
  // one read, of its line buffer). A line that never ends is stopped at the budget.
  let unfinished = 0;
  let hasEvents = false;
  let start = "";
  for await (const piece of readBodyText(body, service)) {
    if (!hasEvents && start.length < 256) start += piece.slice(0, 256 - start.length);
    parser.feed(piece);
    unfinished = pending.length > 0 ? 0 : unfinished + piece.length;
    budget?.hold("an SSE line or event that has not ended", unfinished);
    const batch: unknown[] = [];
    for (const event of pending) {
      hasEvents = true;
      if (event.data === "[DONE]") {
        yield batch;
        return;
      }
      batch.push(parseEvent(event, service));
    }
    pending.length = 0;
    yield batch;
  }
  // A 200 whose body holds no event at all is not an event stream (a JSON body, an HTML page,
  // noise): a server error, not a bad answer to ask again for.
  if (!hasEvents && start.trim() !== "" && !/^\s*(?::|data|event|id|retry)/.test(start)) {
    throw new ProviderError({ message: `${service} answered 200 with a body that is not an event stream: ${quoteStart(start)}`, provider: service, body: start, isRetryable: false });
  }
}

function parseEvent(event: EventSourceMessage, service: string): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch (error) {
    // Not JSON, or JSON nested deeper than JSON.parse can go (a RangeError).
    const why = error instanceof SyntaxError ? "that is not JSON" : `that cannot be parsed (${(error as Error).message})`;
    throw new ProviderError({ message: `${service} sent an event ${why}: ${quoteStart(event.data)}`, provider: service, body: quoteStart(event.data, 1024), isRetryable: false, cause: error });
  }
}
