// `formwork serve`: the offline model server, in the foreground until Ctrl-C.
import { startModelServer } from "../testing/model-server.js";
import { numberOption, parseOptions, type Command } from "./command.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "run the offline model server (five provider wires, on loopback)",
  help: `Usage: formwork serve [--port N] [--seed N] [--tokens-per-second N]

Runs formwork's offline model server on 127.0.0.1 until Ctrl-C. It speaks, streaming and not:
  OpenAI Chat Completions   POST /v1/chat/completions
  OpenAI Responses API      POST /v1/responses
  Anthropic Messages        POST /v1/messages
  Gemini generateContent    POST /v1beta/models/{model}:streamGenerateContent
  Ollama native chat        POST /api/chat
with tools, structured-output formats and usage. It is a stand-in that fills in schemas with
sample data (the same for the same seed and request), not a model that understands prompts.

Options:
  --port N                 port to listen on (default 0: any free port, printed at start)
  --seed N                 seed of the sample data (default 1)
  --tokens-per-second N    streaming pace (default 0: as fast as the socket takes it)
  -h, --help               this help

Faults on request, by the header x-formwork-fault or a model suffix such as
gpt-4o-mini+invalid-first: invalid-first, length, drop, error, 429, slow-first-token.

Example:
  formwork serve --port 8787 --seed 7
  OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=offline node my-app.js`,

  async run(args, io) {
    const { values } = parseOptions(args, { port: { type: "string" }, seed: { type: "string" }, "tokens-per-second": { type: "string" } });
    if (values.help === true) {
      io.stdout(`${serveCommand.help}\n`);
      return 0;
    }
    const port = numberOption(values.port, "port", { max: 65535, isInteger: true });
    const seed = numberOption(values.seed, "seed", { isInteger: true });
    const tokensPerSecond = numberOption(values["tokens-per-second"], "tokens-per-second", { max: 1_000_000 });
    const server = await startModelServer({
      ...(port === undefined ? {} : { port }),
      ...(seed === undefined ? {} : { seed }),
      ...(tokensPerSecond === undefined ? {} : { tokensPerSecond }),
    });
    io.stdout(`formwork offline model server at ${server.url} (OPENAI_BASE_URL=${server.url}); Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    io.stdout("stopped\n");
    return 0;
  },
};
