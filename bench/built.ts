// The package as users get it: the compiled dist/ (`npm run bench` builds it first), typed by
// the sources it was built from. The load and per-read benchmarks run it rather than src/
// through tsx, whose transform adds a naming call to every closure made at run time.
import type * as Client from "../src/client/index.js";
import type * as ReadSse from "../src/http/read-sse.js";
import type * as Node from "../src/node/index.js";
import type * as ChatChunk from "../src/providers/openai/decode-chat-chunk.js";
import type * as Stream from "../src/stream/index.js";
import type * as Pull from "../src/stream/pull.js";

const load = async <T>(path: string): Promise<T> => {
  try {
    return (await import(new URL(`../dist/${path}`, import.meta.url).href)) as T;
  } catch (error) {
    throw new Error(`bench: dist/${path} is missing or stale: run \`npm run build\` first (npm run bench does)`, { cause: error });
  }
};

export const built = {
  client: await load<typeof Client>("client/index.js"),
  node: await load<typeof Node>("node/index.js"),
  stream: await load<typeof Stream>("stream/index.js"),
  pull: await load<typeof Pull>("stream/pull.js"),
  readSse: await load<typeof ReadSse>("http/read-sse.js"),
  chatChunk: await load<typeof ChatChunk>("providers/openai/decode-chat-chunk.js"),
};
