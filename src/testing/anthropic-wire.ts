// The offline model server's Anthropic Messages wire (POST /v1/messages): the request is read
// as the Chat Completions one it corresponds to (so the same answer fills the same schema), and
// the answer is written as Anthropic's event stream or message.
import type { ServerResponse } from "node:http";
import type { Pace } from "./timer-wheel.js";

type Json = Record<string, unknown>;

/** An answer to write: tool calls, or text. */
export interface WireAnswer {
  readonly tools: readonly { readonly name: string; readonly text: string }[] | undefined;
  readonly content: string;
}

/** The Chat Completions request a Messages request corresponds to. */
export function chatRequestOf(body: Json): Json {
  const tools = Array.isArray(body["tools"]) ? (body["tools"] as Json[]) : [];
  const choice = body["tool_choice"] as Json | undefined;
  const format = (body["output_config"] as Json | undefined)?.["format"] as Json | undefined;
  const system = typeof body["system"] === "string" ? body["system"] : Array.isArray(body["system"]) ? (body["system"] as Json[]).map((part) => String(part["text"] ?? "")).join("\n") : "";
  return {
    model: body["model"],
    messages: [...(system === "" ? [] : [{ role: "system", content: system }]), ...(body["messages"] as Json[])],
    tools: tools.map((tool) => ({ type: "function", function: { name: tool["name"], parameters: tool["input_schema"] } })),
    tool_choice: choice?.["type"] === "tool" ? { type: "function", function: { name: choice["name"] } } : choice?.["type"] === "any" ? "required" : undefined,
    response_format: format?.["type"] === "json_schema" ? { type: "json_schema", json_schema: { name: "output", schema: format["schema"] } } : undefined,
  };
}

/** Anthropic's error body. */
export function anthropicError(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

function usageOf(body: Json, outputTokens: number): Json {
  return { input_tokens: Math.ceil(JSON.stringify(body["messages"]).length / 4), output_tokens: outputTokens };
}

/** Writes the answer as Anthropic's event stream; `cut` and the faults decide where it stops. */
export async function streamMessages(
  response: ServerResponse,
  body: Json,
  answer: WireAnswer,
  options: { readonly id: string; readonly pieces: (text: string) => string[]; readonly pace: Pace | undefined; readonly fault: "length" | "drop" | "error" | undefined },
): Promise<void> {
  const send = (type: string, data: Json) => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const model = String(body["model"]).split("+")[0];
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  send("message_start", { message: { id: options.id, type: "message", role: "assistant", model, content: [], stop_reason: null, usage: usageOf(body, 1) } });
  const blocks = answer.tools === undefined ? [{ start: { type: "text", text: "" }, pieces: options.pieces(answer.content), isText: true }] : answer.tools.map((tool, index) => ({
    start: { type: "tool_use", id: `toolu_${options.id.slice(-6)}_${index}`, name: tool.name, input: {} },
    pieces: options.pieces(tool.text),
    isText: false,
  }));
  const total = blocks.reduce((sum, block) => sum + block.pieces.length, 0);
  const cut = Math.max(2, Math.floor(total * 0.55));
  let written = 0;
  for (const [index, block] of blocks.entries()) {
    send("content_block_start", { index, content_block: block.start });
    send("ping", {});
    for (const piece of block.pieces) {
      if (response.destroyed) return;
      if (written === cut && options.fault === "drop") return void response.socket?.destroy();
      if (written === cut && options.fault === "error") {
        send("error", { error: { type: "overloaded_error", message: "The offline model is overloaded mid-answer (the error fault)" } });
        return void response.end();
      }
      if (written === cut && options.fault === "length") break;
      send("content_block_delta", { index, delta: block.isText ? { type: "text_delta", text: piece } : { type: "input_json_delta", partial_json: piece } });
      written++;
      if (options.pace !== undefined) await options.pace();
    }
    send("content_block_stop", { index });
    if (options.fault === "length" && written === cut) break;
  }
  const stopReason = options.fault === "length" ? "max_tokens" : answer.tools === undefined ? "end_turn" : "tool_use";
  send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: written } });
  send("message_stop", {});
  response.end();
}

/** Writes the answer as one Anthropic message. */
export function completeMessage(response: ServerResponse, body: Json, answer: WireAnswer, id: string): void {
  const content =
    answer.tools === undefined
      ? [{ type: "text", text: answer.content }]
      : answer.tools.map((tool, index) => ({ type: "tool_use", id: `toolu_${id.slice(-6)}_${index}`, name: tool.name, input: JSON.parse(tool.text) as unknown }));
  const outputTokens = Math.ceil((answer.content.length + (answer.tools ?? []).reduce((sum, tool) => sum + tool.text.length, 0)) / 4);
  response.writeHead(200, { "content-type": "application/json" });
  response.end(
    JSON.stringify({
      id,
      type: "message",
      role: "assistant",
      model: String(body["model"]).split("+")[0],
      content,
      stop_reason: answer.tools === undefined ? "end_turn" : "tool_use",
      stop_sequence: null,
      usage: usageOf(body, outputTokens),
    }),
  );
}
