// A response body as text, one piece per network read: UTF-8 decoded across reads, a dropped
// connection turned into a retryable ProviderError, and the body cancelled (the connection
// closed) whenever the reader leaves early.
import { ProviderError } from "../errors/provider-error.js";

export async function* readBodyText(body: ReadableStream<Uint8Array>, provider: string): AsyncGenerator<string> {
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
      if (result.done) {
        const rest = decoder.decode();
        if (rest !== "") yield rest;
        return;
      }
      yield decoder.decode(result.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
