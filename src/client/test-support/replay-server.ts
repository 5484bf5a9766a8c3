// A real HTTP server on loopback that answers each request with a scripted response, written
// byte for byte in the pieces given (so a transcript can be cut anywhere), and records what it
// was sent. Node only: test support, never imported by the library.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer. */
export interface ScriptedResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** The body, in the pieces to write (each flushed on its own). */
  readonly pieces: readonly (string | Uint8Array)[];
  /** Destroy the connection after the pieces instead of ending the response. */
  readonly drop?: boolean;
  /** Wait this long between pieces (lets a client act between them). */
  readonly pauseMs?: number;
  /**
   * Go silent and keep the connection open until the client closes it: `"headers"` before the
   * status line, `"body"` after the pieces.
   */
  readonly stall?: "headers" | "body";
}

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Record<string, unknown>;
  /** Resolves when the client closed the connection or the response ended. */
  readonly closed: Promise<"client-closed" | "finished">;
}

export interface ReplayServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server that answers the n-th request with `script(n, body)`. */
export async function startReplayServer(script: (index: number, body: Record<string, unknown>, headers: IncomingMessage["headers"]) => ScriptedResponse): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      const body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
      const closed = new Promise<"client-closed" | "finished">((resolve) => {
        response.on("finish", () => resolve("finished"));
        response.on("close", () => resolve(response.writableFinished ? "finished" : "client-closed"));
      });
      requests.push({ url: request.url ?? "", headers: request.headers, body, closed });
      const answer = script(requests.length - 1, body, request.headers);
      if (answer.stall === "headers") return;
      response.writeHead(answer.status ?? 200, { "content-type": "text/event-stream", ...answer.headers });
      // The status line goes out now, as a server that answers 200 and then thinks would send it.
      response.flushHeaders();
      void (async () => {
        for (const piece of answer.pieces) {
          if (response.destroyed) return;
          response.write(piece);
          await new Promise((resolve) => setTimeout(resolve, answer.pauseMs ?? 0));
        }
        if (answer.stall === "body") return;
        if (answer.drop === true) response.socket?.destroy();
        else response.end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An SSE transcript of Chat Completions chunks, ending with `data: [DONE]`. */
export function sseTranscript(chunks: readonly unknown[], { lineEnd = "\n", done = true }: { lineEnd?: string; done?: boolean } = {}): string {
  const events = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}${lineEnd}${lineEnd}`);
  return events.join("") + (done ? `data: [DONE]${lineEnd}${lineEnd}` : "");
}

type Chunk = Record<string, unknown>;

/** Chat Completions chunks of a forced tool call whose arguments arrive in `pieces`. */
export function toolCallChunks(name: string, pieces: readonly string[], { finish = "tool_calls", usage = true }: { finish?: string; usage?: boolean } = {}): Chunk[] {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "test-model" };
  const chunks: Chunk[] = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name, arguments: "" } }] }, finish_reason: null }] },
    ...pieces.map((piece) => ({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] },
  ];
  if (usage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
  return chunks;
}

/** Chat Completions chunks of an answer in the message content. */
export function contentChunks(pieces: readonly string[], { finish = "stop", usage = true }: { finish?: string; usage?: boolean } = {}): Chunk[] {
  const base = { id: "chatcmpl-2", object: "chat.completion.chunk", created: 1, model: "test-model" };
  const chunks: Chunk[] = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
    ...pieces.map((piece) => ({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] },
  ];
  if (usage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } });
  return chunks;
}
