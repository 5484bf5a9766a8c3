// `npm run bench`: every benchmark, in one process, printed as markdown.
import { benchJsonParsers } from "./json-parsers.js";
import { benchEndToEnd } from "./end-to-end.js";
import { benchLoad } from "./load.js";
import { benchMemory } from "./memory.js";
import { benchSchemaStreams } from "./schema-streams.js";
import { benchBatch } from "./batch.js";
import { benchStreamRules } from "./stream-rules.js";
import { machineSummary } from "./measure.js";

console.log(`## Run of ${new Date().toISOString().slice(0, 10)} on ${await machineSummary()}\n`);
const only = process.argv[2];
if (only === undefined || only === "json") console.log(await benchJsonParsers(), "\n");
if (only === undefined || only === "memory") console.log(await benchMemory(), "\n");
if (only === undefined || only === "schema") console.log(await benchSchemaStreams(), "\n");
if (only === undefined || only === "rules") console.log(await benchStreamRules(), "\n");
if (only === undefined || only === "end-to-end") console.log(await benchEndToEnd(), "\n");
if (only === "batch") console.log(await benchBatch(process.argv[3]?.split(",")), "\n");
if (only === undefined || only === "transport") console.log(await (await import("./transport.js")).benchTransport(), "\n");
if (only === "per-call") console.log(await (await import("./per-call.js")).benchPerCall(), "\n");
if (only === "per-read") console.log(await (await import("./per-read.js")).benchPerRead(process.argv[3]?.split(",").map(Number)), "\n");
if (only === "load") console.log(await benchLoad(process.argv[3]?.split(",").map(Number)), "\n");
