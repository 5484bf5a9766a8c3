// The batch run's progress: a redrawn bar in a terminal, plain lines when piped (Node).
import type { BatchProgress } from "../batch/batch-result.js";

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

/** One line for a progress snapshot: done/total, rate, tokens, errors, time left. */
export function describeProgress(progress: BatchProgress, width = 24): string {
  const finished = progress.skipped + progress.succeeded + progress.failed + progress.invalid;
  const parts: string[] = [];
  if (progress.total !== undefined && progress.total > 0) {
    const ratio = Math.min(1, finished / progress.total);
    const filled = Math.round(ratio * width);
    parts.push(`[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${finished}/${progress.total}`);
  } else parts.push(`${finished} done`);
  parts.push(`${progress.itemsPerSecond.toFixed(1)} items/s`, `${progress.usage.totalTokens.toLocaleString("en-US")} tokens`, `${progress.failed} failed`);
  if (progress.invalid > 0) parts.push(`${progress.invalid} bad input`);
  if (progress.pausedUntil !== undefined) parts.push(`paused by a 429 for ${duration(progress.pausedUntil - Date.now())}`);
  else if (progress.etaMs !== undefined) parts.push(`${duration(progress.etaMs)} left`);
  return parts.join(" · ");
}

/**
 * Shows progress on a stream: in a terminal the line is redrawn at most 10 times a second; when
 * piped, a plain line at most every `intervalMs` (default 2 s), so logs stay readable.
 */
export function progressReporter(stream: NodeJS.WriteStream, options: { isTerminal?: boolean; intervalMs?: number } = {}) {
  const isTerminal = options.isTerminal ?? stream.isTTY === true;
  const interval = isTerminal ? 100 : (options.intervalMs ?? 2000);
  let last = 0;
  let latest: BatchProgress | undefined;
  let hasDrawn = false;
  const draw = (progress: BatchProgress) => {
    const line = describeProgress(progress);
    if (isTerminal) {
      stream.write(`\r\x1b[2K${line}`);
      hasDrawn = true;
    } else stream.write(`${line}\n`);
  };
  return {
    update(progress: BatchProgress) {
      latest = progress;
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      draw(progress);
    },
    /** Draws the last snapshot and ends the redrawn line. */
    finish() {
      if (latest !== undefined) draw(latest);
      if (isTerminal && hasDrawn) stream.write("\n");
    },
  };
}
