// An OpenAI-compatible server of your own (Ollama, vLLM, llama.cpp...) with no SDK at all.
// LOCAL_BASE_URL points at it (Ollama: http://localhost:11434/v1, vLLM: http://localhost:8000/v1);
// without it, the offline model server stands in.
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromProvider } from "formwork";
import { startModelServer, terminalOutput, type TerminalOutput } from "formwork/testing";

const Recipe = z.object({ dish: z.string(), minutes: z.number().int().min(1), ingredients: z.array(z.string()).min(1) });

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  const baseURL = process.env["LOCAL_BASE_URL"];
  const offline = baseURL === undefined ? await startModelServer({ tokensPerSecond: 4000 }) : undefined;
  try {
    const client = fromProvider({ provider: "ollama", baseURL: baseURL ?? (offline as { url: string }).url, mode: "json_schema" });
    const recipe = await client.chat.completions.create({
      model: process.env["LOCAL_MODEL"] ?? "llama3.2",
      messages: [{ role: "user", content: "A quick dinner recipe." }],
      response_model: { schema: Recipe, name: "Recipe" },
    });
    output.line(`${recipe.dish}: ${recipe.minutes} minutes, ${recipe.ingredients.length} ingredients (from ${baseURL ?? "the offline model server"})`);
  } finally {
    await offline?.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
