// A loopback HTTP server whose routes return web Responses (as a Next.js route handler or Hono
// would), written to Node's response with the client's disconnect passed on as a cancel.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Route = (request: { body: unknown; path: string }, response: ServerResponse) => Promise<Response | undefined> | Response | undefined;

export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

/** Writes a web Response to Node's response; the client leaving cancels the Response's body. */
export async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (response.body === null) return void res.end();
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel("the client disconnected").catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (done) break;
    res.write(value);
  }
  res.end();
}

export async function startTestServer(routes: Record<string, Route>): Promise<TestServer> {
  const server = createServer((req, res) => {
    void (async () => {
      // A page on another origin (happy-dom's window, a browser) may call it.
      res.setHeader("access-control-allow-origin", "*");
      if (req.method === "OPTIONS") return void res.writeHead(204, { "access-control-allow-headers": "*", "access-control-allow-methods": "GET, POST" }).end();
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const route = routes[path];
      if (route === undefined) return void res.writeHead(404).end();
      const response = await route({ body: await readBody(req), path }, res);
      if (response !== undefined) await sendResponse(response, res);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
