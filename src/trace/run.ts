/**
 * Runs a trace over real sources, ripgrep-like: the sources layer scans raw bytes for needles and
 * frames whole records around each hit, the records layer parses only those, InstanceTrace
 * decides, and the sink shows. Pass 1 looks for the instance id; pass 2 for its candidate
 * requests' ids and, on the hosts it lived on, the image cache manager's lines. Memory holds
 * the records that can belong to the answer, never a whole file.
 */
import { searchSource } from '../sources/search.js';
import type { SourceReport } from '../sources/report.js';
import type { LineBlock, SourceFile } from '../sources/source.js';
import { assembleBlock, CACHE_WORDINGS, isRecordStart, type ParseOptions } from '../records/index.js';
import { InstanceTrace, type CorrelateOptions, type Pass2Plan, type TraceResult } from './correlate.js';
import type { FoundRecord } from './types.js';
import { summarize } from './summary.js';
import type { TraceSink } from './sink.js';

export interface RunOptions extends CorrelateOptions {
  /** Zone and per-host clock offsets, passed to the parsers. */
  parse?: Pick<ParseOptions, 'tz' | 'offsets'>;
  report: SourceReport;
  /** Bytes of stored input consumed so far over both passes, and the total to consume. */
  onProgress?: (done: number, total: number) => void;
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
  const total = 2 * sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  let done = 0;

  // Nova writes UUIDs in lower case; the id is searched as such (one needle, like grep -F).
  await searchAll(sources, () => [opts.instanceId], (found) => { trace.addPass1(found); }, true);
  const plan = trace.planPass2();
  const cacheNeedles = plan.imageNeedles.length > 0 ? plan.imageNeedles : CACHE_CUES;
  await searchAll(sources, (source) => pass2Needles([...trace.liveRequestIds()], plan, cacheNeedles, source), (found) => trace.addPass2(found), false);
  return trace.finish();

  async function searchAll(
    list: readonly SourceFile[],
    needlesFor: (source: SourceFile) => string[],
    onFound: (found: FoundRecord) => void,
    firstPass: boolean,
  ): Promise<void> {
    for (const source of list) {
      const needles = needlesFor(source);
      const base = done;
      if (needles.length > 0) {
        const stats = await searchSource(source, {
          needles,
          isRecordStart,
          onWarning: (warning) => opts.report.warn(warning),
          onProgress: (bytes) => opts.onProgress?.(base + bytes, total),
        }, (block) => {
          // Pass 2: a request found shared meanwhile is a dead needle; skip parsing its blocks.
          if (!firstPass && !blockHasLiveNeedle(block, trace.liveRequestIds(), needles)) return;
          foundInBlock(block, opts.parse ?? {}, onFound);
        });
        if (firstPass) opts.report.addCounts(stats);
      }
      done = base + (source.size ?? 0);
      opts.onProgress?.(done, total);
    }
  }
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
