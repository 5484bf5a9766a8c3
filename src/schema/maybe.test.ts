import fc from "fast-check";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { fromProvider } from "../client/from-provider.js";
import { ValidationError } from "../errors/validation-error.js";
import { toStrictSchema } from "../providers/openai/strict-schema.js";
import { partialStream } from "../stream/partial-stream.js";
import { startModelServer, type ModelServer } from "../testing/model-server.js";
import { hasResult, Maybe, MAYBE_DESCRIPTION, type MaybeValue } from "./maybe.js";
import { toSchemaAdapter } from "./schema-adapter.js";

const User = z.object({ name: z.string(), age: z.number().int() });

async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe("Maybe", () => {
  it("sends { result, error, message } with the description that says when to use error", () => {
    const schema = toSchemaAdapter(Maybe(User)).jsonSchema as Record<string, unknown>;
    expect(schema["description"]).toBe(MAYBE_DESCRIPTION);
    expect(schema["required"]).toEqual(["error"]);
    const properties = schema["properties"] as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties)).toEqual(["result", "error", "message"]);
    expect(properties["result"]?.["properties"]).toHaveProperty("name");
    // It fits OpenAI's strict subset: result and message become nullable.
    const strict = toStrictSchema(schema) as { properties: Record<string, { type?: unknown }>; required: string[] };
    expect(strict.required).toEqual(["result", "error", "message"]);
    expect(strict.properties["message"]?.type).toEqual(["string", "null"]);
  });

  it("keeps a recursive schema's references working: $defs move to the root", () => {
    type Node = { name: string; children: Node[] };
    const NodeSchema: z.ZodType<Node> = z.object({ name: z.string(), children: z.array(z.lazy(() => NodeSchema)) });
    const Tree = z.object({ root: NodeSchema });
    const schema = toSchemaAdapter(Maybe(Tree)).jsonSchema as Record<string, unknown>;
    const text = JSON.stringify(schema);
    for (const match of text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) expect((schema["$defs"] as Record<string, unknown>)[match[1] as string]).toBeDefined();
  });

  it("streams like any object: result's fields grow, and the final value is typed", async () => {
    const text = '{"result": {"name": "Ada Lovelace", "age": 36}, "error": false}';
    const stream = partialStream(Maybe(User), pieces(text, 3));
    const names: string[] = [];
    for await (const partial of stream) if (partial.result?.name !== undefined) names.push(partial.result.name);
    expect(names.length).toBeGreaterThan(3);
    expect(names.every((name, index) => index === 0 || name.startsWith(names[index - 1] as string))).toBe(true);
    const value = await stream.final;
    expect(hasResult(value)).toBe(true);
    if (hasResult(value)) expectTypeOf(value.result).toEqualTypeOf<{ name: string; age: number }>();
    expect(value).toEqual({ result: { name: "Ada Lovelace", age: 36 }, error: false });
  });

  it("an answer that is not there: error and message, no result", async () => {
    const value = await partialStream(Maybe(User), pieces('{"error": true, "message": "The text names nobody."}', 5)).final;
    expect(hasResult(value)).toBe(false);
    expect(value).toEqual({ error: true, message: "The text names nobody." });
  });

  it("the result's own checks run the moment it closes (an integer given 2.5 ends the stream there)", async () => {
    const stream = partialStream(Maybe(User), pieces('{"result": {"name": "A", "age": 2.5}, "error": false, "message": "' + "x".repeat(500) + '"}', 4));
    const error = await stream.final.catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).path).toEqual(["result", "age"]);
    expect((error as ValidationError).text.length).toBeLessThan(100);
  });

  it("error: false without a result is an issue at result, which a retry can fix", async () => {
    const error = await partialStream(Maybe(User), pieces('{"error": false}', 4)).final.catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toContainEqual(["result"]);
  });

  it("property: any Maybe value the schema admits validates to itself, whatever the chunking", async () => {
    const value = fc.oneof(
      fc.record({ result: fc.record({ name: fc.string(), age: fc.integer() }), error: fc.constant(false) }),
      fc.record({ error: fc.constant(true), message: fc.string() }),
    );
    await fc.assert(
      fc.asyncProperty(value, fc.integer({ min: 1, max: 9 }), async (given, size) => {
        expect(await partialStream(Maybe(User), pieces(JSON.stringify(given), size)).final).toEqual(given);
      }),
      { numRuns: 60 },
    );
  });

  it("the type guard narrows", () => {
    const value = { error: false, result: { name: "a", age: 1 } } as MaybeValue<{ name: string; age: number }>;
    if (hasResult(value)) expectTypeOf(value.result).toEqualTypeOf<{ name: string; age: number }>();
    else expectTypeOf(value.result).toEqualTypeOf<{ name: string; age: number } | undefined>();
  });
});

describe("Maybe through the client (offline server)", () => {
  let server: ModelServer | undefined;
  afterEach(async () => server?.close());

  it("every mode of the Chat Completions wire answers a Maybe, and a missing result is fed back and fixed", async () => {
    const seen: Record<string, unknown>[] = [];
    const isRetry = (request: Record<string, unknown>) => JSON.stringify(request["messages"]).includes("did not fit the schema");
    server = await startModelServer({
      scripts: [
        { match: "Who is Ada?", text: '{"result": {"name": "Ada", "age": 36}, "error": false}' },
        { match: (request) => (seen.push(request), isRetry(request)), text: '{"error": true, "message": "The text names nobody."}' },
        { match: "nobody", text: '{"error": false}' },
      ],
    });
    for (const mode of ["tools", "json_schema", "json", "md_json"] as const) {
      const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "k", mode });
      const value = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Who is Ada?" }], response_model: Maybe(User) });
      expect(value).toEqual({ result: { name: "Ada", age: 36 }, error: false });
    }
    const client = fromProvider({ provider: "offline", baseURL: server.url, apiKey: "k", mode: "tools" });
    const result = await client.chat.completions.createWithCompletion({ model: "m", messages: [{ role: "user", content: "nobody here" }], response_model: Maybe(User), max_retries: 1 });
    expect(result.data).toEqual({ error: true, message: "The text names nobody." });
    expect(result.attempts).toBe(2);
    expect(JSON.stringify(seen.at(-1)?.["messages"])).toContain("result: Give the result, or set `error` to true");
  });
});
