// Where a demo prints. In a terminal one line is redrawn as a value grows; piped, each state
// becomes a plain line (never the same one twice), so logs and CI read well; in a test, lines
// are captured. Node only (process.stdout).

/** A line printer that can also redraw its last line. */
export interface TerminalOutput {
  /** True when lines are redrawn in place (stdout is a terminal). */
  readonly isTerminal: boolean;
  /** Prints a line (ending a redrawn one first). */
  line(text: string): void;
  /** Redraws the current line in a terminal; prints a plain line otherwise, skipping repeats. */
  redraw(text: string): void;
  /** Ends a redrawn line. */
  done(): void;
}

/** What `terminalOutput` writes to: `process.stdout`, or anything shaped like it. */
export interface TextStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/**
 * Prints to `process.stdout` (or another stream).
 *
 * @example
 * const output = terminalOutput();
 * for await (const user of stream) output.redraw(`name: ${user.name ?? "…"}`);
 * output.done();
 */
export function terminalOutput(stdout: TextStream = process.stdout): TerminalOutput {
  const isTerminal = stdout.isTTY === true;
  let isDrawing = false;
  let lastRedraw: string | undefined;
  const end = () => {
    if (isDrawing) stdout.write("\n");
    isDrawing = false;
  };
  return {
    isTerminal,
    line: (text) => {
      end();
      lastRedraw = undefined;
      stdout.write(`${text}\n`);
    },
    redraw: (text) => {
      if (text === lastRedraw) return;
      lastRedraw = text;
      if (!isTerminal) {
        stdout.write(`${text}\n`);
        return;
      }
      // Clear the line and write it again, cut to the terminal's width so it never wraps.
      const width = stdout.columns ?? 100;
      stdout.write(`\x1b[2K\r${text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text}`);
      isDrawing = true;
    },
    done: end,
  };
}

/** A `TerminalOutput` that keeps its lines (each redraw is a line), for tests of demos. */
export function capturedOutput(): TerminalOutput & { readonly lines: string[] } {
  const lines: string[] = [];
  let lastRedraw: string | undefined;
  return {
    isTerminal: false,
    lines,
    line: (text) => {
      lastRedraw = undefined;
      lines.push(text);
    },
    redraw: (text) => {
      if (text !== lastRedraw) lines.push(text);
      lastRedraw = text;
    },
    done: () => undefined,
  };
}
