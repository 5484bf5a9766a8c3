// Reads a newline-delimited JSON body (Ollama's native API) into the value of each line, in one
// batch per network read. Lines may be split anywhere across reads, CRLF included.
import { ProviderError } from "../errors/provider-error.js";
import { readBodyText } from "./read-body-text.js";

export async function* readNdjson(body: ReadableStream<Uint8Array>, provider: string): AsyncGenerator<unknown[]> {
  let rest = "";
  for await (const piece of readBodyText(body, provider)) {
    // Only the unfinished last line is carried over: the text is split once, never re-joined.
    const lines = (rest + piece).split("\n");
    rest = lines.pop() as string;
    const batch = lines.map((line) => parseLine(line, provider)).filter((value) => value !== SKIP);
    if (batch.length > 0) yield batch;
  }
  const last = parseLine(rest, provider);
  if (last !== SKIP) yield [last];
}

const SKIP: unique symbol = Symbol("blank line");

function parseLine(line: string, provider: string): unknown {
  const trimmed = line.trim();
  if (trimmed === "") return SKIP;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    throw new ProviderError({ message: `${provider} sent a line that is not JSON: ${trimmed.slice(0, 200)}`, provider, body: trimmed, isRetryable: false });
  }
}
