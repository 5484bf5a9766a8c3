// fromProvider: the client over plain fetch, for any OpenAI-compatible server. No SDK needed.
import { anthropicMessagesProtocol, type AnthropicMode } from "../providers/anthropic/messages-protocol.js";
import { geminiProtocol, type GeminiMode } from "../providers/gemini/gemini-protocol.js";
import { ollamaNativeProtocol, type OllamaMode } from "../providers/ollama/native-protocol.js";
import { openAIChatProtocol, type ChatMode } from "../providers/openai/chat-request.js";
import { openAIResponsesProtocol, type ResponsesMode } from "../providers/openai/responses-protocol.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import type { WireEvent } from "../providers/wire-event.js";
import { callSignal, DEFAULT_HTTP_OPTIONS, IdleWatch, resolveHttpOptions, withDeadline, type HttpOptions } from "../http/deadlines.js";
import { EnvelopeTemplate } from "../http/envelope-template.js";
import { ByteBudget } from "../http/byte-budget.js";
import { fetchStream, headersFor, postJson, readJsonBody, type StreamEndpoint } from "../http/fetch-stream.js";
import { parseSseData } from "../http/read-sse.js";
import type { HttpClient } from "../http/http-client.js";
import { Redactor } from "../http/redactor.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { abortErrorOf, type ChatTransport } from "./attempt.js";
import type { ChatRequest } from "./chat-request.js";
import { checkBaseURL, checkMode, type ProtocolKind } from "./check-configuration.js";
import { cloudEndpoint, type CloudOptions } from "./cloud-presets.js";
import { withTemplatesFilled } from "./render-messages.js";
import { createStructuredCompletions, Hooks, requestFields, type HookMethods, type OperationsOptions, type StructuredCompletions } from "./structured-client.js";

/** A known provider: its usual base URL, the variable that holds its key, the protocol it speaks. */
export interface ProviderPreset {
  readonly baseURL: string;
  /** The environment variable read for the API key; undefined for local servers that need none. */
  readonly apiKeyVariable: string | undefined;
  /** A protocol of its own; without one, OpenAI's Chat Completions (or Responses, with `api: "responses"`). */
  readonly protocol?: Exclude<ProtocolKind, "chat" | "responses">;
  /** The modes it takes, the default first, where it takes only some of its protocol's. */
  readonly modes?: readonly string[];
}

/** Known providers, by the name `fromProvider("name/model")` takes. One line adds one. */
export const PROVIDER_PRESETS: Readonly<Record<string, ProviderPreset>> = {
  openai: { baseURL: "https://api.openai.com/v1", apiKeyVariable: "OPENAI_API_KEY" },
  anthropic: { baseURL: "https://api.anthropic.com/v1", apiKeyVariable: "ANTHROPIC_API_KEY", protocol: "anthropic" },
  gemini: { baseURL: "https://generativelanguage.googleapis.com/v1beta", apiKeyVariable: "GEMINI_API_KEY", protocol: "gemini" },
  groq: { baseURL: "https://api.groq.com/openai/v1", apiKeyVariable: "GROQ_API_KEY" },
  openrouter: { baseURL: "https://openrouter.ai/api/v1", apiKeyVariable: "OPENROUTER_API_KEY" },
  together: { baseURL: "https://api.together.xyz/v1", apiKeyVariable: "TOGETHER_API_KEY" },
  deepseek: { baseURL: "https://api.deepseek.com/v1", apiKeyVariable: "DEEPSEEK_API_KEY" },
  mistral: { baseURL: "https://api.mistral.ai/v1", apiKeyVariable: "MISTRAL_API_KEY" },
  ollama: { baseURL: "http://localhost:11434/v1", apiKeyVariable: undefined },
  "ollama-native": { baseURL: "http://localhost:11434", apiKeyVariable: undefined, protocol: "ollama-native" },
  vllm: { baseURL: "http://localhost:8000/v1", apiKeyVariable: undefined },
  llamacpp: { baseURL: "http://localhost:8080/v1", apiKeyVariable: undefined },
  lmstudio: { baseURL: "http://localhost:1234/v1", apiKeyVariable: undefined },
  xai: { baseURL: "https://api.x.ai/v1", apiKeyVariable: "XAI_API_KEY" },
  fireworks: { baseURL: "https://api.fireworks.ai/inference/v1", apiKeyVariable: "FIREWORKS_API_KEY" },
  cerebras: { baseURL: "https://api.cerebras.ai/v1", apiKeyVariable: "CEREBRAS_API_KEY" },
  // Perplexity has no function calling: structured output is response_format json_schema.
  perplexity: { baseURL: "https://api.perplexity.ai", apiKeyVariable: "PERPLEXITY_API_KEY", modes: ["json_schema", "md_json"] },
  // The base URL is built from the resource (or AZURE_OPENAI_ENDPOINT) and the deployment (cloud-presets.ts).
  azure: { baseURL: "https://{resource}.openai.azure.com/openai", apiKeyVariable: "AZURE_OPENAI_API_KEY" },
  // The base URL is built from the project and location; the key is an OAuth access token (cloud-presets.ts).
  vertex: { baseURL: "https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google", apiKeyVariable: "GOOGLE_VERTEX_ACCESS_TOKEN", protocol: "gemini" },
};

/** Options of {@link fromProvider}. */
/** With {@link OperationsOptions}: cache, telemetry, and the deadlines and bounds of {@link HttpOptions}. */
export interface ProviderOptions extends CloudOptions, OperationsOptions {
  /** A preset name (`"groq"`, `"ollama"`...) or, with `baseURL`, any name for errors; default `"openai"`. */
  readonly provider?: string;
  /** An absolute http(s) URL; default: the preset's. */
  readonly baseURL?: string;
  /**
   * Default: the preset's variable (OPENAI_API_KEY...) where the runtime has an environment. A
   * preset that needs a key and has none is a ConfigurationError when the client is created
   * (unless `baseURL` points elsewhere: a proxy or a local server may need none).
   */
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch to send requests with; default the global one. */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Sends the requests instead of fetch. On Node, `nodeHttpClient()` from `formwork/node`
   * reads the socket without fetch's web streams: for a server that holds many streams at once.
   */
  readonly httpClient?: HttpClient;
  /** How the model is asked for structure; default `"tools"` (per protocol: see PROTOCOL_MODES). */
  readonly mode?: ChatMode | AnthropicMode | OllamaMode | ResponsesMode | GeminiMode;
  /** For OpenAI-compatible servers: `"chat"` (default, Chat Completions) or `"responses"` (the Responses API). */
  readonly api?: "chat" | "responses";
  /** The model used when a call names none (set by `"provider/model"`). */
  readonly model?: string;
}

// The modes a provider's protocol has, where the name tells (a preset with a protocol of its
// own); any other server speaks Chat Completions, or the Responses API with api: "responses".
type ModeOf<P extends string> = P extends "anthropic" | `anthropic/${string}`
  ? AnthropicMode
  : P extends "gemini" | `gemini/${string}` | "vertex" | `vertex/${string}`
    ? GeminiMode
    : P extends "ollama-native" | `ollama-native/${string}`
      ? OllamaMode
      : ChatMode | ResponsesMode;

/** The client `fromProvider` gives: chat.completions with formwork's methods, and hooks. */
export interface ProviderClient extends HookMethods {
  readonly chat: { readonly completions: StructuredCompletions<ChatRequest> };
  readonly provider: string;
  readonly baseURL: string;
}

function environment(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name];
}

const presetList = () => Object.keys(PROVIDER_PRESETS).join(", ");

// The options a preset string stands for: "provider/model", or a provider's name alone.
function parsePreset(preset: string, options: ProviderOptions): ProviderOptions {
  const slash = preset.indexOf("/");
  const provider = slash < 0 ? preset : preset.slice(0, slash);
  if (!Object.hasOwn(PROVIDER_PRESETS, provider) && options.baseURL === undefined) {
    const hint = slash < 0 ? ` If "${preset}" is a model, write "provider/model", such as "openai/${preset}".` : "";
    throw new ConfigurationError({
      option: "provider",
      message: `fromProvider(${JSON.stringify(preset)}): "${provider}" is not a known provider.${hint} Known providers: ${presetList()}; for another server, pass { provider, baseURL }`,
    });
  }
  return slash < 0 ? { provider } : { provider, model: preset.slice(slash + 1) };
}

/**
 * A client over plain fetch: any OpenAI-compatible server (Chat Completions, or the Responses
 * API with `api: "responses"`), and Anthropic, Gemini and Ollama's native API by their
 * provider names. A configuration mistake (an unknown provider or mode, a missing key, a base
 * URL without a scheme) is a ConfigurationError here, before any request.
 *
 * @example
 * const client = fromProvider("ollama/llama3.2", { mode: "json_schema" });
 * const client = fromProvider({ provider: "vllm", baseURL: "http://gpu-box:8000/v1" });
 */
export function fromProvider<const P extends string>(preset: P, options?: Omit<ProviderOptions, "mode" | "provider"> & { readonly mode?: ModeOf<P> }): ProviderClient;
export function fromProvider<const P extends string = "openai">(options: Omit<ProviderOptions, "mode" | "provider"> & { readonly provider?: P; readonly mode?: ModeOf<P> }): ProviderClient;
export function fromProvider(preset: string | ProviderOptions, options: ProviderOptions = {}): ProviderClient {
  const given = typeof preset === "string" ? { ...options, ...parsePreset(preset, options) } : preset;
  const provider = given.provider ?? "openai";
  const known = Object.hasOwn(PROVIDER_PRESETS, provider) ? PROVIDER_PRESETS[provider] : undefined;
  const who = typeof preset === "string" ? `fromProvider(${JSON.stringify(preset)})` : `fromProvider({ provider: ${JSON.stringify(provider)} })`;
  if (given.baseURL === undefined && known === undefined) {
    throw new ConfigurationError({ option: "baseURL", message: `${who}: "${provider}" is not a known provider, so it needs a baseURL (such as "http://localhost:8000/v1"). Known providers: ${presetList()}` });
  }
  if (given.httpClient !== undefined && typeof given.httpClient !== "function") {
    throw new ConfigurationError({ option: "httpClient", message: `${who}: httpClient takes a function (request) => Promise<response>, such as nodeHttpClient() from "formwork/node", not ${typeof given.httpClient}` });
  }
  if (given.httpClient !== undefined && given.fetch !== undefined) {
    throw new ConfigurationError({ option: "httpClient", message: `${who}: give fetch or httpClient, not both (fetchHttpClient(fetch) makes an httpClient of a fetch)` });
  }
  const cloud = cloudEndpoint(provider, given, environment);
  const baseURL = checkBaseURL(cloud?.baseURL ?? given.baseURL ?? known?.baseURL, who);
  if (given.api !== undefined && given.api !== "chat" && given.api !== "responses") {
    throw new ConfigurationError({ option: "api", message: `${who}: api takes "chat" (Chat Completions) or "responses" (the Responses API), not ${JSON.stringify(given.api)}` });
  }
  // A provider with a protocol of its own speaks it; every other server speaks OpenAI's.
  const kind: ProtocolKind = known?.protocol ?? (given.api === "responses" ? "responses" : "chat");
  const protocol = PROTOCOLS[kind] as ProviderProtocol<string>;
  if (provider === "azure" && kind !== "chat") {
    throw new ConfigurationError({ option: "api", message: `${who}: the azure preset speaks Chat Completions on a deployment; for the Responses API give { provider: "openai", api: "responses", baseURL: "https://my-resource.openai.azure.com/openai/v1", headers: { "api-key": key } }` });
  }
  const mode = checkMode(given.mode, kind, kind === "responses" ? `${who} with api: "responses"` : who);
  // A preset that takes only some of its protocol's modes (Perplexity: no function calling).
  const presetModes = known?.modes;
  if (presetModes !== undefined && given.mode !== undefined && !presetModes.includes(mode)) {
    throw new ConfigurationError({ option: "mode", message: `${who} takes the modes ${presetModes.map((item) => `"${item}"`).join(", ")}, not ${JSON.stringify(mode)}` });
  }
  const presetMode = presetModes !== undefined && given.mode === undefined ? (presetModes[0] as string) : mode;
  const apiKey = given.apiKey ?? environment(known?.apiKeyVariable);
  // The hosted service needs a key: say so now rather than send a request that gets a 401.
  if ((apiKey === undefined || apiKey === "") && known?.apiKeyVariable !== undefined && baseURL === known.baseURL) {
    throw new ConfigurationError({ option: "apiKey", message: `${who} needs an API key: set ${known.apiKeyVariable} in the environment, or pass { apiKey }` });
  }
  const endpoint: StreamEndpoint = {
    provider,
    baseURL,
    apiKey,
    headers: given.headers,
    fetch: given.fetch,
    httpClient: given.httpClient,
    endpoint: (body) => {
      const sent = protocol.endpoint(body);
      return cloud?.path === undefined ? sent : { path: cloud.path(sent.path, body), body: sent.body };
    },
    authHeaders: cloud?.authHeaders ?? ((key) => protocol.authHeaders(key)),
    framing: protocol.framing,
    httpError: ({ body, status, retryAfterMs }) => protocol.error(body, provider, { status, retryAfterMs }),
  };
  // Every credential this client sends: the key, and the headers that carry one.
  const redactor = Redactor.forHeaders(headersFor(endpoint, ""), endpoint.apiKey);
  // The model of "provider/model", where a call names none; added before anything reports the
  // request, so that hooks see exactly what is sent.
  // A call with no model anywhere would only get the server's 400: say so before sending.
  const withModel = <P>(params: P): P => {
    const fields = params as Record<string, unknown>;
    if (fields["model"] === undefined && given.model === undefined) {
      throw new ConfigurationError({ option: "model", message: `${who}: the call names no model; pass { model } in the call, or create the client as fromProvider("${provider}/<model>")` });
    }
    return (fields["model"] === undefined ? { ...fields, model: given.model } : params) as P;
  };
  const rejecting = <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return call();
    } catch (error) {
      return Promise.reject(error);
    }
  };
  // An SSE stream's events come as text, each parsed as it is decoded (see sseDecoder).
  const rawEvents = endpoint.framing === "sse";
  const transport: ChatTransport = {
    provider,
    send: (body, call) => fetchStream(endpoint, body, { ...call, rawEvents }),
    decoder: () => (rawEvents ? sseDecoder(protocol.decoder(provider), provider) : protocol.decoder(provider)),
    redactor,
  };
  const hooks = new Hooks();
  const structured = createStructuredCompletions(protocol, transport, presetMode, hooks, given);
  const defaults = resolveHttpOptions(DEFAULT_HTTP_OPTIONS, given);
  const completions = {
    // Without a response_model the call goes to the server as it is.
    create: (params: Record<string, unknown>) =>
      rejecting(() =>
        params["response_model"] === undefined
          ? passthrough(endpoint, withModel(withTemplatesFilled(params)), defaults, redactor, () => protocol.decoder(provider))
          : structured.create(withModel(params) as never),
      ),
    createPartial: (params: never) => structured.createPartial(withModel(params)),
    createIterable: (params: never) => structured.createIterable(withModel(params)),
    createWithCompletion: (params: never) => rejecting(() => structured.createWithCompletion(withModel(params))),
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
const PROTOCOLS: Readonly<Record<ProtocolKind, ProviderProtocol<never>>> = {
  chat: openAIChatProtocol,
  responses: openAIResponsesProtocol,
  anthropic: anthropicMessagesProtocol,
  gemini: geminiProtocol,
  "ollama-native": ollamaNativeProtocol,
};

// The wire's decoder over raw SSE events: each event's data is parsed through the response's
// EnvelopeTemplate, so a token's envelope is parsed once, not per token. The template's value is
// decoded before the next event is parsed, and decoders keep only strings and numbers of it; an
// error event keeps the chunk itself (the error's body), so the template is then forgotten and
// that value never changes.
function sseDecoder(decode: (chunk: unknown) => WireEvent[], provider: string): (data: unknown) => WireEvent[] {
  const template = new EnvelopeTemplate();
  return (data) => {
    const events = decode(parseSseData(data as string, provider, template));
    for (const event of events) if (event.type === "error") template.forget();
    return events;
  };
}

// A call without response_model goes to the server as it is (formwork's own fields removed),
// within the call's deadlines: `headersTimeout` for the response's headers, `idleTimeout`
// between reads of its body (a whole one or a stream), `timeout` for all of it. Once the request
// was closed, by the caller's signal or a deadline, that is the error (an AbortError with the
// caller's reason, or the deadline's TimeoutError), not the "dropped connection" it looks like
// from below, which a caller would retry. A stream has `abort(reason)`, as formwork's own do.
async function passthrough(endpoint: StreamEndpoint, params: Record<string, unknown>, defaults: Required<HttpOptions>, redactor: Redactor, decoder: () => (chunk: unknown) => WireEvent[]): Promise<unknown> {
  const signal = params["signal"] as AbortSignal | undefined;
  const http = resolveHttpOptions(defaults, params as HttpOptions);
  // formwork's own fields (deadlines, retries, signal...) are never sent.
  const body = requestFields(params, true);
  const call = callSignal(signal, "timeout", http.timeout, endpoint.provider);
  call.start();
  const request = new AbortController();
  const close = (reason: unknown) => request.abort(reason);
  const onCallAbort = () => close(call.signal.reason);
  if (call.signal.aborted) onCallAbort();
  else call.signal.addEventListener("abort", onCallAbort, { once: true });
  const end = () => {
    call.signal.removeEventListener("abort", onCallAbort);
    call.end();
  };
  const failure = (error: unknown) => redactor.error(request.signal.aborted ? abortErrorOf(request.signal.reason) : error);
  let isHandedOn = false;
  try {
    // Cancelled before anything was sent: nothing is.
    if (request.signal.aborted) throw request.signal.reason;
    if (body["stream"] !== true) {
      const response = await withDeadline(postJson(endpoint, body, { signal: request.signal }), "headersTimeout", http.headersTimeout, endpoint.provider, close);
      const idle = new IdleWatch(http.idleTimeout, endpoint.provider, close);
      try {
        return await readJsonBody(response, endpoint.provider, new ByteBudget(http.maxLength, endpoint.provider), idle);
      } finally {
        idle.stop();
      }
    }
    const batches = await withDeadline(fetchStream(endpoint, body, { signal: request.signal }), "headersTimeout", http.headersTimeout, endpoint.provider, close);
    const chunks = Object.assign(chunksOneByOne(batches, decoder(), new IdleWatch(http.idleTimeout, endpoint.provider, close), failure, end), { abort: (reason?: unknown) => close(reason) });
    // The stream's deadlines run on while it is read (and close one left unread).
    isHandedOn = true;
    return chunks;
  } catch (error) {
    throw failure(error);
  } finally {
    if (!isHandedOn) end();
  }
}

// A passthrough stream gives the chunks as the server sent them, one at a time, each read
// within the idle deadline; the call ends with it. An error event is thrown as the wire's
// error, as the official SDKs throw it (handed on as a chunk, it would break a reader of
// `choices` with a TypeError); the wire's decoder tells one, and a chunk it cannot read is
// handed on all the same.
async function* chunksOneByOne(batches: AsyncIterable<readonly unknown[]>, decode: (chunk: unknown) => WireEvent[], idle: IdleWatch, failure: (error: unknown) => unknown, end: () => void): AsyncGenerator<unknown> {
  const iterator = batches[Symbol.asyncIterator]();
  try {
    for (let next = await idle.wait(iterator.next()); next.done !== true; next = await idle.wait(iterator.next())) {
      for (const chunk of next.value) {
        const error = errorIn(decode, chunk);
        if (error !== undefined) throw error;
        yield chunk;
      }
    }
  } catch (error) {
    throw failure(error);
  } finally {
    idle.stop();
    await iterator.return?.();
    end();
  }
}

// The wire's error an error event carries, or undefined (also for a chunk the decoder cannot read).
function errorIn(decode: (chunk: unknown) => WireEvent[], chunk: unknown): unknown {
  let events: WireEvent[];
  try {
    events = decode(chunk);
  } catch {
    return undefined;
  }
  for (const event of events) if (event.type === "error") return event.error;
  return undefined;
}
