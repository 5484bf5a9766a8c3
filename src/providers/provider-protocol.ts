// What a provider's wire protocol gives the client: how to ask for structured output in each
// mode, how to tell the model what was wrong with an answer, where the answer arrives, and how
// to decode the stream. The client reads only this interface, never a provider's name.
import type { ProviderError } from "../errors/provider-error.js";
import type { WireEvent } from "./wire-event.js";
import type { MediaForm } from "../media/provider-media.js";

/** The schema as the provider sees it. */
export interface RequestSchema {
  readonly name: string;
  readonly description: string | undefined;
  readonly jsonSchema: Record<string, unknown>;
}

/** What the model answered in a failed attempt, for the feedback messages. */
export interface FailedAnswer {
  readonly text: string;
  readonly toolCallId: string | undefined;
  readonly toolName: string;
}

export interface ProviderProtocol<Mode extends string = string> {
  /**
   * Where a streamed call is posted after the base URL (`/chat/completions`, `/messages`), and
   * the body as sent (Gemini moves the model into the path).
   */
  endpoint(body: Record<string, unknown>): { readonly path: string; readonly body: Record<string, unknown> };
  /** The headers that carry the API key (and any version the API wants). */
  authHeaders(apiKey: string | undefined): Record<string, string>;
  /** How the stream is framed: server-sent events, or one JSON value a line. */
  readonly framing: "sse" | "ndjson";
  /** The schema as `mode` sends it (a strict subset, say). Throws UnsupportedSchemaError. */
  prepareSchema(mode: Mode, schema: RequestSchema): RequestSchema;
  /** The request body of a streamed structured call; `more` are further tools (parallel modes). */
  buildRequest(params: Record<string, unknown>, mode: Mode, schema: RequestSchema, options?: { readonly more?: readonly RequestSchema[] }): Record<string, unknown>;
  /** The messages that feed an answer's errors back, in the form that suits the mode. */
  feedback(mode: Mode, answer: FailedAnswer, errors: string): Record<string, unknown>[];
  /** Whether `mode` offers several tools and reads every call (parallel tool calls). */
  callsSeveralTools(mode: Mode): boolean;
  /** Where the answer arrives: tool call arguments, or the message content. */
  answerChannel(mode: Mode): "tool" | "content";
  /** Whether the answer may come wrapped in prose or a fence (read leniently). */
  readsLeniently(mode: Mode): boolean;
  /** Whether absent optional fields come as null (see PartialParserOptions.nullAsAbsent). */
  sendsAbsentAsNull(mode: Mode): boolean;
  /** How it takes image(), audio() and pdf() parts; absent: it takes none. */
  readonly media?: MediaForm;
  /**
   * A decoder for one response: the wire events of each stream chunk, in order. A fresh one per
   * response, because some wires need what came before (Gemini numbers its function calls across
   * events). `provider` names the server in errors. A decoder reads a chunk and keeps nothing
   * of it but strings and numbers (an error event's body aside): over SSE, a chunk may be an
   * envelope template changed in place for the next event (see EnvelopeTemplate).
   */
  decoder(provider: string): (chunk: unknown) => WireEvent[];
  /**
   * The wire's error for an error body: an HTTP error response (`status` set) or an error the
   * SDK raised from the stream. Each wire decides what is worth another try.
   */
  error(body: unknown, provider: string, details?: { readonly status?: number | undefined; readonly retryAfterMs?: number | undefined }): ProviderError;
}

/** The decoder of a wire whose chunks stand alone. */
export function statelessDecoder(decode: (chunk: unknown, provider: string) => WireEvent[]): (provider: string) => (chunk: unknown) => WireEvent[] {
  return (provider) => (chunk) => decode(chunk, provider);
}

/** The usual way to carry a key: `authorization: Bearer <key>`, nothing when there is no key. */
export function bearerAuth(apiKey: string | undefined): Record<string, string> {
  return apiKey === undefined || apiKey === "" ? {} : { authorization: `Bearer ${apiKey}` };
}
