import { PATCH_HEADERS } from "../transport/protocol.js";
import { toPatchStream, type PatchSource, type PatchStreamOptions } from "./to-patch-stream.js";

/**
 * A `Response` whose body is the stream as patches (docs/transport.md), for any framework that
 * takes a web `Response`: Next.js route handlers, Hono, Bun, Deno, edge runtimes. `init` may
 * add headers and set the status; the patch stream's own headers are always there.
 *
 * @example
 * export async function POST(request: Request) {
 *   const { prompt } = await request.json();
 *   return toResponse(client.chat.completions.createPartial({ model, messages: [{ role: "user", content: prompt }], response_model: User }));
 * }
 */
export function toResponse(stream: PatchSource, init: ResponseInit & PatchStreamOptions = {}): Response {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(PATCH_HEADERS)) headers.set(name, value);
  return new Response(toPatchStream(stream, init), { status: init.status ?? 200, ...(init.statusText === undefined ? {} : { statusText: init.statusText }), headers });
}
