/**
 * One search job of a trace: the searches (byte ranges and their needles) of one source, framed
 * blocks parsed into records. The same code runs in the main thread and in the search pool's
 * workers (src/trace/search-pool.ts), so both find the same records.
 */
import { searchSource, type CheckpointOptions, type SearchStats } from '../sources/search.js';
import { NotSeekableError } from '../sources/read.js';
import type { SpoolResult, SpoolTarget } from '../sources/tee.js';
import { sourceCounts, type SourceCounts } from '../sources/report.js';
import type { Checkpoint, LineBlock, SourceFile, SourceWarning } from '../sources/source.js';
import { assembleBlock, fileClock, FileClock, recordStartTest, type ParseOptions } from '../records/index.js';
import type { FoundRecord } from './types.js';
import type { RangeSearch } from './prune.js';

/** What a job searches; plain data (a worker gets a structured clone, its zone by name). */
export interface SearchJob {
  source: SourceFile;
  searches: RangeSearch[];
  /** Pass 1: note checkpoints and count what was read. */
  firstPass: boolean;
  parse: ParseOptions;
  checkpointBytes?: number;
  /** Pass 1: copy a gzip source's decompressed bytes here (its budget is shared memory, so workers share it too). */
  spool?: SpoolTarget;
}

/** What pass 2 may skip of a source, learnt in pass 1. */
export interface FileTimes {
  checkpoints: Checkpoint[];
  last: Checkpoint | null;
  /** A plain file: stretches can be read alone. */
  seekable: boolean;
  /** A gzip source's complete decompressed copy (pass 2 reads its stretches alone), else null. */
  spooled: SpoolResult | null;
}

export interface JobHooks {
  /** The needles of a search still worth a scan, asked before it starts (default: all). */
  liveNeedles?: (needles: readonly string[]) => string[];
  /** Whether a framed block is still worth parsing, given the needles it was searched with (default: yes). */
  keepBlock?: (block: LineBlock, needles: readonly string[]) => boolean;
  /** The records of one framed block, in file order. */
  onRecords: (records: FoundRecord[]) => void;
  onWarning: (warning: SourceWarning) => void;
  /** Stored bytes consumed by the current search, and the offset its range starts at. */
  onProgress?: (bytes: number, rangeOffset: number) => void;
  /** Pass 1: the counts of each search. */
  onCounts?: (counts: SourceCounts) => void;
}

/** Runs a job's searches in order; returns what pass 1 learnt of the source (null when nothing was searched). */
export async function runSearchJob(job: SearchJob, hooks: JobHooks): Promise<FileTimes | null> {
  const { source, searches, firstPass } = job;
  // One clock for the file's blocks and checkpoints, so a fall-back hour is read in file order.
  const clock = fileClock(job.parse.tz,
    (message) => hooks.onWarning({ kind: 'ambiguous-time', file: source.display, message }));
  const parse: ParseOptions = { ...job.parse, tz: clock };
  let stats: SearchStats | null = null;
  const isRecordStart = recordStartTest(job.parse.oslo);
  const once = (range: RangeSearch['range'], needles: string[]) => {
    if (clock instanceof FileClock) clock.seed(range.time);
    return searchSource(source, {
    needles,
    isRecordStart,
    range: range.offset === 0 && range.end === null ? undefined : range,
    checkpoints: firstPass ? checkpointOptions(source, parse, job.checkpointBytes) : undefined,
    spool: firstPass && range.offset === 0 && range.end === null ? job.spool : undefined,
    onWarning: hooks.onWarning,
    onProgress: (bytes) => hooks.onProgress?.(bytes, range.offset),
  }, (block) => {
    if (hooks.keepBlock !== undefined && !hooks.keepBlock(block, needles)) return;
    hooks.onRecords(foundInBlock(block, parse));
  });
  };
  let searched = false;
  for (const search of searches) {
    const { range } = search;
    const needles = hooks.liveNeedles?.(search.needles) ?? search.needles;
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
    if (firstPass) hooks.onCounts?.(stats);
  }
  return stats === null ? null : { checkpoints: stats.checkpoints, last: stats.lastRecordStart, seekable: stats.seekable, spooled: stats.spooled };
}

/** A job's outcome as plain data, posted back by a worker in one message. */
export interface JobResult {
  /** Records found, in file order. */
  records: FoundRecord[];
  warnings: SourceWarning[];
  /** Pass 1: the counts of each search. */
  counts: SourceCounts[];
  times: FileTimes | null;
}

/** Runs a job and collects its outcome (what a searcher of the pool does). */
export async function collectSearchJob(job: SearchJob, onProgress?: (bytes: number) => void): Promise<JobResult> {
  const result: JobResult = { records: [], warnings: [], counts: [], times: null };
  result.times = await runSearchJob(job, {
    onRecords: (records) => { for (const found of records) result.records.push(found); },
    onWarning: (warning) => { result.warnings.push(warning); },
    onProgress: onProgress === undefined ? undefined : (bytes, rangeOffset) => onProgress(rangeOffset + bytes),
    onCounts: (counts) => { result.counts.push(sourceCounts(counts)); },
  });
  return result;
}

/** Whether a block still holds a needle that matters: a live request id, or any non-request needle. */
export function blockHasLiveNeedle(block: LineBlock, liveRequests: ReadonlySet<string>, needles: readonly string[]): boolean {
  const live = needles.filter((n) => !n.startsWith('req-') || liveRequests.has(n));
  if (live.length === needles.length) return true;
  return block.lines.some((line) => live.some((n) => line.includes(n)));
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

/** Parses a framed block into records, each with its own physical lines. */
export function foundInBlock(block: LineBlock, parse: ParseOptions): FoundRecord[] {
  return assembleBlock(block, parse).map((record) => {
    const start = record.source.line - block.firstLine;
    return { record, text: block.lines.slice(start, start + record.source.lines).join('\n') };
  });
}
