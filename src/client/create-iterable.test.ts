// createIterable never hides a bad answer: no list, no JSON or an item that does not fit is a
// typed error (unless on_invalid: "skip"), asked again while no item was shown, and a failure
// after an item was shown says that it stands.
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { NoItemsError } from "../errors/no-items-error.js";
import { RetryError } from "../errors/retry-error.js";
import { ValidationError } from "../errors/validation-error.js";
import type { ChatMode } from "../providers/openai/chat-request.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { fromOpenAI } from "./from-openai.js";
import { fromProvider } from "./from-provider.js";
import type { StructuredCompletions } from "./structured-client.js";
import { contentChunks, sseTranscript, startReplayServer, toolCallChunks, type ReplayServer, type ScriptedResponse } from "./test-support/replay-server.js";

const Task = z.object({ title: z.string(), done: z.boolean() });
const messages = [{ role: "user" as const, content: "List the tasks." }];
const REFUSAL = "Sorry, I can't help with that.";

type Client = { chat: { completions: StructuredCompletions } };
const paths: [string, (url: string, mode: ChatMode) => Client][] = [
  ["fetch", (url, mode) => fromProvider({ provider: "test", baseURL: url, apiKey: "x", mode })],
  ["sdk", (url, mode) => fromOpenAI(new OpenAI({ baseURL: url, apiKey: "x" }), { mode, provider: "test" }) as unknown as Client],
];

let server: ReplayServer | undefined;
let model: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  await model?.close();
  server = undefined;
  model = undefined;
});

async function serve(script: (index: number) => ScriptedResponse): Promise<ReplayServer> {
  server = await startReplayServer(script);
  return server;
}

const prose = (text: string): ScriptedResponse => ({ pieces: [sseTranscript(contentChunks([text]))] });
const toolArguments = (json: string): ScriptedResponse => ({ pieces: [sseTranscript(toolCallChunks("TaskList", [json]))] });
const twoTasks = '{"items": [{"title": "Write", "done": false}, {"title": "Ship", "done": true}]}';

async function collect<T>(items: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const seen: T[] = [];
  try {
    for await (const item of items) seen.push(item);
    return { items: seen, error: undefined };
  } catch (error) {
    return { items: seen, error };
  }
}

describe.each(paths)("createIterable on the %s path", (_path, makeClient) => {
  it("a prose refusal in a prompt mode is NoItemsError, not an empty list", async () => {
    const { url, requests } = await serve(() => prose(REFUSAL));
    const { items, error } = await collect(makeClient(url, "md_json").chat.completions.createIterable({ model: "m", messages, response_model: Task }));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(NoItemsError);
    expect(error).toMatchObject({ code: "no-items", text: REFUSAL, usage: { inputTokens: 5, outputTokens: 9, totalTokens: 14 } });
    expect((error as Error).message).toBe(`The answer held no list of items (the model wrote "${REFUSAL}"); raise max_retries to ask again, or check that the prompt asks for a list`);
    expect(requests).toHaveLength(1);
  });

  it("prose instead of the tool call, and `{}` as the arguments, are NoItemsError in tools mode", async () => {
    const { url } = await serve((index) => (index === 0 ? prose(REFUSAL) : toolArguments("{}")));
    const client = makeClient(url, "tools");
    const refused = await collect(client.chat.completions.createIterable({ model: "m", messages, response_model: Task }));
    expect(refused.error).toBeInstanceOf(NoItemsError);
    expect((refused.error as NoItemsError).text).toBe(REFUSAL);
    const empty = await collect(client.chat.completions.createIterable({ model: "m", messages, response_model: Task }));
    expect(empty.error).toMatchObject({ code: "no-items", text: "{}" });
  });

  it("an explicit empty list is an answer: no items, no error", async () => {
    const { url } = await serve(() => toolArguments('{"items": []}'));
    expect(await collect(makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task }))).toEqual({ items: [], error: undefined });
  });

  it("text that is not JSON in a strict mode is a JsonParseError", async () => {
    const { url } = await serve(() => toolArguments("I cannot do that."));
    const { error } = await collect(makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task }));
    expect(error).toMatchObject({ name: "JsonParseError", code: "unexpected-character" });
  });

  it("max_retries asks again while no item was shown, with the errors fed back", async () => {
    const answers = [prose(REFUSAL), toolArguments('{"items": [{"title": "Write", "done": "no"}]}'), toolArguments(twoTasks)];
    const { url, requests } = await serve((index) => answers[index] as ScriptedResponse);
    const { items, error } = await collect(makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task, max_retries: 2 }));
    expect(error).toBeUndefined();
    expect(items).toEqual([{ title: "Write", done: false }, { title: "Ship", done: true }]);
    expect(requests).toHaveLength(3);
    // The second attempt was told there was no list; the third, what did not fit.
    expect(JSON.stringify(requests[1]?.body["messages"])).toContain("no list of items");
    expect(JSON.stringify(requests[2]?.body["messages"])).toContain("done");
  });

  it("without max_retries nothing is asked again; after the last retry a RetryError holds every error", async () => {
    const { url, requests } = await serve(() => prose(REFUSAL));
    const once = await collect(makeClient(url, "md_json").chat.completions.createIterable({ model: "m", messages, response_model: Task }));
    expect(once.error).toBeInstanceOf(NoItemsError);
    expect(requests).toHaveLength(1);
    const { error } = await collect(makeClient(url, "md_json").chat.completions.createIterable({ model: "m", messages, response_model: Task, max_retries: 1 }));
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toMatchObject({ code: "retries-exhausted", attempts: 2, usage: { inputTokens: 10, outputTokens: 18, totalTokens: 28 } });
    expect((error as RetryError).errors.map((each) => (each as Error).name)).toEqual(["NoItemsError", "NoItemsError"]);
    expect(requests).toHaveLength(3);
  });

  it("a failure after an item was shown is not retried, and says the items stand", async () => {
    const { url, requests } = await serve(() => toolArguments('{"items": [{"title": "Write", "done": false}, {"title": "Ship", "done": "yes"}]}'));
    const { items, error } = await collect(makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task, max_retries: 3 }));
    expect(items).toEqual([{ title: "Write", done: false }]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: "validation-failed" });
    expect((error as Error).message).toMatch(/\(after 1 item was shown: they cannot be taken back, so the answer was not asked again\)$/);
    expect(requests).toHaveLength(1);
  });

  it('on_invalid: "skip" takes an answer whose every item fails as no items, and lists them', async () => {
    const { url, requests } = await serve(() => toolArguments('{"items": [{"title": 1, "done": false}, {"title": "Ship"}]}'));
    const stream = makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task, on_invalid: "skip", max_retries: 2 });
    expect(await collect(stream)).toEqual({ items: [], error: undefined });
    expect(stream.skipped.map((item) => item.index)).toEqual([0, 1]);
    expect(requests).toHaveLength(1);
  });

  it("updates() announces a retry with a record of the new attempt", async () => {
    const { url } = await serve((index) => (index === 0 ? prose(REFUSAL) : toolArguments(twoTasks)));
    const records = await collect(makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task, max_retries: 1 }).updates());
    expect(records.error).toBeUndefined();
    const retry = records.items.findIndex((record) => record.attempt === 2);
    expect(records.items[retry]).toEqual({ items: [], partial: undefined, count: 0, skipped: [], attempt: 2 });
    expect(records.items.slice(retry).flatMap((record) => record.items)).toEqual([{ title: "Write", done: false }, { title: "Ship", done: true }]);
    expect(records.items.every((record, index) => record.attempt === (index < retry ? 1 : 2))).toBe(true);
  });
});

describe.each(paths)("cancelling createIterable (%s)", (_path, makeClient) => {
  const slowItems = (): ScriptedResponse => {
    const transcript = sseTranscript(toolCallChunks("TaskList", ['{"items": [{"title": "Write", "done": false}', ', {"title": "Ship", "done": true}', "]}"]));
    return { pieces: transcript.split(/(?<=\n\n)/), pauseMs: 40 };
  };

  it("break after the first item closes the request at once", async () => {
    const { url, requests } = await serve(slowItems);
    for await (const item of makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task, max_retries: 2 })) {
      expect(item).toEqual({ title: "Write", done: false });
      break;
    }
    expect(await requests[0]?.closed).toBe("client-closed");
    expect(requests).toHaveLength(1);
  });

  it("abort() after an item ends the iteration with AbortError and closes the request", async () => {
    const { url, requests } = await serve(slowItems);
    const stream = makeClient(url, "tools").chat.completions.createIterable({ model: "m", messages, response_model: Task, max_retries: 2 });
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { title: "Write", done: false } });
    stream.abort("user left");
    await expect(iterator.next()).rejects.toMatchObject({ code: "aborted", message: "The stream was aborted: user left" });
    expect(await requests[0]?.closed).toBe("client-closed");
    expect(requests).toHaveLength(1);
  });
});

describe("createIterable against the offline model server", () => {
  it("the invalid-first fault (the list left out: `{}`) is NoItemsError without retries, and is fixed by max_retries: 1", async () => {
    model = await startModelServer({ seed: 7 });
    for (const [, makeClient] of paths) {
      const client = makeClient(model.url, "tools");
      const failed = await collect(client.chat.completions.createIterable({ model: "offline+invalid-first", messages, response_model: Task }));
      expect(failed.error).toBeInstanceOf(NoItemsError);
      expect(failed.error).toMatchObject({ code: "no-items", text: "{}" });
      expect(failed.items).toEqual([]);
      const fixed = await collect(client.chat.completions.createIterable({ model: "offline+invalid-first", messages, response_model: Task, max_retries: 1 }));
      expect(fixed.error).toBeUndefined();
      expect(fixed.items.length).toBeGreaterThan(0);
      for (const item of fixed.items) expect(Task.safeParse(item).success).toBe(true);
    }
  });
});

describe("createIterable with parallel_tools", () => {
  it("an answer with no tool call at all is NoItemsError", async () => {
    const { url, requests } = await serve(() => prose(REFUSAL));
    const client = fromProvider({ provider: "test", baseURL: url, mode: "parallel_tools" });
    const { error } = await collect(client.chat.completions.createIterable({ model: "m", messages, response_model: [{ schema: Task, name: "Task" }] }));
    expect(error).toBeInstanceOf(NoItemsError);
    expect(error).toMatchObject({ code: "no-items", text: REFUSAL });
    expect(requests).toHaveLength(1);
  });
});

describe("parallel_tools retries while no item was shown", () => {
  const Weather = z.object({ city: z.string() });
  const Search = z.object({ query: z.string() });
  const models = [{ schema: Weather, name: "Weather" }, { schema: Search, name: "Search" }] as const;
  const calls = (first: string): ScriptedResponse => {
    const base = { id: "chatcmpl-3", object: "chat.completion.chunk", created: 1, model: "test-model" };
    const chunk = (delta: unknown) => ({ ...base, choices: [{ index: 0, delta, finish_reason: null }] });
    return {
      pieces: [
        sseTranscript([
          chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_w", type: "function", function: { name: "Weather", arguments: first } }] }),
          chunk({ tool_calls: [{ index: 1, id: "call_s", type: "function", function: { name: "Search", arguments: '{"query": "umbrellas"}' } }] }),
          { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
        ]),
      ],
    };
  };

  it("prose, then a first call that does not fit, then a good answer: the errors go back as the model's own turns", async () => {
    const answers = [prose(REFUSAL), calls('{"city": 7}'), calls('{"city": "Oslo"}')];
    const { url, requests } = await serve((index) => answers[index] as ScriptedResponse);
    const client = fromProvider({ provider: "test", baseURL: url, mode: "parallel_tools" });
    const { items, error } = await collect(client.chat.completions.createIterable({ model: "m", messages, response_model: models, max_retries: 2 }));
    expect(error).toBeUndefined();
    expect(items).toEqual([{ city: "Oslo" }, { query: "umbrellas" }]);
    expect(requests).toHaveLength(3);
    const second = requests[1]?.body["messages"] as Record<string, unknown>[];
    expect(second.slice(-2)).toEqual([
      { role: "assistant", content: REFUSAL },
      { role: "user", content: "- The answer held no list of items: answer with the items, as the schema asks\nCall the tools (Weather, Search) with your answer, not text." },
    ]);
    const third = requests[2]?.body["messages"] as Record<string, unknown>[];
    expect(third.at(-2)).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_w", function: { name: "Weather", arguments: '{"city": 7}' } }] });
    expect(third.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_w" });
  });

  it("after an item was shown, a later call that does not fit ends the iteration without asking again", async () => {
    const { url, requests } = await serve(() => {
      const base = { id: "chatcmpl-4", object: "chat.completion.chunk", created: 1, model: "test-model" };
      return {
        pieces: [
          sseTranscript([
            { ...base, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_w", type: "function", function: { name: "Weather", arguments: '{"city": "Oslo"}' } }] }, finish_reason: null }] },
            { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: "call_s", type: "function", function: { name: "Search", arguments: '{"query": 1}' } }] }, finish_reason: null }] },
          ]),
        ],
      };
    });
    const client = fromProvider({ provider: "test", baseURL: url, mode: "parallel_tools" });
    const { items, error } = await collect(client.chat.completions.createIterable({ model: "m", messages, response_model: models, max_retries: 2 }));
    expect(items).toEqual([{ city: "Oslo" }]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: "validation-failed" });
    expect((error as Error).message).toBe("The value at $.query does not fit the schema: $.query: Expected string, received number (after 1 item was shown: they cannot be taken back, so the answer was not asked again)");
    expect(requests).toHaveLength(1);
  });
});
