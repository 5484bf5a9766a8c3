// Reads a newline-delimited JSON body (Ollama's native API) into the value of each line, in one
// batch per network read. Lines may be split anywhere across reads, CRLF included.
import { ProviderError } from "../errors/provider-error.js";
import { readBodyText } from "./read-body-text.js";
import type { StreamReadOptions } from "./read-sse.js";
import { quoteStart } from "./quote.js";

/** The value of each line, a batch per network read (empty when a read ends no line). */
export async function* readNdjson(body: ReadableStream<Uint8Array>, options: StreamReadOptions): AsyncGenerator<unknown[]> {
  const { service, budget } = options;
  let rest = "";
  for await (const piece of readBodyText(body, service)) {
    // Only the unfinished last line is carried over: the text is split once, never re-joined.
    const lines = (rest + piece).split("\n");
    rest = lines.pop() as string;
    budget?.hold("an NDJSON line that has not ended", rest.length);
    yield lines.map((line) => parseLine(line, service)).filter((value) => value !== SKIP);
  }
  const last = parseLine(rest, service);
  if (last !== SKIP) yield [last];
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
