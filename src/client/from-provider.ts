// fromProvider: the client over plain fetch, for any OpenAI-compatible server. No SDK needed.
import { anthropicMessagesProtocol, type AnthropicMode } from "../providers/anthropic/messages-protocol.js";
import { geminiProtocol, type GeminiMode } from "../providers/gemini/gemini-protocol.js";
import { ollamaNativeProtocol, type OllamaMode } from "../providers/ollama/native-protocol.js";
import { openAIChatProtocol, type ChatMode } from "../providers/openai/chat-request.js";
import { openAIResponsesProtocol, type ResponsesMode } from "../providers/openai/responses-protocol.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import { chatError } from "../providers/openai/decode-chat-chunk.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { fetchChatChunks, retryAfterMs, type ChatEndpoint } from "../providers/openai/fetch-chat.js";
import type { ChatTransport } from "./attempt.js";
import { cloudEndpoint, type CloudOptions } from "./cloud-presets.js";
import { withTemplatesFilled } from "./render-messages.js";
import { createStructuredCompletions, Hooks, type HookMethods, type StructuredCompletions } from "./structured-client.js";

/**
 * Known servers: their usual base URL and the variable that holds the key; `protocol` when it
 * speaks one other than Chat Completions, `modes` when it takes only some (the default first).
 * `azure` and `vertex` build their URL from the account (see cloud-presets.ts).
 */
export const PROVIDER_PRESETS: Readonly<
  Record<string, { readonly baseURL: string; readonly apiKeyVariable: string | undefined; readonly protocol?: string; readonly modes?: readonly string[] }>
> = {
  openai: { baseURL: "https://api.openai.com/v1", apiKeyVariable: "OPENAI_API_KEY" },
  anthropic: { baseURL: "https://api.anthropic.com/v1", apiKeyVariable: "ANTHROPIC_API_KEY" },
  gemini: { baseURL: "https://generativelanguage.googleapis.com/v1beta", apiKeyVariable: "GEMINI_API_KEY" },
  groq: { baseURL: "https://api.groq.com/openai/v1", apiKeyVariable: "GROQ_API_KEY" },
  openrouter: { baseURL: "https://openrouter.ai/api/v1", apiKeyVariable: "OPENROUTER_API_KEY" },
  together: { baseURL: "https://api.together.xyz/v1", apiKeyVariable: "TOGETHER_API_KEY" },
  deepseek: { baseURL: "https://api.deepseek.com/v1", apiKeyVariable: "DEEPSEEK_API_KEY" },
  mistral: { baseURL: "https://api.mistral.ai/v1", apiKeyVariable: "MISTRAL_API_KEY" },
  ollama: { baseURL: "http://localhost:11434/v1", apiKeyVariable: undefined },
  "ollama-native": { baseURL: "http://localhost:11434", apiKeyVariable: undefined },
  vllm: { baseURL: "http://localhost:8000/v1", apiKeyVariable: undefined },
  llamacpp: { baseURL: "http://localhost:8080/v1", apiKeyVariable: undefined },
  lmstudio: { baseURL: "http://localhost:1234/v1", apiKeyVariable: undefined },
  xai: { baseURL: "https://api.x.ai/v1", apiKeyVariable: "XAI_API_KEY" },
  fireworks: { baseURL: "https://api.fireworks.ai/inference/v1", apiKeyVariable: "FIREWORKS_API_KEY" },
  cerebras: { baseURL: "https://api.cerebras.ai/v1", apiKeyVariable: "CEREBRAS_API_KEY" },
  // Perplexity has no function calling: structured output is response_format json_schema.
  perplexity: { baseURL: "https://api.perplexity.ai", apiKeyVariable: "PERPLEXITY_API_KEY", modes: ["json_schema", "md_json"] },
  // The base URL is built from the resource (or AZURE_OPENAI_ENDPOINT) and the deployment.
  azure: { baseURL: "https://{resource}.openai.azure.com/openai", apiKeyVariable: "AZURE_OPENAI_API_KEY" },
  // The base URL is built from the project and location; the key is an OAuth access token.
  vertex: { baseURL: "https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google", apiKeyVariable: "GOOGLE_VERTEX_ACCESS_TOKEN", protocol: "gemini" },
};

/** Options of {@link fromProvider}. */
export interface ProviderOptions extends CloudOptions {
  /** A preset name (`"groq"`, `"ollama"`...) or any name for errors; default `"openai"`. */
  readonly provider?: string;
  readonly baseURL?: string;
  /** Default: the preset's variable (OPENAI_API_KEY...) where the runtime has an environment. */
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof globalThis.fetch;
  /** How the model is asked for structure; default `"tools"`. Anthropic takes tools, json and md_json. */
  readonly mode?: ChatMode | AnthropicMode | OllamaMode | ResponsesMode | GeminiMode;
  /** For OpenAI-compatible servers: `"chat"` (default, Chat Completions) or `"responses"` (the Responses API). */
  readonly api?: "chat" | "responses";
  /** The model used when a call names none (set by `"provider/model"`). */
  readonly model?: string;
}

/** The client `fromProvider` gives: chat.completions with formwork's methods, and hooks. */
export interface ProviderClient extends HookMethods {
  readonly chat: { readonly completions: StructuredCompletions };
  readonly provider: string;
  readonly baseURL: string;
}

function environment(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name];
}

/**
 * A client over plain fetch: any OpenAI-compatible server (Chat Completions, or the Responses
 * API with `api: "responses"`), and Anthropic, Gemini and Ollama's native API by their
 * provider names.
 *
 * @example
 * const client = fromProvider("ollama/llama3.2", { mode: "json_schema" });
 * const client = fromProvider({ provider: "vllm", baseURL: "http://gpu-box:8000/v1" });
 */
export function fromProvider(preset: string | ProviderOptions, options: ProviderOptions = {}): ProviderClient {
  const given = typeof preset === "string" ? { ...options, ...parsePreset(preset) } : preset;
  const provider = given.provider ?? "openai";
  const known = Object.hasOwn(PROVIDER_PRESETS, provider) ? PROVIDER_PRESETS[provider] : undefined;
  const cloud = cloudEndpoint(provider, given, environment);
  const baseURL = cloud?.baseURL ?? given.baseURL ?? known?.baseURL;
  if (baseURL === undefined) throw new TypeError(`formwork: no baseURL for provider "${provider}" (known presets: ${Object.keys(PROVIDER_PRESETS).join(", ")})`);
  // A provider with a protocol of its own speaks it; every other server speaks OpenAI's.
  const native = known?.protocol ?? provider;
  const kind = Object.hasOwn(NATIVE_MODES, native) ? native : given.api === "responses" ? "responses" : "chat";
  if (provider === "azure" && kind !== "chat") throw new ConfigurationError('formwork: the azure preset speaks Chat Completions on a deployment; for the Responses API give { provider: "openai", api: "responses", baseURL: "https://my-resource.openai.azure.com/openai/v1", headers: { "api-key": key } }');
  const protocol = PROTOCOLS[kind] as ProviderProtocol<string>;
  const modes = known?.modes ?? NATIVE_MODES[kind];
  const mode = given.mode ?? modes?.[0] ?? "tools";
  if (modes !== undefined && !modes.includes(mode)) {
    throw new TypeError(`formwork: ${kind === "responses" ? "the Responses API" : `the ${provider} provider`} takes the modes ${modes.join(", ")}, not "${mode}"`);
  }
  const endpoint: ChatEndpoint = {
    provider,
    baseURL,
    apiKey: given.apiKey ?? environment(known?.apiKeyVariable),
    headers: given.headers,
    fetch: given.fetch,
    endpoint: (body) => {
      const sent = protocol.endpoint(body);
      return cloud?.path === undefined ? sent : { path: cloud.path(sent.path, body), body: sent.body };
    },
    authHeaders: cloud?.authHeaders ?? ((key) => protocol.authHeaders(key)),
    framing: protocol.framing,
  };
  // The model of "provider/model", where a call names none; added before anything reports the
  // request, so that hooks see exactly what is sent.
  const withModel = <P>(params: P): P => {
    const fields = params as Record<string, unknown>;
    return (fields["model"] === undefined && given.model !== undefined ? { ...fields, model: given.model } : params) as P;
  };
  const transport: ChatTransport = {
    provider,
    send: (body, signal) => fetchChatChunks(endpoint, body, signal),
    decode: (chunk) => protocol.decode(chunk, provider),
  };
  const hooks = new Hooks();
  const structured = createStructuredCompletions(protocol, transport, mode, hooks);
  const completions = {
    // Without a response_model the call goes to the server as it is.
    create: (params: Record<string, unknown>) =>
      params["response_model"] === undefined ? passthrough(endpoint, withModel(withTemplatesFilled(params))) : structured.create(withModel(params) as never),
    createPartial: (params: never) => structured.createPartial(withModel(params)),
    createIterable: (params: never) => structured.createIterable(withModel(params)),
    createWithCompletion: (params: never) => structured.createWithCompletion(withModel(params)),
  } as unknown as StructuredCompletions; // the same overloads as `structured`
  return {
    chat: { completions },
    provider,
    baseURL,
    on: (name, handler) => hooks.on(name, handler),
    off: (name, handler) => hooks.off(name, handler),
    clear: (name) => hooks.clear(name),
  };
}

// Which protocol each kind of provider speaks: Chat Completions unless it has its own.
const PROTOCOLS: Readonly<Record<string, ProviderProtocol<never>>> = {
  chat: openAIChatProtocol,
  responses: openAIResponsesProtocol,
  anthropic: anthropicMessagesProtocol,
  gemini: geminiProtocol,
  "ollama-native": ollamaNativeProtocol,
};

// The modes of the protocols other than Chat Completions, the default first.
const NATIVE_MODES: Readonly<Record<string, readonly string[]>> = {
  gemini: ["json_schema", "tools", "md_json"],
  anthropic: ["tools", "json_schema", "json", "md_json"],
  responses: ["json_schema", "tools", "tools_strict"],
  "ollama-native": ["json_schema", "tools", "json", "md_json"],
};

function parsePreset(preset: string): ProviderOptions {
  const slash = preset.indexOf("/");
  return slash < 0 ? { provider: preset } : { provider: preset.slice(0, slash), model: preset.slice(slash + 1) };
}

async function passthrough(endpoint: ChatEndpoint, params: Record<string, unknown>): Promise<unknown> {
  const { signal, ...body } = params as { signal?: AbortSignal } & Record<string, unknown>;
  if (body["stream"] === true) return chunksOneByOne(await fetchChatChunks(endpoint, body, signal ?? new AbortController().signal));
  const headers: Record<string, string> = { "content-type": "application/json", ...endpoint.headers, ...endpoint.authHeaders?.(endpoint.apiKey) };
  const { path } = endpoint.endpoint?.(body) ?? { path: "/chat/completions" };
  const response = await (endpoint.fetch ?? globalThis.fetch)(`${endpoint.baseURL.replace(/\/+$/, "")}${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  if (!response.ok) throw chatError(parsed, endpoint.provider, response.status, retryAfterMs(response.headers));
  return parsed;
}

// A passthrough stream gives the chunks as the server sent them, one at a time.
async function* chunksOneByOne(batches: AsyncIterable<readonly unknown[]>): AsyncGenerator<unknown> {
  for await (const batch of batches) yield* batch;
}
