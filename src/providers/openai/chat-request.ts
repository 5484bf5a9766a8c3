import { bearerAuth, type FailedAnswer, type ProviderProtocol, type RequestSchema } from "../provider-protocol.js";
import { chatChunkDecoder } from "./decode-chat-chunk.js";
import { openAIError } from "./openai-error.js";
import { toStrictSchema } from "./strict-schema.js";
import { schemaInstructions, feedbackRequest } from "../prompt-text.js";

// Builds the Chat Completions request body for each mode, and the messages that feed a failed
// answer's errors back to the model in the form that suits the mode.

/** How the model is asked for structured output. */
export type ChatMode = "tools" | "tools_strict" | "json_schema" | "json" | "md_json" | "parallel_tools";

// The modes that send OpenAI's strict subset (and so read absent fields as null).
const isStrict = (mode: ChatMode) => mode === "json_schema" || mode === "tools_strict";

export type { RequestSchema };

type Message = Record<string, unknown>;

/**
 * The schema as a mode sends it: json_schema mode takes OpenAI's strict subset (optional fields
 * become nullable: read the answer with nullAsAbsent). Throws UnsupportedSchemaError.
 */
export function prepareSchema(mode: ChatMode, schema: RequestSchema): RequestSchema {
  return isStrict(mode) ? { ...schema, jsonSchema: toStrictSchema(schema.jsonSchema) } : schema;
}

/** Whether a mode's answers send absent fields as null (see prepareSchema). */
export function sendsAbsentAsNull(mode: ChatMode): boolean {
  return isStrict(mode);
}

/** Where a mode's answer arrives: the forced tool's arguments, or the message content. */
export function answerChannel(mode: ChatMode): "tool" | "content" {
  return mode === "tools" || mode === "tools_strict" || mode === "parallel_tools" ? "tool" : "content";
}


/**
 * The request body for a streamed structured call. `params` are the caller's own fields, passed
 * through unchanged but for what the mode must set.
 */
export function buildChatBody(
  params: Record<string, unknown>,
  mode: ChatMode,
  schema: RequestSchema,
  options: { readonly more?: readonly RequestSchema[] } = {},
): Record<string, unknown> {
  const messages = Array.isArray(params["messages"]) ? (params["messages"] as Message[]) : [];
  const streamOptions = typeof params["stream_options"] === "object" && params["stream_options"] !== null ? params["stream_options"] : {};
  const body: Record<string, unknown> = { ...params, stream: true, stream_options: { ...streamOptions, include_usage: true } };
  switch (mode) {
    case "tools":
    case "tools_strict":
      // tools_strict: the arguments are decoded under the schema (OpenAI's strict function calling).
      body["tools"] = [
        {
          type: "function",
          function: {
            name: schema.name,
            ...(schema.description === undefined ? {} : { description: schema.description }),
            parameters: schema.jsonSchema,
            ...(mode === "tools_strict" ? { strict: true } : {}),
          },
        },
      ];
      body["tool_choice"] = { type: "function", function: { name: schema.name } };
      break;
    case "parallel_tools":
      // One tool per schema; the model may call any of them, any number of times, in parallel.
      body["tools"] = [schema, ...(options.more ?? [])].map((tool) => ({
        type: "function",
        function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.jsonSchema },
      }));
      body["tool_choice"] = "required";
      break;
    case "json_schema":
      body["response_format"] = {
        type: "json_schema",
        json_schema: { name: schema.name, ...(schema.description === undefined ? {} : { description: schema.description }), schema: schema.jsonSchema, strict: true },
      };
      break;
    case "json":
      body["response_format"] = { type: "json_object" };
      body["messages"] = [{ role: "system", content: schemaInstructions(schema, false) }, ...messages];
      break;
    case "md_json":
      body["messages"] = [{ role: "system", content: schemaInstructions(schema, true) }, ...messages];
      break;
    default: {
      const unknownMode: never = mode;
      throw new TypeError(`formwork: unknown mode ${String(unknownMode)}`);
    }
  }
  return body;
}

/**
 * The messages that tell the model what was wrong with its answer: in tools mode the tool call
 * and a tool result naming the errors; in the JSON modes the answer and a user message.
 */
export function feedbackMessages(mode: ChatMode, answer: FailedAnswer, errors: string): Message[] {
  const request = feedbackRequest(errors);
  if (answerChannel(mode) === "tool") {
    const id = answer.toolCallId ?? "call_0";
    return [
      { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: answer.toolName, arguments: answer.text } }] },
      { role: "tool", tool_call_id: id, content: request },
    ];
  }
  return [
    { role: "assistant", content: answer.text },
    { role: "user", content: request },
  ];
}

/** The OpenAI Chat Completions protocol, for OpenAI and every compatible server. */
export const openAIChatProtocol: ProviderProtocol<ChatMode> = {
  endpoint: (body) => ({ path: "/chat/completions", body }),
  framing: "sse",
  authHeaders: bearerAuth,
  prepareSchema,
  buildRequest: buildChatBody,
  feedback: feedbackMessages,
  answerChannel,
  callsSeveralTools: (mode) => mode === "parallel_tools",
  readsLeniently: (mode) => mode === "json" || mode === "md_json",
  sendsAbsentAsNull,
  media: "openai-chat",
  decoder: chatChunkDecoder,
  error: openAIError,
};
