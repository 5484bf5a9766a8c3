// fromOpenAI: formwork's methods on the official OpenAI SDK client the user already has. A call
// without response_model, and every other method of the client, reaches the SDK unchanged.
import { openAIChatProtocol, type ChatMode } from "../providers/openai/chat-request.js";
import { openAIResponsesProtocol, type ResponsesMode } from "../providers/openai/responses-protocol.js";
import type { ProviderProtocol } from "../providers/provider-protocol.js";
import { callSignal, DEFAULT_HTTP_OPTIONS, resolveHttpOptions, type CallSignal, type HttpOptions } from "../http/deadlines.js";
import { TimeoutError } from "../errors/timeout-error.js";
import { baseURLOf, providerErrors, reach, sdkRedactor, toProviderError, type SdkWire } from "./sdk-client.js";
import { withTemplatesFilled } from "./render-messages.js";
import { abortErrorOf, type ChatTransport } from "./attempt.js";
import { createStructuredCompletions, requestFields, Hooks, type HookMethods, type OperationsOptions, type StructuredCompletions } from "./structured-client.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { checkBaseURL, checkMode, checkSdkClient } from "./check-configuration.js";
import type { Completion as FormworkCompletion } from "./completion.js";
import type { MediaPart } from "../media/media-part.js";

// The SDK's own request timeout (10 minutes by default) would cut a call that formwork's
// deadlines allow: formwork keeps the deadlines, the SDK's is set out of the way.
const MAX_SDK_TIMEOUT = 2 ** 31 - 1;

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

// The SDK's own types, read from the client the user passed (no import of `openai`, so these
// types cost nothing to users without it, and follow whichever version they have). A method's
// parameter type read through `infer` is its last overload's: `ChatCompletionCreateParamsBase`
// and `ResponseCreateParamsBase` in the SDK.
type CreateParams<F> = F extends (body: infer Body, ...rest: never[]) => unknown ? Body : never;
type CreateResult<F> = F extends (...args: never[]) => infer Result ? Exclude<Awaited<Result>, AsyncIterable<unknown>> : never;

/** The fields formwork sets itself in Chat Completions (the mode's tool or response format, streaming). */
export type OpenAIOwnedFields = "stream" | "tools" | "tool_choice" | "response_format" | "functions" | "function_call";
/** The fields formwork sets itself in the Responses API; `messages` become `input`. */
export type ResponsesOwnedFields = "stream" | "tools" | "tool_choice" | "input";

/** A Chat Completions request as the SDK types it (`ChatCompletionCreateParamsBase`), without formwork's fields. */
export type OpenAIChatRequest<C extends OpenAILike> = WithMedia<Omit<CreateParams<C["chat"]["completions"]["create"]>, OpenAIOwnedFields>>;

// A user message's content may also hold image(), audio() and pdf() parts, and plain strings:
// formwork writes them in the wire's own form before sending.
type MediaContent<M> = M extends { readonly role: "user"; readonly content: infer Content }
  ? Omit<M, "content"> & { readonly content: Content | readonly ((Content extends readonly (infer Part)[] ? Part : never) | MediaPart | string)[] }
  : M;
type ItemOf<L> = L extends readonly (infer Item)[] ? Item : never;
type WithMedia<R> = R extends { readonly messages: readonly (infer M)[] } ? Omit<R, "messages"> & { readonly messages: readonly MediaContent<M>[] } : R;
/** The SDK's `ChatCompletion`. */
export type OpenAIChatCompletion<C extends OpenAILike> = CreateResult<C["chat"]["completions"]["create"]>;

type ResponsesParams<C extends OpenAILike> = CreateParams<NonNullable<C["responses"]>["create"]>;
/** A Responses request as the SDK types it (`ResponseCreateParamsBase`), with `messages` (the input items) for `input`. */
export type OpenAIResponsesRequest<C extends OpenAILike> = Omit<ResponsesParams<C>, ResponsesOwnedFields> & {
  readonly messages: readonly MediaContent<ItemOf<Exclude<ResponsesParams<C> extends { input?: infer Input } ? Input : never, string | null | undefined>>>[];
};

/** The wrapped client: the SDK's own, with formwork's methods and hooks added. */
export type FormworkOpenAI<C extends OpenAILike, Request = OpenAIChatRequest<C>, Completion = OpenAIChatCompletion<C>> = Omit<C, "chat"> &
  HookMethods & {
    readonly chat: Omit<C["chat"], "completions"> & {
      readonly completions: Omit<C["chat"]["completions"], "create"> &
        Omit<StructuredCompletions<Request, Completion>, "create"> & {
          // formwork's overloads first: a call with response_model is structured, any other the SDK's.
          create: StructuredCompletions<Request, Completion>["create"] & C["chat"]["completions"]["create"];
        };
    };
  };

/** The wrapped client with `api: "responses"`: structured calls go to the Responses API. */
export type FormworkOpenAIResponses<C extends OpenAILike> = FormworkOpenAI<C, OpenAIResponsesRequest<C>, FormworkCompletion>;

/** Options of {@link fromOpenAI}. */
export interface OpenAIOptions extends OperationsOptions {
  /** A name for errors and hooks; default `"openai"`. */
  readonly provider?: string;
}

/**
 * Wraps an `openai` SDK client. Structured calls take the SDK's own request type (without the
 * fields formwork sets: `stream`, `tools`, `tool_choice`, `response_format`), and
 * `createWithCompletion` gives the SDK's `ChatCompletion`.
 *
 * @example
 * const client = fromOpenAI(new OpenAI(), { mode: "tools" });
 * const user = await client.chat.completions.create({ model, messages, response_model: User });
 */
export function fromOpenAI<C extends OpenAILike>(client: C, options: OpenAIOptions & { readonly api: "responses"; readonly mode?: ResponsesMode }): FormworkOpenAIResponses<C>;
export function fromOpenAI<C extends OpenAILike>(client: C, options?: OpenAIOptions & { readonly api?: "chat"; readonly mode?: ChatMode }): FormworkOpenAI<C>;
export function fromOpenAI<C extends OpenAILike>(
  client: C,
  options: OpenAIOptions & {
    /** Default `"tools"`; with `api: "responses"`, `"json_schema"` or `"tools"` (default `"json_schema"`). */
    readonly mode?: ChatMode | ResponsesMode;
    /** `"chat"` (default): Chat Completions; `"responses"`: the Responses API. */
    readonly api?: "chat" | "responses";
  } & HttpOptions = {},
): FormworkOpenAI<C> | FormworkOpenAIResponses<C> {
  const provider = options.provider ?? "openai";
  if (options.api !== undefined && options.api !== "chat" && options.api !== "responses") {
    throw new ConfigurationError({ option: "api", message: `fromOpenAI: api takes "chat" (Chat Completions) or "responses" (the Responses API), not ${JSON.stringify(options.api)}` });
  }
  const isResponses = options.api === "responses";
  const sdk = "an OpenAI SDK client (new OpenAI() from the openai package; for a server without the SDK, use fromProvider({ provider, baseURL }))";
  checkSdkClient(client, ["chat", "completions", "create"], "fromOpenAI", sdk);
  if (isResponses) checkSdkClient(client, ["responses", "create"], "fromOpenAI with api: \"responses\"", "an OpenAI SDK client with the Responses API (openai 4.87 or later: update the openai package)");
  const sdkBaseURL = (client as { baseURL?: unknown }).baseURL;
  if (typeof sdkBaseURL === "string") checkBaseURL(sdkBaseURL, "fromOpenAI (the client's baseURL)");
  const sdkCompletions = client.chat.completions;
  const protocol = (isResponses ? openAIResponsesProtocol : openAIChatProtocol) as ProviderProtocol<string>;
  const mode = checkMode(options.mode, isResponses ? "responses" : "chat", isResponses ? "fromOpenAI with api: \"responses\"" : "fromOpenAI");
  const sdkResponses = client.responses;
  const base = baseURLOf(client);
  const wire: SdkWire = { provider, protocol, urlOf: (body) => (base === undefined ? undefined : `${base}${protocol.endpoint(body).path}`) };
  const transport: ChatTransport = {
    provider,
    async send(body, { signal }) {
      try {
        // Retries and deadlines are formwork's own (they honour Retry-After within its cap, and
        // never repeat shown output).
        const endpoint = isResponses ? (sdkResponses as NonNullable<typeof sdkResponses>) : sdkCompletions;
        const chunks = (await endpoint.create(body as never, { signal, maxRetries: 0, timeout: MAX_SDK_TIMEOUT } as never)) as AsyncIterable<unknown>;
        return providerErrors(chunks, wire, body);
      } catch (error) {
        throw toProviderError(error, wire, body, false);
      }
    },
    decoder: () => protocol.decoder(provider),
    redactor: sdkRedactor(client),
  };
  const hooks = new Hooks();
  const structured = createStructuredCompletions(protocol, transport, mode, hooks, options);
  const defaults = resolveHttpOptions(DEFAULT_HTTP_OPTIONS, options);
  const completions = new Proxy(sdkCompletions, {
    get(target, property, receiver) {
      if (property === "create") {
        return (params: Record<string, unknown>, requestOptions?: unknown) =>
          params["response_model"] === undefined ? sdkPassthrough((body, sdkOptions) => target.create(body as never, sdkOptions as never) as PromiseLike<unknown>, params, requestOptions, defaults, provider) : structured.create(params as never);
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

// A call without response_model goes to the SDK as it is (formwork's own fields removed from
// the body), within formwork's whole-call `timeout`: the SDK's own `timeout` is per attempt and
// stops at the headers, so the call's signal (the caller's `signal`, or the SDK's request
// option, and the deadline) is the SDK's signal, and a deadline that fired is the TimeoutError,
// not the SDK's abort error. `max_transport_retries` is the SDK's `maxRetries` (the SDK's own
// request options, where given, win). What comes back is the SDK's own promise (its
// `withResponse()` and `asResponse()` too, which read the SDK's result as it is); awaited, a
// stream ends with the call, and one the SDK ended quietly because its signal aborted throws
// that abort (TimeoutError, or formwork's AbortError) rather than look whole.
function sdkPassthrough(create: (body: Record<string, unknown>, options: Record<string, unknown>) => PromiseLike<unknown>, params: Record<string, unknown>, requestOptions: unknown, defaults: Required<HttpOptions>, provider: string): PromiseLike<unknown> {
  const given = (typeof requestOptions === "object" && requestOptions !== null ? requestOptions : {}) as Record<string, unknown>;
  const http = resolveHttpOptions(defaults, params as HttpOptions);
  const call = callSignal((given["signal"] ?? params["signal"]) as AbortSignal | undefined, "timeout", http.timeout, provider);
  call.start();
  const retries = params["max_transport_retries"];
  const options = { ...(typeof retries === "number" ? { maxRetries: retries } : {}), ...given, signal: call.signal };
  // The deadline's own error, where it was the deadline that stopped the SDK.
  const deadlineOr = (error: unknown) => (TimeoutError.isInstance(call.signal.reason) ? call.signal.reason : error);
  let sent: PromiseLike<unknown>;
  try {
    sent = create(requestFields(withTemplatesFilled(params), true), options);
  } catch (error) {
    call.end();
    throw error;
  }
  const settled = Promise.resolve(sent).then(
    (result) => {
      const stream = result as Partial<AsyncIterable<unknown>> | null;
      if (params["stream"] === true && typeof stream?.[Symbol.asyncIterator] === "function") return endingWith(stream as AsyncIterable<unknown> & object, call, deadlineOr);
      call.end();
      return result;
    },
    (error: unknown) => {
      call.end();
      throw deadlineOr(error);
    },
  );
  settled.catch(() => undefined); // the SDK's promise may be read through withResponse() alone
  return new Proxy(sent, {
    get(target, property) {
      if (property === "then") return settled.then.bind(settled);
      if (property === "catch") return settled.catch.bind(settled);
      if (property === "finally") return settled.finally.bind(settled);
      return memberOf(target, property);
    },
  });
}

// The SDK's stream as it is (its other methods too), whose iteration ends the call, and throws
// the call's abort where the SDK ended quietly because of it.
function endingWith<S extends AsyncIterable<unknown> & object>(stream: S, call: CallSignal, deadlineOr: (error: unknown) => unknown): S {
  return new Proxy(stream, {
    get(target, property) {
      if (property !== Symbol.asyncIterator) return memberOf(target, property);
      return () => {
        const iterator = target[Symbol.asyncIterator]();
        return {
          async next() {
            let next: IteratorResult<unknown>;
            try {
              next = await iterator.next();
            } catch (error) {
              call.end();
              throw deadlineOr(error);
            }
            if (next.done === true) {
              call.end();
              if (call.signal.aborted) throw abortErrorOf(call.signal.reason);
            }
            return next;
          },
          async return(value?: unknown) {
            call.end();
            return (await iterator.return?.(value)) ?? { done: true, value };
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      };
    },
  });
}

// A member of the SDK's object as it is, its methods bound to it (a proxy stands in for it).
function memberOf(target: object, property: PropertyKey): unknown {
  const value: unknown = Reflect.get(target, property, target);
  return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
