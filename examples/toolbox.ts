// Instructor's toolbox in TypeScript: Maybe, validators with context (one judged by a model),
// templated messages, and an image in the content. Offline, the model server's scripted answers
// play the model: it first invents a quote, is told so, and corrects itself.
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI, hasResult, image, llmValidator, Maybe } from "formwork";
import { connectModel, terminalOutput, type TerminalOutput } from "formwork/testing";

const Person = z.object({ name: z.string(), role: z.string() });
const Quotes = z.object({ quotes: z.array(z.object({ speaker: z.string(), text: z.string() })) });
const Photo = z.object({ description: z.string(), colours: z.array(z.string()) });

const transcript = "Ada: The engine weaves algebraic patterns. Charles: We shall build it in brass.";
// A 2x2 red PNG, as base64: image() also takes URLs, data: URLs, bytes and file paths.
const PHOTO = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4IWcDRAwQCgAh9gSJHoU67gAAAABJRU5ErkJggg==";

const isRetry = (request: Record<string, unknown>) => JSON.stringify(request["messages"]).includes("did not fit the schema");
const scripts = [
  { match: "Who is the treasurer", text: '{"error": true, "message": "The transcript names no treasurer."}' },
  { match: "Who designed", text: '{"result": {"name": "Ada", "role": "designer"}, "error": false}' },
  { match: (request: Record<string, unknown>) => JSON.stringify(request["messages"]).includes("Rule: "), text: '{"isValid": true}' },
  { match: (request: Record<string, unknown>) => isRetry(request), text: '{"quotes": [{"speaker": "Ada", "text": "The engine weaves algebraic patterns."}]}' },
  { match: "Quote what", text: '{"quotes": [{"speaker": "Ada", "text": "The engine dreams in numbers."}]}' },
  { match: "Describe the photo", text: '{"description": "A small red square.", "colours": ["red"]}' },
];

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  const connection = await connectModel({ offline: { scripts } });
  output.line(connection.description);
  const client = fromOpenAI(new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey }), { mode: "tools" });
  const model = connection.model;
  try {
    // 1. Maybe: an answer that may not be there.
    for (const question of ["Who is the treasurer?", "Who designed the engine?"]) {
      const answer = await client.chat.completions.create({ model, messages: [{ role: "user", content: `${question}\n${transcript}` }], response_model: Maybe(Person) });
      output.line(hasResult(answer) ? `maybe: ${answer.result.name} (${answer.result.role})` : `maybe: no answer (${answer.message ?? "no reason given"})`);
    }

    // 2. A templated message, a validator with the context (each quote, as it closes), and a
    //    rule checked by a model.
    const { data: quotes, attempts } = await client.chat.completions.createWithCompletion({
      model,
      messages: [{ role: "user", content: "Quote what {{ speaker }} says, word for word:\n{{ source }}" }],
      context: { speaker: "Ada", source: transcript },
      response_model: Quotes,
      max_retries: 2,
      validate: [
        { path: "quotes.*.text", validate: (text, { context }) => (String(context?.["source"]).includes(String(text)) ? undefined : "this is not in the transcript; quote it word for word") },
        llmValidator(client, { rule: "Every quote is a whole sentence.", model }),
      ],
    });
    output.line(`quotes after ${attempts} attempt(s): ${quotes.quotes.map((quote) => `${quote.speaker}: "${quote.text}"`).join("; ")}`);

    // 3. An image in the content, converted to the provider's own form.
    const photo = await client.chat.completions.create({ model, messages: [{ role: "user", content: ["Describe the photo.", image(PHOTO)] }], response_model: Photo });
    output.line(`photo: ${photo.description} (${photo.colours.join(", ")})`);
  } finally {
    await connection.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
