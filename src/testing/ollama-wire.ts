// The offline model server's Ollama native wire (POST /api/chat, newline-delimited JSON): the
// request is read as the Chat Completions one it corresponds to, and the answer written as
// Ollama's lines (tool arguments whole, as an object) or one response.
import type { ServerResponse } from "node:http";
import type { Pace } from "./timer-wheel.js";
import type { WireAnswer } from "./anthropic-wire.js";

type Json = Record<string, unknown>;

/** The Chat Completions request an Ollama chat request corresponds to. */
export function chatRequestOfOllama(body: Json): Json {
  const format = body["format"];
  return {
    model: body["model"],
    messages: body["messages"],
    tools: body["tools"],
    // Ollama cannot force a tool: an offered tool is called.
    tool_choice: Array.isArray(body["tools"]) && body["tools"].length > 0 ? "required" : undefined,
    response_format:
      typeof format === "object" && format !== null
        ? { type: "json_schema", json_schema: { name: "format", schema: format } }
        : format === "json"
          ? { type: "json_object" }
          : undefined,
  };
}

function counts(body: Json, evalCount: number): Json {
  return { prompt_eval_count: Math.ceil(JSON.stringify(body["messages"]).length / 4), eval_count: evalCount };
}

/** Writes the answer as Ollama's lines; the faults decide where it stops. */
export async function streamOllama(
  response: ServerResponse,
  body: Json,
  answer: WireAnswer,
  options: { readonly pieces: (text: string) => string[]; readonly pace: Pace | undefined; readonly fault: "length" | "drop" | "error" | undefined },
): Promise<void> {
  const model = String(body["model"]).split("+")[0];
  const line = (value: Json) => response.write(`${JSON.stringify({ model, created_at: new Date().toISOString(), ...value })}\n`);
  response.writeHead(200, { "content-type": "application/x-ndjson" });
  const pieces = answer.tools === undefined ? options.pieces(answer.content) : [];
  const cut = Math.max(2, Math.floor(pieces.length * 0.55));
  let written = 0;
  if (answer.tools !== undefined) {
    if (options.fault === "drop") return void response.socket?.destroy();
    if (options.fault === "error") {
      line({ error: "the offline model stopped (the error fault)" });
      return void response.end();
    }
    line({ message: { role: "assistant", content: "", tool_calls: answer.tools.map((tool) => ({ function: { name: tool.name, arguments: JSON.parse(tool.text) as unknown } })) }, done: false });
    written = 1;
  }
  for (const piece of pieces) {
    if (response.destroyed) return;
    if (written === cut && options.fault === "drop") return void response.socket?.destroy();
    if (written === cut && options.fault === "error") {
      response.write(`${JSON.stringify({ error: "the offline model stopped mid-answer (the error fault)" })}\n`);
      return void response.end();
    }
    if (written === cut && options.fault === "length") break;
    line({ message: { role: "assistant", content: piece }, done: false });
    written++;
    if (options.pace !== undefined) await options.pace();
  }
  line({ message: { role: "assistant", content: "" }, done: true, done_reason: options.fault === "length" ? "length" : "stop", ...counts(body, written) });
  response.end();
}

/** Writes the answer as one Ollama chat response. */
export function completeOllama(response: ServerResponse, body: Json, answer: WireAnswer): void {
  const message: Json =
    answer.tools === undefined
      ? { role: "assistant", content: answer.content }
      : { role: "assistant", content: "", tool_calls: answer.tools.map((tool) => ({ function: { name: tool.name, arguments: JSON.parse(tool.text) as unknown } })) };
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify({ model: String(body["model"]).split("+")[0], created_at: new Date().toISOString(), message, done: true, done_reason: "stop", ...counts(body, Math.ceil(answer.content.length / 4)) }));
}
