// formwork/json on its own: a document streamed through the incremental parser in token-sized
// chunks, its partial value printed as it grows (strings grow, numbers appear whole).
import { pathToFileURL } from "node:url";
import { JsonParser } from "formwork/json";
import { terminalOutput, type TerminalOutput } from "formwork/testing";

const answer = {
  title: "Field notes from Zürich — «formwork» in practice",
  rating: 4.5,
  tags: ["streaming", "schemas", "naïve → typed"],
  author: { name: "Ada Lovelace", verified: true },
  summary: "The value takes shape while it is still setting: strings grow, numbers appear whole.",
};

export async function main(output: TerminalOutput = terminalOutput(), delayMs = output.isTerminal ? 15 : 0): Promise<unknown> {
  const text = JSON.stringify(answer, null, 2);
  const parser = new JsonParser();
  parser.on("value-end", ({ path, value }) => {
    if (typeof value !== "object") output.line(`  closed ${path.join(".")} = ${JSON.stringify(value)}`);
  });
  for (let offset = 0; offset < text.length; ) {
    const size = 1 + ((offset * 7) % 6); // token-sized chunks of 1 to 6 characters
    parser.write(text.slice(offset, offset + size));
    offset += size;
    output.redraw(JSON.stringify(parser.value) ?? "");
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  output.done();
  const value = parser.end();
  output.line(`final value: ${JSON.stringify(value)}`);
  return value;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
