import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { fromAnthropic } from "../client/from-anthropic.js";
import { fromOpenAI } from "../client/from-openai.js";
import { fromProvider } from "../client/from-provider.js";
import { llmValidator } from "../validate/llm-validator.js";
import { audio, image, pdf } from "./media-part.js";

const Receipt = z.object({ total: z.number() });

describe("media parts in typed requests", () => {
  it("a user message's content takes text, strings and media parts, on every client", () => {
    const content = ["Read this.", { type: "text" as const, text: "Carefully." }, image("./r.png"), audio(new Uint8Array()), pdf("https://example.com/a.pdf")];
    expectTypeOf(fromOpenAI(new OpenAI({ apiKey: "x" })).chat.completions.create({ model: "m", messages: [{ role: "user", content }], response_model: Receipt })).resolves.toEqualTypeOf<{ total: number }>();
    expectTypeOf(fromProvider("openai/gpt-4o-mini", { apiKey: "x" }).chat.completions.create({ messages: [{ role: "user", content }], response_model: Receipt })).resolves.toEqualTypeOf<{ total: number }>();
    expectTypeOf(fromAnthropic(new Anthropic({ apiKey: "x" })).chat.completions.create({ model: "m", messages: [{ role: "user", content }], response_model: Receipt })).resolves.toEqualTypeOf<{ total: number }>();
  });

  it("still refuses what is no part, and media in a system message", () => {
    const client = fromProvider("openai/gpt-4o-mini", { apiKey: "x" });
    // @ts-expect-error a number is no content part
    void client.chat.completions.create({ messages: [{ role: "user", content: ["a", 42] }], response_model: Receipt });
    // @ts-expect-error system messages hold text only
    void client.chat.completions.create({ messages: [{ role: "system", content: [image("./r.png")] }], response_model: Receipt });
  });

  it("llmValidator takes any formwork client", () => {
    void llmValidator(fromOpenAI(new OpenAI({ apiKey: "x" })), { rule: "r" });
    void llmValidator(fromProvider("openai/gpt-4o-mini", { apiKey: "x" }), { rule: "r" });
    void llmValidator(fromAnthropic(new Anthropic({ apiKey: "x" })), { rule: "r" });
  });
});
