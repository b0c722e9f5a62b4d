/**
 * Frames a byte stream into records for the streaming filter: a record is a line where the
 * records layer's test says one begins, plus the lines after it until the next one. A record is
 * held only until the next record starts (or `flush()` on idle), and carries the exact input bytes,
 * so the filter can pass the input on unchanged and test needles on bytes before decoding.
 *
 * Pathological input is cut, never buffered without bound: a record over `maxRecordLines` lines
 * or `maxRecordBytes` bytes (one endless line included) is emitted in pieces (`cut`, then
 * `continued`), and each cut is counted and reported.
 */
import type { RecordStartTest, SourceWarning } from './source.js';
import { decodeLine, headEnd, lineForStartTest } from './lines.js';

export interface FramerOptions {
  isRecordStart: RecordStartTest;
  /** Default 10,000. */
  maxRecordLines?: number;
  /** Default 8 MiB. */
  maxRecordBytes?: number;
  /** Lines longer than this are cut (with a marker) in decoded `lines` and in what the start test sees. Default 64 KiB. */
  maxLineBytes?: number;
  /** Line number of the first line pushed (default 1). */
  firstLine?: number;
  /**
   * Byte strings to look for: each record's `matched` says whether one occurs in it. Found with one
   * scan of each chunk, so the filter need not search record by record. A needle never spans lines
   * (nor the boundary between two pieces of a cut record).
   */
  needles?: string[];
  /** Name used in warnings (default '-'). */
  file?: string;
  onWarning?: (warning: SourceWarning) => void;
}

/** One record (or one piece of a cut record) exactly as it was in the input. */
export class RawRecord {
  #lines: string[] | null = null;

  constructor(
    /** The input bytes of the record, newlines included. */
    readonly bytes: Buffer,
    /** 1-based line number of its first line. */
    readonly firstLine: number,
    /** Physical lines it holds (a piece ending inside a line counts that line). */
    readonly lineCount: number,
    /** The limits cut it here: the rest follows as `continued` records. */
    readonly cut: boolean,
    /** It is the rest of a cut record (it may begin in the middle of a line). */
    readonly continued: boolean,
    /** A needle given to the framer occurs in it (false when none were given). */
    readonly matched: boolean,
    private readonly maxLineBytes: number,
  ) {}

  /** Decoded lines without newlines (invalid UTF-8 → U+FFFD, long lines cut with a marker); decoded on first use. */
  get lines(): string[] {
    if (this.#lines === null) this.#lines = splitLines(this.bytes, this.maxLineBytes);
    return this.#lines;
  }
}

function splitLines(bytes: Buffer, maxLineBytes: number): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    lines.push(decodeLine(bytes, start, end, maxLineBytes));
    start = end + 1;
  }
  return lines;
}

interface Held {
  parts: Buffer[];
  /** A run of consecutive lines of the current chunk, kept as offsets until it ends. */
  runChunk: Buffer | null;
  runStart: number;
  runEnd: number;
  bytes: number;
  lines: number;
  firstLine: number;
  continued: boolean;
  matched: boolean;
  /** It holds bytes of a line whose end has not come yet (counted in lines once it ends or the piece is cut). */
  lineOpen: boolean;
}

const NEWLINE = 0x0a;

export class RecordFramer {
  readonly #isRecordStart: RecordStartTest;
  readonly #maxRecordLines: number;
  readonly #maxRecordBytes: number;
  readonly #maxLineBytes: number;
  readonly #file: string;
  readonly #onWarning: ((warning: SourceWarning) => void) | undefined;
  /** Line number of the line being read (the next to complete). */
  #line: number;
  #held: Held | null = null;
  /** Bytes of the unfinished line from earlier chunks (while its record is not yet known). */
  #lineParts: Buffer[] = [];
  #lineBytes = 0;
  /** The unfinished line is already in the held piece (it was too long to wait for): its bytes go straight there. */
  #midLine = false;
  /** Records cut by the limits. */
  cutRecords = 0;
  #warned = false;
  readonly #needles: Buffer[];
  /** Needle positions in the chunk being pushed, in order, and the next one not yet passed. */
  #hits: number[] = [];
  #nextHit = 0;
  #lineMatched = false;

  constructor(options: FramerOptions) {
    this.#isRecordStart = options.isRecordStart;
    this.#maxRecordLines = Math.max(1, options.maxRecordLines ?? 10_000);
    this.#maxRecordBytes = Math.max(1, options.maxRecordBytes ?? 8 * 1024 * 1024);
    this.#maxLineBytes = Math.max(1, options.maxLineBytes ?? 64 * 1024);
    this.#line = options.firstLine ?? 1;
    this.#file = options.file ?? '-';
    this.#onWarning = options.onWarning;
    this.#needles = (options.needles ?? []).filter((n) => n !== '' && !n.includes('\n')).map((n) => Buffer.from(n, 'utf8'));
  }

  /** True when bytes are held: a record waiting for the next record start, or an unfinished line. */
  get pending(): boolean {
    return this.#held !== null || this.#lineBytes > 0;
  }

  /** Takes the next chunk (owned from now on: do not modify it); returns the records it completed. */
  push(chunk: Buffer): RawRecord[] {
    const out: RawRecord[] = [];
    this.#findHits(chunk);
    let pos = 0;
    while (pos < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, pos);
      if (newline === -1) {
        this.#takePartial(chunk.subarray(pos), out);
        break;
      }
      const end = newline + 1;
      if (this.#lineBytes === 0) {
        this.#lineMatched = this.#hitBefore(end);
        this.#takeLine(chunk, pos, end, out);
      } else {
        this.#lineParts.push(chunk.subarray(pos, end));
        const line = Buffer.concat(this.#lineParts, this.#lineBytes + end - pos);
        this.#lineParts = [];
        this.#lineBytes = 0;
        this.#hitBefore(end);
        this.#lineMatched = this.#hasNeedle(line);
        this.#takeLine(line, 0, line.length, out);
      }
      pos = end;
    }
    this.#closeRun();
    return out;
  }

  /**
   * Emits what is held. At the end of input (default) the unfinished last line goes too; on idle
   * (`endOfInput` false) only complete lines go, and an unfinished line waits for its end.
   */
  flush(endOfInput = true): RawRecord[] {
    const out: RawRecord[] = [];
    if (endOfInput) {
      if (this.#lineBytes > 0) {
        const line = Buffer.concat(this.#lineParts, this.#lineBytes);
        this.#lineParts = [];
        this.#lineBytes = 0;
        this.#lineMatched = this.#hasNeedle(line);
        this.#takeLine(line, 0, line.length, out);
      } else if (this.#midLine) {
        this.#midLine = false;
        this.#held!.lines++;
        this.#held!.lineOpen = false;
        this.#line++;
      }
    } else if (this.#midLine) {
      return out;
    }
    if (this.#held !== null) out.push(this.#emitHeld(false));
    return out;
  }

  /** One complete line buf[start, end) (newline included, except at the end of input). */
  #takeLine(buf: Buffer, start: number, end: number, out: RawRecord[]): void {
    if (this.#midLine) {
      this.#midLine = false;
    } else {
      this.#beginLine(buf, start, end, end - start, out);
    }
    this.#appendCapped(buf, start, end, out);
    const held = this.#held!;
    held.lines++;
    held.lineOpen = false;
    this.#line++;
  }

  /** Bytes of a line whose newline has not come yet. */
  #takePartial(bytes: Buffer, out: RawRecord[]): void {
    if (this.#midLine) {
      this.#lineMatched = this.#hasNeedle(bytes);
      this.#appendCapped(bytes, 0, bytes.length, out);
      return;
    }
    this.#lineParts.push(bytes);
    this.#lineBytes += bytes.length;
    // Wait for the line's end unless it is long and no longer fits: then its head decides (see lineForTest).
    if (this.#lineBytes > this.#maxLineBytes + 4 && this.#lineBytes + (this.#held?.bytes ?? 0) > this.#maxRecordBytes) {
      const line = Buffer.concat(this.#lineParts, this.#lineBytes);
      this.#lineParts = [];
      this.#lineBytes = 0;
      this.#beginLine(line, 0, line.length, Infinity, out);
      this.#lineMatched = this.#hasNeedle(line);
      this.#appendCapped(line, 0, line.length, out);
      this.#midLine = true;
    }
  }

  /** A new line begins: it may end the held record, or the held piece may be full of lines. */
  #beginLine(buf: Buffer, start: number, end: number, total: number, out: RawRecord[]): void {
    const held = this.#held;
    const startsRecord = this.#isRecordStart(this.#lineForTest(buf, start, end, total));
    if (held !== null && startsRecord) {
      out.push(this.#emitHeld(false));
    } else if (held !== null && held.lines >= this.#maxRecordLines) {
      out.push(this.#emitHeld(true));
      this.#held = this.#newHeld(true);
    }
    this.#held ??= this.#newHeld(false);
  }

  /**
   * What the record-start test sees: the line without its newline; a line over maxLineBytes as
   * its head and a marker, the same whether the line came whole or was still arriving.
   */
  #lineForTest(buf: Buffer, start: number, end: number, total: number): string {
    const textEnd = end > start && buf[end - 1] === NEWLINE ? end - 1 : end;
    if (total !== Infinity) return lineForStartTest(buf, start, textEnd, this.#maxLineBytes);
    return `${buf.toString('utf8', start, headEnd(buf, start, textEnd, this.#maxLineBytes))} …[line cut]`;
  }

  /** Appends bytes of the current line to the held piece, cutting pieces at exactly maxRecordBytes. */
  #appendCapped(buf: Buffer, start: number, end: number, out: RawRecord[]): void {
    let at = start;
    for (;;) {
      const held = this.#held!;
      const room = this.#maxRecordBytes - held.bytes;
      if (end - at <= room) {
        if (end > at) {
          this.#append(held, buf, at, end);
          held.lineOpen = true;
        }
        return;
      }
      if (room > 0) {
        this.#append(held, buf, at, at + room);
        at += room;
        held.lineOpen = true;
      }
      if (held.lineOpen) held.lines++; // the piece holds part of this line
      out.push(this.#emitHeld(true));
      this.#held = this.#newHeld(true);
    }
  }

  #newHeld(continued: boolean): Held {
    return { parts: [], runChunk: null, runStart: 0, runEnd: 0, bytes: 0, lines: 0, firstLine: this.#line, continued, matched: false, lineOpen: false };
  }

  /** Positions of every needle in the chunk, sorted. */
  #findHits(chunk: Buffer): void {
    this.#nextHit = 0;
    if (this.#needles.length === 0) {
      this.#hits = [];
      return;
    }
    const hits: number[] = [];
    for (const needle of this.#needles) {
      for (let i = chunk.indexOf(needle); i !== -1; i = chunk.indexOf(needle, i + 1)) hits.push(i);
    }
    if (this.#needles.length > 1) hits.sort((a, b) => a - b);
    this.#hits = hits;
  }

  /** True when a hit lies before `end` (in the line ending there); passes those hits. */
  #hitBefore(end: number): boolean {
    let found = false;
    while (this.#nextHit < this.#hits.length && this.#hits[this.#nextHit]! < end) {
      found = true;
      this.#nextHit++;
    }
    return found;
  }

  #hasNeedle(bytes: Buffer): boolean {
    for (const needle of this.#needles) if (bytes.indexOf(needle) !== -1) return true;
    return false;
  }

  #append(held: Held, buf: Buffer, start: number, end: number): void {
    if (this.#lineMatched) held.matched = true;
    if (held.runChunk === buf && held.runEnd === start) {
      held.runEnd = end;
    } else {
      if (held.runChunk !== null) held.parts.push(held.runChunk.subarray(held.runStart, held.runEnd));
      held.runChunk = buf;
      held.runStart = start;
      held.runEnd = end;
    }
    held.bytes += end - start;
  }

  /** Turns the current run into a part, so no offsets into a finished chunk are kept. */
  #closeRun(): void {
    const held = this.#held;
    if (held === null || held.runChunk === null) return;
    held.parts.push(held.runChunk.subarray(held.runStart, held.runEnd));
    held.runChunk = null;
  }

  #emitHeld(cut: boolean): RawRecord {
    const held = this.#held!;
    this.#held = null;
    if (held.runChunk !== null) held.parts.push(held.runChunk.subarray(held.runStart, held.runEnd));
    const bytes = held.parts.length === 1 ? held.parts[0]! : Buffer.concat(held.parts, held.bytes);
    if (cut) {
      this.cutRecords++;
      if (!this.#warned) {
        this.#warned = true;
        this.#onWarning?.({
          file: this.#file,
          kind: 'long-record',
          message: `a record from line ${held.firstLine} exceeds ${this.#maxRecordLines} lines or ${this.#maxRecordBytes} bytes; passed on in pieces`,
        });
      }
    }
    return new RawRecord(bytes, held.firstLine, held.lines, cut, held.continued, held.matched, this.#maxLineBytes);
  }
}
