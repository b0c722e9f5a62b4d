/**
 * The trace's driver of the scanning engine (src/sources/scanner.ts): opens a source, pulls its
 * decompressed bytes straight into the scanner's window, and hands each framed record on as a
 * block of decoded lines. Around the engine, not in it: checkpoints (an observer of complete
 * lines, like lnav's time index: one record start and its time about every MiB, so a second pass
 * can read only the stretches of a file that can matter), byte ranges of plain files, and the
 * copy of a gzip input's decompressed bytes (a reader wrapper, src/sources/tee.ts).
 */
import { describeError } from './errors.js';
import type { ByteRange, Checkpoint, LineBlock, RecordStartTest, SourceFile } from './source.js';
import type { SourceCounts } from './report.js';
import { NotSeekableError, openSource, type ByteReader, type OpenOptions } from './read.js';
import { TeeReader, type SpoolResult, type SpoolTarget } from './tee.js';
import { Scanner, type ScanLimits, type ScanView } from './scanner.js';
import type { RawRecord } from './raw-record.js';
import { NeedleSet } from './needles.js';

export interface CheckpointOptions {
  /** Decompressed bytes between checkpoints (default 1 MiB); the first is the first record start. */
  every?: number;
  /** Time of a record-start line (epoch ms), null when it has none; supplied by the records layer. */
  timeOf: (line: string) => number | null;
}

/** Lines looked at past a checkpoint's threshold for a record start before giving that one up. */
const CHECKPOINT_SEEK_LINES = 1000;
const NEWLINE = 0x0a;

export interface SearchOptions extends Omit<OpenOptions, 'range'>, ScanLimits {
  /** Byte strings to find; a record containing any of them is emitted. Needles never span lines. Null: every record is (the store's ingest). */
  needles: string[] | null;
  isRecordStart: RecordStartTest;
  /** Bytes asked of the reader at a time (default 1 MiB; tests use tiny ones). */
  chunkSize?: number;
  /** Bytes of lines kept before the unsearched data, for walking back to a record start (default 512 KiB). */
  retainBytes?: number;
  /** Called after each read with the bytes of the stored input consumed (compressed for gzip). */
  onProgress?(bytes: number): void;
  /** Awaited after each read's records are handed on, before the next read: a consumer's backpressure (or a stop, by throwing). */
  drain?(): Promise<void>;
  /** Note checkpoints (returned in stats.checkpoints). */
  checkpoints?: CheckpointOptions;
  /**
   * Search only this part of a plain file; it must begin and end at record starts (checkpoints).
   * Gzip files and stdin cannot be read from an offset: searchSource throws NotSeekableError.
   */
  range?: ByteRange;
  /**
   * Copy a gzip input's decompressed bytes to this file while searching it whole (see tee.ts);
   * stats.spooled tells whether the copy is complete. Ignored for other inputs and ranges.
   */
  spool?: SpoolTarget;
}

export interface SearchStats extends SourceCounts {
  /** Needle hits framed. */
  hits: number;
  /** Blocks emitted. */
  blocks: number;
  /** Checkpoints in file order (empty unless asked for). */
  checkpoints: Checkpoint[];
  /**
   * With checkpoints: the input's last record start (what time its tail reaches), when one is
   * among the last 1000 lines kept in the window at the end; else null.
   */
  lastRecordStart: Checkpoint | null;
  /** Whether the input could be read from an offset (a plain file): ranges can be searched in it. */
  seekable: boolean;
  /** The complete spool of a gzip input (options.spool), else null (none asked, over budget, damaged input, write error). */
  spooled: SpoolResult | null;
}

/** Searches one source; calls onBlock for each framed record in file order. Never throws on bad input (but NotSeekableError). */
export async function searchSource(source: SourceFile, options: SearchOptions, onBlock: (block: LineBlock) => void): Promise<SearchStats> {
  const stats: SearchStats = { bytes: 0, cutLines: 0, longRecords: 0, damagedStretches: 0, damagedBytes: 0, hits: 0, blocks: 0, checkpoints: [], lastRecordStart: null, seekable: false, spooled: null };
  const warn = (kind: 'unreadable', message: string): void => options.onWarning?.({ file: source.display, kind, message });
  const range = options.range;
  // A damaged gzip input is not spooled: its salvage is left to a reading of the input itself.
  let damaged = false;
  let reader: ByteReader;
  try {
    reader = await openSource(source, {
      stdin: options.stdin,
      gzipChunkSize: options.gzipChunkSize,
      range: range === undefined ? undefined : { start: range.offset, end: range.end },
      onWarning: (warning) => {
        damaged = true;
        options.onWarning?.(warning);
      },
    });
  } catch (error) {
    if (error instanceof NotSeekableError) throw error;
    warn('unreadable', `cannot read: ${describeError(error)}`);
    return stats;
  }
  stats.seekable = reader.seekable;
  const tee = options.spool !== undefined && range === undefined && reader.gzip && !reader.seekable ? new TeeReader(reader, options.spool) : null;
  if (tee !== null) reader = tee;
  const checkpoints = options.checkpoints === undefined ? null : new CheckpointNotes(options.checkpoints, range?.offset ?? 0, options.isRecordStart);
  const toBlock = new TraceBlocks(source, onBlock, stats, options.needles === null ? null : new NeedleSet(options.needles));
  const chunkSize = Math.max(1, options.chunkSize ?? 1024 * 1024);
  const scanner = new Scanner({
    isRecordStart: options.isRecordStart,
    needles: options.needles,
    maxLineBytes: options.maxLineBytes,
    maxRecordLines: options.maxRecordLines,
    maxRecordBytes: options.maxRecordBytes,
    retainBytes: options.retainBytes ?? 512 * 1024,
    readSize: chunkSize,
    startOffset: range?.offset,
    firstLine: range?.line,
    file: source.display,
    onWarning: options.onWarning,
    onRecord: (record) => toBlock.take(record),
    onLines: checkpoints === null ? undefined : (view, start, end) => checkpoints.note(view, start, end),
  });
  let scanned = false;
  try {
    for (;;) {
      const room = scanner.room();
      let n: number;
      try {
        n = await reader.read(room.buffer, room.offset, Math.min(chunkSize, room.length));
      } catch (error) {
        warn('unreadable', `read failed, kept what came before: ${describeError(error)}`);
        n = 0;
      }
      options.onProgress?.(reader.consumed);
      if (n === 0) break;
      scanner.commit(n);
      if (scanner.stats.stopped) break;
      if (options.drain !== undefined) await options.drain();
    }
    scanner.end();
    scanned = !scanner.stats.stopped;
    if (checkpoints !== null) stats.lastRecordStart = checkpoints.last(scanner.window);
    // Only after a whole scan: no read is pending into the window then.
    scanner.release();
  } finally {
    await reader.close().catch(() => undefined);
    if (tee !== null) {
      if (!scanned || damaged) tee.discard();
      stats.spooled = tee.result();
    }
  }
  const s = scanner.stats;
  stats.bytes = s.bytes;
  stats.cutLines = s.cutLines;
  stats.longRecords = s.longRecords;
  stats.damagedStretches = s.damagedStretches;
  stats.damagedBytes = s.damagedBytes;
  stats.hits = s.hits;
  stats.checkpoints = checkpoints?.list ?? [];
  return stats;
}

/**
 * Framed records as the trace takes them: decoded lines. Of a record the limits cut, the first
 * piece (its head, which the trace needs) and the pieces holding a needle are kept; a record
 * whose head was lost is kept, shown from where it is known.
 */
class TraceBlocks {
  #afterCut = false;

  constructor(
    private readonly source: SourceFile,
    private readonly onBlock: (block: LineBlock) => void,
    private readonly stats: SearchStats,
    private readonly needles: NeedleSet | null,
  ) {}

  take(record: RawRecord): void {
    const rest = this.needles !== null && this.#afterCut && record.continued && !this.needles.has(record.bytes, 0, record.bytes.length);
    this.#afterCut = record.cut;
    if (rest) return;
    this.stats.blocks++;
    this.onBlock({ source: this.source, firstLine: record.firstLine, lines: record.lines, offset: record.offset });
  }
}

/** Checkpoints noted from the complete lines the scanner shows, a record start about every `every` bytes. */
class CheckpointNotes {
  readonly list: Checkpoint[] = [];
  readonly #every: number;
  /** Input offset from which the next checkpoint is looked for. */
  #at: number;
  /** Lines tested since #at without a record start. */
  #seen = 0;
  /** RFC 3164 syslog times have no year: the time of the checkpoint before anchors it. */

  constructor(private readonly options: CheckpointOptions, origin: number, private readonly isRecordStart: RecordStartTest) {
    this.#every = Math.max(1, options.every ?? 1024 * 1024);
    this.#at = origin;
  }

  note(view: ScanView, start: number, end: number): void {
    if (view.inputOffset(end) <= this.#at) return;
    const buf = view.buffer;
    let at = lineStartAtOrAfter(buf, view.positionOf(this.#at, start, end), start, end);
    while (at < end) {
      const lineEnd = lineEndOf(buf, at, end);
      const next = lineEnd < end ? lineEnd + 1 : end;
      const text = view.lineText(at, lineEnd);
      if (this.isRecordStart(text)) {
        const offset = view.inputOffset(at);
        this.list.push({ offset, line: view.lineAt(at), time: this.#timeOf(text) });
        this.#at = offset + this.#every;
        this.#seen = 0;
      } else if (++this.#seen >= CHECKPOINT_SEEK_LINES) {
        this.#at = view.inputOffset(next) + this.#every;
        this.#seen = 0;
      }
      if (view.inputOffset(next) < this.#at) {
        const skipTo = view.positionOf(this.#at, next, end);
        if (skipTo >= end) return;
        at = lineStartAtOrAfter(buf, skipTo, next, end);
      } else {
        at = next;
      }
    }
  }

  /** Walks back from the end of the window to its last record start (at most CHECKPOINT_SEEK_LINES lines). */
  last(view: ScanView & { readonly length: number }): Checkpoint | null {
    const buf = view.buffer;
    if (view.length === 0) return null;
    let lineEnd = buf[view.length - 1] === NEWLINE ? view.length - 1 : view.length;
    for (let tested = 0; tested < CHECKPOINT_SEEK_LINES; tested++) {
      const lineStart = lineEnd === 0 ? 0 : buf.lastIndexOf(NEWLINE, lineEnd - 1) + 1;
      const text = view.lineText(lineStart, lineEnd);
      if (this.isRecordStart(text)) {
        const offset = view.inputOffset(lineStart);
        const last = this.list.at(-1);
        return last?.offset === offset ? last : { offset, line: view.lineAt(lineStart), time: this.#timeOf(text) };
      }
      if (lineStart === 0) return null;
      lineEnd = lineStart - 1;
    }
    return null;
  }

  #timeOf(text: string): number | null {
    let time: number | null;
    try {
      time = this.options.timeOf(text);
    } catch {
      time = null;
    }
    return Number.isFinite(time) ? time : null;
  }
}

/** `pos` when a line starts there, else the start of the next line (or `end`). */
function lineStartAtOrAfter(buf: Buffer, pos: number, start: number, end: number): number {
  if (pos <= start) return start;
  if (buf[pos - 1] === NEWLINE) return pos;
  const newline = buf.subarray(pos, end).indexOf(NEWLINE);
  return newline === -1 ? end : pos + newline + 1;
}

function lineEndOf(buf: Buffer, start: number, end: number): number {
  const newline = buf.subarray(start, end).indexOf(NEWLINE);
  return newline === -1 ? end : start + newline;
}
