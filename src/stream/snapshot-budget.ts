// How often a snapshot that copies a long array may be taken, at either end of a stream: the
// server's PartialParser (partialStream's rule 7) and the browser's PatchDecoder. A snapshot
// copies the open arrays on the path being written (unchanged items are shared, but the array
// holding them is new), a pointer per item; taken after every chunk, that copying grows with
// items × chunks. Spacing the snapshots of a long array by the text (or the time) since the
// previous one keeps it linear in the text.

/** How many array entries a snapshot may copy, for what came since the previous one. */
export interface SnapshotBudget {
  /** Per character read since the previous snapshot. */
  readonly copiesPerCharacter: number;
  /** Per millisecond since the previous costly snapshot (text that comes slowly leaves the time to copy). */
  readonly copiesPerMillisecond: number;
  /** A snapshot that copies no more than this is always affordable. */
  readonly small: number;
}

/**
 * The server's stream (PartialParser). At 64 copies per character, a 1,000-item array gets a
 * snapshot every 16 characters or so, a 16,000-item one every 250, when text comes faster than
 * that; at a model's real pace, every chunk gets one. 1,000 per millisecond is about 1 ms of
 * copying per second at most. Arrays of up to about 500 items get one per chunk, however small
 * the chunks.
 */
export const STREAM_SNAPSHOT_BUDGET: SnapshotBudget = { copiesPerCharacter: 64, copiesPerMillisecond: 1000, small: 512 };

/**
 * True when a snapshot that copies about `cost` array entries is paid for by the `characters`
 * read since the previous one, or by the time since `previousTime` (a `performance.now()` of
 * the previous costly snapshot): the spacing only applies to text that comes faster than its
 * snapshots can be copied.
 */
export function isSnapshotAffordable(budget: SnapshotBudget, cost: number, characters: number, previousTime: number): boolean {
  if (cost <= budget.small || cost <= budget.copiesPerCharacter * characters) return true;
  return cost <= budget.copiesPerMillisecond * (performance.now() - previousTime);
}
