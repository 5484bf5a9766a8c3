// The offline server's batch endpoints through the official SDKs: the wire shapes they expect.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startModelServer, type ModelServer } from "./model-server.js";

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer({ seed: 9 });
});
afterAll(() => server.close());

const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the offline batch APIs", () => {
  it("OpenAI's SDK uploads a file, creates a batch, polls it and reads the output file", async () => {
    const openai = new OpenAI({ baseURL: server.url, apiKey: "offline" });
    const lines = ["a", "b", "BATCH:expire"].map((text, index) => JSON.stringify({ custom_id: `req-${index}`, method: "POST", url: "/v1/chat/completions", body: { model: "m", messages: [{ role: "user", content: text }], response_format: { type: "json_schema", json_schema: { name: "x", schema } } } }));
    const file = await openai.files.create({ file: await toFile(Buffer.from(lines.join("\n")), "in.jsonl"), purpose: "batch" });
    expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "in.jsonl" });
    let batch = await openai.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect(["validating", "in_progress"]).toContain(batch.status);
    while (!["completed", "failed", "expired"].includes(batch.status)) {
      await sleep(20);
      batch = await openai.batches.retrieve(batch.id);
    }
    expect(batch).toMatchObject({ status: "completed", request_counts: { total: 3, completed: 2, failed: 1 } });
    const output = (await (await openai.files.content(batch.output_file_id as string)).text()).trim().split("\n").map((line) => JSON.parse(line));
    expect(output.map((line) => line.custom_id).sort()).toEqual(["req-0", "req-1"]);
    expect(JSON.parse(output[0].response.body.choices[0].message.content)).toEqual({ name: expect.any(String) });
    const errors = (await (await openai.files.content(batch.error_file_id as string)).text()).trim().split("\n").map((line) => JSON.parse(line));
    expect(errors).toEqual([expect.objectContaining({ custom_id: "req-2", error: expect.objectContaining({ code: "batch_expired" }) })]);
  });

  it("Anthropic's SDK creates a message batch, polls it and reads its results", async () => {
    const anthropic = new Anthropic({ baseURL: server.url.replace(/\/v1$/, ""), apiKey: "offline" });
    const requests = ["a", "BATCH:error"].map((text, index) => ({ custom_id: `req-${index}`, params: { model: "m", max_tokens: 100, messages: [{ role: "user" as const, content: text }], tools: [{ name: "out", input_schema: schema as Anthropic.Tool.InputSchema }], tool_choice: { type: "tool" as const, name: "out" } } }));
    let batch = await anthropic.messages.batches.create({ requests });
    expect(batch).toMatchObject({ type: "message_batch", processing_status: "in_progress" });
    while (batch.processing_status !== "ended") {
      await sleep(20);
      batch = await anthropic.messages.batches.retrieve(batch.id);
    }
    expect(batch.request_counts).toMatchObject({ succeeded: 1, errored: 1 });
    const results = [];
    for await (const result of await anthropic.messages.batches.results(batch.id)) results.push(result);
    const byId = new Map(results.map((result) => [result.custom_id, result.result]));
    expect(byId.get("req-0")).toMatchObject({ type: "succeeded", message: { content: [{ type: "tool_use", name: "out", input: { name: expect.any(String) } }] } });
    expect(byId.get("req-1")).toMatchObject({ type: "errored", error: { error: { message: expect.stringContaining("BATCH:error") } } });
  });

  it("refuses a custom_id Anthropic would refuse, and an unknown file", async () => {
    const response = await fetch(`${server.url}/messages/batches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ requests: [{ custom_id: "has space", params: {} }] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "error", error: { message: expect.stringContaining("custom_id") } });
    const missing = await fetch(`${server.url}/batches`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input_file_id: "file-nope", endpoint: "/v1/chat/completions", completion_window: "24h" }) });
    expect(missing.status).toBe(404);
  });
});
