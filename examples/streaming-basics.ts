// `npm start`: Instructor's "Streaming Basics", in TypeScript, in the same order, with the same
// User model and the same four people. Runs against formwork's offline model server (with
// scripted answers that fit the prompts) unless OPENAI_API_KEY or OPENAI_BASE_URL is set, in
// which case it asks that provider the same questions.
import OpenAI from "openai";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { fromOpenAI } from "formwork";
import { connectModel, terminalOutput, type ScriptedAnswer, type TerminalOutput } from "formwork/testing";

const User = z.object({
  name: z.string().describe("The user's full name"),
  age: z.number().int().min(0).max(130),
  bio: z.string().describe("A short biography"),
});
type User = z.infer<typeof User>;

const ask = (content: string) => [{ role: "user" as const, content }];
const alice = ask("Create a user profile for Alice, who is 28 years old.");
const bob = ask("Create a user profile for Bob, a 35-year-old software developer.");
const carol = ask("Create a user profile for Carol, who is 42.");
const dave = ask("Create a user profile for Dave, who is 31.");
const everyone = ask("Create user profiles for Alice (28), Bob (35, a software developer), Carol (42) and Dave (31).");

// What a model would answer: the offline server streams these for the prompts above (it fills
// in schemas; it does not read prompts, so without a script the page would show random people).
const people = {
  alice: { name: "Alice", age: 28, bio: "Alice is a product designer in Lisbon who sketches every interface on paper before she opens a laptop." },
  bob: { name: "Bob", age: 35, bio: "Bob is a software developer who builds payment systems in Go and TypeScript, and mentors new hires." },
  carol: { name: "Carol", age: 42, bio: "Carol runs a small data-science consultancy and teaches statistics on weekends." },
  dave: { name: "Dave", age: 31, bio: "Dave is a site-reliability engineer who keeps a bakery's ordering system up at 4 a.m." },
} satisfies Record<string, User>;
export const scripts: readonly ScriptedAnswer[] = [
  { match: "Alice (28), Bob (35", text: JSON.stringify({ items: [people.alice, people.bob, people.carol, people.dave] }) },
  { match: "Alice, who is 28", text: JSON.stringify(people.alice) },
  { match: "Bob, a 35-year-old", text: JSON.stringify(people.bob) },
  { match: "Carol, who is 42", text: JSON.stringify(people.carol) },
  { match: "Dave, who is 31", text: JSON.stringify(people.dave) },
];

const show = (value: unknown) => JSON.stringify(value);
const bar = (ratio: number, width = 20) => `[${"#".repeat(Math.round(ratio * width)).padEnd(width, ".")}] ${String(Math.round(ratio * 100)).padStart(3)}%`;

export async function main(output: TerminalOutput = terminalOutput()): Promise<void> {
  const connection = await connectModel({ offline: { scripts, tokensPerSecond: output.isTerminal ? 120 : 4000 } });
  const { model } = connection;
  output.line(connection.isOffline ? `${connection.description} Its answers here are scripted to fit the prompts.` : connection.description);
  const client = fromOpenAI(new OpenAI({ baseURL: connection.baseURL, apiKey: connection.apiKey }), { mode: "tools" });
  const response_model = { schema: User, name: "User" };
  try {
    output.line("\n1. create with stream: true, each chunk, then the final user");
    const stream = await client.chat.completions.create({ model, messages: alice, response_model, stream: true });
    for await (const chunk of stream) output.redraw(`   chunk: ${show(chunk)}`);
    output.done();
    output.line(`   final: ${show(await stream.final)}`);

    output.line("\n2. createPartial: name, age and bio as they fill in");
    for await (const user of client.chat.completions.createPartial({ model, messages: bob, response_model })) {
      output.redraw(`   name: ${user.name ?? "…"} | age: ${user.age ?? "…"} | bio: ${user.bio ?? "…"}`);
    }
    output.done();

    output.line("\n3. A progress tracker on updates()");
    const fields = ["name", "age", "bio"] as const;
    for await (const update of client.chat.completions.createPartial({ model, messages: bob, response_model }).updates()) {
      const done = fields.filter((field) => update.state([field]) === "done");
      const writing = update.active?.[0] === undefined ? "" : ` | writing: ${String(update.active[0])}`;
      output.redraw(`   ${bar(update.progress.ratio)} done: ${done.join(", ") || "none"}${writing}`);
    }
    output.done();

    output.line("\n4. Async iteration: two users streaming at once");
    const latest: (Partial<User> | undefined)[] = [undefined, undefined];
    await Promise.all(
      [carol, dave].map(async (messages, index) => {
        for await (const user of client.chat.completions.createPartial({ model, messages, response_model })) {
          latest[index] = user;
          output.redraw(`   ${latest.map((item) => `${item?.name ?? "…"} (${item?.age ?? "…"})`).join("  |  ")}`);
        }
      }),
    );
    output.done();
    output.line(`   done: ${latest.map((user) => `${user?.name} (${user?.age})`).join(", ")}`);

    output.line("\n5. createIterable: several users, each the moment it is complete");
    let count = 0;
    for await (const user of client.chat.completions.createIterable({ model, messages: everyone, response_model })) {
      output.line(`   user ${++count}: ${user.name}, ${user.age}: ${user.bio}`);
    }

    output.line("\n6. A retry, live: the first answer breaks the schema, the errors go back, the second fits");
    const retried = client.chat.completions.createPartial({
      // The offline server's invalid-first fault; a real model needs no help to be wrong sometimes.
      model: connection.isOffline ? `${model}+invalid-first` : model,
      messages: alice,
      response_model,
      max_retries: 2,
    });
    let attempt = 1;
    for await (const update of retried.updates()) {
      if (update.attempt !== attempt) {
        output.done();
        output.line(`   attempt ${update.attempt - 1} did not validate: asking again with the errors`);
        attempt = update.attempt;
      }
      if (update.value !== undefined) output.redraw(`   attempt ${update.attempt}: ${show(update.value)}`);
    }
    output.done();
    const { data, attempts, usage } = await retried.result;
    output.line(`   valid after ${attempts} attempt(s): ${show(data)} (${usage.totalTokens} tokens in all)`);
  } finally {
    await connection.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
