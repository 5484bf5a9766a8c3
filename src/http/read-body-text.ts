// A response body as text, one piece per network read (each within the idle deadline, if one
// is given): UTF-8 decoded across reads, a dropped connection turned into a retryable
// ProviderError, and the body cancelled (the connection closed) whenever the reader leaves early.
import { droppedMidAnswer } from "./connection-failure.js";
import type { IdleWatch } from "./deadlines.js";
import type { ByteReader } from "./http-client.js";

export async function* readBodyText(reader: ByteReader, service: string, idle?: IdleWatch): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await (idle === undefined ? reader.read() : idle.wait(reader.read()));
      } catch (error) {
        throw droppedMidAnswer(error, service);
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

/**
 * At most `limit` characters of a body (an error page, say), then the connection is closed:
 * a 50 MB error body must not be read whole. `isCut` says whether more followed.
 */
export async function readBoundedText(body: ByteReader | null, service: string, limit: number): Promise<{ text: string; isCut: boolean }> {
  if (body === null) return { text: "", isCut: false };
  let text = "";
  try {
    for await (const piece of readBodyText(body, service)) {
      text += piece;
      if (text.length > limit) return { text: text.slice(0, limit), isCut: true };
    }
  } catch {
    // A body cut off mid-error: what arrived is still the best account of the error.
  }
  return { text, isCut: false };
}
