/**
 * Runs a trace over real sources, ripgrep-like: the sources layer scans raw bytes for needles and
 * frames whole records around each hit, the records layer parses only those, InstanceTrace
 * decides, and the sink shows. Pass 1 looks for the instance id; pass 2 for its candidate
 * requests' ids and, on the hosts it lived on, the image cache manager's lines. Memory holds
 * the records that can belong to the answer, never a whole file. Pass 1 also notes checkpoints
 * (a record start and its time about every MiB) so that pass 2 searches each plain file only
 * where its needles' times can be (src/trace/prune.ts).
 */
import { searchSource, type CheckpointOptions } from '../sources/search.js';
import { NotSeekableError } from '../sources/read.js';
import type { SourceReport } from '../sources/report.js';
import type { Checkpoint, LineBlock, SourceFile } from '../sources/source.js';
import { assembleBlock, CACHE_WORDINGS, isRecordStart, type ParseOptions } from '../records/index.js';
import { InstanceTrace, type CorrelateOptions, type Pass2Plan, type TraceResult } from './correlate.js';
import type { FoundRecord } from './types.js';
import { summarize } from './summary.js';
import type { TraceSink } from './sink.js';
import { checkpointsUsable, DEFAULT_REQUEST_WINDOW_MS, planRangeSearches, wholeFileNeedles, type RangeSearch, type TimedNeedle } from './prune.js';
import type { LogRecord } from '../records/record.js';

export interface RunOptions extends CorrelateOptions {
  /** Zone and per-host clock offsets, passed to the parsers. */
  parse?: Pick<ParseOptions, 'tz' | 'offsets'>;
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
}

/**
 * Literal cues of every cache-manager wording the records layer knows, and the field our JSON
 * logger writes: a line without any of them cannot be a cache-manager line. Used only when the
 * instance's image is unknown after pass 1; once it is known, its base file's SHA-1 name and the
 * image id are needles enough (every cache line about that file names one of them).
 */
const CACHE_CUES: readonly string[] = [...new Set([...CACHE_WORDINGS.map((w) => w.cue), '"cache_action"'])];

export async function runTrace(sources: readonly SourceFile[], opts: RunOptions): Promise<TraceResult> {
  const trace = new InstanceTrace(opts);
  const parse = opts.parse ?? {};
  const margin = opts.requestWindowMs ?? DEFAULT_REQUEST_WINDOW_MS;
  const total = 2 * sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  let done = 0;

  // Pass 1. Nova writes UUIDs in lower case; the id is searched as such (one needle, like grep -F).
  const checkpoints = new Map<SourceFile, FileTimes>();
  const requestTimes = new RequestTimes();
  for (const source of sources) {
    const stats = await search(source, [{ range: { offset: 0, line: 1, end: null }, needles: [opts.instanceId] }], true, (found) => {
      if (trace.addPass1(found)) requestTimes.note(found.record);
    });
    // What pass 2 may skip of it (a file named .log may hold gzip data: `seekable` says).
    if (stats !== null) checkpoints.set(source, { checkpoints: stats.checkpoints, last: stats.lastRecordStart, seekable: stats.seekable });
  }

  // Pass 2, each source only where its needles can matter.
  const plan = trace.planPass2();
  const cacheNeedles = plan.imageNeedles.length > 0 ? plan.imageNeedles : CACHE_CUES;
  for (const source of pass2Order(sources, plan)) {
    const timed = pass2TimedNeedles([...trace.liveRequestIds()], plan, cacheNeedles, source, requestTimes, margin);
    const searches = pass2Searches(timed, checkpoints.get(source) ?? null, margin);
    opts.onPass2Plan?.(source, searches);
    await search(source, searches, false, (found) => trace.addPass2(found));
  }
  return trace.finish();

  /** Runs the searches of one source in order; returns pass 1's stats (null when nothing was searched). */
  async function search(
    source: SourceFile,
    searches: readonly RangeSearch[],
    firstPass: boolean,
    onFound: (found: FoundRecord) => void,
  ) {
    const base = done;
    let stats = null;
    const once = (range: RangeSearch['range'], needles: string[]) => searchSource(source, {
      needles,
      isRecordStart,
      range: range.offset === 0 && range.end === null ? undefined : range,
      checkpoints: firstPass ? checkpointOptions(source, parse, opts.checkpointBytes) : undefined,
      onWarning: (warning) => opts.report.warn(warning),
      onProgress: (bytes) => opts.onProgress?.(base + range.offset + bytes, total),
    }, (block) => {
      // Pass 2: a request found shared meanwhile is a dead needle; skip parsing its blocks.
      if (!firstPass && !blockHasLiveNeedle(block, trace.liveRequestIds(), needles)) return;
      foundInBlock(block, parse, onFound);
    });
    let searched = false;
    for (const search of searches) {
      const { range } = search;
      // A request found shared since the plan was made is a dead needle: no scan for it.
      const needles = firstPass ? search.needles : liveNeedles(search.needles, trace.liveRequestIds());
      if (needles.length === 0) continue;
      try {
        stats = await once(range, needles);
        searched = true;
      } catch (error) {
        // Replaced by gzip data since pass 1 (rotation): search it whole, with every needle.
        if (!(error instanceof NotSeekableError) || searched) throw error;
        stats = await once({ offset: 0, line: 1, end: null }, [...new Set(searches.flatMap((s) => s.needles))]);
        break;
      }
      if (firstPass) opts.report.addCounts(stats);
    }
    done = base + (source.size ?? 0);
    opts.onProgress?.(done, total);
    return stats;
  }
}

/**
 * The records layer's time of a record-start line, as the trace sees it (zone and the host's
 * clock offset applied): the line parsed alone, the way a block's first line is.
 */
function checkpointOptions(source: SourceFile, parse: ParseOptions, every: number | undefined): CheckpointOptions {
  // RFC 3164 syslog times have no year: anchor it to the checkpoint before, as the assembler
  // anchors it to the record before (not to today).
  let reference: number | undefined;
  return {
    every,
    timeOf: (line) => {
      const options = reference === undefined ? parse : { ...parse, referenceTime: reference };
      const time = assembleBlock({ source, firstLine: 1, lines: [line] }, options)[0]?.time ?? null;
      if (time !== null) reference = time;
      return time;
    },
  };
}

/** What pass 1 learnt of a source's times. */
interface FileTimes {
  checkpoints: Checkpoint[];
  last: Checkpoint | null;
  /** A plain file: stretches can be read alone. */
  seekable: boolean;
}

/** First and last time of the pass-1 records of each request; a request with an untimed record has no bound. */
class RequestTimes {
  readonly #spans = new Map<string, { first: number; last: number }>();

  note(record: LogRecord): void {
    const id = record.requestId;
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
function pass2TimedNeedles(
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
 * Pass 2's searches of one source: a plain file placed in time by its checkpoints is read only
 * in the stretches where its needles can matter; a gzip file (no random access) placed in time
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
function pass2Order(sources: readonly SourceFile[], plan: Pass2Plan): SourceFile[] {
  const lived = (s: SourceFile): boolean => s.host !== null && plan.cacheHosts.has(s.host);
  return [...sources.filter(lived), ...sources.filter((s) => !lived(s))];
}

/** The needles still worth a scan: every non-request needle, and the request ids still live. */
function liveNeedles(needles: readonly string[], liveRequests: ReadonlySet<string>): string[] {
  return needles.filter((n) => !n.startsWith('req-') || liveRequests.has(n));
}

/** Whether a block still holds a needle that matters: a live request id, or any non-request needle. */
function blockHasLiveNeedle(block: LineBlock, liveRequests: ReadonlySet<string>, needles: readonly string[]): boolean {
  const live = needles.filter((n) => !n.startsWith('req-') || liveRequests.has(n));
  if (live.length === needles.length) return true;
  return block.lines.some((line) => live.some((n) => line.includes(n)));
}

/** Parses a framed block and hands on each record with its own physical lines. */
function foundInBlock(block: LineBlock, parse: ParseOptions, onFound: (found: FoundRecord) => void): void {
  for (const record of assembleBlock(block, parse)) {
    const start = record.source.line - block.firstLine;
    const text = block.lines.slice(start, start + record.source.lines).join('\n');
    onFound({ record, text });
  }
}

/** Runs the trace and feeds the sink: summary first, then the timeline. */
export async function traceToSink(sources: readonly SourceFile[], opts: RunOptions, sink: TraceSink): Promise<TraceResult> {
  const result = await runTrace(sources, opts);
  sink.summary(summarize(result));
  for (const traced of result.records) sink.record(traced);
  sink.end();
  return result;
}
