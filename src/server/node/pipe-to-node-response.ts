// Node's http.ServerResponse (Express, Fastify's raw reply, plain node:http). Node-only: kept
// out of formwork/server so that edge bundles never see Node's types.
import type { ServerResponse } from "node:http";
import { PATCH_HEADERS } from "../../transport/protocol.js";
import { toPatchStream, type PatchSource, type PatchStreamOptions } from "../to-patch-stream.js";

/**
 * Writes the stream as patches (docs/transport.md) to a Node response, and resolves when it is
 * sent. When the client goes away first, the stream is aborted, which closes the model request.
 *
 * @example
 * app.post("/api/user", (req, res) => pipeToNodeResponse(client.chat.completions.createPartial({ ... }), res));
 */
export async function pipeToNodeResponse(stream: PatchSource, response: ServerResponse, options: PatchStreamOptions = {}): Promise<void> {
  const reader = toPatchStream(stream, options).getReader();
  if (!response.headersSent) response.writeHead(200, { ...PATCH_HEADERS });
  response.flushHeaders();
  let isGone = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    if (response.writableFinished) return;
    isGone = true;
    wake?.();
    void reader.cancel("the client disconnected").catch(() => undefined);
  };
  response.on("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || isGone) break;
      if (!response.write(value)) {
        // The socket is full: wait for it (updates merge meanwhile) or for the client to leave.
        await new Promise<void>((resolve) => {
          wake = resolve;
          response.once("drain", resolve);
        });
        wake = undefined;
        if (isGone) break;
      }
    }
  } finally {
    response.off("close", onClose);
    if (!isGone) response.end();
  }
}
