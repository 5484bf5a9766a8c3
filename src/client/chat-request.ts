// The request a structured call takes on the clients that are not an OpenAI SDK client
// (fromProvider, fromAnthropic, fromGemini): the fields every chat API has in common, typed, in
// OpenAI's spelling (each wire maps them to its own), and one explicit way to send anything
// else. fromOpenAI takes the SDK's own parameter types instead (see from-openai.ts).
import type { MediaPart } from "../media/media-part.js";

/** A text part of a message's content. */
export interface TextPart {
  readonly type: "text";
  readonly text: string;
}

/**
 * The content parts a user message may hold, by their `type`. A map rather than a written-out
 * union, so that a new kind of part (an image, a file) is one more member here.
 */
export interface ContentParts {
  readonly text: TextPart;
  /** An image(), audio() or pdf() part, written in each wire's own form. */
  readonly media: MediaPart;
}

/** Any content part. */
export type ContentPart = ContentParts[keyof ContentParts];

/** Instructions to the model (`developer` is OpenAI's newer name for `system`). */
export interface SystemMessage {
  readonly role: "system" | "developer";
  readonly content: string | readonly TextPart[];
  readonly name?: string;
}

export interface UserMessage {
  readonly role: "user";
  /** Text, or parts: text parts (or plain strings) and media parts. */
  readonly content: string | readonly (ContentPart | string)[];
  readonly name?: string;
}

/** A tool call the model made, in an earlier assistant turn. */
export interface MessageToolCall {
  readonly id: string;
  readonly type: "function";
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface AssistantMessage {
  readonly role: "assistant";
  readonly content: string | readonly TextPart[] | null;
  readonly tool_calls?: readonly MessageToolCall[];
  readonly name?: string;
}

/** The result of a tool call, answering `tool_call_id`. */
export interface ToolMessage {
  readonly role: "tool";
  readonly content: string | readonly TextPart[];
  readonly tool_call_id: string;
}

/** One message of a conversation, in the Chat Completions form every client takes. */
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/**
 * The request fields common to chat APIs. Each wire sends them under its own names (Anthropic's
 * `stop_sequences`, Gemini's `generationConfig.maxOutputTokens`, Ollama's `options`...).
 * Anything else goes in `extra_body`.
 */
export interface ChatRequest {
  /** The model; may be left out where the client has one (`fromProvider("openai/gpt-4o")`). */
  readonly model?: string;
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  /** The most tokens the answer may take (Anthropic requires one: default 4096). */
  readonly max_tokens?: number;
  readonly top_p?: number;
  /** Text that ends the answer where it appears. */
  readonly stop?: string | readonly string[];
  /** For repeatable sampling, where the API has it (OpenAI-compatible servers, Gemini, Ollama; not Anthropic). */
  readonly seed?: number;
  /**
   * Provider-specific fields, sent as top-level fields of the request body exactly as the
   * provider names them (the OpenAI Python SDK's `extra_body`): `{ top_k: 40 }` for Anthropic,
   * `{ generationConfig: { topK: 40 }, safetySettings: [...] }` for Gemini, `{ options: {
   * num_ctx: 8192 } }` for Ollama, `{ reasoning_effort: "low" }` for OpenAI. Where formwork sets
   * a field of the same object (Gemini's `generationConfig`, Anthropic's `output_config`), the
   * two are merged; fields formwork owns for the mode (the forced tool, the response format)
   * are its own.
   */
  readonly extra_body?: Readonly<Record<string, unknown>>;
}
