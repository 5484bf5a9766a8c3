// Timing helpers for `npm run bench`: medians over repeated runs in this one process.

/** Runs `task` until `budgetMs` is spent (at least `minRuns`, at most `maxRuns`) and returns the median time in ms. */
export async function medianMs(
  task: () => unknown,
  { budgetMs = 1500, minRuns = 3, maxRuns = 25, warmupMs = 300 }: { budgetMs?: number; minRuns?: number; maxRuns?: number; warmupMs?: number } = {},
): Promise<number> {
  // Warm up for a while rather than a number of runs, so that small inputs are measured with
  // optimised code too, and large ones are not run needlessly often.
  const warming = performance.now();
  if (warmupMs > 0) {
    do await task();
    while (performance.now() - warming < warmupMs);
  }
  const times: number[] = [];
  const started = performance.now();
  while (times.length < minRuns || (times.length < maxRuns && performance.now() - started < budgetMs)) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const middle = times.length >> 1;
  return times.length % 2 === 1 ? (times[middle] as number) : ((times[middle - 1] as number) + (times[middle] as number)) / 2;
}

/**
 * The median, over `rounds` runs of `task` each after a full GC (when `--expose-gc` gives one),
 * of the CPU time the process spent on it (process.cpuUsage: every thread, GC and compiling
 * included), in µs. For work spread over many concurrent streams or calls, whose cost a wall
 * clock on a shared machine would not show.
 */
export async function medianCpuMicros(rounds: number, task: () => Promise<unknown>): Promise<number> {
  const used: number[] = [];
  for (let round = 0; round < rounds; round++) {
    (globalThis as { gc?: () => void }).gc?.();
    const cpu = process.cpuUsage();
    await task();
    const spent = process.cpuUsage(cpu);
    used.push(spent.user + spent.system);
  }
  return used.sort((a, b) => a - b)[used.length >> 1] as number;
}

/** Formats milliseconds with sensible precision. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Formats a ratio such as 12.3x. */
export function formatRatio(ratio: number): string {
  return ratio >= 100 ? `${ratio.toFixed(0)}x` : ratio >= 10 ? `${ratio.toFixed(1)}x` : `${ratio.toFixed(2)}x`;
}

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

/** Describes this machine for the record. */
export async function machineSummary(): Promise<string> {
  const os = await import("node:os");
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}
