// fromAnthropic: formwork's structured calls on the official Anthropic SDK client the user
// already has. Every method of the client stays reachable; formwork adds
// `chat.completions` (the same Instructor-style API as on every provider) and the hooks.
import { anthropicMessagesProtocol, type AnthropicMode } from "../providers/anthropic/messages-protocol.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import type { ChatTransport } from "./attempt.js";
import { baseURLOf, providerErrors, sdkRedactor, toProviderError, withStructuredCalls, type SdkWire } from "./sdk-client.js";
import type { ChatRequest } from "./chat-request.js";
import { checkBaseURL, checkMode, checkSdkClient } from "./check-configuration.js";
import { createStructuredCompletions, Hooks, type HookMethods, type OperationsOptions, type StructuredCompletions } from "./structured-client.js";

/** The part of an `@anthropic-ai/sdk` client formwork calls. */
export interface AnthropicLike {
  readonly messages: {
    create(body: never, options?: { signal?: AbortSignal; maxRetries?: number }): PromiseLike<unknown>;
  };
}

/**
 * A structured call's request on Anthropic: the common fields (Anthropic has no `seed`; `stop`
 * is sent as `stop_sequences`), a `system` text beside any system messages, and `extra_body`
 * for the rest (`top_k`, `metadata`, `thinking`...).
 */
export interface AnthropicRequest extends Omit<ChatRequest, "seed" | "model"> {
  readonly model: string;
  readonly system?: string;
}

/** The wrapped client: the SDK's own, with formwork's structured calls and hooks. */
export type FormworkAnthropic<C extends AnthropicLike> = C & HookMethods & { readonly chat: { readonly completions: StructuredCompletions<AnthropicRequest> } };

/**
 * Wraps an `@anthropic-ai/sdk` client.
 *
 * @example
 * const client = fromAnthropic(new Anthropic(), { mode: "tools" });
 * const user = await client.chat.completions.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages, response_model: User });
 */
export function fromAnthropic<C extends AnthropicLike>(client: C, options: { readonly mode?: AnthropicMode; readonly provider?: string } & OperationsOptions = {}): FormworkAnthropic<C> {
  const provider = options.provider ?? "anthropic";
  checkSdkClient(client, ["messages", "create"], "fromAnthropic", "an Anthropic SDK client (new Anthropic() from @anthropic-ai/sdk; without the SDK, use fromProvider(\"anthropic/<model>\"))");
  const mode = checkMode(options.mode, "anthropic", "fromAnthropic");
  const sdkBaseURL = (client as { baseURL?: unknown }).baseURL;
  if (typeof sdkBaseURL === "string") checkBaseURL(sdkBaseURL, "fromAnthropic (the client's baseURL)");
  const messages = client.messages;
  const base = baseURLOf(client);
  const wire: SdkWire = { provider, protocol: anthropicMessagesProtocol, urlOf: () => (base === undefined ? undefined : `${base}/v1/messages`) };
  const transport: ChatTransport = {
    provider,
    async send(body, { signal }) {
      try {
        // Retries and deadlines are formwork's own (they honour Retry-After within its cap, and
        // never repeat shown output); the SDK's own timeout is set out of the way.
        const events = (await messages.create(body as never, { signal, maxRetries: 0, timeout: 2 ** 31 - 1 } as never)) as AsyncIterable<unknown>;
        return providerErrors(events, wire, body);
      } catch (error) {
        throw toProviderError(error, wire, body, false);
      }
    },
    decoder: () => anthropicMessagesProtocol.decoder(provider),
    redactor: sdkRedactor(client),
  };
  const hooks = new Hooks();
  const completions = createStructuredCompletions(anthropicMessagesProtocol as ProviderProtocol<string>, transport, mode, hooks, options);
  return withStructuredCalls(client, completions, hooks) as FormworkAnthropic<C>;
}
