// Retries with the errors fed back, observed through Instructor's hooks.
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "formwork";
import { terminalOutput, withModel, type TerminalOutput } from "formwork/testing";

const Invoice = z.object({ customer: z.string(), total: z.number().min(0), currency: z.enum(["EUR", "USD", "CHF"]) });

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  await withModel(async (connection) => {
    const client = fromOpenAI(new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey }));
    client.on("completion:kwargs", ({ attempt, body }) => output.line(`hook completion:kwargs  attempt ${attempt}, ${(body["messages"] as unknown[]).length} messages`));
    client.on("parse:error", ({ attempt, error }) => output.line(`hook parse:error        attempt ${attempt}: ${(error as Error).message}`));
    client.on("attempt:start", ({ attempt }) => output.line(`hook attempt:start      attempt ${attempt}`));
    client.on("completion:response", ({ attempt }) => output.line(`hook completion:response attempt ${attempt}`));
    const { data, attempts, usage } = await client.chat.completions.createWithCompletion({
      // Offline, the invalid-first fault makes the first answer break the schema.
      model: connection.isOffline ? `${connection.model}+invalid-first` : connection.model,
      messages: [{ role: "user", content: "Extract the invoice: ACME owes 1,250.00 EUR." }],
      response_model: { schema: Invoice, name: "Invoice" },
      max_retries: 2,
    });
    output.line(`invoice after ${attempts} attempt(s), ${usage.totalTokens} tokens: ${JSON.stringify(data)}`);
  }, { offline: { tokensPerSecond: output.isTerminal ? 120 : 4000 } });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
