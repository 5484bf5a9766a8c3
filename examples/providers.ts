// The same User streamed through every provider formwork speaks, each over its own wire: OpenAI
// Chat Completions and the Responses API, Anthropic, Gemini and Ollama's native API. Offline,
// one model server answers them all; with real keys, swap the clients for
// `new OpenAI()`, `new Anthropic()`, `new GoogleGenAI({ apiKey })` and a real Ollama URL.
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromAnthropic, fromGemini, fromOpenAI, fromProvider, type Usage } from "formwork";
import { startModelServer, terminalOutput, type TerminalOutput } from "formwork/testing";

const User = z.object({ name: z.string(), age: z.number().int().min(0).max(130), bio: z.string() });
const messages = [{ role: "user" as const, content: "Create a user profile for a software engineer." }];

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  const server = await startModelServer({ tokensPerSecond: output.isTerminal ? 150 : 4000 });
  const root = server.url.replace(/\/v1$/, "");
  try {
    // Each client takes its own request type (the SDK's for OpenAI), so each call is written out.
    const request = { model: "offline-model", messages, response_model: { schema: User, name: "User" } };
    const calls: [string, () => AsyncIterable<unknown> & { readonly result: Promise<{ readonly usage: Usage }> }][] = [
      ["OpenAI Chat Completions", () => fromOpenAI(new OpenAI({ apiKey: "offline", baseURL: server.url })).chat.completions.createPartial(request)],
      ["OpenAI Responses API", () => fromOpenAI(new OpenAI({ apiKey: "offline", baseURL: server.url }), { api: "responses" }).chat.completions.createPartial(request)],
      ["Anthropic Messages", () => fromAnthropic(new Anthropic({ apiKey: "offline", baseURL: root })).chat.completions.createPartial(request)],
      ["Gemini", () => fromGemini(new GoogleGenAI({ apiKey: "offline", httpOptions: { baseUrl: root, apiVersion: "v1beta" } })).chat.completions.createPartial(request)],
      ["Ollama native", () => fromProvider({ provider: "ollama-native", baseURL: root }).chat.completions.createPartial(request)],
    ];
    for (const [name, call] of calls) {
      const stream = call();
      for await (const user of stream) output.redraw(`${name.padEnd(24)} ${JSON.stringify(user)}`);
      output.done();
      const { usage } = await stream.result;
      output.line(`${name.padEnd(24)} done, ${usage.totalTokens} tokens`);
    }
  } finally {
    await server.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
