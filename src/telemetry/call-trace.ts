// OpenTelemetry spans for structured calls, following the GenAI semantic conventions: one span
// per call, and under it one `chat {model}` span per attempt (each request the provider sees).
// @opentelemetry/api is an optional peer, loaded on the first call; without it (or with
// `telemetry: { enabled: false }`) nothing is traced and nothing fails.
import type * as OpenTelemetry from "@opentelemetry/api";
import type { Attributes, Context, Span, Tracer } from "@opentelemetry/api";
import { ConfigurationError } from "../errors/configuration-error.js";
import { importPeer } from "../peers/import-peer.js";

type OpenTelemetryApi = typeof OpenTelemetry;

/**
 * A tracer from @opentelemetry/api (`trace.getTracer(name)` or a provider's `getTracer`). Typed
 * by its shape, so that formwork's types need no OpenTelemetry package installed.
 */
export interface TracerLike {
  startSpan(name: string, options?: object, context?: unknown): unknown;
}

/** How a client traces its calls (the `telemetry` option of fromProvider, fromOpenAI...). */
export interface TelemetryOptions {
  /** False turns tracing off. Default: on whenever @opentelemetry/api is installed. */
  readonly enabled?: boolean;
  /** The tracer to use. Default: the global provider's tracer named "formwork". */
  readonly tracer?: TracerLike;
  /**
   * Record the messages sent and the answer's text (`gen_ai.input.messages`,
   * `gen_ai.output.messages`). Off by default: prompts and answers may hold personal data. No
   * credential is ever recorded, whatever this says: the API key lives only in a header that
   * nothing reads.
   */
  readonly recordContent?: boolean;
}

/** What a call tells its trace; every method is safe to call when nothing is traced. */
export interface CallTrace {
  /** Loads OpenTelemetry (once per process) and starts the call's span. Never throws. */
  begin(): Promise<void>;
  /** The response cache answered: no attempt follows. */
  cacheHit(): void;
  /** A hook of this call fired (attempts, requests, responses, failures). */
  onHook(name: string, payload: Record<string, unknown>): void;
  /** The call ended, with its result or its error. */
  finish(outcome: { readonly result?: { readonly usage: UsageLike; readonly attempts: number; readonly cached: boolean }; readonly error?: unknown }): void;
}

interface UsageLike {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

// Provider names as the semantic conventions spell the well-known ones; others as they are.
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  gemini: "gcp.gemini",
  vertex: "gcp.vertex_ai",
  mistral: "mistral_ai",
  azure: "azure.ai.openai",
  xai: "x_ai",
  bedrock: "aws.bedrock",
};

// Request fields and the attribute each goes to.
const REQUEST_ATTRIBUTES: readonly [string, string][] = [
  ["temperature", "gen_ai.request.temperature"],
  ["top_p", "gen_ai.request.top_p"],
  ["top_k", "gen_ai.request.top_k"],
  ["max_tokens", "gen_ai.request.max_tokens"],
  ["max_completion_tokens", "gen_ai.request.max_tokens"],
  ["max_output_tokens", "gen_ai.request.max_tokens"],
  ["seed", "gen_ai.request.seed"],
  ["frequency_penalty", "gen_ai.request.frequency_penalty"],
  ["presence_penalty", "gen_ai.request.presence_penalty"],
  ["stop", "gen_ai.request.stop_sequences"],
];

// SpanKind and SpanStatusCode values (stable in the API), so that nothing is read before load.
const KIND_INTERNAL = 0;
const KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/** The trace of one call, or undefined when the client does not trace. */
export function callTrace(
  options: TelemetryOptions | undefined,
  call: { readonly method: string; readonly provider: string; readonly mode: string; readonly schemaName: string; readonly params: Record<string, unknown> },
): CallTrace | undefined {
  if (options?.enabled === false) return undefined;
  if (options?.tracer !== undefined && typeof (options.tracer as { startSpan?: unknown }).startSpan !== "function") {
    throw new ConfigurationError({ option: "telemetry", message: "telemetry.tracer must be an OpenTelemetry tracer (trace.getTracer(name), or a provider's getTracer(name))" });
  }
  const recordContent = options?.recordContent === true;
  const provider = PROVIDER_NAMES[call.provider] ?? call.provider;
  const model = typeof call.params["model"] === "string" ? call.params["model"] : undefined;
  const common: Attributes = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": provider,
    "gen_ai.output.type": "json",
    ...(model === undefined ? {} : { "gen_ai.request.model": model }),
  };
  let api: OpenTelemetryApi | undefined;
  let tracer: Tracer | undefined;
  let callSpan: Span | undefined;
  let callContext: Context | undefined;
  let attemptSpan: Span | undefined;
  let requests = 0;
  let lastFinishReasons: string[] | undefined;

  const endAttempt = (error?: unknown) => {
    if (attemptSpan === undefined) return;
    if (error !== undefined) fail(attemptSpan, error);
    attemptSpan.end();
    attemptSpan = undefined;
  };

  return {
    async begin() {
      try {
        api = await importPeer<OpenTelemetryApi>("@opentelemetry/api");
        if (api === undefined) return;
        tracer = (options?.tracer as Tracer | undefined) ?? api.trace.getTracer("formwork");
        const parent = api.context.active();
        callSpan = tracer.startSpan(`formwork.${call.method}${model === undefined ? "" : ` ${model}`}`, { kind: KIND_INTERNAL, attributes: { ...common, "formwork.mode": call.mode, "formwork.schema.name": call.schemaName } }, parent);
        callContext = api.trace.setSpan(parent, callSpan);
      } catch {
        // Tracing must never break a call.
        callSpan = undefined;
      }
    },
    cacheHit() {
      callSpan?.setAttribute("formwork.cache.hit", true);
    },
    onHook(name, payload) {
      if (callSpan === undefined || tracer === undefined) return;
      try {
        const attempt = payload["attempt"] as number;
        switch (name) {
          case "attempt:start": {
            endAttempt();
            requests = 0;
            if (attempt > 1) callSpan.addEvent("formwork.retry", { "formwork.attempt": attempt, ...errorAttributes(payload["error"]) });
            const attributes: Attributes = { ...common, "formwork.attempt": attempt };
            for (const [field, attribute] of REQUEST_ATTRIBUTES) {
              const value = call.params[field];
              if (typeof value === "number") attributes[attribute] = value;
              else if (typeof value === "string" && attribute === "gen_ai.request.stop_sequences") attributes[attribute] = [value];
              else if (Array.isArray(value) && value.every((item) => typeof item === "string")) attributes[attribute] = value as string[];
            }
            attemptSpan = tracer.startSpan(`chat${model === undefined ? "" : ` ${model}`}`, { kind: KIND_CLIENT, attributes }, callContext);
            break;
          }
          case "completion:kwargs": {
            requests++;
            // The transport sent the same request again (a 429, a 5xx, a dropped connection).
            if (requests > 1) attemptSpan?.addEvent("formwork.resend", { "formwork.request": requests });
            const body = payload["body"] as Record<string, unknown>;
            if (recordContent && requests === 1) attemptSpan?.setAttribute("gen_ai.input.messages", JSON.stringify(body["messages"] ?? body["input"] ?? body["contents"] ?? []));
            break;
          }
          case "completion:error":
            attemptSpan?.addEvent("formwork.provider_error", errorAttributes(payload["error"]));
            break;
          case "completion:response": {
            const completion = payload["completion"] as { id?: unknown; model?: unknown; choices?: { finish_reason?: unknown; message?: unknown }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
            const choice = completion.choices?.[0];
            const attributes: Attributes = {};
            if (typeof completion.id === "string") attributes["gen_ai.response.id"] = completion.id;
            if (typeof completion.model === "string") attributes["gen_ai.response.model"] = completion.model;
            if (typeof choice?.finish_reason === "string") attributes["gen_ai.response.finish_reasons"] = lastFinishReasons = [choice.finish_reason];
            if (typeof completion.usage?.prompt_tokens === "number") attributes["gen_ai.usage.input_tokens"] = completion.usage.prompt_tokens;
            if (typeof completion.usage?.completion_tokens === "number") attributes["gen_ai.usage.output_tokens"] = completion.usage.completion_tokens;
            if (recordContent && choice?.message !== undefined) attributes["gen_ai.output.messages"] = JSON.stringify([choice.message]);
            attemptSpan?.setAttributes(attributes);
            break;
          }
          case "parse:error":
            attemptSpan?.addEvent("formwork.validation_failed", { "formwork.attempt": attempt, ...errorAttributes(payload["error"]), ...issueAttributes(payload["error"]) });
            break;
          default:
            break;
        }
      } catch {
        // Tracing must never break a call.
      }
    },
    finish({ result, error }) {
      if (callSpan === undefined) return;
      try {
        endAttempt(error);
        if (result !== undefined) {
          callSpan.setAttributes({
            "gen_ai.usage.input_tokens": result.usage.inputTokens,
            "gen_ai.usage.output_tokens": result.usage.outputTokens,
            "formwork.attempts": result.attempts,
            "formwork.cached": result.cached,
            ...(lastFinishReasons === undefined || result.cached ? {} : { "gen_ai.response.finish_reasons": lastFinishReasons }),
          });
        }
        if (error !== undefined) fail(callSpan, error);
        callSpan.end();
      } catch {
        // Tracing must never break a call.
      }
      callSpan = undefined;
    },
  };
}

function fail(span: Span, error: unknown): void {
  const type = errorType(error);
  span.setAttribute("error.type", type);
  span.recordException(error instanceof Error ? error : { name: type, message: String(error) });
  span.setStatus({ code: STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
}

function errorType(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}

function errorAttributes(error: unknown): Attributes {
  if (error === undefined) return {};
  const attributes: Attributes = { "error.type": errorType(error) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") attributes["formwork.error.code"] = code;
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") attributes["http.response.status_code"] = status;
  return attributes;
}

// Where a validation failed: the paths only (the values are content).
function issueAttributes(error: unknown): Attributes {
  const issues = (error as { issues?: readonly { path?: readonly (string | number)[] }[] }).issues;
  if (!Array.isArray(issues)) return {};
  return { "formwork.issues": issues.length, "formwork.issue.paths": issues.map((issue) => (issue.path ?? []).join(".")) };
}
