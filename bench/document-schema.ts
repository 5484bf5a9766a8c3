// The schema of the benchmark document (documents.ts), written once for any Zod: formwork and
// the AI SDK use Zod 4, zod-stream needs Zod 3. Only the API both share is used.
interface ZodLikeModule {
  object(shape: Record<string, unknown>): unknown;
  array(item: unknown): unknown;
  string(): { email(): unknown };
  number(): { int(): unknown };
  boolean(): unknown;
}

export function documentSchema<Z extends ZodLikeModule>(z: Z): ReturnType<Z["object"]> {
  const nullable = (schema: unknown) => (schema as { nullable(): unknown }).nullable();
  return z.object({
    report: z.string(),
    items: z.array(
      z.object({
        id: z.number().int(),
        title: z.string(),
        summary: z.string(),
        score: z.number(),
        count: z.number().int(),
        ratio: z.number(),
        published: z.boolean(),
        reviewer: nullable(z.object({ name: z.string(), email: z.string().email(), rating: z.number().int() })),
        tags: z.array(z.string()),
        sections: z.array(z.object({ heading: z.string(), body: z.string(), order: z.number().int() })),
      }),
    ),
  }) as ReturnType<Z["object"]>;
}
