// A progress bar in one line: updates() counts the schema's leaf fields.
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "formwork";
import { terminalOutput, withModel, type TerminalOutput } from "formwork/testing";

const Report = z.object({
  headline: z.string(),
  summary: z.string(),
  sentiment: z.enum(["positive", "neutral", "negative"]),
  author: z.object({ name: z.string(), email: z.email() }),
  score: z.number().min(0).max(10),
});

const bar = (ratio: number, width = 20) => `[${"#".repeat(Math.round(ratio * width)).padEnd(width, ".")}] ${String(Math.round(ratio * 100)).padStart(3)}%`;

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  await withModel(async (connection) => {
    const client = fromOpenAI(new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey }));
    const stream = client.chat.completions.createPartial({
      model: connection.model,
      messages: [{ role: "user", content: "Write a short report on this quarter." }],
      response_model: { schema: Report, name: "Report" },
    });
    for await (const { progress, active } of stream.updates()) {
      output.redraw(`${bar(progress.ratio)} ${progress.done}/${progress.total} fields, writing ${active === undefined ? "nothing" : active.join(".") || "(root)"}`);
    }
    output.done();
    output.line(`report by ${(await stream.final).author.name}`);
  }, { offline: { tokensPerSecond: output.isTerminal ? 120 : 4000 } });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
