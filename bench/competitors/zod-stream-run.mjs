// zod-stream (instructor-js's engine) needs zod 3, so it runs from this folder with its own
// dependencies. Exports a function that streams the chunks through it and returns the last
// partial object it gave.
import ZodStream from "zod-stream";
import { z } from "zod";
import { documentSchema } from "../document-schema.ts";

const schema = documentSchema(z);

export async function runZodStream(chunks) {
  const encoder = new TextEncoder();
  const client = new ZodStream();
  const stream = await client.create({
    response_model: { schema, name: "Document" },
    completionPromise: async () =>
      new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
          controller.close();
        },
      }),
  });
  let last;
  for await (const partial of stream) last = partial;
  return last;
}
