// fromOpenAI: formwork's methods on the official OpenAI SDK client the user already has. A call
// without response_model, and every other method of the client, reaches the SDK unchanged.
import { openAIChatProtocol, type ChatMode } from "../providers/openai/chat-request.js";
import { openAIResponsesProtocol, type ResponsesMode } from "../providers/openai/responses-protocol.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import { providerErrors, reach, toProviderError } from "./sdk-client.js";
import { withTemplatesFilled } from "./render-messages.js";
import type { ChatTransport } from "./attempt.js";
import { createStructuredCompletions, Hooks, type HookMethods, type StructuredCompletions } from "./structured-client.js";

/** The part of an `openai` client formwork calls (any recent version of the SDK). */
export interface OpenAILike {
  readonly chat: {
    readonly completions: {
      create(body: never, options?: { signal?: AbortSignal; maxRetries?: number }): PromiseLike<unknown>;
    };
  };
  readonly responses?: {
    create(body: never, options?: { signal?: AbortSignal; maxRetries?: number }): PromiseLike<unknown>;
  };
}

/** The wrapped client: the SDK's own, with formwork's methods and hooks added. */
export type FormworkOpenAI<C extends OpenAILike> = Omit<C, "chat"> &
  HookMethods & {
    readonly chat: Omit<C["chat"], "completions"> & {
      readonly completions: Omit<C["chat"]["completions"], "create"> &
        StructuredCompletions & { create: C["chat"]["completions"]["create"] & StructuredCompletions["create"] };
    };
  };

/**
 * Wraps an `openai` SDK client.
 *
 * @example
 * const client = fromOpenAI(new OpenAI(), { mode: "tools" });
 * const user = await client.chat.completions.create({ model, messages, response_model: User });
 */
export function fromOpenAI<C extends OpenAILike>(
  client: C,
  options: {
    /** Default `"tools"`; with `api: "responses"`, `"json_schema"` or `"tools"` (default `"json_schema"`). */
    readonly mode?: ChatMode | ResponsesMode;
    readonly provider?: string;
    /** `"chat"` (default): Chat Completions; `"responses"`: the Responses API. */
    readonly api?: "chat" | "responses";
  } = {},
): FormworkOpenAI<C> {
  const provider = options.provider ?? "openai";
  const sdkCompletions = client.chat.completions;
  const isResponses = options.api === "responses";
  const protocol = (isResponses ? openAIResponsesProtocol : openAIChatProtocol) as ProviderProtocol<string>;
  const mode = options.mode ?? (isResponses ? "json_schema" : "tools");
  if (isResponses && mode !== "json_schema" && mode !== "tools" && mode !== "tools_strict") {
    throw new TypeError(`formwork: the Responses API takes the modes json_schema, tools, tools_strict, not "${mode}"`);
  }
  const sdkResponses = client.responses;
  if (isResponses && sdkResponses === undefined) throw new TypeError("formwork: this OpenAI client has no responses API (update the openai package)");
  const transport: ChatTransport = {
    provider,
    async send(body, signal) {
      try {
        // Retries are formwork's own (they honour Retry-After and never repeat shown output).
        const endpoint = isResponses ? (sdkResponses as NonNullable<typeof sdkResponses>) : sdkCompletions;
        const chunks = (await endpoint.create(body as never, { signal, maxRetries: 0 })) as AsyncIterable<unknown>;
        return providerErrors(chunks, provider);
      } catch (error) {
        throw toProviderError(error, provider, false);
      }
    },
    decode: (chunk) => protocol.decode(chunk, provider),
  };
  const hooks = new Hooks();
  const structured = createStructuredCompletions(protocol, transport, mode, hooks);
  const completions = new Proxy(sdkCompletions, {
    get(target, property, receiver) {
      if (property === "create") {
        return (params: Record<string, unknown>, requestOptions?: unknown) =>
          params["response_model"] === undefined ? target.create(withTemplatesFilled(params) as never, requestOptions as never) : structured.create(params as never);
      }
      if (property in structured) return (structured as unknown as Record<PropertyKey, unknown>)[property];
      return reach(target, property, receiver);
    },
  });
  const chat = new Proxy(client.chat, {
    get(target, property, receiver) {
      if (property === "completions") return completions;
      return reach(target, property, receiver);
    },
  });
  const methods: HookMethods = {
    on: (name, handler) => hooks.on(name, handler),
    off: (name, handler) => hooks.off(name, handler),
    clear: (name) => hooks.clear(name),
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "chat") return chat;
      if (property in methods) return methods[property as keyof HookMethods];
      return reach(target, property, receiver);
    },
  }) as unknown as FormworkOpenAI<C>;
}
