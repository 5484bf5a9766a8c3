// Reads a newline-delimited JSON body (Ollama's native API) into the value of each line, in one
// batch per network read. Lines may be split anywhere across reads, CRLF included.
import { ProviderError } from "../errors/provider-error.js";

export async function* readNdjson(body: ReadableStream<Uint8Array>, provider: string): AsyncGenerator<unknown[]> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let rest = "";
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw new ProviderError({ message: `The connection to ${provider} dropped mid-answer: ${(error as Error).message}`, provider, isRetryable: true, cause: error });
      }
      // Only the unfinished last line is carried over: the text is split once, never re-joined.
      const text = rest + (result.done ? decoder.decode() : decoder.decode(result.value, { stream: true }));
      const lines = text.split("\n");
      rest = result.done ? "" : (lines.pop() as string);
      const batch: unknown[] = [];
      for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed === "") continue;
        try {
          batch.push(JSON.parse(trimmed) as unknown);
        } catch {
          throw new ProviderError({ message: `${provider} sent a line that is not JSON: ${trimmed.slice(0, 200)}`, provider, body: trimmed, isRetryable: false });
        }
      }
      if (batch.length > 0) yield batch;
      if (result.done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
