/**
 * Time-window pruning for pass 2, like lnav's time index. Pass 1 notes a checkpoint (a record
 * start, its line and its time) about every MiB of each plain file. A request id can only matter
 * near the times of the instance's records that carry it, and the cache manager's lines only from
 * the instance's arrival on a host: so pass 2 searches each stretch of a file (from one checkpoint
 * to the next) only for the needles whose time window overlaps the stretch's times, and skips the
 * stretches where none does.
 *
 * This relies on a file being written in time order. A file whose checkpoints go back in time by
 * more than ORDER_TOLERANCE_MS, or lack a time, is searched whole; so are gzip files and stdin,
 * which cannot be read from an offset, unless pass 1 copied a gzip file's decompressed bytes to a
 * plain file (src/trace/run.ts): its checkpoints' offsets are the copy's, so it gets stretches too.
 */
import type { ByteRange, Checkpoint } from '../sources/source.js';

/** Default margin around a request's known times (`--request-window`): a request's records lie within minutes, an hour is generous. */
export const DEFAULT_REQUEST_WINDOW_MS = 60 * 60 * 1000;

/** How far back in time a checkpoint may go before the file counts as out of order; also widens every stretch's times. */
export const ORDER_TOLERANCE_MS = 60 * 1000;

/**
 * Longest merged search (bytes): between searches pass 2 drops the request ids found shared
 * meanwhile, so a periodic task's id stops costing a scan soon after it is seen shared.
 */
export const MAX_RANGE_BYTES = 32 * 1024 * 1024;

/** A needle and the times (epoch ms, inclusive; ±Infinity for open ends) in which it can matter. */
export interface TimedNeedle {
  needle: string;
  from: number;
  to: number;
}

/** One search of pass 2: a part of a file and the needles that matter there. */
export interface RangeSearch {
  range: ByteRange;
  needles: string[];
}

/** Whether a file's checkpoints (and its last record start, when known) can place its records in time: all timed, never going back by more than the tolerance. */
export function checkpointsUsable(checkpoints: readonly Checkpoint[], last: Checkpoint | null = null): boolean {
  if (checkpoints.length === 0) return false;
  let latest = -Infinity;
  for (const cp of last === null ? checkpoints : [...checkpoints, last]) {
    if (cp.time === null) return false;
    if (cp.time < latest - ORDER_TOLERANCE_MS) return false;
    latest = Math.max(latest, cp.time);
  }
  return true;
}

/**
 * The searches that cover every stretch where some needle can matter, each with only those
 * needles; adjacent stretches with the same needles are merged. Stretch i runs from checkpoint
 * i-1 (or the file's start) to checkpoint i (or its end), and its records' times lie between
 * the two checkpoints' (open-ended at the file's start and end), widened by ORDER_TOLERANCE_MS.
 * The last stretch reaches the time of the file's last record start when it is known (`last`).
 * Needles are given in a fixed order; each search lists them in that order. A merged search
 * grows to about maxBytes at most.
 */
export function planRangeSearches(
  checkpoints: readonly Checkpoint[],
  needles: readonly TimedNeedle[],
  { last = null, maxBytes = MAX_RANGE_BYTES }: { last?: Checkpoint | null; maxBytes?: number } = {},
): RangeSearch[] {
  const out: RangeSearch[] = [];
  let current: RangeSearch | null = null;
  let currentKey = '';
  for (let i = 0; i <= checkpoints.length; i++) {
    const start = i === 0 ? { offset: 0, line: 1, time: -Infinity } : checkpoints[i - 1]!;
    const end = i < checkpoints.length ? checkpoints[i]! : null;
    if (end !== null && end.offset <= start.offset) continue;
    const from = (start.time ?? -Infinity) - ORDER_TOLERANCE_MS;
    const to = (end === null ? last?.time ?? Infinity : end.time ?? Infinity) + ORDER_TOLERANCE_MS;
    const matter = needles.filter((n) => n.from <= to && n.to >= from).map((n) => n.needle);
    const key = matter.join('\n');
    if (current !== null && key === currentKey && (end === null || end.offset - current.range.offset <= maxBytes)) {
      current.range.end = end === null ? null : end.offset;
      continue;
    }
    current = null;
    if (matter.length === 0) continue;
    const range: RangeSearch['range'] = { offset: start.offset, line: start.line, end: end === null ? null : end.offset };
    // A reader starting mid-file needs the time it starts at (a fall-back hour is read in file order).
    if (i > 0) range.time = start.time;
    current = { range, needles: matter };
    currentKey = key;
    out.push(current);
  }
  return out;
}

/**
 * The needles worth a whole search of a file that cannot be read from an offset (gzip): those
 * whose windows overlap its times, from its first record start to its last (open-ended when the
 * last is unknown). Lines before the first record start continue a record of the file before,
 * written at most moments earlier: the tolerance covers them.
 */
export function wholeFileNeedles(checkpoints: readonly Checkpoint[], last: Checkpoint | null, needles: readonly TimedNeedle[]): string[] {
  const from = (checkpoints[0]?.time ?? -Infinity) - ORDER_TOLERANCE_MS;
  const to = (last?.time ?? Infinity) + ORDER_TOLERANCE_MS;
  return needles.filter((n) => n.from <= to && n.to >= from).map((n) => n.needle);
}
