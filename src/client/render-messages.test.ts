import { describe, expect, it } from "vitest";
import type { ChatMessage } from "./chat-request.js";
import { z } from "zod";
import { TemplateError } from "../errors/template-error.js";
import { sseTranscript, toolCallChunks } from "./test-support/replay-server.js";
import { expectedUser, itemsJson, useReplayServer, userJson } from "../providers/test-support/provider-fixtures.js";
import { fromProvider } from "./from-provider.js";
import { fromOpenAI } from "./from-openai.js";
import OpenAI from "openai";

const User = z.object({ name: z.string(), age: z.number().int(), bio: z.string() });
const context = { kind: "user", doc: { title: "Bio", text: "Ada wrote {{ not a template }}." }, tags: ["a", "b"], strict: true };
const messages: ChatMessage[] = [
  { role: "system", content: "Extract the {{ kind }}.{% if strict %} Invent nothing.{% endif %}" },
  { role: "user", content: [{ type: "text", text: "{{ doc.title }}: {{ doc.text }}" }, { type: "text", text: "Tags:{% for tag in tags %} {{ loop.index }}.{{ tag }}{% endfor %}" }] },
];
const filled = [
  { role: "system", content: "Extract the user. Invent nothing." },
  { role: "user", content: [{ type: "text", text: "Bio: Ada wrote {{ not a template }}." }, { type: "text", text: "Tags: 1.a 2.b" }] },
];

describe("templates in messages", () => {
  const { serve } = useReplayServer();

  it("fills every string of the messages from the call's context, in every entry point", async () => {
    const { url, requests } = await serve((_index, body) => {
      const tools = body["tools"] as { function: { name: string } }[];
      const name = tools[0]?.function.name ?? "User";
      return { pieces: [sseTranscript(toolCallChunks(name, [name === "UserList" ? itemsJson : userJson]))] };
    });
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const call = { model: "m", messages, response_model: { schema: User, name: "User" }, context };
    expect(await client.chat.completions.create(call)).toEqual(expectedUser);
    expect(await client.chat.completions.createPartial(call).final).toEqual(expectedUser);
    expect((await client.chat.completions.createWithCompletion(call)).data).toEqual(expectedUser);
    for await (const item of client.chat.completions.createIterable(call)) expect(item).toMatchObject({ age: 36 });
    expect(requests).toHaveLength(4);
    for (const request of requests) expect(request.body["messages"]).toEqual(filled);
    // The caller's messages are left as they were.
    expect(messages[0]?.content).toContain("{{ kind }}");
  });

  it("fills them on the other wires too (Anthropic's system text comes from a templated message)", async () => {
    const { url, requests } = await serve(() => ({ pieces: [""], status: 500 }));
    const client = fromProvider({ provider: "anthropic", baseURL: url, apiKey: "k" });
    await client.chat.completions.create({ model: "m", messages, response_model: User, context, max_transport_retries: 0 }).catch(() => undefined);
    expect(requests[0]?.body["system"]).toBe("Extract the user. Invent nothing.");
  });

  it("a missing variable is a TemplateError naming it and the message, before any request", async () => {
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("User", [userJson]))] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    const error = await client.chat.completions.create({ model: "m", messages, response_model: User, context: { kind: "user", tags: [] } }).catch((caught: unknown) => caught);
    expect(TemplateError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "template-missing-variable", variable: "doc", template: "messages[1].content[0]" });
    expect((error as Error).message).toContain("doc.title");
    expect((error as Error).message).toContain("messages[1].content[0]");
    expect(requests).toHaveLength(0);
  });

  it("without a context, braces in messages are the user's own text and go out as written", async () => {
    const { url, requests } = await serve(() => ({ pieces: [sseTranscript(toolCallChunks("User", [userJson]))] }));
    const client = fromProvider({ provider: "test", baseURL: url, apiKey: "k" });
    await client.chat.completions.create({ model: "m", messages, response_model: User });
    expect(requests[0]?.body["messages"]).toEqual(messages);
  });

  it("a plain call (no response_model) fills its templates too, and never sends the context", async () => {
    const { url, requests } = await serve(() => ({ headers: { "content-type": "application/json" }, pieces: [JSON.stringify({ id: "x", object: "chat.completion", choices: [] })] }));
    const plain: ChatMessage[] = [{ role: "user", content: "Hello {{ name }}" }];
    await fromProvider({ provider: "test", baseURL: url, apiKey: "k" }).chat.completions.create({ model: "m", messages: plain, context: { name: "Ada" } } as never);
    await fromOpenAI(new OpenAI({ baseURL: url, apiKey: "k" })).chat.completions.create({ model: "m", messages: plain, context: { name: "Ada" } } as never);
    for (const request of requests) {
      expect(request.body["messages"]).toEqual([{ role: "user", content: "Hello Ada" }]);
      expect(request.body).not.toHaveProperty("context");
    }
    expect(requests).toHaveLength(2);
  });
});
