// A progress bar in one line: updates() counts the schema's leaf fields.
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "../src/index.js";
import { consoleOutput, progressBar, type Output, withConnection } from "./support/connect.js";

const Report = z.object({
  headline: z.string(),
  summary: z.string(),
  sentiment: z.enum(["positive", "neutral", "negative"]),
  author: z.object({ name: z.string(), email: z.email() }),
  score: z.number().min(0).max(10),
});

export async function main(output: Output = consoleOutput()): Promise<void> {
  await withConnection(async (connection) => {
    const client = fromOpenAI(connection.openai);
    const stream = client.chat.completions.createPartial({
      model: connection.model,
      messages: [{ role: "user", content: "Write a short report on this quarter." }],
      response_model: { schema: Report, name: "Report" },
    });
    for await (const { progress, active } of stream.updates()) {
      output.redraw(`${progressBar(progress.ratio)} ${progress.done}/${progress.total} fields, writing ${active === undefined ? "nothing" : active.join(".") || "(root)"}`);
    }
    output.done();
    output.line(`report by ${(await stream.final).author.name}`);
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
