// `npm run demo:web`: the seed's example in a browser. A small Node server answers the page's
// requests with formwork streams sent as patches (formwork/server/node), and serves the page
// through Vite's JS API (React, no build step). Like `npm start`, it runs against formwork's
// offline model server unless OPENAI_API_KEY or OPENAI_BASE_URL is set.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import react from "@vitejs/plugin-react";
import OpenAI from "openai";
import { createServer as createViteServer } from "vite";
import { fromOpenAI } from "formwork";
import { pipeToNodeResponse } from "formwork/server/node";
import { connectModel } from "formwork/testing";
import { User } from "./user.js";

const root = fileURLToPath(new URL(".", import.meta.url));
const source = fileURLToPath(new URL("../../src/", import.meta.url));

/** How each stream the server sent ended: the final value, or the error. */
export interface DemoOutcome {
  readonly route: string;
  readonly final?: unknown;
  readonly error?: unknown;
}

export interface WebDemo {
  readonly url: string;
  readonly isOffline: boolean;
  /** Which model it uses and why (printed first by `npm run demo:web`). */
  readonly description: string;
  /** Every stream's ending, in order (the browser test compares the page with these). */
  readonly outcomes: DemoOutcome[];
  close(): Promise<void>;
}

export interface WebDemoOptions {
  /** Default 0: a free port. */
  readonly port?: number;
  /** A client for the model (the test's, behind its proxy); default: the provider or the offline server. */
  readonly openai?: OpenAI;
  readonly model?: string;
  /** Whether `openai` is formwork's offline server (which takes faults by model suffix). Default true when `openai` is given. */
  readonly isOffline?: boolean;
  /** The offline server's pace; default 60 tokens a second, slow enough to watch. */
  readonly tokensPerSecond?: number;
}

const userMessages = [{ role: "user" as const, content: "Create a user profile for a software engineer named Ada, with a short bio." }];
const usersMessages = [{ role: "user" as const, content: "Create five user profiles for a small team, each with a short bio." }];

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  const value = JSON.parse(text) as unknown;
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

export async function startWebDemo(options: WebDemoOptions = {}): Promise<WebDemo> {
  const connection = options.openai === undefined ? await connectModel({ offline: { tokensPerSecond: options.tokensPerSecond ?? 60 } }) : undefined;
  const openai = options.openai ?? new OpenAI({ baseURL: connection?.baseURL, apiKey: connection?.apiKey });
  const model = options.model ?? connection?.model ?? "gpt-4o-mini";
  const isOffline = options.isOffline ?? connection?.isOffline ?? true;
  const client = fromOpenAI(openai, { mode: "tools" });
  const outcomes: DemoOutcome[] = [];
  const record = (route: string, final: Promise<unknown>) =>
    final.then(
      (value) => outcomes.push({ route, final: value }),
      (error: unknown) => outcomes.push({ route, error }),
    );

  const api = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> => {
    if (path === "/api/info") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ isOffline, model }));
      return true;
    }
    if (request.method !== "POST") return false;
    if (path === "/api/user") {
      const body = await readJson(request);
      // The offline server breaks its first answer on request, to show a retry; a real model is
      // retried only when its answer does not fit.
      const wantsRetry = body["retry"] === true && isOffline;
      const stream = client.chat.completions.createPartial({ model: wantsRetry ? `${model}+invalid-first` : model, messages: userMessages, response_model: { schema: User, name: "User" }, max_retries: 2 });
      record(path, stream.final);
      await pipeToNodeResponse(stream, response);
      return true;
    }
    if (path === "/api/users") {
      await pipeToNodeResponse(client.chat.completions.createIterable({ model, messages: usersMessages, response_model: { schema: User, name: "User" } }), response);
      return true;
    }
    return false;
  };

  const server = createServer();
  const vite = await createViteServer({
    root,
    configFile: false,
    logLevel: "warn",
    appType: "spa",
    cacheDir: fileURLToPath(new URL("../../node_modules/.vite/web-demo", import.meta.url)),
    plugins: [react()],
    // The page imports formwork by name, from the sources (no build step).
    resolve: { alias: { "formwork/react": `${source}react/index.ts`, "formwork/browser": `${source}browser/index.ts` } },
    optimizeDeps: { include: ["react", "react-dom/client", "react/jsx-runtime", "react/jsx-dev-runtime"] },
    server: { middlewareMode: true, hmr: { server } },
  });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    api(request, response, path)
      .then((isHandled) => {
        if (!isHandled) vite.middlewares(request, response);
      })
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: error instanceof Error ? error.message : String(error) } }));
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    isOffline,
    description: connection?.description ?? `Using the model at ${openai.baseURL}.`,
    outcomes,
    close: async () => {
      server.closeAllConnections();
      await vite.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection?.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.env["PORT"] ?? 5173);
  const demo = await startWebDemo({ port: Number.isInteger(port) ? port : 5173 });
  console.log(demo.description);
  console.log(`formwork web demo: open ${demo.url}  (Ctrl-C to stop)`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
