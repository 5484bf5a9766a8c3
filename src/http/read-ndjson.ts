// Reads a newline-delimited JSON body (Ollama's native API) into the value of each line, in one
// batch per network read. Lines may be split anywhere across reads, CRLF included.
import { ProviderError } from "../errors/provider-error.js";
import type { ByteBudget } from "./byte-budget.js";
import { BodyBatches } from "./body-batches.js";
import type { ByteReader } from "./http-client.js";
import type { StreamReadOptions } from "./read-sse.js";
import { quoteStart } from "./quote.js";

/** The value of each line, a batch per network read (empty when a read ends no line). */
export function readNdjson(body: ByteReader, options: StreamReadOptions): AsyncIterableIterator<unknown[], undefined> {
  return new NdjsonBatches(body, options);
}

class NdjsonBatches extends BodyBatches {
  private readonly budget: ByteBudget | undefined;
  private rest = "";

  constructor(body: ByteReader, options: StreamReadOptions) {
    super(body, options.service);
    this.budget = options.budget;
  }

  protected frame(piece: string): unknown[] {
    // Only the unfinished last line is carried over: the text is split once, never re-joined.
    const lines = (this.rest + piece).split("\n");
    this.rest = lines.pop() as string;
    this.budget?.hold("an NDJSON line that has not ended", this.rest.length);
    const values: unknown[] = [];
    for (const line of lines) {
      const value = parseLine(line, this.service);
      if (value !== SKIP) values.push(value);
    }
    return values;
  }

  protected finish(): unknown[] | undefined {
    const last = parseLine(this.rest, this.service);
    this.rest = "";
    return last === SKIP ? undefined : [last];
  }
}

const SKIP: unique symbol = Symbol("blank line");

function parseLine(line: string, service: string): unknown {
  const trimmed = line.trim();
  if (trimmed === "") return SKIP;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch (error) {
    // Not JSON, or JSON nested deeper than JSON.parse can go (a RangeError).
    const why = error instanceof SyntaxError ? "that is not JSON" : `that cannot be parsed (${(error as Error).message})`;
    throw new ProviderError({ message: `${service} sent a line ${why}: ${quoteStart(trimmed)}`, provider: service, body: quoteStart(trimmed, 1024), isRetryable: false, cause: error });
  }
}
