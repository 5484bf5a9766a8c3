// instructor-js needs zod 3 (through zod-stream), so it runs from this folder with its own
// dependencies. Streams a structured call against `baseURL` in TOOLS mode and returns the last
// partial it gave.
import Instructor from "@instructor-ai/instructor";
import OpenAI from "openai";
import { z } from "zod";
import { documentSchema } from "../document-schema.ts";

const schema = documentSchema(z);

export async function runInstructor(baseURL) {
  const client = Instructor({ client: new OpenAI({ baseURL, apiKey: "bench", maxRetries: 0 }), mode: "TOOLS" });
  const stream = await client.chat.completions.create({
    model: "bench-model",
    messages: [{ role: "user", content: "Write the document." }],
    response_model: { schema, name: "Document" },
    stream: true,
  });
  let last;
  for await (const partial of stream) last = partial;
  return last;
}
