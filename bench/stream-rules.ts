// What streaming rules cost (issue 16): the 100 KB document read by formwork's partial parser
// with its plain Zod schema, and with the same schema carrying rules on every item (`done` on
// three fields, `notNull` on the id, `withState` on the summary). The cost a user would pay
// instead is doing the same by hand on each snapshot; the floor is parsing the whole text once.
import { z } from "zod";
import { streaming } from "../src/schema/index.js";
import { createPartialParser } from "../src/stream/index.js";
import { documentSchema } from "./document-schema.js";
import { documentValue, tokenChunks } from "./documents.js";
import { formatMs, formatRatio, markdownTable, medianMs } from "./measure.js";

let sink: unknown;

const plain = documentSchema(z);
const section = z.object({ heading: streaming.done(z.string()), body: z.string(), order: z.number().int() });
const ruled = z.object({
  report: z.string(),
  items: z.array(
    z.object({
      id: streaming.notNull(z.number().int()),
      title: streaming.done(z.string()),
      summary: streaming.withState(z.string()),
      score: z.number(),
      count: z.number().int(),
      ratio: z.number(),
      published: z.boolean(),
      reviewer: z.object({ name: z.string(), email: z.string().email(), rating: z.number().int() }).nullable(),
      tags: streaming.done(z.array(z.string())),
      sections: z.array(section),
    }),
  ),
});

async function read(schema: z.ZodType, chunks: readonly string[]): Promise<unknown> {
  const parser = createPartialParser(schema);
  for (const chunk of chunks) {
    parser.write(chunk);
    if (parser.hasChanged) sink = parser.snapshot();
  }
  const result = await parser.adapter.validate(parser.end());
  if (!result.ok) throw new Error("the document did not validate");
  return result.value;
}

export async function benchStreamRules(): Promise<string> {
  const text = JSON.stringify(documentValue(100_000));
  const chunks = tokenChunks(text);
  const floor = await medianMs(() => plain.parse(JSON.parse(text)));
  const without = await medianMs(() => read(plain, chunks));
  const withRules = await medianMs(() => read(ruled, chunks));
  void sink;
  return [
    "### Streaming rules: 100 KB document, token-sized chunks, a snapshot after every visible change",
    "",
    markdownTable(
      ["reader", "median", "vs. no rules"],
      [
        ["formwork, plain schema", formatMs(without), formatRatio(1)],
        ["formwork, rules on every item (done x3, notNull, withState)", formatMs(withRules), formatRatio(withRules / without)],
        ["floor: JSON.parse + Zod parse of the whole text once (no partials)", formatMs(floor), formatRatio(floor / without)],
      ],
    ),
  ].join("\n");
}
