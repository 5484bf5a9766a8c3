// `npm start`: Instructor's "Streaming Basics", in TypeScript, in the same order, with the same
// User model. Runs against formwork's offline model server unless OPENAI_API_KEY or
// OPENAI_BASE_URL is set, in which case it runs against that provider unchanged.
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "../src/index.js";
import { connect, consoleOutput, progressBar, type Output } from "./support/connect.js";

const User = z.object({
  name: z.string().describe("The user's full name"),
  age: z.number().int().min(0).max(130),
  bio: z.string().describe("A short biography"),
});
type User = z.infer<typeof User>;

const messages = [{ role: "user" as const, content: "Create a user profile for a software engineer named Ada, with a short bio." }];

const show = (value: unknown) => JSON.stringify(value);

export async function main(output: Output = consoleOutput()): Promise<void> {
  const connection = await connect();
  const { model } = connection;
  output.line(
    connection.isOffline
      ? `No OPENAI_API_KEY or OPENAI_BASE_URL: using formwork's offline model server at ${connection.baseURL} (it fills in schemas; it does not read prompts).`
      : `Using ${connection.baseURL} with model ${model}.`,
  );
  const client = fromOpenAI(connection.openai, { mode: "tools" });
  try {
    output.line("\n1. create with stream: true, each chunk, then the final user");
    const stream = await client.chat.completions.create({ model, messages, response_model: { schema: User, name: "User" }, stream: true });
    for await (const chunk of stream) output.redraw(`   chunk: ${show(chunk)}`);
    output.done();
    output.line(`   final: ${show(await stream.final)}`);

    output.line("\n2. createPartial: name, age and bio as they fill in");
    for await (const user of client.chat.completions.createPartial({ model, messages, response_model: { schema: User, name: "User" } })) {
      output.redraw(`   name: ${user.name ?? "…"} | age: ${user.age ?? "…"} | bio: ${user.bio ?? "…"}`);
    }
    output.done();

    output.line("\n3. A progress tracker on updates()");
    const tracked = client.chat.completions.createPartial({ model, messages, response_model: { schema: User, name: "User" } });
    for await (const { progress, value } of tracked.updates()) {
      const filled = Object.keys(value ?? {}).filter((field) => ["name", "age", "bio"].includes(field));
      output.redraw(`   ${progressBar(progress.ratio)} fields so far: ${filled.join(", ") || "none"}`);
    }
    output.done();

    output.line("\n4. Async iteration: two users streaming at once");
    const people = ["a data scientist named Grace", "a designer named Alan"];
    const latest: (Partial<User> | undefined)[] = [undefined, undefined];
    await Promise.all(
      people.map(async (who, index) => {
        const request = [{ role: "user" as const, content: `Create a user profile for ${who}.` }];
        for await (const user of client.chat.completions.createPartial({ model, messages: request, response_model: { schema: User, name: "User" } })) {
          latest[index] = user;
          output.redraw(`   ${latest.map((item) => item?.name ?? "…").join("  |  ")}`);
        }
      }),
    );
    output.done();
    output.line(`   done: ${latest.map((user) => `${user?.name} (${user?.age})`).join(", ")}`);

    output.line("\n5. createIterable: several users, each the moment it is complete");
    const crowd = [{ role: "user" as const, content: "Create three user profiles for a small startup team." }];
    let count = 0;
    for await (const user of client.chat.completions.createIterable({ model, messages: crowd, response_model: { schema: User, name: "User" } })) {
      output.line(`   user ${++count}: ${user.name}, ${user.age}`);
    }

    output.line("\n6. A retry, live: the first answer breaks the schema, the errors go back, the second fits");
    const retried = client.chat.completions.createPartial({
      // The offline server's invalid-first fault; a real model needs no help to be wrong sometimes.
      model: connection.isOffline ? `${model}+invalid-first` : model,
      messages,
      response_model: { schema: User, name: "User" },
      max_retries: 2,
    });
    let attempt = 1;
    let shown = "";
    for await (const update of retried.updates()) {
      if (update.attempt !== attempt) {
        output.done();
        output.line(`   attempt ${update.attempt - 1} did not validate: asking again with the errors`);
        attempt = update.attempt;
      }
      // A record may only say that a field closed: redraw when the value changed.
      const text = `   attempt ${update.attempt}: ${show(update.value)}`;
      if (update.value !== undefined && text !== shown) output.redraw((shown = text));
    }
    output.done();
    const { data, attempts, usage } = await retried.result;
    output.line(`   valid after ${attempts} attempt(s): ${show(data)} (${usage.totalTokens} tokens in all)`);
  } finally {
    await connection.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
