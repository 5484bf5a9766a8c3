import { afterEach, describe, expect, it } from "vitest";
import type { ChatMessage } from "../client/chat-request.js";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { ValidatorError } from "../errors/validator-error.js";
import { ProviderError } from "../errors/provider-error.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { llmValidator } from "./llm-validator.js";

const Summary = z.object({ summary: z.string(), words: z.number().int() });
const messages: ChatMessage[] = [{ role: "user", content: "Summarise the meeting." }];
type Request = Record<string, unknown>;
const isJudging = (request: Request) => JSON.stringify(request["messages"]).includes("Rule: ");

let server: ModelServer | undefined;
afterEach(async () => server?.close());

describe("llmValidator", () => {
  it("asks a model through formwork for a verdict; the reason (and the fix) go back to the model as the issue", async () => {
    const judged: Request[] = [];
    let verdicts = 0;
    server = await startModelServer({
      seed: 5,
      scripts: [
        {
          match: (request) => isJudging(request) && (judged.push(request), verdicts++ === 0),
          text: JSON.stringify({ isValid: false, reason: "The summary names Alice.", fixedValue: '"A colleague presented the plan."' }),
        },
        { match: isJudging, text: JSON.stringify({ isValid: true }) },
      ],
    });
    const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "k" });
    const seen: Request[] = [];
    client.on("completion:kwargs", ({ body }) => void seen.push(body));
    const noNames = llmValidator(client, { rule: "The summary names no person.", model: "judge-model" });
    const result = await client.chat.completions.createWithCompletion({ model: "writer", messages, response_model: Summary, validate: { path: "summary", validate: noNames }, max_retries: 2 });
    expect(result.attempts).toBe(2);
    expect(judged).toHaveLength(2);
    // The judge saw the rule and the value, and was asked for a verdict through a forced tool.
    expect(judged[0]?.["model"]).toBe("judge-model");
    expect(JSON.stringify(judged[0]?.["messages"])).toContain("The summary names no person.");
    const writerRetry = seen.filter((body) => body["model"] === "writer")[1];
    expect(JSON.stringify(writerRetry?.["messages"])).toContain('$.summary: The summary names Alice. (suggested: \\"A colleague presented the plan.\\")');
  });

  it("a judging call that fails is the validator's own failure: a ValidatorError naming it, the writer not asked again", async () => {
    server = await startModelServer();
    const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "k" });
    let writerCalls = 0;
    client.on("completion:kwargs", ({ body }) => void (body["model"] === "writer" && writerCalls++));
    const judge = llmValidator(client, { rule: "The summary is polite.", model: "judge+error", maxRetries: 0, request: { max_transport_retries: 0 } });
    const error = await client.chat.completions.create({ model: "writer", messages, response_model: Summary, validate: judge, max_retries: 3 }).catch((caught: unknown) => caught);
    expect(ValidatorError.isInstance(error)).toBe(true);
    expect((error as ValidatorError).validator).toBe('llmValidator("The summary is polite.")');
    expect(ProviderError.isInstance((error as ValidatorError).cause)).toBe(true);
    expect(writerCalls).toBe(1);
  });

  it("needs a rule", () => {
    const client = fromProvider({ provider: "offline", baseURL: "http://127.0.0.1:9", apiKey: "k" });
    expect(() => llmValidator(client, { rule: " " })).toThrow(/needs a rule/);
  });
});

describe("llmValidator with allowOverride", () => {
  it("a fix that fits the schema replaces the answer without another attempt; one that does not is fed back", async () => {
    const fixed = { summary: "A colleague presented the plan.", words: 5 };
    let verdicts = 0;
    server = await startModelServer({
      scripts: [
        {
          match: (request) => isJudging(request) && verdicts === 0 && ++verdicts > 0,
          text: JSON.stringify({ isValid: false, reason: "It names Alice.", fixedValue: JSON.stringify(fixed) }),
        },
        { match: (request) => isJudging(request) && verdicts === 1 && ++verdicts > 0, text: JSON.stringify({ isValid: false, reason: "It names Bob.", fixedValue: '{"summary": 3}' }) },
        { match: isJudging, text: JSON.stringify({ isValid: true }) },
      ],
    });
    const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "k" });
    const judge = llmValidator(client, { rule: "The summary names no person.", model: "judge", allowOverride: true });
    const first = await client.chat.completions.createWithCompletion({ model: "writer", messages, response_model: Summary, validate: judge });
    expect(first).toMatchObject({ data: fixed, attempts: 1 });
    // The second fix does not fit (summary must be text): the reason and the schema's issue go back.
    const seen: Record<string, unknown>[] = [];
    client.on("completion:kwargs", ({ body }) => void seen.push(body));
    const second = await client.chat.completions.createWithCompletion({ model: "writer", messages, response_model: Summary, validate: judge, max_retries: 1 });
    expect(second.attempts).toBe(2);
    const retry = JSON.stringify(seen.filter((body) => body["model"] === "writer")[1]?.["messages"]);
    expect(retry).toContain("It names Bob.");
    expect(retry).toContain("the suggested fix does not fit the schema");
  });
});
