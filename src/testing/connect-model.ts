// Chooses where a demo, an example or a smoke test sends its requests: a live OpenAI-compatible
// provider when the environment names one, otherwise formwork's offline model server on a free
// loopback port. Node only (it may start a server).
import { startModelServer, type ModelServerOptions } from "./model-server.js";

export interface ConnectModelOptions {
  /** Where to read `OPENAI_API_KEY`, `OPENAI_BASE_URL` and `OPENAI_MODEL`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The model when `OPENAI_MODEL` is not set; default `"gpt-4o-mini"`. */
  readonly model?: string;
  /** `"auto"` (default): live when a key or a base URL is set; `"offline"`: the offline server whatever the environment says. */
  readonly use?: "auto" | "offline";
  /** How the offline server answers when it stands in: scripted answers, seed, pace. */
  readonly offline?: ModelServerOptions;
}

/** Where requests go. Give `baseURL` and `apiKey` to any client; `close()` stops the offline server. */
export interface ModelConnection {
  /** An OpenAI-compatible base URL (`…/v1`). */
  readonly baseURL: string;
  /** The key from the environment; `"offline"` for the offline server, `"none"` for a keyless local server. */
  readonly apiKey: string;
  readonly model: string;
  readonly isOffline: boolean;
  /** One line saying which was chosen and why, for a demo to print first. */
  readonly description: string;
  /** Stops the offline server (nothing to do for a live provider). Safe to call twice. */
  close(): Promise<void>;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * A live provider when `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set (`OPENAI_MODEL` picks the
 * model), otherwise the offline model server, started here. The same code then runs in CI with
 * no key and against a real model on a developer's machine.
 *
 * @example
 * import OpenAI from "openai";
 * import { fromOpenAI } from "formwork";
 * import { connectModel } from "formwork/testing";
 *
 * const model = await connectModel({ offline: { scripts: [{ match: "Ada", text: '{"name":"Ada","age":36}' }] } });
 * console.log(model.description);
 * const client = fromOpenAI(new OpenAI({ baseURL: model.baseURL, apiKey: model.apiKey }));
 * const user = await client.chat.completions.create({ model: model.model, messages, response_model: User });
 * await model.close();
 */
export async function connectModel(options: ConnectModelOptions = {}): Promise<ModelConnection> {
  const env = options.env ?? process.env;
  const key = nonEmpty(env["OPENAI_API_KEY"]);
  const base = nonEmpty(env["OPENAI_BASE_URL"]);
  const model = nonEmpty(env["OPENAI_MODEL"]) ?? options.model ?? "gpt-4o-mini";
  if (options.use !== "offline" && (key !== undefined || base !== undefined)) {
    const baseURL = (base ?? OPENAI_BASE_URL).replace(/\/+$/, "");
    const close = async () => undefined;
    return { baseURL, apiKey: key ?? "none", model, isOffline: false, description: `Using ${baseURL} with model ${model}.`, close };
  }
  const server = await startModelServer(options.offline);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= server.close());
  const why = options.use === "offline" ? "Offline by request" : "No OPENAI_API_KEY or OPENAI_BASE_URL";
  return {
    baseURL: server.url,
    apiKey: "offline",
    model,
    isOffline: true,
    description: `${why}: using formwork's offline model server at ${server.url}.`,
    close,
  };
}

/**
 * Runs `body` with a connection from {@link connectModel} and closes it afterwards, also when
 * `body` throws.
 *
 * @example
 * const user = await withModel(async ({ baseURL, apiKey, model }) => {
 *   const client = fromProvider({ baseURL, apiKey });
 *   return client.chat.completions.create({ model, messages, response_model: User });
 * });
 */
export async function withModel<T>(body: (connection: ModelConnection) => Promise<T>, options?: ConnectModelOptions): Promise<T> {
  const connection = await connectModel(options);
  try {
    return await body(connection);
  } finally {
    await connection.close();
  }
}

// An exported but empty variable means "not set", as shells and dotenv files leave them.
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
