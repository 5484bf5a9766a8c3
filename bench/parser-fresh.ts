// Child of the idle benchmark: times the first document this process parses (argv[2]: its size).
import { documentValue, tokenChunks } from "./documents.js";
import { parseChunks } from "./parser-idle.js";

const chunks = tokenChunks(JSON.stringify(documentValue(Number(process.argv[2]))));
const start = performance.now();
parseChunks(chunks);
console.log(performance.now() - start);
