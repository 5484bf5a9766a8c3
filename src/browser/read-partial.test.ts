// readPartial over a body we feed by hand: what a page gets when a long array's copies are
// spaced out (PatchDecoder.snapshot), and when the stream pauses right after a held frame.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createPartialParser } from "../stream/partial-parser.js";
import { PatchEncoder } from "../transport/patch-encoder.js";
import { readPartial } from "./read-partial.js";

const Row = z.object({ id: z.number().int(), name: z.string() });
const Rows = z.object({ title: z.string(), rows: z.array(Row) });
const value = { title: "rows", rows: Array.from({ length: 400 }, (_, id) => ({ id, name: `row number ${id}` })) };

// The patch stream of `value` with a frame after every 3 characters (the writer spaces out
// nothing), each frame with the writer's snapshot after it.
function framesOf(json: string): { frames: string[]; shown: unknown[]; last: string } {
  const parser = createPartialParser(Rows);
  const encoder = new PatchEncoder("partial");
  const frames = [encoder.header()];
  const shown: unknown[] = [undefined];
  for (let at = 0; at < json.length; at += 3) {
    parser.write(json.slice(at, at + 3));
    if (!parser.hasChanged && !parser.hasCompleted) continue;
    const update = parser.update();
    encoder.update(update);
    frames.push(encoder.flush());
    shown.push(update.value);
  }
  return { frames, shown, last: encoder.finish(parser.end()) };
}

describe("readPartial with a long array", () => {
  it("a record held back to space out copies comes on its own when the stream pauses, then the final; records are snapshots of the writer's", async () => {
    const { frames, shown, last } = framesOf(JSON.stringify(value));
    const encode = new TextEncoder();
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const stream = readPartial<z.infer<typeof Rows>>(new ReadableStream<Uint8Array>({ start: (controller) => void (body = controller) }));
    // Every frame in one network read: only the state after the last one can be shown, and
    // copying the 400-item array for it is not paid for by one frame's few characters.
    for (const frame of frames) body.enqueue(encode.encode(frame));
    const updates = stream.updates();
    const records: { value: unknown; print: string }[] = [];
    const before = shown.at(-1);
    for (;;) {
      const next = await updates.next();
      if (next.done === true) throw new Error("the stream ended before its final frame");
      records.push({ value: next.value.value, print: JSON.stringify(next.value.value) });
      // The writer's last state, with no frame after it: the held record came due by itself.
      if (JSON.stringify(next.value.value) === JSON.stringify(before)) break;
    }
    body.enqueue(encode.encode(last));
    body.close();
    for (;;) {
      const next = await updates.next();
      if (next.done === true) break;
      records.push({ value: next.value.value, print: JSON.stringify(next.value.value) });
    }
    expect(await stream.final).toEqual(value);
    expect(records.at(-1)?.value).toEqual(value);
    // Every record is the writer's value after some frame, and none changed after it was shown.
    const writer = new Set(shown.map((snapshot) => JSON.stringify(snapshot)));
    for (const record of records) {
      expect(writer.has(record.print)).toBe(true);
      expect(JSON.stringify(record.value)).toBe(record.print);
    }
  });
});
