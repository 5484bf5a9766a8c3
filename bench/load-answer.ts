// The answer every stream of the load benchmark gets: a 2 KB tool call, the same text for the
// offline server (which streams it in token-sized pieces) and the clients (which check it).
import { z } from "zod";

export const LoadSchema = z.object({
  title: z.string(),
  summary: z.string(),
  lines: z.array(z.object({ sku: z.string(), description: z.string(), quantity: z.number().int(), price: z.number() })),
  paid: z.boolean(),
});

const WORDS = ["steel", "bolt", "washer", "bracket", "hinge", "panel", "frame", "cable", "rivet", "spring", "gasket", "clamp"];

function answer(): z.infer<typeof LoadSchema> {
  const lines = Array.from({ length: 16 }, (_, index) => ({
    sku: `SKU-${1000 + index * 37}`,
    description: `${WORDS[index % WORDS.length]} ${WORDS[(index * 5) % WORDS.length]}, grade ${index % 4}, for the ${WORDS[(index * 7) % WORDS.length]} assembly`,
    quantity: 1 + ((index * 13) % 40),
    price: Math.round((3 + index * 2.75) * 100) / 100,
  }));
  return { title: "Purchase order 4471 for the north workshop", summary: "Fasteners and fittings for the frame assembly line, delivered in two batches with the invoice attached to the second.", lines, paid: false };
}

/** The answer's JSON text, about 2 KB. */
export const LOAD_ANSWER = JSON.stringify(answer());
