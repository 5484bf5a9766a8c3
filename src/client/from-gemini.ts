// fromGemini: formwork's structured calls on the official Google Gen AI SDK client
// (`@google/genai`). Every method of the client stays reachable; formwork adds
// `chat.completions` and the hooks.
import { geminiProtocol, type GeminiMode } from "../providers/gemini/gemini-protocol.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import type { ChatTransport } from "./attempt.js";
import { providerErrors, sdkRedactor, toProviderError, withStructuredCalls, type SdkWire } from "./sdk-client.js";
import type { ChatRequest } from "./chat-request.js";
import { checkMode, checkSdkClient } from "./check-configuration.js";
import { createStructuredCompletions, Hooks, type HookMethods, type OperationsOptions, type StructuredCompletions } from "./structured-client.js";

/** The part of a `@google/genai` client formwork calls. */
export interface GeminiLike {
  readonly models: {
    generateContentStream(params: never): Promise<AsyncIterable<unknown>>;
  };
}

/**
 * A structured call's request on Gemini: the common fields, sent in `generationConfig`
 * (`maxOutputTokens`, `topP`, `stopSequences`...), and `extra_body` for the rest
 * (`{ generationConfig: { topK: 40 }, safetySettings: [...] }`).
 */
export interface GeminiRequest extends Omit<ChatRequest, "model"> {
  readonly model: string;
}

/** The wrapped client: the SDK's own, with formwork's structured calls and hooks. */
export type FormworkGemini<C extends GeminiLike> = C & HookMethods & { readonly chat: { readonly completions: StructuredCompletions<GeminiRequest> } };

/**
 * Wraps a `@google/genai` client.
 *
 * @example
 * const client = fromGemini(new GoogleGenAI({ apiKey }), { mode: "json_schema" });
 * const user = await client.chat.completions.create({ model: "gemini-2.5-flash", messages, response_model: User });
 */
export function fromGemini<C extends GeminiLike>(client: C, options: { readonly mode?: GeminiMode; readonly provider?: string } & OperationsOptions = {}): FormworkGemini<C> {
  const provider = options.provider ?? "gemini";
  checkSdkClient(client, ["models", "generateContentStream"], "fromGemini", "a Google Gen AI SDK client (new GoogleGenAI() from @google/genai; without the SDK, use fromProvider(\"gemini/<model>\"))");
  const mode = checkMode(options.mode, "gemini", "fromGemini");
  const models = client.models;
  const wire: SdkWire = { provider, protocol: geminiProtocol, urlOf: (body) => geminiURL(client, body) };
  const transport: ChatTransport = {
    provider,
    async send(body, { signal }) {
      // The SDK takes the request's fields in its own layout: the model beside, the rest in config.
      const { model, contents, systemInstruction, tools, toolConfig, generationConfig, ...rest } = body;
      const config = {
        ...(generationConfig as Record<string, unknown> | undefined),
        ...(systemInstruction === undefined ? {} : { systemInstruction }),
        ...(tools === undefined ? {} : { tools }),
        ...(toolConfig === undefined ? {} : { toolConfig }),
        ...rest,
        abortSignal: signal,
      };
      try {
        const chunks = await models.generateContentStream({ model, contents, config } as never);
        return providerErrors(chunks, wire, body);
      } catch (error) {
        throw toProviderError(error, wire, body, false);
      }
    },
    decoder: () => geminiProtocol.decoder(provider),
    redactor: sdkRedactor(client),
  };
  const hooks = new Hooks();
  const completions = createStructuredCompletions(geminiProtocol as ProviderProtocol<string>, transport, mode, hooks, options);
  return withStructuredCalls(client, completions, hooks) as FormworkGemini<C>;
}

// The URL @google/genai calls: its base URL (`apiClient.getBaseUrl()`), its API version and the
// streaming path, where the client tells them.
function geminiURL(client: object, body: Record<string, unknown>): string | undefined {
  const fields = client as { apiClient?: { getBaseUrl?: () => unknown; getApiVersion?: () => unknown } };
  const base = fields.apiClient?.getBaseUrl?.();
  if (typeof base !== "string") return undefined;
  const version = fields.apiClient?.getApiVersion?.();
  const path = geminiProtocol.endpoint(body).path;
  return `${base.replace(/\/+$/, "")}${typeof version === "string" && version !== "" ? `/${version}` : ""}${path}`;
}
