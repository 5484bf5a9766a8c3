// The offline model server's OpenAI Responses wire (POST /v1/responses) and Gemini wire
// (POST /v1beta/models/{model}:streamGenerateContent and :generateContent): each request is read
// as the Chat Completions request it corresponds to, and the answer written in the provider's
// own events.
import type { ServerResponse } from "node:http";
import type { Pace } from "./timer-wheel.js";
import type { WireAnswer } from "./anthropic-wire.js";

type Json = Record<string, unknown>;
type MidAnswerFault = "length" | "drop" | "error" | undefined;

interface StreamOptions {
  readonly id: string;
  readonly pieces: (text: string) => string[];
  readonly pace: Pace | undefined;
  readonly fault: MidAnswerFault;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => String((part as Json)["text"] ?? "")).join("");
  return "";
}

/** The Chat Completions request a Responses request corresponds to. */
export function chatRequestOfResponses(body: Json): Json {
  const input = Array.isArray(body["input"]) ? (body["input"] as Json[]) : [{ role: "user", content: String(body["input"] ?? "") }];
  // Function-call items are the conversation so far: they count as an assistant turn and a tool result.
  const messages = input.map((item) =>
    item["type"] === "function_call" ? { role: "assistant", content: String(item["arguments"] ?? "") } : item["type"] === "function_call_output" ? { role: "tool", content: String(item["output"] ?? "") } : item,
  );
  if (typeof body["instructions"] === "string") messages.unshift({ role: "system", content: body["instructions"] });
  const tools = Array.isArray(body["tools"]) ? (body["tools"] as Json[]).filter((tool) => tool["type"] === "function") : [];
  const choice = body["tool_choice"] as Json | string | undefined;
  const format = (body["text"] as Json | undefined)?.["format"] as Json | undefined;
  return {
    model: body["model"],
    messages,
    tools: tools.map((tool) => ({ type: "function", function: { name: tool["name"], parameters: tool["parameters"] } })),
    tool_choice: typeof choice === "object" && choice?.["type"] === "function" ? { type: "function", function: { name: choice["name"] } } : tools.length > 0 ? "required" : undefined,
    response_format: format?.["type"] === "json_schema" ? { type: "json_schema", json_schema: { name: format["name"], schema: format["schema"] } } : format?.["type"] === "json_object" ? { type: "json_object" } : undefined,
  };
}

/** Writes the answer as the Responses API's event stream. */
export async function streamResponses(response: ServerResponse, body: Json, answer: WireAnswer, options: StreamOptions): Promise<void> {
  let sequence = 0;
  const send = (type: string, data: Json) => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  const base = { id: options.id, object: "response", model: String(body["model"]).split("+")[0], status: "in_progress" };
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  send("response.created", { response: base });
  const tool = answer.tools?.[0];
  const item = tool === undefined ? { type: "message", id: `msg_${options.id}`, role: "assistant", content: [] } : { type: "function_call", id: `fc_${options.id}`, call_id: `call_${options.id}`, name: tool.name, arguments: "" };
  send("response.output_item.added", { output_index: 0, item });
  const pieces = options.pieces(tool === undefined ? answer.content : tool.text);
  const cut = Math.max(2, Math.floor(pieces.length * 0.55));
  let written = 0;
  for (const delta of pieces) {
    if (response.destroyed) return;
    if (written === cut && options.fault === "drop") return void response.socket?.destroy();
    if (written === cut && options.fault === "error") {
      send("error", { code: "server_error", message: "The offline model failed mid-answer (the error fault)", param: null });
      return void response.end();
    }
    if (written === cut && options.fault === "length") break;
    if (tool === undefined) send("response.output_text.delta", { item_id: item.id, output_index: 0, content_index: 0, delta });
    else send("response.function_call_arguments.delta", { item_id: item.id, output_index: 0, delta });
    written++;
    if (options.pace !== undefined) await options.pace();
  }
  const inputTokens = Math.ceil(JSON.stringify(body["input"]).length / 4);
  const usage = { input_tokens: inputTokens, output_tokens: written, total_tokens: inputTokens + written };
  if (options.fault === "length") send("response.incomplete", { response: { ...base, status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage } });
  else send("response.completed", { response: { ...base, status: "completed", usage } });
  response.end();
}

/** The Chat Completions request a Gemini request corresponds to. */
export function chatRequestOfGemini(body: Json, model: string): Json {
  const contents = Array.isArray(body["contents"]) ? (body["contents"] as Json[]) : [];
  const messages: Json[] = contents.map((content) => {
    const parts = Array.isArray(content["parts"]) ? (content["parts"] as Json[]) : [];
    const isToolResult = parts.some((part) => part["functionResponse"] !== undefined);
    return { role: content["role"] === "model" ? "assistant" : isToolResult ? "tool" : "user", content: textOf(parts) };
  });
  const system = textOf(((body["systemInstruction"] as Json | undefined)?.["parts"] as unknown) ?? "");
  if (system !== "") messages.unshift({ role: "system", content: system });
  const declarations = Array.isArray(body["tools"]) ? (body["tools"] as Json[]).flatMap((tool) => (Array.isArray(tool["functionDeclarations"]) ? (tool["functionDeclarations"] as Json[]) : [])) : [];
  const config = (body["generationConfig"] as Json | undefined) ?? {};
  const allowed = (((body["toolConfig"] as Json | undefined)?.["functionCallingConfig"] as Json | undefined)?.["allowedFunctionNames"] as string[] | undefined)?.[0];
  const schema = config["responseJsonSchema"] ?? config["responseSchema"];
  return {
    model,
    messages,
    tools: declarations.map((declaration) => ({ type: "function", function: { name: declaration["name"], parameters: declaration["parametersJsonSchema"] ?? declaration["parameters"] } })),
    tool_choice: allowed !== undefined ? { type: "function", function: { name: allowed } } : declarations.length > 0 ? "required" : undefined,
    response_format: schema !== undefined ? { type: "json_schema", json_schema: { name: "response", schema } } : config["responseMimeType"] === "application/json" ? { type: "json_object" } : undefined,
  };
}

/** Writes the answer as Gemini's event stream (events end in CRLF; usage on every event). */
export async function streamGemini(response: ServerResponse, body: Json, answer: WireAnswer, options: StreamOptions): Promise<void> {
  const promptTokens = Math.ceil(JSON.stringify(body["contents"]).length / 4);
  let written = 0;
  const send = (parts: Json[], finishReason?: string) =>
    response.write(
      `data: ${JSON.stringify({
        candidates: [{ content: { parts, role: "model" }, index: 0, ...(finishReason === undefined ? {} : { finishReason }) }],
        usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: written, totalTokenCount: promptTokens + written },
        modelVersion: "formwork-offline",
        responseId: options.id,
      })}\r\n\r\n`,
    );
  response.writeHead(200, { "content-type": "text/event-stream" });
  if (answer.tools !== undefined) {
    if (options.fault === "drop") return void response.socket?.destroy();
    if (options.fault === "error") {
      response.write(`data: ${JSON.stringify({ error: { code: 503, message: "The offline model is overloaded (the error fault)", status: "UNAVAILABLE" } })}\r\n\r\n`);
      return void response.end();
    }
    written = 1;
    send(answer.tools.map((tool) => ({ functionCall: { name: tool.name, args: JSON.parse(tool.text) as unknown } })), "STOP");
    return void response.end();
  }
  const pieces = options.pieces(answer.content);
  const cut = Math.max(2, Math.floor(pieces.length * 0.55));
  for (const [index, text] of pieces.entries()) {
    if (response.destroyed) return;
    if (written === cut && options.fault === "drop") return void response.socket?.destroy();
    if (written === cut && options.fault === "error") {
      response.write(`data: ${JSON.stringify({ error: { code: 503, message: "The offline model is overloaded mid-answer (the error fault)", status: "UNAVAILABLE" } })}\r\n\r\n`);
      return void response.end();
    }
    if (written === cut && options.fault === "length") {
      send([{ text: "" }], "MAX_TOKENS");
      return void response.end();
    }
    written++;
    send([{ text }], index === pieces.length - 1 ? "STOP" : undefined);
    if (options.pace !== undefined) await options.pace();
  }
  response.end();
}
