// The Instructor-style client over any chat transport: `create`, `createPartial`,
// `createIterable` and `createWithCompletion` with a response_model, retries with error
// feedback, hooks and usage. The transport (an SDK or plain fetch) is all that differs.
import type { ProviderProtocol, RequestSchema } from "../providers/provider-protocol.js";
import { toSchemaAdapter, type InferInput, type InferOutput, type SchemaLike } from "../schema/schema-adapter.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import { iterableStream, type ItemStream } from "../stream/iterable-stream.js";
import { partialStream, type PartialStream } from "../stream/partial-stream.js";
import type { ResponseCache } from "../cache/response-cache.js";
import { answerText, AttemptRecord, type ChatTransport } from "./attempt.js";
import { callCache } from "./call-cache.js";
import { NO_USAGE } from "../providers/wire-event.js";
import { callTrace, type CallTrace, type TelemetryOptions } from "../telemetry/call-trace.js";
import { parallelToolItems, type ToolCallItems } from "./parallel-tools.js";
import { Hooks, type HookHandler, type HookName } from "./hooks.js";
import { describeAnswerError, StructuredStream, type CallResult } from "./structured-stream.js";

/** A schema with the name and description the provider is given. */
export interface ResponseModel<S extends SchemaLike> {
  readonly schema: S;
  readonly name?: string;
  readonly description?: string;
}

/** A structured call: every field but formwork's own passes through to the provider. */
export interface StructuredParams<S extends SchemaLike> {
  readonly response_model: S | ResponseModel<S>;
  /** Attempts after the first when the answer does not validate or is not JSON. Default 0. */
  readonly max_retries?: number;
  /** Requests sent again after a 429, a 5xx or a dropped connection before any output. Default 2. */
  readonly max_transport_retries?: number;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
  /** Cancels the call after this many milliseconds. */
  readonly timeout?: number;
  readonly stream?: boolean;
  /** The response cache of this call (instead of the client's), or `false` for none. */
  readonly cache?: ResponseCache | false;
  readonly [field: string]: unknown;
}

/** createIterable's call: items of `response_model`; `on_invalid` as iterableStream's onInvalid. */
export interface IterableParams<S extends SchemaLike> extends StructuredParams<S> {
  readonly on_invalid?: "throw" | "skip";
}

type Output<S extends SchemaLike> = InferOutput<S>;
type PartialOf<S extends SchemaLike> = DeepPartial<InferInput<S>>;

/** The methods of `client.chat.completions` that formwork adds or takes over. */
export interface StructuredCompletions {
  create<S extends SchemaLike>(params: StructuredParams<S> & { readonly stream: true }): Promise<StructuredStream<Output<S>, PartialOf<S>>>;
  create<S extends SchemaLike>(params: StructuredParams<S> & { readonly stream?: false }): Promise<Output<S>>;
  createPartial<S extends SchemaLike>(params: StructuredParams<S>): StructuredStream<Output<S>, PartialOf<S>>;
  /** parallel_tools mode: several named schemas; each tool call is read by the one it names. */
  createIterable<const M extends readonly (ResponseModel<SchemaLike> & { readonly name: string })[]>(
    params: Omit<IterableParams<SchemaLike>, "response_model"> & { readonly response_model: M },
  ): ToolCallItems<InferOutput<M[number]["schema"]>>;
  createIterable<S extends SchemaLike>(params: IterableParams<S>): ItemStream<Output<S>, PartialOf<S>>;
  createWithCompletion<S extends SchemaLike>(params: StructuredParams<S>): Promise<CallResult<Output<S>>>;
}

/** The hooks of a client. */
export interface HookMethods {
  on<K extends HookName>(name: K, handler: HookHandler<K>): void;
  off<K extends HookName>(name: K, handler: HookHandler<K>): void;
  clear(name?: HookName): void;
}

const FORMWORK_FIELDS = ["response_model", "max_retries", "max_transport_retries", "signal", "timeout", "stream", "on_invalid", "cache"] as const;

/** Options every client takes (fromProvider, fromOpenAI, fromAnthropic, fromGemini) for operations. */
export interface OperationsOptions {
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
  return typeof value === "object" && value !== null && "schema" in value && !("~standard" in value) && !("_zod" in value);
}

function combineSignals(signal: AbortSignal | undefined, timeout: number | undefined): AbortSignal {
  const signals = [signal, timeout === undefined ? undefined : AbortSignal.timeout(timeout)].filter((item) => item !== undefined);
  return signals.length === 0 ? new AbortController().signal : signals.length === 1 ? (signals[0] as AbortSignal) : AbortSignal.any(signals);
}

// The JSON Schema a provider is sent: the schema's own, without the `$schema` tag providers reject.
function requestSchema(model: ResponseModel<SchemaLike>, wrapAsList: boolean): RequestSchema {
  const adapter = toSchemaAdapter(model.schema);
  if (adapter.jsonSchema === undefined) {
    throw new TypeError("formwork: this schema has no JSON Schema to send to the provider (pass Zod 4, a Standard JSON Schema or a JSON Schema)");
  }
  const schema: Record<string, unknown> = { ...adapter.jsonSchema };
  delete schema["$schema"];
  const name = model.name ?? "Response";
  if (!wrapAsList) return { name, description: model.description, jsonSchema: schema };
  // Instructor's Iterable: the items as the one array property of an object.
  const key = (schema["properties"] as Record<string, unknown> | undefined)?.["items"] === undefined ? "items" : "list";
  return {
    name: `${name}List`,
    description: model.description,
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
  const channel = protocol.answerChannel(mode);
  const readOptions = { lenient: protocol.readsLeniently(mode), nullAsAbsent: protocol.sendsAbsentAsNull(mode) };

  function split(params: Record<string, unknown>) {
    const rest: Record<string, unknown> = { ...params };
    for (const field of FORMWORK_FIELDS) delete rest[field];
    const responseModel = params["response_model"];
    const model = isResponseModel(responseModel) ? responseModel : { schema: responseModel as SchemaLike };
    return {
      rest,
      model,
      signal: combineSignals(params["signal"] as AbortSignal | undefined, params["timeout"] as number | undefined),
      maxRetries: (params["max_retries"] as number | undefined) ?? 0,
      maxTransportRetries: (params["max_transport_retries"] as number | undefined) ?? 2,
    };
  }

  function createPartial(params: StructuredParams<SchemaLike>, method = "createPartial"): StructuredStream<unknown, unknown> {
    const call = split(params);
    const schema = protocol.prepareSchema(mode, requestSchema(call.model, false));
    const trace = callTrace(operations.telemetry, { method, provider: transport.provider, mode, schemaName: schema.name, params: call.rest });
    const hooks = withTrace(clientHooks, trace);
    const messages = Array.isArray(call.rest["messages"]) ? (call.rest["messages"] as Record<string, unknown>[]) : [];
    const store = params.cache === undefined ? operations.cache : params.cache === false ? undefined : params.cache;
    // The key is the first request as it would be sent; a hit replays the stored text through
    // the same reading as a live answer.
    const cache =
      store === undefined
        ? undefined
        : callCache(store, { provider: transport.provider, mode, body: protocol.buildRequest({ ...call.rest, messages }, mode, schema), context: params["context"] }, hooks, async (text) => {
            const replayed = partialStream(call.model.schema, textOnce(text), { ...readOptions, signal: call.signal }) as PartialStream<unknown, unknown>;
            return replayed.final.then(
              () => replayed,
              () => undefined,
            );
          });
    return new StructuredStream<unknown, unknown>(
      (attempt, feedback) => {
        const body = protocol.buildRequest({ ...call.rest, messages: [...messages, ...feedback] }, mode, schema);
        const record = new AttemptRecord(attempt, schema.name);
        // Cancelling the call closes this attempt's request at once; an invalid answer does not
        // (its tail still holds the usage).
        const cancel = new AbortController();
        const signal = AbortSignal.any([call.signal, cancel.signal]);
        // The source reads the stream's last partial when the provider cuts the answer short.
        const source = answerText({ transport, body, channel, record, hooks, signal, maxTransportRetries: call.maxTransportRetries, partial: () => stream.partial });
        const stream = partialStream(call.model.schema, source, { ...readOptions, signal: call.signal }) as PartialStream<unknown, unknown>;
        return { stream, record, cancel: (reason: unknown) => cancel.abort(reason) };
      },
      {
        maxRetries: call.maxRetries,
        hooks,
        feedback: (record, error) => protocol.feedback(mode, { text: record.text, toolCallId: record.toolCallId, toolName: record.toolName }, describeAnswerError(error)),
        ...(cache === undefined ? {} : { cache }),
        ...(trace === undefined ? {} : { trace }),
      },
    );
  }

  function createToolCalls(params: IterableParams<SchemaLike>) {
    const models = params.response_model as unknown as readonly ResponseModel<SchemaLike>[];
    if (!protocol.callsSeveralTools(mode) || !Array.isArray(models) || models.some((model) => model.name === undefined)) {
      throw new TypeError(`formwork: several tools take a mode that calls several tools (such as "parallel_tools"; this client's is "${mode}") and response_model as an array of { schema, name }`);
    }
    const call = split({ ...params, response_model: models[0] });
    const [first, ...more] = models.map((model) => requestSchema(model, false));
    const body = protocol.buildRequest(call.rest, mode, first as RequestSchema, { more });
    hooks.emit("attempt:start", { attempt: 1, error: undefined });
    const tools = new Map(models.map((model) => [model.name as string, model.schema]));
    const attempt = { transport, body, record: new AttemptRecord(1, "parallel"), hooks, signal: call.signal, maxTransportRetries: call.maxTransportRetries };
    return parallelToolItems(tools, attempt, { ...readOptions, onInvalid: params.on_invalid ?? "throw" });
  }

  const completions = {
    async create(params: StructuredParams<SchemaLike>) {
      const stream = createPartial(params, "create");
      return params.stream === true ? stream : await stream.final;
    },
    createPartial: (params: StructuredParams<SchemaLike>) => createPartial(params),
    createIterable(params: IterableParams<SchemaLike>) {
      if (Array.isArray(params.response_model) || protocol.callsSeveralTools(mode)) return createToolCalls(params);
      const call = split(params);
      const schema = protocol.prepareSchema(mode, requestSchema(call.model, true));
      const body = protocol.buildRequest(call.rest, mode, schema);
      const record = new AttemptRecord(1, schema.name);
      const trace = callTrace(operations.telemetry, { method: "createIterable", provider: transport.provider, mode, schemaName: schema.name, params: call.rest });
      const callHooks = withTrace(hooks, trace);
      const itemOptions = { ...readOptions, signal: call.signal, onInvalid: params.on_invalid ?? "throw" } as const;
      const store = params.cache === undefined ? operations.cache : params.cache === false ? undefined : params.cache;
      // A stored answer is used when all its items still read as they did.
      const cache =
        store === undefined
          ? undefined
          : callCache(store, { provider: transport.provider, mode, body, context: params["context"] }, callHooks, async (text) => {
              const replayed = iterableStream(call.model.schema, textOnce(text), itemOptions);
              try {
                for await (const item of replayed) void item;
              } catch {
                return undefined;
              }
              return text;
            });
      hooks.emit("attempt:start", { attempt: 1, error: undefined });
      let isHit = false;
      async function* text(): AsyncGenerator<string> {
        await trace?.begin();
        const hit = await cache?.lookup();
        if (hit !== undefined) {
          isHit = true;
          trace?.cacheHit();
          yield hit.opened;
          return;
        }
        trace?.onHook("attempt:start", { attempt: 1, error: undefined });
        // Items already shown cannot be taken back, so an iterable is not retried on invalid
        // answers (onInvalid decides); the transport still retries before any output.
        yield* answerText({ transport, body, channel, record, hooks: callHooks, signal: call.signal, maxTransportRetries: call.maxTransportRetries, partial: () => undefined });
        // The whole answer arrived; it is stored only if all of it reads (failures never are).
        await cache?.store(record, { verify: true });
      }
      const stream = iterableStream(call.model.schema, text(), itemOptions);
      if (trace !== undefined) {
        void stream.outcome.then(({ error }) =>
          trace.finish(error === undefined ? { result: { usage: isHit ? NO_USAGE : record.usage, attempts: isHit ? 0 : 1, cached: isHit } } : { error }),
        );
      }
      return stream;
    },
    createWithCompletion(params: StructuredParams<SchemaLike>) {
      return createPartial(params, "createWithCompletion").result;
    },
  };
  return completions as unknown as StructuredCompletions;
}

export { Hooks };

async function* textOnce(text: string): AsyncGenerator<string> {
  yield text;
}
