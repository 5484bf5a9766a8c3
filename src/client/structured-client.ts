// The Instructor-style client over any chat transport: `create`, `createPartial`,
// `createIterable` and `createWithCompletion` with a response_model, retries with error
// feedback, hooks and usage. The transport (an SDK or plain fetch) is all that differs.
import type { ProviderProtocol, RequestSchema } from "../providers/provider-protocol.js";
import { toSchemaAdapter, type InferInput, type InferOutput, type SchemaLike } from "../schema/schema-adapter.js";
import type { DeepPartial } from "../stream/deep-partial.js";
import { iterableStream, type ItemStream } from "../stream/iterable-stream.js";
import { partialStream, type PartialStream } from "../stream/partial-stream.js";
import { answerText, AttemptRecord, type ChatTransport } from "./attempt.js";
import { parallelToolItems, type ToolCallItems } from "./parallel-tools.js";
import { Hooks, type HookHandler, type HookName } from "./hooks.js";
import { describeAnswerError, StructuredStream, type CallResult } from "./structured-stream.js";
import { renderMessages } from "./render-messages.js";
import { checkMedia, hasMedia, toProviderMessages } from "../media/provider-media.js";
import { CallValidators, withValidators, type ValidateOption } from "../validate/validators.js";

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
  /**
   * Checks after the schema, with the call's `context`: their issues are fed back on retry like
   * the schema's. A `{ path, validate }` runs (while streaming) when that part closes.
   */
  readonly validate?: ValidateOption<InferOutput<S>>;
  /** Given to validators, and fills the `{{ placeholders }}` of `messages`. Never sent to the provider. */
  readonly context?: Readonly<Record<string, unknown>>;
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

const FORMWORK_FIELDS = ["response_model", "max_retries", "max_transport_retries", "signal", "timeout", "stream", "on_invalid", "validate", "context"] as const;

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
export function createStructuredCompletions<Mode extends string>(protocol: ProviderProtocol<Mode>, transport: ChatTransport, mode: Mode, hooks: Hooks): StructuredCompletions {
  const channel = protocol.answerChannel(mode);
  const readOptions = { lenient: protocol.readsLeniently(mode), nullAsAbsent: protocol.sendsAbsentAsNull(mode) };

  function split(params: Record<string, unknown>) {
    const rest: Record<string, unknown> = { ...params };
    for (const field of FORMWORK_FIELDS) delete rest[field];
    const responseModel = params["response_model"];
    const model = isResponseModel(responseModel) ? responseModel : { schema: responseModel as SchemaLike };
    const signal = combineSignals(params["signal"] as AbortSignal | undefined, params["timeout"] as number | undefined);
    const context = params["context"] as Readonly<Record<string, unknown>> | undefined;
    if (context !== undefined && (typeof context !== "object" || context === null || Array.isArray(context))) {
      throw new TypeError(`formwork: context must be an object of named values (got ${Array.isArray(context) ? "an array" : typeof context})`);
    }
    // Templates are filled in once per call, before anything is sent or reported.
    if (Array.isArray(rest["messages"])) rest["messages"] = renderMessages(rest["messages"] as Record<string, unknown>[], context);
    const messages = Array.isArray(rest["messages"]) ? (rest["messages"] as Record<string, unknown>[]) : [];
    return {
      rest,
      messages,
      media: mediaOf(messages, signal),
      model,
      signal,
      validators: new CallValidators(params["validate"] as ValidateOption<never> | undefined, context, signal, toSchemaAdapter(model.schema)),
      maxRetries: (params["max_retries"] as number | undefined) ?? 0,
      maxTransportRetries: (params["max_transport_retries"] as number | undefined) ?? 2,
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

  // The answer text of a request whose body is built from the messages, once their media is loaded.
  // When loading fails no request is made: the attempt's record is settled here instead.
  function textOf(
    call: ReturnType<typeof split>,
    record: AttemptRecord,
    build: (messages: Record<string, unknown>[]) => Record<string, unknown>,
    run: (body: Record<string, unknown>) => AsyncGenerator<string>,
  ): AsyncGenerator<string> {
    const media = call.media;
    if (media === undefined) return run(build(call.messages));
    return (async function* () {
      let body: Record<string, unknown>;
      try {
        body = build(await media());
      } catch (error) {
        record.markSettled();
        throw error;
      }
      yield* run(body);
    })();
  }

  function createPartial(params: StructuredParams<SchemaLike>): StructuredStream<unknown, unknown> {
    const call = split(params);
    const schema = protocol.prepareSchema(mode, requestSchema(call.model, false));
    return new StructuredStream<unknown, unknown>(
      (attempt, feedback) => {
        const record = new AttemptRecord(attempt, schema.name);
        // Cancelling the call closes this attempt's request at once; an invalid answer does not
        // (its tail still holds the usage).
        const cancel = new AbortController();
        const signal = AbortSignal.any([call.signal, cancel.signal]);
        // The source reads the stream's last partial when the provider cuts the answer short.
        const source = textOf(
          call,
          record,
          (messages) => protocol.buildRequest({ ...call.rest, messages: [...messages, ...feedback] }, mode, schema),
          (body) => answerText({ transport, body, channel, record, hooks, signal, maxTransportRetries: call.maxTransportRetries, partial: () => stream.partial }),
        );
        const stream = partialStream(call.model.schema, source, { ...readOptions, signal: call.signal }) as PartialStream<unknown, unknown>;
        return { stream, record, cancel: (reason: unknown) => cancel.abort(reason) };
      },
      { maxRetries: call.maxRetries, hooks, validators: call.validators, feedback: (record, error) => protocol.feedback(mode, { text: record.text, toolCallId: record.toolCallId, toolName: record.toolName }, describeAnswerError(error)) },
    );
  }

  function createToolCalls(params: IterableParams<SchemaLike>) {
    const models = params.response_model as unknown as readonly ResponseModel<SchemaLike>[];
    if (!protocol.callsSeveralTools(mode) || !Array.isArray(models) || models.some((model) => model.name === undefined)) {
      throw new TypeError(`formwork: several tools take a mode that calls several tools (such as "parallel_tools"; this client's is "${mode}") and response_model as an array of { schema, name }`);
    }
    const call = split({ ...params, response_model: models[0] });
    const [first, ...more] = models.map((model) => requestSchema(model, false));
    const build = (messages: Record<string, unknown>[]) => protocol.buildRequest(call.media === undefined ? call.rest : { ...call.rest, messages }, mode, first as RequestSchema, { more });
    hooks.emit("attempt:start", { attempt: 1, error: undefined });
    // Validators judge each call's item, whichever tool it is.
    const tools = new Map(models.map((model) => [model.name as string, call.validators.isEmpty ? model.schema : withValidators(model.schema, call.validators)]));
    const attempt = { transport, record: new AttemptRecord(1, "parallel"), hooks, signal: call.signal, maxTransportRetries: call.maxTransportRetries };
    const options = { ...readOptions, onInvalid: params.on_invalid ?? "throw" } as const;
    const media = call.media;
    if (media === undefined) return parallelToolItems(tools, { ...attempt, body: build(call.messages) }, options);
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
        const body = build(await media());
        inner = parallelToolItems(tools, { ...attempt, body, signal: AbortSignal.any([call.signal, cancel.signal]) }, options);
        yield* inner;
      },
    };
  }

  const completions = {
    async create(params: StructuredParams<SchemaLike>) {
      const stream = createPartial(params);
      return params.stream === true ? stream : await stream.final;
    },
    createPartial,
    createIterable(params: IterableParams<SchemaLike>) {
      if (Array.isArray(params.response_model) || protocol.callsSeveralTools(mode)) return createToolCalls(params);
      const call = split(params);
      const schema = protocol.prepareSchema(mode, requestSchema(call.model, true));
      const record = new AttemptRecord(1, schema.name);
      hooks.emit("attempt:start", { attempt: 1, error: undefined });
      // Items already shown cannot be taken back, so an iterable is not retried on invalid
      // answers (onInvalid decides); the transport still retries before any output.
      const source = textOf(
        call,
        record,
        (messages) => protocol.buildRequest(call.media === undefined ? call.rest : { ...call.rest, messages }, mode, schema),
        (body) => answerText({ transport, body, channel, record, hooks, signal: call.signal, maxTransportRetries: call.maxTransportRetries, partial: () => undefined }),
      );
      const itemSchema = call.validators.isEmpty ? call.model.schema : withValidators(call.model.schema, call.validators);
      return iterableStream(itemSchema, source, { ...readOptions, signal: call.signal, onInvalid: params.on_invalid ?? "throw" });
    },
    createWithCompletion(params: StructuredParams<SchemaLike>) {
      return createPartial(params).result;
    },
  };
  return completions as unknown as StructuredCompletions;
}

export { Hooks };
