// Every mode: how the schema is sent and where the answer is read (see the README's table).
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI, type ChatMode } from "formwork";
import { connectModel, terminalOutput, type TerminalOutput } from "formwork/testing";

const City = z.object({ name: z.string(), country: z.string(), population: z.number().int().min(0), nickname: z.string().optional() });
const Weather = z.object({ city: z.string(), unit: z.enum(["C", "F"]) });
const Search = z.object({ query: z.string() });

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  const connection = await connectModel({ offline: { tokensPerSecond: output.isTerminal ? 120 : 4000 } });
  const openai = new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey });
  const messages = [{ role: "user" as const, content: "Describe a European capital." }];
  try {
    for (const mode of ["tools", "json_schema", "json", "md_json"] as const satisfies readonly ChatMode[]) {
      const client = fromOpenAI(openai, { mode });
      const city = await client.chat.completions.create({ model: connection.model, messages, response_model: { schema: City, name: "City" } });
      output.line(`${mode.padEnd(12)} ${city.name}, ${city.country}: ${city.population}`);
    }
    const parallel = fromOpenAI(openai, { mode: "parallel_tools" });
    const calls = parallel.chat.completions.createIterable({
      model: connection.model,
      messages: [{ role: "user", content: "What is the weather in Oslo, and search for fondue recipes." }],
      response_model: [{ schema: Weather, name: "Weather" }, { schema: Search, name: "Search" }],
    });
    for await (const call of calls) output.line(`parallel_tools ${JSON.stringify(call)}`);
  } finally {
    await connection.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
