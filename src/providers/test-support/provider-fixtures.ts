// What every provider's transcript tests share: the User they answer with (non-ASCII text, an
// emoji, escapes), a loopback replay server closed after each test, and the guarantees every
// provider path must keep (cancellation closes the request; iterables; hooks).
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { StructuredCompletions } from "../../client/structured-client.js";
import type { ChatMessage } from "../../client/chat-request.js";
import { startReplayServer, type ReplayServer, type ScriptedResponse } from "../../client/test-support/replay-server.js";

export const User = z.object({ name: z.string(), age: z.number().int(), bio: z.string() });
/** The answer as a model writes it: escapes, an emoji, non-ASCII text and a line break. */
export const userJson = '{"name": "Zoë \\"Z\\" 😀", "age": 36, "bio": "Wrote the first\\nprogram; café ☕"}';
export const expectedUser = { name: 'Zoë "Z" 😀', age: 36, bio: "Wrote the first\nprogram; café ☕" };
/** Two items for createIterable, as the one array property of an object. */
export const itemsJson = JSON.stringify({ items: [expectedUser, { ...expectedUser, name: "Alan" }] });

/** Splits text into pieces of `size` characters (the deltas a model sends). */
export function deltas(text: string, size: number): string[] {
  return Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, i * size + size));
}

/** A loopback replay server per test, closed after it; `serve` starts one (closing the last). */
export function useReplayServer(): { serve: (script: (index: number, body: Record<string, unknown>, headers: Record<string, string | string[] | undefined>) => ScriptedResponse) => Promise<ReplayServer> } {
  let server: ReplayServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return {
    serve: async (script) => {
      await server?.close();
      server = await startReplayServer(script);
      return server;
    },
  };
}

type Client = { chat: { completions: StructuredCompletions } };
type Hooked = { on(name: "completion:kwargs" | "completion:response", handler: () => void): void };

/** The guarantees of the OpenAI path, on every path of a provider. */
export function describeSameGuarantees(options: {
  readonly clientsFor: (url: string) => readonly (readonly [string, Client])[];
  readonly serve: ReturnType<typeof useReplayServer>["serve"];
  readonly slowAnswer: () => readonly string[];
  readonly itemsAnswer: () => string;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
}): void {
  describe("the same guarantees as the OpenAI path", () => {
    it("break closes the request at once, on every path", async () => {
      const { url, requests } = await options.serve(() => ({ pieces: options.slowAnswer(), pauseMs: 10 }));
      for (const [index, [, client]] of options.clientsFor(url).entries()) {
        const stream = client.chat.completions.createPartial({ model: options.model, messages: options.messages, response_model: User });
        for await (const partial of stream) if ((partial as { name?: string }).name !== undefined) break;
        expect(await requests[index]?.closed).toBe("client-closed");
        await expect(stream.final).rejects.toMatchObject({ code: "aborted" });
      }
    });

    it("createIterable yields each item as it closes, and the hooks fire, on every path", async () => {
      const { url } = await options.serve(() => ({ pieces: [options.itemsAnswer()] }));
      for (const [, client] of options.clientsFor(url)) {
        const fired: string[] = [];
        (client as unknown as Hooked).on("completion:kwargs", () => fired.push("completion:kwargs"));
        (client as unknown as Hooked).on("completion:response", () => fired.push("completion:response"));
        const items: unknown[] = [];
        for await (const item of client.chat.completions.createIterable({ model: options.model, messages: options.messages, response_model: { schema: User, name: "User" } })) items.push(item);
        expect(items).toEqual([expectedUser, { ...expectedUser, name: "Alan" }]);
        expect(fired).toEqual(["completion:kwargs", "completion:response"]);
      }
    });
  });
}
