// Reads a Server-Sent Events body into the JSON of each `data:` event. eventsource-parser does
// the framing (comments, `data:` without a space, CRLF, multi-line data, events split anywhere).
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ProviderError } from "../errors/provider-error.js";
import type { ByteBudget } from "./byte-budget.js";
import { BodyBatches } from "./body-batches.js";
import type { EnvelopeTemplate } from "./envelope-template.js";
import type { ByteReader } from "./http-client.js";
import { quoteStart } from "./quote.js";

/** What a stream reader is given besides the body. */
export interface StreamReadOptions {
  /** Names the server in errors. */
  readonly service: string;
  /** Counts what is held while an event or a line has not ended. */
  readonly budget?: ByteBudget | undefined;
  /** Hand on each event's data as text, not parsed (the reader parses it: see parseSseData). */
  readonly rawEvents?: boolean;
}

/**
 * The parsed JSON of each event of an SSE body, until `[DONE]` or the end of the body, in one
 * batch per network read: a read holds many token-sized events, and handing them on one by one
 * would cost an await each. A read that completes no event gives an empty batch, so that the
 * reader knows bytes arrived (comments are keep-alives too).
 */
export function readSseJson(body: ByteReader, options: StreamReadOptions): AsyncIterableIterator<unknown[], undefined> {
  return new SseBatches(body, options);
}

class SseBatches extends BodyBatches {
  private readonly budget: ByteBudget | undefined;
  private readonly isRaw: boolean;
  // The values of the piece being framed: the parser's callback parses each event into it. Made
  // at the first event (pushing onto an empty array would reserve room for 17, every read).
  private batch: unknown[] | undefined;
  private eventCount = 0;
  private readonly parser = createParser({ onEvent: (event) => this.onEvent(event) });
  // What the parser holds of an event that has not ended, counted against the budget: a read
  // that completes no event adds all of itself; one that completes events leaves what follows
  // its last line break, so a line that never ends, sent right after a whole event in the same
  // read, is stopped at once.
  private unfinished = 0;
  private hasEvents = false;
  private start = "";

  constructor(body: ByteReader, options: StreamReadOptions) {
    super(body, options.service);
    this.budget = options.budget;
    this.isRaw = options.rawEvents === true;
  }

  protected frame(piece: string): unknown[] {
    if (!this.hasEvents && this.start.length < 256) this.start += piece.slice(0, 256 - this.start.length);
    this.batch = undefined;
    const events = this.eventCount;
    this.parser.feed(piece);
    this.unfinished = this.eventCount > events ? piece.length - 1 - Math.max(piece.lastIndexOf("\n"), piece.lastIndexOf("\r")) : this.unfinished + piece.length;
    this.budget?.hold("an SSE line or event that has not ended", this.unfinished);
    return this.batch ?? [];
  }

  // Nothing after `[DONE]` is read, in this piece or later.
  private onEvent(event: EventSourceMessage): void {
    this.eventCount++;
    // The start is kept only to quote a body with no event at all: once one came, it goes (a
    // slice of a read keeps the whole read alive).
    this.hasEvents = true;
    this.start = "";
    if (this.isMarkedOver) return;
    if (event.data === "[DONE]") {
      this.markOver();
      return;
    }
    const value = this.isRaw ? event.data : parseSseData(event.data, this.service);
    if (this.batch === undefined) this.batch = [value];
    else this.batch.push(value);
  }

  // A 200 whose body holds no event at all is not an event stream (a JSON body, an HTML page,
  // noise): a server error, not a bad answer to ask again for.
  protected finish(): undefined {
    const start = this.start;
    if (!this.hasEvents && start.trim() !== "" && !/^\s*(?::|data|event|id|retry)/.test(start)) {
      throw new ProviderError({ message: `${this.service} answered 200 with a body that is not an event stream: ${quoteStart(start)}`, provider: this.service, body: start, isRetryable: false });
    }
    return undefined;
  }
}

/**
 * The JSON of one SSE event's data; a ProviderError when it is not JSON. With a template, a
 * token event's value may be the template's envelope, good until the next parse (see
 * EnvelopeTemplate).
 */
export function parseSseData(data: string, service: string, template?: EnvelopeTemplate): unknown {
  try {
    return template === undefined ? (JSON.parse(data) as unknown) : template.parse(data);
  } catch (error) {
    // Not JSON, or JSON nested deeper than JSON.parse can go (a RangeError).
    const why = error instanceof SyntaxError ? "that is not JSON" : `that cannot be parsed (${(error as Error).message})`;
    throw new ProviderError({ message: `${service} sent an event ${why}: ${quoteStart(data)}`, provider: service, body: quoteStart(data, 1024), isRetryable: false, cause: error });
  }
}
