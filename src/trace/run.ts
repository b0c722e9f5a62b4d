/**
 * Runs a trace over real sources, ripgrep-like: the sources layer scans raw bytes for needles and
 * frames whole records around each hit, the records layer parses only those, InstanceTrace
 * decides, and the sink shows. Pass 1 looks for the instance id; pass 2 for its candidate
 * requests' ids and, on the hosts it lived on, the image cache manager's lines. Memory holds
 * the records that can belong to the answer, never a whole file. Pass 1 also notes checkpoints
 * (a record start and its time about every MiB) so that pass 2 searches each plain file only
 * where its needles' times can be (src/trace/prune.ts); a gzip file cannot be read from an
 * offset, so pass 1 copies its decompressed bytes to a temporary file (removed when the trace
 * ends) and pass 2 reads stretches of the copy instead. On large inputs pass 1 searches the
 * sources in parallel (the main thread and worker threads, src/trace/search-pool.ts) and feeds
 * their outcomes to the correlator in source order, so the answer is the same either way.
 */
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SourceFile } from '../sources/source.js';
import { spoolBudget, type SpoolTarget } from '../sources/tee.js';
import type { SourceReport } from '../sources/report.js';
import { CACHE_CUES, type ParseOptions } from '../records/index.js';
import type { LogRecord } from '../records/record.js';
import { InstanceTrace, type CorrelateOptions, type Pass2Plan, type TraceResult } from './correlate.js';
import type { FoundRecord } from './types.js';
import { summarize } from './summary.js';
import { applyClock, clockShifts, estimateClock } from './clock.js';
import type { TraceSink } from './sink.js';
import { checkpointsUsable, DEFAULT_REQUEST_WINDOW_MS, planRangeSearches, wholeFileNeedles, type RangeSearch, type TimedNeedle } from './prune.js';
import { blockHasLiveNeedle, runSearchJob, type FileTimes, type JobResult, type SearchJob } from './search-job.js';
import { defaultPoolSize, POOL_MIN_BYTES, SearchPool } from './search-pool.js';
import { searchCost } from '../sources/worker-pool.js';
import { makeTempDir, type TempDir } from './spool.js';

export interface RunOptions extends CorrelateOptions {
  /** Zone and per-host clock offsets, passed to the parsers. */
  parse?: Pick<ParseOptions, 'tz' | 'offsets' | 'oslo'>;
  report: SourceReport;
  /** Bytes of stored input consumed so far over both passes, and the total to consume. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Margin (ms) around the times of a request's pass-1 records, and before the instance's arrival
   * on a host, outside which pass 2 skips a plain file's stretches (`--request-window`; default
   * one hour; Infinity: search every file whole).
   */
  requestWindowMs?: number;
  /** Decompressed bytes between pass 1's checkpoints (default 1 MiB; tests use small ones). */
  checkpointBytes?: number;
  /** Told pass 2's searches of each source before they run (what is read, for which needles). */
  onPass2Plan?: (source: SourceFile, searches: readonly RangeSearch[]) => void;
  /**
   * Pass 1 searches with this many searchers at once, the main thread and `workers - 1` worker
   * threads, for any input of two sources or more (0 or 1: the main thread alone). Default: as
   * many as there are cores, up to MAX_POOL_SIZE, for inputs over POOL_MIN_BYTES; else none.
   */
  workers?: number;
  /** The pool's worker entry (tests: one that fails). */
  workerUrl?: URL;
  /**
   * Bytes pass 1 may write, all gzip sources together, to copy their decompressed bytes into a
   * private temporary folder, so that pass 2 reads only stretches of them as of plain files
   * (default DEFAULT_SPOOL_LIMIT, and never more than 90% of the free space there; 0: no copies,
   * pass 2 inflates gzip sources again). A source that would pass the limit is not copied.
   */
  spoolLimit?: number;
  /**
   * Estimate each host's clock offset from causal pairs and take it off its records' times
   * (`--auto-offset`); hosts with an explicit offset in `parse.offsets` keep theirs.
   */
  autoOffset?: boolean;
}

/** Default of RunOptions.spoolLimit: 2 GiB. */
export const DEFAULT_SPOOL_LIMIT = 2 * 1024 * 1024 * 1024;

export async function runTrace(sources: readonly SourceFile[], opts: RunOptions): Promise<TraceResult> {
  const spool = await openGzipSpool(sources, opts.spoolLimit ?? DEFAULT_SPOOL_LIMIT);
  try {
    const result = await traceSources(sources, opts, spool?.targets ?? new Map());
    return opts.autoOffset === true ? withClock(result, new Set(opts.parse?.offsets?.keys() ?? [])) : result;
  } finally {
    await spool?.dir.cleanup();
  }
}

/** The result with clock offsets estimated from its causal pairs and applied (explicit offsets win). */
export function withClock(result: TraceResult, fixed: ReadonlySet<string>): TraceResult {
  const clock = estimateClock(result.records.map((t) => t.record), fixed);
  const shift = clockShifts(clock);
  const by = (host: string | null): number => (host === null ? 0 : shift.get(host) ?? 0);
  return {
    ...result,
    clock,
    records: applyClock(result.records, clock),
    stays: result.stays.map((s) => ({ ...s, first: s.first - by(s.host), last: s.last - by(s.host) })),
    images: result.images.map((i) => i.lastAction === null || i.lastAction.time === null ? i
      : { ...i, lastAction: { ...i.lastAction, time: i.lastAction.time - by(i.host) } }),
  };
}

/**
 * Where pass 1 copies each gzip source (null: nowhere): a private temporary folder, removed when
 * the trace ends, and a byte budget shared by the copies (also by those made in workers).
 */
async function openGzipSpool(sources: readonly SourceFile[], limit: number): Promise<{ dir: TempDir; targets: Map<SourceFile, SpoolTarget> } | null> {
  if (!(limit > 0) || !sources.some((s) => s.gzip)) return null;
  let budget = limit;
  try {
    const fs = await statfs(tmpdir());
    budget = Math.min(budget, Math.floor(fs.bavail * fs.bsize * 0.9));
  } catch {
    // Free space unknown: the limit alone, and a write error drops a copy.
  }
  if (budget <= 0) return null;
  let dir: TempDir;
  try {
    dir = await makeTempDir();
  } catch {
    return null; // no temporary folder: pass 2 inflates gzip sources again, as without copies
  }
  const shared = spoolBudget(budget);
  const targets = new Map<SourceFile, SpoolTarget>();
  sources.forEach((source, i) => {
    if (source.gzip) targets.set(source, { path: path.join(dir.dir, `gzip-${i}`), budget: shared });
  });
  return { dir, targets };
}

async function traceSources(sources: readonly SourceFile[], opts: RunOptions, spools: ReadonlyMap<SourceFile, SpoolTarget>): Promise<TraceResult> {
  const trace = new InstanceTrace(opts);
  const parse = opts.parse ?? {};
  const margin = opts.requestWindowMs ?? DEFAULT_REQUEST_WINDOW_MS;
  const total = 2 * totalSize(sources);
  let done = 0;

  // Pass 1. Nova writes UUIDs in lower case; the id is searched as such (one needle, like grep -F).
  const checkpoints = new Map<SourceFile, FileTimes>();
  const requestTimes = new RequestTimes();
  const onFound = (found: FoundRecord): void => {
    if (trace.addPass1(found)) requestTimes.note(found.record);
  };
  const workers = poolSizeFor(sources, opts);
  if (workers >= 2) {
    await pass1Pooled(sources, opts, new SearchPool(workers, opts.workerUrl), onFound, checkpoints, spools);
    done = total / 2;
  } else {
    for (const source of sources) {
      const times = await search(source, [{ range: WHOLE, needles: [opts.instanceId] }], true, onFound, source, spools.get(source));
      // What pass 2 may skip of it (a file named .log may hold gzip data: `seekable` says).
      if (times !== null) checkpoints.set(source, times);
    }
  }

  // Pass 2, each source only where its needles can matter, in the main thread: the requests found
  // shared in the first stretches make the next ones cheap or skipped, so pass 2 gains little from
  // parallel searches (measured) and would cost a worker's memory.
  const plan = trace.planPass2();
  const cacheNeedles = plan.imageNeedles.length > 0 ? plan.imageNeedles : CACHE_CUES;
  // Times of pass 2's findings place pass 3's needles (pass 2's own windows stay those of pass 1).
  const laterTimes = new RequestTimes();
  const onLater = (found: FoundRecord): void => {
    laterTimes.note(found.record);
    trace.addPass2(found);
  };
  const live = (ids: readonly string[]): string[] => ids.filter((id) => trace.liveRequestIds().has(id));
  for (const source of pass2Order(sources, plan)) {
    const timed = pass2TimedNeedles(live(plan.requestIds), plan, cacheNeedles, source, requestTimes, margin);
    const times = checkpoints.get(source) ?? null;
    const { read, readTimes } = pass2Input(source, times);
    const searches = pass2Searches(timed, readTimes, margin);
    opts.onPass2Plan?.(source, searches);
    await search(source, searches, false, onLater, read);
  }

  // Pass 3, only when pass 2 found other services' requests under a global id: their own ids,
  // near the times pass 2 saw them (the records of those requests that do not carry the global id).
  const pass3 = trace.planPass3();
  if (pass3.length > 0) {
    const none: Pass2Plan = { requestIds: pass3, imageNeedles: [], cacheHosts: new Map() };
    for (const source of sources) {
      const timed = pass2TimedNeedles(live(pass3), none, [], source, laterTimes, margin);
      const { read, readTimes } = pass2Input(source, checkpoints.get(source) ?? null);
      await search(source, pass2Searches(timed, readTimes, margin), false, onLater, read);
    }
  }
  return trace.finish();

  /**
   * Runs the searches of one source in order, reading `read` (the source, or its spooled copy);
   * returns pass 1's findings (null when nothing was searched).
   */
  async function search(
    source: SourceFile,
    searches: RangeSearch[],
    firstPass: boolean,
    onRecord: (found: FoundRecord) => void,
    read: SourceFile,
    spool?: SpoolTarget,
  ) {
    const base = done;
    // Progress counts stored bytes: a copy's decompressed offsets are scaled to the source's size.
    const scale = read === source || !read.size ? 1 : (source.size ?? 0) / read.size;
    const times = await runSearchJob({ source: read, searches, firstPass, parse, checkpointBytes: opts.checkpointBytes, spool }, {
      // Pass 2: a request found shared meanwhile is a dead needle: no scan for it, no parse of its blocks.
      liveNeedles: firstPass ? undefined : (needles) => liveNeedles(needles, trace.liveRequestIds()),
      keepBlock: firstPass ? undefined : (block, needles) => blockHasLiveNeedle(block, trace.liveRequestIds(), needles),
      onRecords: (records) => { for (const found of records) onRecord(found); },
      onWarning: (warning) => opts.report.warn(warning),
      onProgress: (bytes, rangeOffset) => opts.onProgress?.(base + (rangeOffset + bytes) * scale, total),
      onCounts: (counts) => opts.report.addCounts(counts),
    });
    done = base + (source.size ?? 0);
    opts.onProgress?.(done, total);
    return times;
  }
}

/**
 * What pass 2 reads of a source: its complete spooled copy when pass 1 made one (a plain file
 * whose offsets are the source's decompressed offsets, so pass 1's checkpoints hold; shown by
 * the source's name), else the source itself.
 */
function pass2Input(source: SourceFile, times: FileTimes | null): { read: SourceFile; readTimes: FileTimes | null } {
  const spooled = times?.spooled ?? null;
  if (times === null || spooled === null) return { read: source, readTimes: times };
  return { read: { ...source, path: spooled.path, gzip: false, size: spooled.bytes }, readTimes: { ...times, seekable: true } };
}

/** Pool size for a trace: none (0) for small inputs, stdin, or one core; `workers` forces a size. */
function poolSizeFor(sources: readonly SourceFile[], opts: RunOptions): number {
  if (sources.length < 2 || sources.some((s) => s.path === '-')) return 0;
  if (opts.workers !== undefined) return opts.workers;
  return totalSize(sources) > POOL_MIN_BYTES ? defaultPoolSize() : 0;
}

function totalSize(sources: readonly SourceFile[]): number {
  return sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
}

const WHOLE: RangeSearch['range'] = { offset: 0, line: 1, end: null };

/**
 * Pass 1 on a search pool: one job a source, costliest first, handed out as searchers free up.
 * Outcomes are fed to the correlator in source order, whatever order they complete in, exactly
 * as the in-thread loop feeds them, so the answer is the same. The pool is closed at the end.
 */
async function pass1Pooled(
  sources: readonly SourceFile[],
  opts: RunOptions,
  pool: SearchPool,
  onFound: (found: FoundRecord) => void,
  checkpoints: Map<SourceFile, FileTimes>,
  spools: ReadonlyMap<SourceFile, SpoolTarget>,
): Promise<void> {
  try {
    const parse = opts.parse ?? {};
    const progress = new PooledProgress(2 * totalSize(sources), opts.onProgress);
    const jobs = new Map<SourceFile, Promise<JobResult>>();
    for (const source of [...sources].sort((a, b) => searchCost(b) - searchCost(a))) {
      const job: SearchJob = { source, searches: [{ range: WHOLE, needles: [opts.instanceId] }], firstPass: true, parse, checkpointBytes: opts.checkpointBytes, spool: spools.get(source) };
      jobs.set(source, pool.submit(job, progress.job(source)));
    }
    for (const source of sources) {
      const result = await jobs.get(source)!;
      jobs.delete(source); // not held once fed
      for (const warning of result.warnings) opts.report.warn(warning);
      for (const found of result.records) onFound(found);
      for (const counts of result.counts) opts.report.addCounts(counts);
      if (result.times !== null) checkpoints.set(source, result.times);
      progress.sourceDone(source);
    }
  } finally {
    await pool.close();
  }
}

/**
 * Progress over a pool: the sources done count whole (as in-thread), the jobs in flight by the
 * bytes their searchers last told.
 */
class PooledProgress {
  #done = 0;
  readonly #inFlight = new Map<SourceFile, number>();

  constructor(private readonly total: number, private readonly onProgress: RunOptions['onProgress']) {}

  job(source: SourceFile): ((bytes: number) => void) | undefined {
    const onProgress = this.onProgress;
    if (onProgress === undefined) return undefined;
    return (bytes) => {
      this.#inFlight.set(source, Math.min(source.size ?? 0, bytes));
      let sum = this.#done;
      for (const n of this.#inFlight.values()) sum += n;
      onProgress(sum, this.total);
    };
  }

  sourceDone(source: SourceFile): void {
    this.#inFlight.delete(source);
    this.#done += source.size ?? 0;
    this.onProgress?.(this.#done, this.total);
  }
}

/** First and last time of the records found so far of each request (and global) id; a request with an untimed record has no bound. */
export class RequestTimes {
  readonly #spans = new Map<string, { first: number; last: number }>();

  note(record: LogRecord): void {
    this.#note(record.requestId, record);
    if (record.globalRequestId !== record.requestId) this.#note(record.globalRequestId, record);
  }

  #note(id: string | null, record: LogRecord): void {
    if (id === null) return;
    const time = record.time ?? NaN;
    const span = this.#spans.get(id);
    if (Number.isNaN(time)) this.#spans.set(id, { first: -Infinity, last: Infinity });
    else if (span === undefined) this.#spans.set(id, { first: time, last: time });
    else {
      span.first = Math.min(span.first, time);
      span.last = Math.max(span.last, time);
    }
  }

  /** The request's span, unbounded when unknown. */
  span(id: string): { first: number; last: number } {
    return this.#spans.get(id) ?? { first: -Infinity, last: Infinity };
  }
}

/**
 * Pass 2 needles for one source with the times they can matter in: each live request id near its
 * pass-1 records, and on hosts where the instance lived (or of unknown host) the cache needles
 * from its first arrival there on.
 */
export function pass2TimedNeedles(
  requestIds: readonly string[],
  plan: Pass2Plan,
  cacheNeedles: readonly string[],
  source: SourceFile,
  requestTimes: RequestTimes,
  margin: number,
): TimedNeedle[] {
  const timed: TimedNeedle[] = requestIds.map((needle) => {
    const { first, last } = requestTimes.span(needle);
    return { needle, from: first - margin, to: last + margin };
  });
  const needles = pass2Needles(requestIds, plan, cacheNeedles, source);
  if (needles.length > requestIds.length) {
    const arrivals = source.host === null ? [...plan.cacheHosts.values()] : [plan.cacheHosts.get(source.host) ?? -Infinity];
    const from = Math.min(...arrivals) - margin;
    for (const needle of needles.slice(requestIds.length)) timed.push({ needle, from, to: Infinity });
  }
  return timed;
}

/**
 * Pass 2's searches of one source: a plain file (or a gzip file's copy) placed in time by its
 * checkpoints is read only in the stretches where its needles can matter; a gzip file not copied
 * (no random access) placed in time
 * is read whole for the needles whose windows overlap its times, or not at all; anything else
 * whole with every needle.
 */
function pass2Searches(timed: readonly TimedNeedle[], times: FileTimes | null, margin: number): RangeSearch[] {
  const whole = (needles: string[]): RangeSearch[] => needles.length === 0 ? [] : [{ range: { offset: 0, line: 1, end: null }, needles }];
  if (timed.length === 0) return [];
  const placed = times !== null && Number.isFinite(margin) && checkpointsUsable(times.checkpoints, times.last);
  if (times === null || !times.seekable) return whole(placed ? wholeFileNeedles(times!.checkpoints, times!.last, timed) : timed.map((n) => n.needle));
  // Not placeable in time: still read in parts (between checkpoints), every needle everywhere.
  if (!placed) return planRangeSearches(times.checkpoints, timed.map(({ needle }) => ({ needle, from: -Infinity, to: Infinity })));
  return planRangeSearches(times.checkpoints, timed, { last: times.last });
}

/**
 * Pass 2 needles for one source: the request ids still worth following everywhere; on hosts where
 * the instance lived (or of unknown host), the cache needles too.
 */
export function pass2Needles(requestIds: readonly string[], plan: Pass2Plan, cacheNeedles: readonly string[], source: SourceFile): string[] {
  const needles = [...requestIds];
  if (plan.cacheHosts.size > 0 && (source.host === null || plan.cacheHosts.has(source.host))) needles.push(...cacheNeedles);
  return needles;
}

/**
 * Pass 2 reads the hosts the instance lived on first: the periodic tasks whose request ids its
 * records carry run there, so they are found shared (and dropped) before the other hosts' logs
 * are read. The order of pass 2 does not change the answer, only the work.
 */
export function pass2Order(sources: readonly SourceFile[], plan: Pass2Plan): SourceFile[] {
  const lived = (s: SourceFile): boolean => s.host !== null && plan.cacheHosts.has(s.host);
  return [...sources.filter(lived), ...sources.filter((s) => !lived(s))];
}

/** The needles still worth a scan: every non-request needle, and the request ids still live. */
function liveNeedles(needles: readonly string[], liveRequests: ReadonlySet<string>): string[] {
  return needles.filter((n) => !n.startsWith('req-') || liveRequests.has(n));
}

/** Runs the trace and feeds the sink: summary first, then the timeline. */
export async function traceToSink(sources: readonly SourceFile[], opts: RunOptions, sink: TraceSink): Promise<TraceResult> {
  const result = await runTrace(sources, opts);
  showTrace(result, sink);
  return result;
}

/** Feeds a trace's answer to a sink: summary first, then the timeline (whichever way its records were found). */
export function showTrace(result: TraceResult, sink: TraceSink): void {
  sink.summary(summarize(result));
  for (const traced of result.records) sink.record(traced);
  sink.end();
}
