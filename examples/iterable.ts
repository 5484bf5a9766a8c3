// A list, one complete and validated item at a time: createIterable.
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "formwork";
import { terminalOutput, withModel, type TerminalOutput } from "formwork/testing";

const Task = z.object({ title: z.string(), owner: z.string(), done: z.boolean() });

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  await withModel(async (connection) => {
    const client = fromOpenAI(new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey }));
    const tasks = client.chat.completions.createIterable({
      model: connection.model,
      messages: [{ role: "user", content: "Plan the launch of a small open-source library as a list of tasks." }],
      response_model: { schema: Task, name: "Task" },
    });
    let count = 0;
    for await (const task of tasks) output.line(`task ${++count}: ${task.title} (${task.owner})${task.done ? " ✓" : ""}`);
  }, { offline: { tokensPerSecond: output.isTerminal ? 120 : 4000 } });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
