import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UnsupportedSchemaError } from "../../errors/unsupported-schema-error.js";
import { toStrictSchema } from "./strict-schema.js";

const inputSchema = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  delete json["$schema"];
  return json;
};

describe("toStrictSchema", () => {
  it("requires every property, sends optional ones as nullable, closes every object", () => {
    const schema = z.object({
      name: z.string().min(2).describe("Full name"),
      nickname: z.string().optional(),
      age: z.number().int().default(0),
      email: z.email().nullable(),
      role: z.enum(["admin", "member"]).optional(),
      address: z.object({ city: z.string(), zip: z.string().regex(/^\d{5}$/).optional() }).optional(),
      tags: z.array(z.string()).max(3),
    });
    const strict = toStrictSchema(inputSchema(schema));
    expect(strict["required"]).toEqual(["name", "nickname", "age", "email", "role", "address", "tags"]);
    expect(strict["additionalProperties"]).toBe(false);
    const properties = strict["properties"] as Record<string, Record<string, unknown>>;
    expect(properties["name"]).toEqual({ type: "string", description: "Full name (minLength: 2)" });
    expect(properties["nickname"]).toEqual({ type: ["string", "null"] });
    expect(properties["age"]?.["type"]).toEqual(["integer", "null"]);
    expect((properties["email"]?.["anyOf"] as Record<string, unknown>[]).map((option) => option["type"])).toEqual(["string", "null"]);
    expect(properties["role"]).toEqual({ anyOf: [{ type: "string", enum: ["admin", "member"] }, { type: "null" }] });
    const address = properties["address"] as Record<string, unknown>;
    expect(address).toMatchObject({ type: ["object", "null"], required: ["city", "zip"], additionalProperties: false });
    expect((address["properties"] as Record<string, Record<string, unknown>>)["zip"]).toMatchObject({ type: ["string", "null"] });
    expect(String((address["properties"] as Record<string, Record<string, unknown>>)["zip"]?.["description"])).toContain("pattern");
    expect(properties["tags"]).toEqual({ type: "array", items: { type: "string" }, description: "(maxItems: 3)" });
  });

  it("turns oneOf into anyOf and converts every option and definition", () => {
    const strict = toStrictSchema({
      type: "object",
      properties: { shape: { oneOf: [{ type: "object", properties: { r: { type: "number" } } }, { $ref: "#/$defs/Square" }] } },
      required: ["shape"],
      $defs: { Square: { type: "object", properties: { side: { type: "number", minimum: 0 } }, required: ["side"] } },
    });
    const shape = (strict["properties"] as Record<string, Record<string, unknown>>)["shape"] as Record<string, unknown>;
    expect(shape["oneOf"]).toBeUndefined();
    expect((shape["anyOf"] as Record<string, unknown>[])[0]).toMatchObject({ additionalProperties: false, required: ["r"] });
    expect((strict["$defs"] as Record<string, Record<string, unknown>>)["Square"]).toMatchObject({ additionalProperties: false });
  });

  it("names the path of what cannot be expressed", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [inputSchema(z.object({ scores: z.record(z.string(), z.number()) })), "#/properties/scores/additionalProperties", "record"],
      [inputSchema(z.object({ point: z.tuple([z.number(), z.number()]) })), "#/properties/point/prefixItems", "tuples"],
      [{ type: "object", properties: { a: { allOf: [{ type: "string" }] } } }, "#/properties/a/allOf", "allOf"],
      [{ type: "object", properties: { a: {} } }, "#/properties/a", "any type"],
      [{ type: "array", items: { type: "string" } }, "#", "root must be an object"],
    ];
    for (const [schema, path, reason] of cases) {
      let error: unknown;
      try {
        toStrictSchema(schema);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UnsupportedSchemaError);
      expect(error).toMatchObject({ path, code: "unsupported-schema" });
      expect((error as Error).message).toContain(reason);
    }
  });
});
