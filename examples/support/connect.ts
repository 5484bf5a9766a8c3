// Connects the examples to a model: the real provider when OPENAI_API_KEY or OPENAI_BASE_URL is
// set, otherwise formwork's offline model server on a free port.
import OpenAI from "openai";
import { startModelServer } from "../../src/testing/index.js";

export interface Connection {
  readonly openai: OpenAI;
  readonly baseURL: string;
  readonly model: string;
  readonly isOffline: boolean;
  close(): Promise<void>;
}

/** Where examples print: a terminal can redraw a line, a pipe gets plain lines. */
export interface Output {
  readonly isTerminal: boolean;
  line(text: string): void;
  /** Redraws the current line in a terminal; prints a plain line otherwise. */
  redraw(text: string): void;
  /** Ends a redrawn line. */
  done(): void;
}

export function consoleOutput(): Output {
  const isTerminal = process.stdout.isTTY === true;
  let isDrawing = false;
  let lastRedraw = "";
  return {
    isTerminal,
    line: (text) => {
      if (isDrawing) process.stdout.write("\n");
      isDrawing = false;
      console.log(text);
    },
    redraw: (text) => {
      // Piped: a plain line for each state, never the same line twice.
      if (!isTerminal) {
        if (text !== lastRedraw) console.log(text);
        lastRedraw = text;
        return;
      }
      const width = process.stdout.columns ?? 100;
      process.stdout.write(`\x1b[2K\r${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
      isDrawing = true;
    },
    done: () => {
      if (isDrawing) process.stdout.write("\n");
      isDrawing = false;
    },
  };
}

/** A progress bar such as `[#######.............]  35%`. */
export function progressBar(ratio: number, width = 20): string {
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
}

export async function connect(options: { readonly tokensPerSecond?: number } = {}): Promise<Connection> {
  const key = process.env["OPENAI_API_KEY"];
  const base = process.env["OPENAI_BASE_URL"];
  const model = process.env["OPENAI_MODEL"] ?? "gpt-4o-mini";
  if (key !== undefined || base !== undefined) {
    const openai = new OpenAI({ apiKey: key ?? "none", ...(base === undefined ? {} : { baseURL: base }) });
    return { openai, baseURL: openai.baseURL, model, isOffline: false, close: async () => undefined };
  }
  const server = await startModelServer({ tokensPerSecond: options.tokensPerSecond ?? (process.stdout.isTTY === true ? 120 : 4000) });
  return { openai: new OpenAI({ apiKey: "offline", baseURL: server.url }), baseURL: server.url, model, isOffline: true, close: () => server.close() };
}

/** Runs `body` with a connection, closing it (and the offline server) afterwards. */
export async function withConnection<T>(body: (connection: Connection) => Promise<T>, options?: { readonly tokensPerSecond?: number }): Promise<T> {
  const connection = await connect(options);
  try {
    return await body(connection);
  } finally {
    await connection.close();
  }
}
