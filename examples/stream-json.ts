// `npm start`: streams a generated document through formwork's JSON parser in token-sized
// chunks and shows the partial value growing, the way a model's answer arrives.
import { JsonParser } from "../src/json/index.js";

const answer = {
  title: "Field notes from Zürich — «formwork» in practice",
  rating: 4.5,
  tags: ["streaming", "schemas", "naïve → typed"],
  author: { name: "Ada Lovelace", verified: true },
  summary: "The value takes shape while it is still setting: strings grow, numbers appear whole.",
};
const text = JSON.stringify(answer, null, 2);
const isTerminal = process.stdout.isTTY === true;
const delay = Number(process.env.FORMWORK_DEMO_DELAY_MS ?? (isTerminal ? 15 : 0));

// A closed pipe (`npm start | head`) ends the demo quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const parser = new JsonParser();
parser.on("value-end", ({ path, value }) => {
  if (!isTerminal && typeof value !== "object") console.log(`  done ${path.join(".")} = ${JSON.stringify(value)}`);
});

let previous = "";
for (let offset = 0; offset < text.length; ) {
  const size = 1 + ((offset * 7) % 6); // token-sized chunks of 1 to 6 characters
  parser.write(text.slice(offset, offset + size));
  offset += size;
  const shown = JSON.stringify(parser.value);
  if (shown === previous || shown === undefined) continue;
  previous = shown;
  if (isTerminal) process.stdout.write(`\x1b[2K\r${shown.slice(-process.stdout.columns + 1)}`);
  else console.log(shown);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
}
const value = parser.end();
if (isTerminal) process.stdout.write("\n");
console.log("final value:", value);
