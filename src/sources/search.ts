/**
 * The trace command's hot path. Scans a source's raw bytes for needles (Buffer.indexOf over
 * whole chunks, never line by line, like ripgrep) and only around a hit frames whole records:
 * back line by line to the nearest record start, forward until just before the next one.
 * Overlapping and adjacent records come out as one block.
 *
 * Memory is one window buffer: the bytes being searched plus `retainBytes` of lines before them
 * (where a record that began earlier can still be found). A line longer than the window is
 * searched as it streams by and only its head is kept ("long-line mode"); a record that began
 * before the window, or outgrows the limits, is emitted cut, with a warning.
 *
 * On request it also notes checkpoints (a record start and its time about every MiB, like lnav's
 * time index: one timestamp parse per MiB) and searches a byte range of a plain file (from one
 * record start to another), so a second pass can skip what cannot matter.
 */
import { describeError } from './errors.js';
import type { ByteRange, Checkpoint, LineBlock, RecordStartTest, SourceFile, SourceWarning } from './source.js';
import type { SourceCounts } from './report.js';
import { NotSeekableError, openSource, type ByteReader, type OpenOptions } from './read.js';
import { TeeReader, type SpoolResult, type SpoolTarget } from './tee.js';
import { countNewlines, decodeLine, keptHeadBytes } from './lines.js';

export interface CheckpointOptions {
  /** Decompressed bytes between checkpoints (default 1 MiB); the first is the first record start. */
  every?: number;
  /** Time of a record-start line (epoch ms), null when it has none; supplied by the records layer. */
  timeOf: (line: string) => number | null;
}

/** Lines looked at past a checkpoint's threshold for a record start before giving that one up. */
const CHECKPOINT_SEEK_LINES = 1000;

export interface SearchOptions extends Omit<OpenOptions, 'range'> {
  /** Byte strings to find; a record containing any of them is emitted. Needles never span lines. */
  needles: string[];
  isRecordStart: RecordStartTest;
  /** Longer lines are cut in the emitted text (a needle anywhere in them still counts). Default 64 KiB. */
  maxLineBytes?: number;
  /** A record is cut after this many lines (default 10,000). */
  maxRecordLines?: number;
  /** A record is cut after this much kept text, in UTF-16 units (default 8 Mi). */
  maxRecordBytes?: number;
  /** Bytes asked of the reader at a time (default 1 MiB; tests use tiny ones). */
  chunkSize?: number;
  /** Bytes of lines kept before the unsearched data, for walking back to a record start (default 512 KiB). */
  retainBytes?: number;
  /** Called after each read with the bytes of the stored input consumed (compressed for gzip). */
  onProgress?(bytes: number): void;
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
  /** Physical lines in the decompressed source. */
  lines: number;
  /** Needle occurrences seen. */
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

interface OpenBlock {
  firstLine: number;
  lines: string[];
  /** Sum of the kept lines' lengths. */
  size: number;
  /** Window-independent offset of the line after the block. */
  endAt: number;
  /** Still taking lines: its record's end has not been seen yet. */
  extending: boolean;
}

interface DecodedLine {
  text: string;
  /** Bytes of the line before any cut. */
  total: number;
}

interface LongLine {
  startAt: number;
  total: number;
  hit: boolean;
  /** Last needle-length-minus-one bytes seen, for needles spanning two reads. */
  overlap: Buffer;
}

const NEWLINE = 0x0a;

/** Searches one source; calls onBlock for each framed block in file order. Never throws on bad input. */
export async function searchSource(source: SourceFile, options: SearchOptions, onBlock: (block: LineBlock) => void): Promise<SearchStats> {
  return new SourceSearch(source, options, onBlock).run();
}

class SourceSearch {
  readonly stats: SearchStats = { bytes: 0, lines: 0, hits: 0, blocks: 0, cutLines: 0, longRecords: 0, checkpoints: [], lastRecordStart: null, seekable: false, spooled: null };
  readonly #needles: Buffer[];
  readonly #maxNeedle: number;
  readonly #isRecordStart: RecordStartTest;
  readonly #maxLineBytes: number;
  readonly #maxRecordLines: number;
  readonly #maxRecordBytes: number;
  readonly #chunkSize: number;
  readonly #retainBytes: number;
  readonly #buf: Buffer;

  /** Window: buf[0, len) holds input from window offset `base` (offsets count kept bytes, so cut lines shrink them). */
  #len = 0;
  #base = 0;
  /** Line-number cursor: line number at buf position #countedAt. */
  #countedAt = 0;
  #countedLine = 1;
  /** Start of the first line not searched yet (a line start). */
  #searchFrom = 0;
  /** Offset below which every hit is covered by an emitted or open block. */
  #handledTo = 0;
  #open: OpenBlock | null = null;
  #longLine: LongLine | null = null;
  /** Lines cut while streaming (long-line mode), by start offset. */
  readonly #cutLines = new Map<number, { total: number; hit: boolean }>();
  #lastByte = NEWLINE;
  #warned = new Set<SourceWarning['kind']>();
  /** Window offset where the input (or the range) begins. */
  readonly #origin: number;
  /** Bytes dropped from cut long lines, cumulative, by the window offset of each line's start (file offset = window offset + drops before it). */
  readonly #drops: { at: number; dropped: number }[] = [];
  /** Decompressed offset from which the next checkpoint is looked for (Infinity: none wanted). */
  #checkpointAt = Infinity;
  /** Lines tested since that offset without finding a record start. */
  #checkpointSeen = 0;
  readonly #checkpointEvery: number;

  constructor(
    private readonly source: SourceFile,
    private readonly options: SearchOptions,
    private readonly onBlock: (block: LineBlock) => void,
  ) {
    this.#needles = options.needles.filter((n) => n !== '' && !n.includes('\n')).map((n) => Buffer.from(n, 'utf8'));
    this.#maxNeedle = Math.max(1, ...this.#needles.map((n) => n.length));
    this.#isRecordStart = options.isRecordStart;
    this.#maxLineBytes = Math.max(1, options.maxLineBytes ?? 64 * 1024);
    this.#maxRecordLines = Math.max(1, options.maxRecordLines ?? 10_000);
    this.#maxRecordBytes = Math.max(1, options.maxRecordBytes ?? 8 * 1024 * 1024);
    this.#chunkSize = Math.max(1, options.chunkSize ?? 1024 * 1024);
    this.#retainBytes = Math.max(0, options.retainBytes ?? 512 * 1024);
    const range = options.range;
    this.#origin = range?.offset ?? 0;
    this.#base = this.#origin;
    // buf[0] is always a line start; a range starts at its given line.
    this.#countedLine = range?.line ?? 1;
    this.#checkpointEvery = Math.max(1, options.checkpoints?.every ?? 1024 * 1024);
    if (options.checkpoints !== undefined) this.#checkpointAt = this.#origin;
    // Room for several reads between compactions, so the kept lines are moved rarely.
    const capacity = this.#retainBytes + keptHeadBytes(this.#maxLineBytes) + 8 * this.#chunkSize + this.#maxNeedle + 64;
    this.#buf = takeWindow(capacity);
  }

  async run(): Promise<SearchStats> {
    let reader: ByteReader;
    const range = this.options.range;
    // A damaged gzip input is not spooled: its salvage is left to a reading of the input itself.
    let damaged = false;
    try {
      const { stdin, onWarning, gzipChunkSize } = this.options;
      reader = await openSource(this.source, {
        stdin, gzipChunkSize, range: range === undefined ? undefined : { start: range.offset, end: range.end },
        onWarning: (warning) => {
          damaged = true;
          onWarning?.(warning);
        },
      });
    } catch (error) {
      if (error instanceof NotSeekableError) throw error;
      this.#warn('unreadable', `cannot read: ${describeError(error)}`);
      giveWindow(this.#buf);
      return this.stats;
    }
    this.stats.seekable = reader.seekable;
    const spool = this.options.spool;
    const tee = spool !== undefined && range === undefined && reader.gzip && !reader.seekable ? new TeeReader(reader, spool) : null;
    if (tee !== null) reader = tee;
    let scanned = false;
    try {
      await this.#scan(reader);
      scanned = true;
      // Only after a whole scan: no read is pending into the window then.
      giveWindow(this.#buf);
    } finally {
      await reader.close().catch(() => undefined);
      if (tee !== null) {
        if (!scanned || damaged) tee.discard();
        this.stats.spooled = tee.result();
      }
    }
    return this.stats;
  }

  async #scan(reader: ByteReader): Promise<void> {
    const buf = this.#buf;
    let pending: Promise<number> | null = null;
    for (;;) {
      if (pending === null) {
        if (buf.length - this.#len < this.#chunkSize) this.#compact();
        pending = this.#read(reader, this.#len, Math.min(this.#chunkSize, buf.length - this.#len));
      }
      let n = await pending;
      pending = null;
      this.options.onProgress?.(reader.consumed);
      if (n === 0) break;
      this.stats.bytes += n;
      this.#lastByte = buf[this.#len + n - 1]!;
      if (this.#longLine !== null) n = this.#absorbLongLine(this.#len, n);
      this.#len += n;
      if (this.#longLine !== null) continue;
      // Read ahead into the free space while this data is searched (nothing below #len is written meanwhile).
      if (buf.length - this.#len >= this.#chunkSize) pending = this.#read(reader, this.#len, this.#chunkSize);
      const lastNewline = buf.subarray(this.#searchFrom, this.#len).lastIndexOf(NEWLINE);
      if (lastNewline !== -1) {
        const end = this.#searchFrom + lastNewline + 1;
        this.#searchRegion(this.#searchFrom, end);
        this.#searchFrom = end;
      }
    }
    // End of input: a last line without newline is complete now.
    const longLine = this.#longLine;
    if (longLine !== null) this.#endLongLine(longLine);
    if (this.#len > this.#searchFrom) this.#searchRegion(this.#searchFrom, this.#len);
    this.#searchFrom = this.#len;
    if (this.#open !== null) this.#emit(this.#open);
    this.#open = null;
    if (this.options.checkpoints !== undefined) this.#noteLastRecordStart();
    const newlines = this.#lineAt(this.#len) - 1;
    this.stats.lines = newlines + (this.stats.bytes > 0 && this.#lastByte !== NEWLINE ? 1 : 0);
  }

  /** Reads into buf[at, at + length); a read error ends the input (with a warning), keeping what came before. */
  async #read(reader: ByteReader, at: number, length: number): Promise<number> {
    try {
      return await reader.read(this.#buf, at, length);
    } catch (error) {
      this.#warn('unreadable', `read failed, kept what came before: ${describeError(error)}`);
      return 0;
    }
  }

  /** Moves the kept lines and the unfinished line to the front of the window. */
  #compact(): void {
    const buf = this.#buf;
    let keepFrom = Math.max(0, this.#searchFrom - this.#retainBytes);
    if (keepFrom > 0) {
      const newline = buf.subarray(keepFrom - 1, this.#searchFrom).indexOf(NEWLINE);
      keepFrom = newline === -1 ? this.#searchFrom : keepFrom + newline;
    }
    if (keepFrom > 0) {
      const lineBase = this.#lineAt(keepFrom);
      buf.copyWithin(0, keepFrom, this.#len);
      this.#len -= keepFrom;
      this.#searchFrom -= keepFrom;
      this.#base += keepFrom;
      this.#countedAt = 0;
      this.#countedLine = lineBase;
      const open = this.#open;
      // A finished block whose end left the window can no longer be joined by a later hit.
      if (open !== null && !open.extending && open.endAt < this.#base) {
        this.#emit(open);
        this.#open = null;
      }
      for (const startAt of this.#cutLines.keys()) if (startAt < this.#base) this.#cutLines.delete(startAt);
    }
    if (buf.length - this.#len < this.#chunkSize) this.#startLongLine();
  }

  /** The unfinished line fills the window: search it as it streams and keep only its head. */
  #startLongLine(): void {
    const start = this.#searchFrom;
    const bytes = this.#buf.subarray(start, this.#len);
    const overlapLength = this.#maxNeedle - 1;
    this.#longLine = {
      startAt: this.#base + start,
      total: bytes.length,
      hit: this.#hasNeedle(bytes),
      overlap: Buffer.from(bytes.subarray(bytes.length - overlapLength)),
    };
    this.#len = start + keptHeadBytes(this.#maxLineBytes);
  }

  /** Takes n new bytes at `at` into the long line; returns how many bytes (after its end) stay in the window. */
  #absorbLongLine(at: number, n: number): number {
    const line = this.#longLine!;
    const data = this.#buf.subarray(at, at + n);
    const newline = data.indexOf(NEWLINE);
    const part = data.subarray(0, newline === -1 ? n : newline);
    const overlapLength = this.#maxNeedle - 1;
    if (!line.hit && overlapLength > 0) {
      line.hit = this.#hasNeedle(Buffer.concat([line.overlap, part.subarray(0, overlapLength)]));
    }
    if (!line.hit) line.hit = this.#hasNeedle(part);
    line.total += part.length;
    if (newline === -1) {
      if (overlapLength > 0) {
        line.overlap = part.length >= overlapLength
          ? Buffer.from(part.subarray(part.length - overlapLength))
          : Buffer.concat([line.overlap, part]).subarray(-overlapLength);
      }
      return 0;
    }
    this.#endLongLine(line);
    this.#buf.copyWithin(at, at + newline, at + n);
    return n - newline;
  }

  #endLongLine(line: LongLine): void {
    this.#cutLines.set(line.startAt, { total: line.total, hit: line.hit });
    const last = this.#drops.length > 0 ? this.#drops[this.#drops.length - 1]!.dropped : 0;
    const dropped = line.total - Math.min(line.total, keptHeadBytes(this.#maxLineBytes));
    if (dropped > 0) this.#drops.push({ at: line.startAt, dropped: last + dropped });
    this.#longLine = null;
  }

  /** Offset in the decompressed input of window offset `at`: plus the bytes cut from long lines that began before it. */
  #fileOffset(at: number): number {
    const drops = this.#drops;
    let i = drops.length - 1;
    while (i >= 0 && drops[i]!.at >= at) i--;
    return at + (i >= 0 ? drops[i]!.dropped : 0);
  }

  #droppedTotal(): number {
    return this.#drops.length > 0 ? this.#drops[this.#drops.length - 1]!.dropped : 0;
  }

  /**
   * Notes checkpoints among complete lines buf[start, end): the first record start at or after
   * each threshold (a decompressed offset). Gives a threshold up after CHECKPOINT_SEEK_LINES
   * lines without one (plain text), so this costs a line test or two per MiB.
   */
  #noteCheckpoints(start: number, end: number): void {
    let at = start;
    const shift = this.#droppedTotal();
    const guess = this.#checkpointAt - this.#base - shift;
    if (guess > at) {
      const newline = guess > end ? -1 : this.#buf.indexOf(NEWLINE, guess - 1);
      at = newline === -1 || newline >= end ? end : newline + 1;
    }
    while (at < end) {
      const lineEnd = this.#lineEnd(at, end);
      const next = lineEnd < end ? lineEnd + 1 : end;
      const offset = this.#fileOffset(this.#base + at);
      if (offset < this.#checkpointAt) {
        at = next;
        continue;
      }
      const line = this.#decode(at, lineEnd);
      if (this.#isRecordStart(line.text)) {
        this.stats.checkpoints.push({ offset, line: this.#lineAt(at), time: this.#timeOf(line.text) });
        this.#checkpointAt = offset + this.#checkpointEvery;
        this.#checkpointSeen = 0;
      } else if (++this.#checkpointSeen >= CHECKPOINT_SEEK_LINES) {
        this.#checkpointAt = this.#fileOffset(this.#base + next) + this.#checkpointEvery;
        this.#checkpointSeen = 0;
      }
      if (this.#checkpointAt - this.#base - shift > next) {
        const skipTo = this.#checkpointAt - this.#base - shift;
        if (skipTo >= end) return;
        const newline = this.#buf.indexOf(NEWLINE, skipTo - 1);
        at = newline === -1 || newline >= end ? end : newline + 1;
      } else {
        at = next;
      }
    }
  }

  /** Walks back from the end of the input to its last record start (at most CHECKPOINT_SEEK_LINES lines). */
  #noteLastRecordStart(): void {
    const buf = this.#buf;
    if (this.#len === 0) return;
    let lineEnd = buf[this.#len - 1] === NEWLINE ? this.#len - 1 : this.#len;
    for (let tested = 0; tested < CHECKPOINT_SEEK_LINES; tested++) {
      const lineStart = lineEnd === 0 ? 0 : buf.lastIndexOf(NEWLINE, lineEnd - 1) + 1;
      const line = this.#decode(lineStart, lineEnd);
      if (this.#isRecordStart(line.text)) {
        const offset = this.#fileOffset(this.#base + lineStart);
        const last = this.stats.checkpoints[this.stats.checkpoints.length - 1];
        this.stats.lastRecordStart = last?.offset === offset
          ? last
          : { offset, line: this.#lineAt(lineStart), time: this.#timeOf(line.text) };
        return;
      }
      if (lineStart === 0) return;
      lineEnd = lineStart - 1;
    }
  }

  #timeOf(text: string): number | null {
    let time: number | null;
    try {
      time = this.options.checkpoints!.timeOf(text);
    } catch {
      time = null;
    }
    return Number.isFinite(time) ? time : null;
  }

  #hasNeedle(bytes: Buffer): boolean {
    for (const needle of this.#needles) if (bytes.indexOf(needle) !== -1) return true;
    return false;
  }

  /** Searches complete lines buf[start, end) and frames the records around each hit. */
  #searchRegion(start: number, end: number): void {
    const open = this.#open;
    if (open !== null && open.extending) this.#extend(open, start, end);
    if (this.#base + end + this.#droppedTotal() > this.#checkpointAt) this.#noteCheckpoints(start, end);
    const view = this.#buf.subarray(start, end);
    let hits: number[] = [];
    for (const needle of this.#needles) {
      for (let i = view.indexOf(needle); i !== -1; i = view.indexOf(needle, i + 1)) hits.push(start + i);
    }
    this.stats.hits += hits.length;
    if (this.#cutLines.size > 0) {
      for (const [startAt, cut] of this.#cutLines) {
        const at = startAt - this.#base;
        if (cut.hit && at >= start && at < end) hits.push(at);
      }
    }
    if (hits.length === 0) return;
    if (this.#needles.length > 1 || this.#cutLines.size > 0) hits = hits.sort((a, b) => a - b);
    for (const at of hits) {
      if (this.#base + at >= this.#handledTo) this.#frameHit(at, end);
    }
  }

  /** Frames the record holding the hit at buf position `at`; `end` is where searched lines end. */
  #frameHit(at: number, end: number): void {
    const buf = this.#buf;
    const hitLine = at === 0 ? 0 : buf.lastIndexOf(NEWLINE, at - 1) + 1;
    // Lines from `floor` on are in no block yet; the line at `floor` follows the previous block.
    const floor = this.#handledTo - this.#base;
    const back: DecodedLine[] = [];
    let lineStart = hitLine;
    let found = false;
    for (;;) {
      const line = this.#decode(lineStart, this.#lineEnd(lineStart, end));
      back.push(line);
      if (this.#isRecordStart(line.text)) {
        found = true;
        break;
      }
      if (lineStart === floor || lineStart === 0 || back.length >= this.#maxRecordLines) break;
      lineStart = lineStart === 1 ? 0 : buf.lastIndexOf(NEWLINE, lineStart - 2) + 1;
    }
    const atFloor = lineStart === floor;
    if (!found && !atFloor && !(lineStart === 0 && this.#base === this.#origin)) {
      this.#longRecord(`a record began before the ${back.length} lines kept above a match; shown from line ${this.#lineAt(lineStart)}`);
    }
    let block = this.#open;
    if (block === null || !atFloor) {
      // Not adjacent to the open block (adjacent records come out as one block).
      if (block !== null) this.#emit(block);
      block = { firstLine: this.#lineAt(lineStart), lines: [], size: 0, endAt: 0, extending: true };
      this.#open = block;
    }
    for (let i = back.length - 1; i >= 0; i--) this.#addLine(block, back[i]!);
    const hitEnd = this.#lineEnd(hitLine, end);
    this.#extend(block, hitEnd < end ? hitEnd + 1 : end, end);
  }

  /** Adds lines from `from` until the next record start; marks the block extending if `end` comes first. */
  #extend(block: OpenBlock, from: number, end: number): void {
    let at = from;
    while (at < end) {
      if (block.lines.length >= this.#maxRecordLines || block.size >= this.#maxRecordBytes) {
        this.#longRecord(`a record longer than ${block.lines.length} lines or ${block.size} characters was cut at line ${block.firstLine + block.lines.length}`);
        this.#emit(block);
        this.#open = null;
        this.#handledTo = this.#base + at;
        return;
      }
      const lineEnd = this.#lineEnd(at, end);
      const line = this.#decode(at, lineEnd);
      if (this.#isRecordStart(line.text)) {
        block.extending = false;
        block.endAt = this.#base + at;
        this.#handledTo = block.endAt;
        return;
      }
      this.#addLine(block, line);
      at = lineEnd < end ? lineEnd + 1 : end;
    }
    block.extending = true;
    block.endAt = this.#base + end;
    this.#handledTo = block.endAt;
  }

  /** Adds a decoded line to a block; a cut line is counted (and warned about once) here. */
  #addLine(block: OpenBlock, line: DecodedLine): void {
    block.lines.push(line.text);
    block.size += line.text.length;
    if (line.total > this.#maxLineBytes) {
      this.stats.cutLines++;
      if (!this.#warned.has('long-line')) {
        this.#warn('long-line', `line ${block.firstLine + block.lines.length - 1} has ${line.total} bytes; lines over ${this.#maxLineBytes} bytes are cut in the output`);
      }
    }
  }

  /** End (the newline's position, or `limit`) of the line starting at `start`. */
  #lineEnd(start: number, limit: number): number {
    const newline = this.#buf.indexOf(NEWLINE, start);
    return newline === -1 || newline >= limit ? limit : newline;
  }

  /** Decodes one line, cutting it when long. */
  #decode(start: number, end: number): DecodedLine {
    const cut = this.#cutLines.size > 0 ? this.#cutLines.get(this.#base + start) : undefined;
    const total = cut?.total ?? end - start;
    return { text: decodeLine(this.#buf, start, end, this.#maxLineBytes, total), total };
  }

  /** 1-based line number of buf position `at`, counting newlines from the last position asked. */
  #lineAt(at: number): number {
    if (at >= this.#countedAt) this.#countedLine += countNewlines(this.#buf, this.#countedAt, at);
    else this.#countedLine -= countNewlines(this.#buf, at, this.#countedAt);
    this.#countedAt = at;
    return this.#countedLine;
  }

  #emit(block: OpenBlock): void {
    if (block.lines.length === 0) return;
    this.stats.blocks++;
    this.onBlock({ source: this.source, firstLine: block.firstLine, lines: block.lines });
  }

  #longRecord(message: string): void {
    this.stats.longRecords++;
    this.#warnOnce('long-record', message);
  }

  #warnOnce(kind: SourceWarning['kind'], message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warn(kind, message);
  }

  #warn(kind: SourceWarning['kind'], message: string): void {
    this.#warned.add(kind);
    this.options.onWarning?.({ file: this.source.display, kind, message });
  }
}

/**
 * One spare window buffer, reused by the next search of the same size: a trace runs many
 * searches one after another (a range per stretch of a file), and a fresh 9 MiB buffer for each
 * kept the garbage collector busy. A search running while another holds it allocates its own.
 */
let spareWindow: Buffer | null = null;

function takeWindow(capacity: number): Buffer {
  const spare = spareWindow;
  if (spare !== null && spare.length === capacity) {
    spareWindow = null;
    return spare;
  }
  return Buffer.allocUnsafe(capacity);
}

function giveWindow(buf: Buffer): void {
  spareWindow = buf;
}
