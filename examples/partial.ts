// A form that fills in as the model writes: createPartial, with each field's state.
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "formwork";
import { terminalOutput, withModel, type TerminalOutput } from "formwork/testing";

const Ticket = z.object({
  title: z.string(),
  priority: z.enum(["low", "medium", "high"]), // appears only whole: never "hi" then "high"
  estimateHours: z.number().int().min(1).max(40), // appears only whole: never 3 then 35
  steps: z.array(z.string()),
});

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  await withModel(async (connection) => {
    const client = fromOpenAI(new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey }));
    const stream = client.chat.completions.createPartial({
      model: connection.model,
      messages: [{ role: "user", content: "File a ticket: the login page is slow on mobile." }],
      response_model: { schema: Ticket, name: "Ticket" },
    });
    for await (const update of stream.updates()) {
      const fields = ["title", "priority", "estimateHours", "steps"].map((field) => `${field}: ${update.state([field])}`);
      output.redraw(`${fields.join(" | ")}`);
    }
    output.done();
    output.line(`ticket: ${JSON.stringify(await stream.final)}`);
  }, { offline: { tokensPerSecond: output.isTerminal ? 120 : 4000 } });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
