// The seed's User, shared by the demo's server (which validates with it) and its page (which
// only takes its type: the page needs no schema library at run time).
import { z } from "zod";

export const User = z.object({
  name: z.string().describe("The user's full name"),
  age: z.number().int().min(0).max(130),
  bio: z.string().describe("A short biography"),
});
export type User = z.infer<typeof User>;

/** The fields in the order the model writes them. */
export const USER_FIELDS = ["name", "age", "bio"] as const;
