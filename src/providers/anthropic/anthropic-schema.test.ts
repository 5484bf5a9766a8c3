import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toAnthropicSchema } from "./anthropic-schema.js";

const inputSchema = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  delete json["$schema"];
  return json;
};

describe("toAnthropicSchema", () => {
  it("closes every object, keeps optional fields optional, and moves what it cannot take into descriptions", () => {
    const schema = toAnthropicSchema(
      inputSchema(z.object({ name: z.string().min(2), nickname: z.string().optional(), email: z.email(), tags: z.array(z.string()).min(1).max(3), code: z.string().regex(/^[A-Z]{3}$/), kind: z.union([z.object({ a: z.number().max(5) }), z.literal("none")]) })),
    );
    expect(schema).toMatchObject({ type: "object", additionalProperties: false, required: ["name", "email", "tags", "code", "kind"] });
    const properties = schema["properties"] as Record<string, Record<string, unknown>>;
    expect(properties["name"]).toEqual({ type: "string", description: "(minLength: 2)" });
    expect(properties["email"]).toMatchObject({ type: "string", format: "email" });
    expect(properties["tags"]).toMatchObject({ type: "array", minItems: 1, description: "(maxItems: 3)" });
    expect(String(properties["code"]?.["description"])).toContain("pattern");
    expect((properties["kind"]?.["anyOf"] as Record<string, unknown>[])[0]).toMatchObject({ additionalProperties: false, properties: { a: { type: "number", description: "(maximum: 5)" } } });
  });

  it("names the path of what cannot be expressed", () => {
    expect(() => toAnthropicSchema(inputSchema(z.object({ scores: z.record(z.string(), z.number()) })))).toThrow(expect.objectContaining({ path: "#/properties/scores/additionalProperties" }));
    expect(() => toAnthropicSchema({ type: "object", properties: { anything: {} } })).toThrow(expect.objectContaining({ path: "#/properties/anything", code: "unsupported-schema" }));
    expect(() => toAnthropicSchema({ type: "array", items: { type: "string" } })).toThrow(/root must be an object/);
  });
});
