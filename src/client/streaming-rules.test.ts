// The client follows the streaming rules declared on a schema, and never sends them.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { streaming } from "../schema/streaming.js";
import { STREAM_KEYWORD } from "../schema/stream-rules.js";
import { fromProvider } from "./from-provider.js";
import { contentChunks, sseTranscript, startReplayServer, toolCallChunks, type ReplayServer } from "./test-support/replay-server.js";

const Ticket = z.object({
  title: z.string(),
  status: streaming.done(z.string()),
  steps: z.array(z.object({ note: z.string(), id: streaming.done(streaming.notNull(z.string())) })),
  summary: streaming.withState(z.string()),
});
const answer = { title: "Printer on fire", status: "escalated", steps: [{ note: "unplug it", id: "s-1" }, { note: "call facilities", id: "s-2" }], summary: "handled" };
const text = JSON.stringify(answer);
const deltas = Array.from({ length: Math.ceil(text.length / 3) }, (_, i) => text.slice(i * 3, i * 3 + 3));
const messages = [{ role: "user" as const, content: "File the ticket." }];

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("streaming rules through the client", () => {
  for (const mode of ["tools", "json_schema"] as const) {
    it(`${mode}: partials follow the rules, the value is the schema's, and the request carries no rule`, async () => {
      server = await startReplayServer(() => ({
        pieces: sseTranscript(mode === "tools" ? toolCallChunks("Ticket", deltas) : contentChunks(deltas)).split(/(?<=\n\n)/),
        pauseMs: 1,
      }));
      const client = fromProvider({ provider: "test", baseURL: server.url, apiKey: "sk-test", mode });
      const stream = client.chat.completions.createPartial({ model: "m", messages, response_model: { schema: Ticket, name: "Ticket" } });
      const partials: Record<string, unknown>[] = [];
      for await (const partial of stream) partials.push(partial as Record<string, unknown>);
      expect(partials.length).toBeGreaterThan(3);
      for (const partial of partials) {
        if ("status" in partial) expect(partial["status"]).toBe("escalated");
        for (const step of (partial["steps"] as Record<string, unknown>[] | undefined) ?? []) expect(["s-1", "s-2"]).toContain(step["id"]);
        expect(partial["summary"]).toHaveProperty("state");
      }
      expect(partials.at(-1)).toEqual({ ...answer, summary: { state: "complete", value: "handled" } });
      expect(await stream.final).toEqual(answer);
      expect(JSON.stringify(server.requests[0]?.body)).not.toContain(STREAM_KEYWORD);
      expect(JSON.stringify(server.requests[0]?.body)).toContain('"summary"');
    });
  }
});
