// The Instructor-style client over any chat transport: `create`, `createPartial`,
// `createIterable` and `createWithCompletion` with a response_model, retries with error
// feedback, hooks and usage. The transport (an SDK or plain fetch) is all that differs.
import { ConfigurationError } from "../errors/configuration-error.js";
import { SchemaError } from "../errors/schema-error.js";
import type { ProviderProtocol, RequestSchema } from "../providers/provider-protocol.js";
import { checkSchema, toSchemaAdapter, type InferInput, type InferOutput, type SchemaLike } from "../schema/schema-adapter.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import { iterableStream, type ItemStream } from "../stream/iterable-stream.js";
import type { ChatRequest } from "./chat-request.js";
import type { Completion } from "./completion.js";
import { IterableCall } from "./iterable-call.js";
import { schemaName } from "./schema-name.js";
import { partialStream, type PartialStream } from "../stream/partial-stream.js";
import type { ResponseCache } from "../cache/response-cache.js";
import { callSignal, DEFAULT_HTTP_OPTIONS, resolveHttpOptions, type HttpOptions } from "../http/deadlines.js";
import { answerText, AttemptRecord, type ChatTransport } from "./attempt.js";
import { callCache } from "./call-cache.js";
import { callTrace, type CallTrace, type TelemetryOptions } from "../telemetry/call-trace.js";
import { parallelToolItems, type ToolCallItems } from "./parallel-tools.js";
import { Hooks, type HookHandler, type HookName } from "./hooks.js";
import { describeAnswerError, StructuredStream, type CallResult } from "./structured-stream.js";
import { renderMessages } from "./render-messages.js";
import { checkMedia, hasMedia, toProviderMessages } from "../media/provider-media.js";
import { CallValidators, withValidators, type ValidateOption } from "../validate/validators.js";

/**
 * A schema with the name and description the provider is given. Without them, the schema's
 * own title and description are used (Zod's `.meta({ title, description })` and `.describe()`,
 * a JSON Schema's `title` and `description`), else the name "Response".
 */
export interface ResponseModel<S extends SchemaLike> {
  readonly schema: S;
  /** 1 to 64 letters, digits, `_` or `-` (the rule providers set for tool names). */
  readonly name?: string;
  readonly description?: string;
}

/**
 * formwork's own fields of a structured call; the rest of the request is the provider's. The
 * deadlines and bounds (`timeout`, `idleTimeout`, `headersTimeout`, `maxRetryAfter`,
 * `maxLength`) override the client's for this call.
 */
export interface StructuredFields<S extends SchemaLike> extends HttpOptions {
  /** The schema of the answer: Zod, another Standard Schema, a JSON Schema, or `{ schema, name, description }`. */
  readonly response_model: S | ResponseModel<S>;
  /** Attempts after the first when the answer does not validate or is not JSON. Default 0. */
  readonly max_retries?: number;
  /** Requests sent again after a 429, a 5xx or a dropped connection before any output. Default 2. */
  readonly max_transport_retries?: number;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  readonly stream?: boolean;
  /** The response cache of this call (instead of the client's), or `false` for none. */
  readonly cache?: ResponseCache | false;
  /**
   * Provider-specific fields, sent as top-level fields of the request body exactly as the
   * provider names them (as the OpenAI Python SDK's `extra_body`): `{ top_k: 40 }` for
   * Anthropic, `{ generationConfig: { topK: 40 }, safetySettings: [...] }` for Gemini,
   * `{ options: { num_ctx: 8192 } }` for Ollama's native API, `{ guided_decoding_backend: "xgrammar" }`
   * for vLLM. Where formwork sets a field of the same object (Gemini's `generationConfig`,
   * Anthropic's `output_config`), the two are merged; what the mode must set (the forced tool,
   * the response format) stays formwork's.
   */
  readonly extra_body?: Readonly<Record<string, unknown>>;
  /**
   * Checks after the schema, with the call's `context`: their issues are fed back on retry like
   * the schema's. A `{ path, validate }` runs (while streaming) when that part closes.
   */
  readonly validate?: ValidateOption<InferOutput<S>>;
  /** Given to validators, and fills the `{{ placeholders }}` of `messages`. Never sent to the provider. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** A structured call: the provider's request (`Request`) and formwork's fields. */
export type StructuredParams<S extends SchemaLike, Request = ChatRequest> = Request & StructuredFields<S>;

/** createIterable's own field: what an item that does not fit does. */
export interface IterableFields {
  /**
   * `"throw"` (default): an item that does not fit ends the call with ValidationError (asked
   * again while no item was shown, as `max_retries` allows); `"skip"`: it is dropped and listed
   * in `skipped`, and an answer whose every item was dropped is not an error.
   */
  readonly on_invalid?: "throw" | "skip";
}

/** createIterable's call: items of `response_model`. */
export type IterableParams<S extends SchemaLike, Request = ChatRequest> = StructuredParams<S, Request> & IterableFields;

/** parallel_tools' call: several named schemas; each tool call is read by the one it names. */
export type ToolCallsParams<M, Request = ChatRequest> = Request & Omit<StructuredFields<SchemaLike>, "response_model"> & IterableFields & { readonly response_model: M };

type Output<S extends SchemaLike> = InferOutput<S>;
type PartialOf<S extends SchemaLike> = DeepPartial<InferInput<S>>;

/**
 * The methods of `client.chat.completions` that formwork adds or takes over. `Request` is the
 * request each entry point takes (the SDK's own parameters for fromOpenAI, {@link ChatRequest}
 * elsewhere); `C` the completion it reports.
 *
 * Streams (`createPartial`, `createIterable`) throw at once, and promises reject, before any
 * request, on a schema that cannot be used (SchemaError).
 */
export interface StructuredCompletions<Request = ChatRequest, C = Completion> {
  create<S extends SchemaLike>(params: StructuredParams<S, Request> & { readonly stream: true }): Promise<StructuredStream<Output<S>, PartialOf<S>, C>>;
  create<S extends SchemaLike>(params: StructuredParams<S, Request> & { readonly stream?: false }): Promise<Output<S>>;
  createPartial<S extends SchemaLike>(params: StructuredParams<S, Request>): StructuredStream<Output<S>, PartialOf<S>, C>;
  /** parallel_tools mode: several named schemas; each tool call is read by the one it names. */
  createIterable<const M extends readonly (ResponseModel<SchemaLike> & { readonly name: string })[]>(params: ToolCallsParams<M, Request>): ToolCallItems<InferOutput<M[number]["schema"]>>;
  /**
   * Items of `response_model`, each yielded as it closes and validates. An answer with no list,
   * not JSON, or with an item that does not fit is asked again (`max_retries`) while no item has
   * been yielded; after one has, a failure ends the iteration with an error that says so.
   */
  createIterable<S extends SchemaLike>(params: IterableParams<S, Request>): IterableCall<Output<S>, PartialOf<S>>;
  createWithCompletion<S extends SchemaLike>(params: StructuredParams<S, Request>): Promise<CallResult<Output<S>, C>>;
}

/** The hooks of a client. */
export interface HookMethods {
  on<K extends HookName>(name: K, handler: HookHandler<K>): void;
  off<K extends HookName>(name: K, handler: HookHandler<K>): void;
  clear(name?: HookName): void;
}

const FORMWORK_FIELDS = ["response_model", "max_retries", "max_transport_retries", "signal", "stream", "on_invalid", "extra_body", "cache", "validate", "context", ...(Object.keys(DEFAULT_HTTP_OPTIONS) as (keyof HttpOptions)[])] as const;

/**
 * A call's request fields as they go to the server: formwork's own fields removed (`stream` is
 * kept when `keepStream`: a call passed through sends it), `extra_body` merged in. Throws a
 * ConfigurationError for an `extra_body` that is not an object of fields.
 */
export function requestFields(params: Record<string, unknown>, keepStream = false): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...params };
  for (const field of FORMWORK_FIELDS) if (!(keepStream && field === "stream")) delete rest[field];
  const extra = params["extra_body"];
  if (extra !== undefined && (typeof extra !== "object" || extra === null || Array.isArray(extra))) {
    throw new ConfigurationError({ option: "extra_body", message: `extra_body must be an object of request fields, not ${Array.isArray(extra) ? "an array" : typeof extra}` });
  }
  return Object.assign(rest, extra);
}

/**
 * Options every client takes (fromProvider, fromOpenAI, fromAnthropic, fromGemini) for
 * operations; the deadlines and bounds of {@link HttpOptions} are the client's defaults.
 */
export interface OperationsOptions extends HttpOptions {
  /**
   * A response cache for every structured call (`memoryCache()`, `fileCache(dir)`,
   * `redisCache(url)` or your own); a call's own `cache` replaces it. `parallel_tools` calls
   * are not cached.
   */
  readonly cache?: ResponseCache;
  /**
   * OpenTelemetry spans (on whenever @opentelemetry/api is installed): a span per call and a
   * `chat {model}` span per attempt, with the GenAI semantic conventions' attributes.
   */
  readonly telemetry?: TelemetryOptions;
}

// The client's hooks, seen also by this call's trace (hooks are per client; a trace per call).
function withTrace(hooks: Hooks, trace: CallTrace | undefined): Hooks {
  if (trace === undefined) return hooks;
  const tapped = Object.create(hooks) as Hooks;
  tapped.emit = (name, payload) => {
    trace.onHook(name, payload as unknown as Record<string, unknown>);
    hooks.emit(name, payload);
  };
  return tapped;
}

function isResponseModel(value: unknown): value is ResponseModel<SchemaLike> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "schema" in value && !("~standard" in value) && !("_zod" in value);
}

// The response_model of a call, checked before anything is sent: a schema, or { schema, name, description }.
function toResponseModel(value: unknown, path: string): ResponseModel<SchemaLike> {
  if (!isResponseModel(value)) {
    checkSchema(value, path);
    return { schema: value };
  }
  checkSchema(value.schema, `${path}.schema`);
  if (value.description !== undefined && typeof value.description !== "string") {
    throw new SchemaError({ path: `${path}.description`, received: typeof value.description, message: `${path}.description must be a string, not ${typeof value.description}` });
  }
  return value;
}

function count(params: Record<string, unknown>, field: string, fallback: number): number {
  const value = params[field];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ConfigurationError({ option: field, message: `${field} must be a whole number of 0 or more, not ${JSON.stringify(value)}` });
  }
  return value;
}

// The JSON Schema a provider is sent: the schema's own, without the `$schema` tag providers
// reject, named by the call or by the schema's own title.
export function requestSchema(model: ResponseModel<SchemaLike>, wrapAsList: boolean, path = "response_model"): RequestSchema {
  const adapter = toSchemaAdapter(model.schema);
  if (adapter.jsonSchema === undefined) {
    throw new SchemaError({
      code: "schema-not-serializable",
      path,
      received: "a Standard Schema without a JSON Schema",
      message: `${path} gives no JSON Schema to send to the provider; pass Zod 4, a Standard JSON Schema (valibot through toStandardJsonSchema, ArkType) or a JSON Schema object`,
    });
  }
  const schema: Record<string, unknown> = { ...adapter.jsonSchema };
  delete schema["$schema"];
  const { name, description } = schemaName(schema, model, path);
  if (!wrapAsList) return { name, description, jsonSchema: schema };
  // Instructor's Iterable: the items as the one array property of an object.
  const key = (schema["properties"] as Record<string, unknown> | undefined)?.["items"] === undefined ? "items" : "list";
  return {
    name: `${name.slice(0, 60)}List`,
    description,
    jsonSchema: { type: "object", properties: { [key]: { type: "array", items: schema } }, required: [key], additionalProperties: false },
  };
}

/** Builds the structured methods over a provider's protocol and a transport to it. */
export function createStructuredCompletions<Mode extends string>(
  protocol: ProviderProtocol<Mode>,
  transport: ChatTransport,
  mode: Mode,
  clientHooks: Hooks,
  operations: OperationsOptions = {},
): StructuredCompletions {
  const hooks = clientHooks;
  const defaults = resolveHttpOptions(DEFAULT_HTTP_OPTIONS, operations);
  const channel = protocol.answerChannel(mode);
  const readOptions = { lenient: protocol.readsLeniently(mode), nullAsAbsent: protocol.sendsAbsentAsNull(mode) };

  // The call's parts, checked before anything is sent.
  function split(params: Record<string, unknown>, model: ResponseModel<SchemaLike>) {
    const rest = requestFields(params);
    const context = params["context"];
    if (context !== undefined && (typeof context !== "object" || context === null || Array.isArray(context))) {
      throw new ConfigurationError({ option: "context", message: `context must be an object of named values, not ${Array.isArray(context) ? "an array" : context === null ? "null" : typeof context}` });
    }
    const http = resolveHttpOptions(defaults, params as HttpOptions);
    const userSignal = params["signal"] as AbortSignal | undefined;
    // The attempts keep the whole call's deadline; the stream layer only the caller's signal
    // (a deadline reaches it as the attempt's TimeoutError).
    const lifetime = callSignal(userSignal, "timeout", http.timeout, transport.provider);
    const signal = lifetime.signal;
    // Templates are filled in once per call, before anything is sent or reported.
    const messages = Array.isArray(rest["messages"]) ? renderMessages(rest["messages"] as Record<string, unknown>[], context as Readonly<Record<string, unknown>> | undefined) : [];
    if (Array.isArray(rest["messages"])) rest["messages"] = messages;
    return {
      rest,
      model,
      http,
      messages,
      media: mediaOf(messages, signal),
      signal,
      /** The call starts (its first read, `final` or `result`): the deadline runs from here. */
      start: lifetime.start,
      /** The call is over (its outcome settled, or its reader stopped): the deadline lets go. */
      end: lifetime.end,
      /** The stream layer's signal option: the caller's signal alone (known once the call started). */
      streamSignal: (): { readonly signal?: AbortSignal } => (lifetime.callerSignal === undefined ? {} : { signal: lifetime.callerSignal }),
      validators: new CallValidators(params["validate"] as ValidateOption<never> | undefined, context as Readonly<Record<string, unknown>> | undefined, signal, toSchemaAdapter(model.schema)),
      maxRetries: count(params, "max_retries", 0),
      maxTransportRetries: count(params, "max_transport_retries", 2),
    };
  }

  // Media parts: a part the provider does not take is a ConfigurationError now, before anything
  // is sent; reading them (files, URLs) waits for the first request, and happens once a call.
  function mediaOf(messages: readonly Record<string, unknown>[], signal: AbortSignal): (() => Promise<Record<string, unknown>[]>) | undefined {
    if (!hasMedia(messages)) return undefined;
    checkMedia(protocol.media, transport.provider, messages);
    const form = protocol.media as NonNullable<typeof protocol.media>;
    let loading: Promise<Record<string, unknown>[]> | undefined;
    return () => (loading ??= toProviderMessages(form, transport.provider, messages, { signal }));
  }

  // One attempt: its record, and its answer text from a request built from the call's messages
  // (once their media is loaded) and the feedback so far. Aborting `cancel` closes the request
  // at once, whatever its reader is doing. When loading media fails no request is made: the
  // record is settled here instead.
  function openAttempt(
    call: ReturnType<typeof split>,
    schema: RequestSchema,
    hooks: Hooks,
    attempt: number,
    feedback: readonly Record<string, unknown>[],
    partial: () => unknown,
  ): { record: AttemptRecord; cancel: AbortController; source: AsyncIterable<string> } {
    const record = new AttemptRecord(attempt, schema.name, requestedModel(call.rest));
    // The attempt's own controller: aborting it cancels this attempt, the call's signal all of them.
    const cancel = new AbortController();
    const build = (messages: Record<string, unknown>[]) => protocol.buildRequest({ ...call.rest, messages: [...messages, ...feedback] }, mode, schema);
    const run = (body: Record<string, unknown>) => answerText({ transport, body, channel, record, hooks, signal: call.signal, controller: cancel, maxTransportRetries: call.maxTransportRetries, http: call.http, partial });
    const media = call.media;
    if (media === undefined) return { record, cancel, source: run(build(call.messages)) };
    const source = (async function* () {
      let body: Record<string, unknown>;
      try {
        body = build(await media());
      } catch (error) {
        record.markSettled();
        throw error;
      }
      yield* run(body);
    })();
    return { record, cancel, source };
  }

  const requestedModel = (body: Record<string, unknown>) => (typeof body["model"] === "string" ? body["model"] : undefined);
  const feedbackOf = (record: AttemptRecord, error: unknown) => protocol.feedback(mode, { text: record.text, toolCallId: record.toolCallId, toolName: record.toolName }, describeAnswerError(error));
  // The call's cache: its own, or the client's, or none (`cache: false`).
  const cacheOf = (params: { readonly cache?: ResponseCache | false }) => (params.cache === undefined ? operations.cache : params.cache === false ? undefined : params.cache);

  function createPartial(params: StructuredParams<SchemaLike>, method = "createPartial"): StructuredStream<unknown, unknown> {
    const call = split(params as unknown as Record<string, unknown>, toResponseModel(params.response_model, "response_model"));
    const schema = protocol.prepareSchema(mode, requestSchema(call.model, false));
    const trace = callTrace(operations.telemetry, { method, provider: transport.provider, mode, schemaName: schema.name, params: call.rest });
    const hooks = withTrace(clientHooks, trace);
    // A call with media parts is not cached: a path or a URL names its bytes, not what they are
    // now, so the key could not tell a changed file from the one that was stored.
    const store = call.media === undefined ? cacheOf(params) : undefined;
    // The key is the first request as it would be sent; a hit replays the stored text through
    // the same reading as a live answer.
    const cache =
      store === undefined
        ? undefined
        : callCache(store, { provider: transport.provider, mode, body: protocol.buildRequest({ ...call.rest, messages: call.messages }, mode, schema), context: (params as unknown as Record<string, unknown>)["context"] }, hooks, async (text) => {
            const replayed = partialStream(call.model.schema, textOnce(text), { ...readOptions, signal: call.signal }) as PartialStream<unknown, unknown>;
            return replayed.final.then(
              () => replayed,
              () => undefined,
            );
          });
    return new StructuredStream<unknown, unknown>(
      (attempt, feedback) => {
        // The model is known before the body is built (media may still be loading). Cancelling
        // the call closes this attempt's request at once; an invalid answer does not (its tail
        // still holds the usage). The source reads the stream's last partial when the provider
        // cuts the answer short.
        const { record, cancel, source } = openAttempt(call, schema, hooks, attempt, feedback, () => stream.currentValue());
        const stream = partialStream(call.model.schema, source, { ...readOptions, ...call.streamSignal() }) as PartialStream<unknown, unknown>;
        return { stream, record, cancel: (reason: unknown) => cancel.abort(reason) };
      },
      {
        maxRetries: call.maxRetries,
        hooks,
        validators: call.validators,
        feedback: feedbackOf,
        ...(cache === undefined ? {} : { cache }),
        ...(trace === undefined ? {} : { trace }),
        onStart: call.start,
        onEnd: call.end,
      },
    );
  }

  function createToolCalls(params: IterableParams<SchemaLike>) {
    const models = params.response_model as unknown;
    if (!protocol.callsSeveralTools(mode)) {
      throw new SchemaError({
        path: "response_model",
        received: "an array",
        message: `response_model is an array of schemas, which takes a client whose mode calls several tools ("parallel_tools"; this client's mode is "${mode}"); for items of one schema, pass that schema`,
      });
    }
    if (!Array.isArray(models) || models.length === 0) {
      throw new SchemaError({
        path: "response_model",
        received: Array.isArray(models) ? "an empty array" : "one schema",
        message: `the mode "parallel_tools" takes response_model as an array of { schema, name }, one for each tool the model may call`,
      });
    }
    const checked = models.map((model, index) => {
      const path = `response_model[${index}]`;
      const responseModel = toResponseModel(model, path);
      if (responseModel.name === undefined) {
        throw new SchemaError({ path: `${path}.name`, received: "no name", message: `${path} needs a name: the model calls each tool by its name (write { schema, name: "Weather" })` });
      }
      return responseModel;
    });
    const call = split(params as unknown as Record<string, unknown>, checked[0] as ResponseModel<SchemaLike>);
    const [first, ...more] = checked.map((model, index) => requestSchema(model, false, `response_model[${index}]`));
    // Validators judge each call's item, whichever tool it is.
    const tools = new Map(checked.map((model) => [model.name as string, call.validators.isEmpty ? model.schema : withValidators(model.schema, call.validators)]));
    const startWith = (messages: readonly Record<string, unknown>[]) => (attempt: number, feedback: readonly Record<string, unknown>[]) => {
      const body = protocol.buildRequest({ ...call.rest, messages: [...messages, ...feedback] }, mode, first as RequestSchema, { more });
      return { transport, body, record: new AttemptRecord(attempt, "parallel", requestedModel(body)), hooks, maxTransportRetries: call.maxTransportRetries, http: call.http };
    };
    const media = call.media;
    if (media === undefined) return toolItems(startWith(call.messages));
    // With media, the calls start once it is loaded.
    const cancel = new AbortController();
    let inner: ToolCallItems<unknown> | undefined;
    return {
      get skipped() {
        return inner?.skipped ?? [];
      },
      abort(reason?: unknown) {
        cancel.abort(reason);
        inner?.abort(reason);
      },
      async *[Symbol.asyncIterator]() {
        call.start();
        try {
          const start = startWith(await media());
          inner = toolItems(start, AbortSignal.any([call.signal, cancel.signal]));
          yield* inner;
        } finally {
          call.end(); // also when loading the media failed
        }
      },
    };

    function toolItems(start: ReturnType<typeof startWith>, signal: AbortSignal = call.signal): ToolCallItems<unknown> {
      return parallelToolItems(tools, start, {
      ...readOptions,
      onInvalid: params.on_invalid ?? "throw",
      signal,
      maxRetries: call.maxRetries,
      hooks,
      onStart: call.start,
      onEnd: call.end,
      // The call at fault goes back as that tool's call and result; no call at all (prose), as
      // the answer and a request in the caller's own message form.
      feedback: (record, failed, error) =>
        failed === undefined
          ? [{ role: "assistant", content: record.content }, { role: "user", content: `${describeAnswerError(error)}\nCall the tools (${[...tools.keys()].join(", ")}) with your answer, not text.` }]
          : protocol.feedback(mode, { text: failed.text, toolCallId: failed.id, toolName: failed.name }, describeAnswerError(error)),
      });
    }
  }

  function createIterable(params: IterableParams<SchemaLike>) {
    if (Array.isArray(params.response_model) || protocol.callsSeveralTools(mode)) return createToolCalls(params);
    const call = split(params as unknown as Record<string, unknown>, toResponseModel(params.response_model, "response_model"));
    const schema = protocol.prepareSchema(mode, requestSchema(call.model, true));
    const onInvalid = params.on_invalid ?? "throw";
    // Each item is judged by the validators too, as it closes: an item they reject is invalid.
    const itemSchema = call.validators.isEmpty ? call.model.schema : withValidators(call.model.schema, call.validators);
    if (onInvalid !== "throw" && onInvalid !== "skip") {
      throw new ConfigurationError({ option: "on_invalid", message: `on_invalid takes "throw" or "skip", not ${JSON.stringify(onInvalid)}` });
    }
    const trace = callTrace(operations.telemetry, { method: "createIterable", provider: transport.provider, mode, schemaName: schema.name, params: call.rest });
    const hooks = withTrace(clientHooks, trace);
    const items = (text: AsyncIterable<string>) => iterableStream(itemSchema, text, { ...readOptions, ...call.streamSignal(), onInvalid }) as ItemStream<unknown, unknown>;
    // A call with media parts is not cached: a path or a URL names its bytes, not what they are
    // now, so the key could not tell a changed file from the one that was stored.
    const store = call.media === undefined ? cacheOf(params) : undefined;
    // A stored answer is used when all its items still read as they did.
    const cache =
      store === undefined
        ? undefined
        : callCache(store, { provider: transport.provider, mode, body: protocol.buildRequest({ ...call.rest, messages: call.messages }, mode, schema), context: (params as unknown as Record<string, unknown>)["context"] }, hooks, async (text) => {
            try {
              for await (const item of items(textOnce(text))) void item;
            } catch {
              return undefined;
            }
            return text;
          });
    return new IterableCall<unknown, unknown>(
      (attempt, feedback) => {
        // The transport still retries (429, 5xx, a dropped connection) before any output.
        // Cancelling (abort(), or break, which aborts) closes the request at once: the source is
        // an async generator that, suspended while the server is silent, would see its return()
        // only at the next chunk.
        const { record, cancel, source } = openAttempt(call, schema, hooks, attempt, feedback, () => undefined);
        const stream = items(source);
        const abort = stream.abort.bind(stream);
        stream.abort = (reason?: unknown) => {
          cancel.abort(reason);
          abort(reason);
        };
        return { stream, record };
      },
      {
        maxRetries: call.maxRetries,
        hooks,
        feedback: feedbackOf,
        ...(cache === undefined ? {} : { cache, replay: (text: string) => items(textOnce(text)) }),
        ...(trace === undefined ? {} : { trace }),
        onStart: call.start,
        onEnd: call.end,
      },
    );
  }

  const completions = {
    async create(params: StructuredParams<SchemaLike>) {
      const stream = createPartial(params, "create");
      return params.stream === true ? stream : await stream.final;
    },
    createPartial: (params: StructuredParams<SchemaLike>) => createPartial(params),
    createIterable,
    async createWithCompletion(params: StructuredParams<SchemaLike>) {
      return await createPartial(params, "createWithCompletion").result;
    },
  };
  return completions as unknown as StructuredCompletions;
}

export { Hooks };

async function* textOnce(text: string): AsyncGenerator<string> {
  yield text;
}
