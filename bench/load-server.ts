// The offline model server for the load benchmark, in its own process: it streams LOAD_ANSWER
// at the rate given (argv[2], tokens per second) and prints its URL.
import { startModelServer } from "../src/testing/model-server.js";
import { LOAD_ANSWER } from "./load-answer.js";

const server = await startModelServer({ tokensPerSecond: Number(process.argv[2] ?? 50), scripts: [{ match: () => true, text: LOAD_ANSWER }] });
console.log(server.url);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
