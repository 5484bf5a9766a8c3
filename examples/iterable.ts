// A list, one complete and validated item at a time: createIterable.
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "../src/index.js";
import { consoleOutput, type Output, withConnection } from "./support/connect.js";

const Task = z.object({ title: z.string(), owner: z.string(), done: z.boolean() });

export async function main(output: Output = consoleOutput()): Promise<void> {
  await withConnection(async (connection) => {
    const client = fromOpenAI(connection.openai);
    const tasks = client.chat.completions.createIterable({
      model: connection.model,
      messages: [{ role: "user", content: "Plan the launch of a small open-source library as a list of tasks." }],
      response_model: { schema: Task, name: "Task" },
    });
    let count = 0;
    for await (const task of tasks) output.line(`task ${++count}: ${task.title} (${task.owner})${task.done ? " ✓" : ""}`);
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
