/**
 * The filter's fast path: frames only the records that contain a needle. Like the search (and
 * ripgrep) it scans the raw bytes of each chunk for the needles and tests lines for a record
 * start only around a hit: back to the record's first line, forward to the next record's. Bytes
 * without a hit are kept only as a bounded window (for walking back), never decoded.
 *
 * Output equals RecordFramer's records with `matched` true, for records within the limits. A
 * record longer than the limits goes out in pieces; a record that began before the window (or a
 * line longer than the window) is passed on from the window's start, marked `continued`, with a
 * warning: its head is gone.
 */
import type { RecordStartTest, SourceWarning } from './source.js';
import { RawRecord, type FramerOptions } from './frame.js';
import { countNewlines, lineForStartTest } from './lines.js';

export interface MatchingFramerOptions extends FramerOptions {
  needles: string[];
  /** Bytes of lines kept before the unsearched data, for walking back to a record start (default 1 MiB). */
  retainBytes?: number;
}

interface HeldRecord {
  /** Window position of its first byte. */
  start: number;
  firstLine: number;
  /** Complete lines it holds so far. */
  lines: number;
  continued: boolean;
  /** The line holding position through - 1 is already in the record (it was unfinished when taken). */
  through: number;
}

const NEWLINE = 0x0a;

export class MatchingRecordFramer {
  readonly #isRecordStart: RecordStartTest;
  readonly #needles: Buffer[];
  readonly #overlap: number;
  readonly #maxRecordLines: number;
  readonly #maxRecordBytes: number;
  readonly #maxLineBytes: number;
  readonly #retainBytes: number;
  readonly #file: string;
  readonly #onWarning: ((warning: SourceWarning) => void) | undefined;
  #buf: Buffer;
  #len = 0;
  /** Line number of buf[0], and whether buf[0] begins that line. */
  #lineBase: number;
  #atLineStart = true;
  /** True until the first bytes are dropped: position 0 is then the input's start. */
  #whole = true;
  #countedAt = 0;
  #countedLine: number;
  /** Complete lines before this position have been dealt with. */
  #scanned = 0;
  /** A known record start at or after the last record passed on (-1 when unknown). */
  #knownStart = 0;
  #held: HeldRecord | null = null;
  /** A long unfinished line was searched up to here (its bytes before it may be dropped). */
  #partialSearched = 0;
  #partialHit = false;
  cutRecords = 0;
  #warned = new Set<string>();

  constructor(options: MatchingFramerOptions) {
    this.#isRecordStart = options.isRecordStart;
    this.#needles = options.needles.filter((n) => n !== '' && !n.includes('\n')).map((n) => Buffer.from(n, 'utf8'));
    this.#overlap = Math.max(0, ...this.#needles.map((n) => n.length - 1));
    this.#maxRecordLines = Math.max(1, options.maxRecordLines ?? 10_000);
    this.#maxRecordBytes = Math.max(1, options.maxRecordBytes ?? 8 * 1024 * 1024);
    this.#maxLineBytes = Math.max(1, options.maxLineBytes ?? 64 * 1024);
    this.#retainBytes = Math.max(0, options.retainBytes ?? 1024 * 1024);
    this.#file = options.file ?? '-';
    this.#onWarning = options.onWarning;
    this.#lineBase = options.firstLine ?? 1;
    this.#countedLine = this.#lineBase;
    this.#buf = Buffer.allocUnsafe(this.#retainBytes + 4 * 1024 * 1024);
  }

  /** True when a matching record is held (waiting for the next record start) or bytes wait for their line's end. */
  get pending(): boolean {
    return this.#held !== null || this.#len > this.#scanned;
  }

  /** Takes the next chunk (copied; the caller may reuse it); returns the matching records it completed. */
  push(chunk: Buffer): RawRecord[] {
    const out: RawRecord[] = [];
    if (chunk.length === 0) return out;
    this.#makeRoom(chunk.length, out);
    chunk.copy(this.#buf, this.#len);
    this.#len += chunk.length;
    const lastNewline = this.#buf.subarray(this.#scanned, this.#len).lastIndexOf(NEWLINE);
    if (lastNewline !== -1) {
      const end = this.#scanned + lastNewline + 1;
      this.#process(this.#scanned, end, out);
      this.#scanned = end;
      this.#partialSearched = end;
      this.#partialHit = false;
    }
    return out;
  }

  /** Passes on the held record: at the end of input with the unfinished last line; on idle with complete lines only. */
  flush(endOfInput = true): RawRecord[] {
    const out: RawRecord[] = [];
    let end = this.#scanned;
    if (endOfInput && this.#len > this.#scanned) {
      if (this.#partialHit && this.#held === null) {
        this.#frameHit(this.#scanned, this.#len);
        this.#held!.through = this.#len;
      }
      this.#process(this.#scanned, this.#len, out);
      end = this.#len;
      this.#scanned = end;
      this.#partialSearched = end;
      this.#partialHit = false;
    }
    if (this.#held !== null) {
      out.push(this.#emit(this.#held, end, false, this.#held.lines));
      this.#held = null;
      this.#knownStart = end;
    }
    return out;
  }

  /** Deals with complete lines buf[start, end). */
  #process(start: number, end: number, out: RawRecord[]): void {
    let at = start;
    while (at < end) {
      if (this.#held !== null) {
        at = this.#forward(this.#held, at, end, out);
        continue;
      }
      const hit = this.#nextHit(at, end);
      if (hit === -1) return;
      at = this.#frameHit(hit, end);
    }
  }

  /** Walks back from the hit's line to its record's start and holds that record; returns where its lines end. */
  #frameHit(hit: number, end: number): number {
    const buf = this.#buf;
    const hitLine = hit === 0 ? 0 : buf.lastIndexOf(NEWLINE, hit - 1) + 1;
    let start = hitLine;
    let lines = 1;
    let found = false;
    for (;;) {
      if (start === this.#knownStart || this.#isRecordStart(this.#decode(start, this.#lineEnd(start, end)))) {
        found = true;
        break;
      }
      if (start === 0 || lines >= this.#maxRecordLines) break;
      start = start === 1 ? 0 : buf.lastIndexOf(NEWLINE, start - 2) + 1;
      lines++;
    }
    const fromInputStart = start === 0 && this.#whole;
    const continued = !found && !fromInputStart;
    if (continued) {
      this.#warnOnce('head', `a matching record began before the ${this.#retainBytes}-byte window; passed on from line ${this.#lineAt(start)}`);
    }
    if (start === 0 && !this.#atLineStart) this.#warnOnce('head', 'a matching line began before the window; passed on from the middle');
    const held: HeldRecord = { start, firstLine: this.#lineAt(start), lines: lines - 1, continued, through: 0 };
    this.#held = held;
    const hitEnd = this.#lineEnd(hitLine, end);
    held.lines++;
    return hitEnd < end ? hitEnd + 1 : end;
  }

  /** Adds lines to the held record until the next record starts; returns where it stopped. */
  #forward(held: HeldRecord, from: number, end: number, out: RawRecord[]): number {
    let at = from;
    if (held.through > at) {
      const lineEnd = this.#lineEnd(held.through - 1, end);
      at = lineEnd < end ? lineEnd + 1 : end;
      held.through = 0;
    }
    while (at < end) {
      const lineEnd = this.#lineEnd(at, end);
      if (this.#isRecordStart(this.#decode(at, lineEnd))) {
        out.push(this.#emit(held, at, false, held.lines));
        this.#held = null;
        this.#knownStart = at;
        return at;
      }
      const next = lineEnd < end ? lineEnd + 1 : end;
      if (held.lines >= this.#maxRecordLines || next - held.start > this.#maxRecordBytes) {
        out.push(this.#emit(held, at, true, held.lines));
        held.start = at;
        held.firstLine = this.#lineAt(at);
        held.lines = 0;
        held.continued = true;
      }
      held.lines++;
      at = next;
    }
    return at;
  }

  #nextHit(from: number, end: number): number {
    const view = this.#buf.subarray(from, end);
    let first = -1;
    for (const needle of this.#needles) {
      const i = view.indexOf(needle);
      if (i !== -1 && (first === -1 || i < first)) first = i;
    }
    return first === -1 ? -1 : from + first;
  }

  /** Makes room for n more bytes: drops what no longer matters, grows the window only for a held record. */
  #makeRoom(n: number, out: RawRecord[]): void {
    const held = this.#held;
    const heldTooLong = held !== null && this.#len > this.#scanned && this.#len + n - held.start > this.#maxRecordBytes;
    if (this.#len + n <= this.#buf.length && !heldTooLong) return;
    if (held !== null && heldTooLong) {
      // The held record's unfinished line outgrows the limit: pass on what is here.
      out.push(this.#emit(held, this.#len, true, held.through > 0 ? held.lines : held.lines + 1));
      held.start = this.#len;
      held.firstLine = this.#lineAt(this.#len);
      held.lines = 1; // the rest of the unfinished line
      held.continued = true;
      held.through = this.#len;
    }
    let keepFrom = Math.max(0, this.#scanned - this.#retainBytes);
    if (keepFrom > 0) {
      const newline = this.#buf.subarray(keepFrom - 1, this.#scanned).indexOf(NEWLINE);
      keepFrom = newline === -1 ? this.#scanned : keepFrom + newline;
    }
    if (held !== null) keepFrom = Math.min(keepFrom, held.start);
    if (held === null && this.#len - this.#scanned > this.#retainBytes + this.#maxLineBytes) {
      // An endless line without a hit so far: search what came, keep a short tail for needles across the cut.
      const unsearched = Math.max(this.#scanned, this.#partialSearched - this.#overlap);
      if (this.#nextHit(unsearched, this.#len) !== -1) this.#partialHit = true;
      if (this.#partialHit) {
        this.#frameHit(this.#scanned, this.#len);
        this.#held!.through = this.#len;
        this.#partialHit = false;
        return this.#makeRoom(n, out);
      }
      keepFrom = Math.max(keepFrom, this.#len - this.#overlap);
      this.#partialSearched = this.#len;
    }
    if (keepFrom > 0) this.#drop(keepFrom);
    if (this.#len + n > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
      this.#buf.copy(bigger, 0, 0, this.#len);
      this.#buf = bigger;
    }
  }

  #drop(keepFrom: number): void {
    const lineBase = this.#lineAt(keepFrom);
    this.#atLineStart = keepFrom === 0 ? this.#atLineStart : this.#buf[keepFrom - 1] === NEWLINE;
    this.#buf.copyWithin(0, keepFrom, this.#len);
    this.#len -= keepFrom;
    this.#scanned = Math.max(0, this.#scanned - keepFrom);
    this.#partialSearched = Math.max(0, this.#partialSearched - keepFrom);
    this.#knownStart = this.#knownStart >= keepFrom ? this.#knownStart - keepFrom : -1;
    if (this.#held !== null) {
      this.#held.start -= keepFrom;
      this.#held.through = Math.max(0, this.#held.through - keepFrom);
    }
    this.#lineBase = lineBase;
    this.#countedAt = 0;
    this.#countedLine = lineBase;
    this.#whole = false;
  }

  #lineEnd(start: number, limit: number): number {
    const newline = this.#buf.indexOf(NEWLINE, start);
    return newline === -1 || newline >= limit ? limit : newline;
  }

  /** The line as the record-start test sees it (see RecordFramer). */
  #decode(start: number, end: number): string {
    return lineForStartTest(this.#buf, start, end, this.#maxLineBytes);
  }

  #lineAt(at: number): number {
    if (at >= this.#countedAt) this.#countedLine += countNewlines(this.#buf, this.#countedAt, at);
    else this.#countedLine -= countNewlines(this.#buf, at, this.#countedAt);
    this.#countedAt = at;
    return this.#countedLine;
  }

  #emit(held: HeldRecord, end: number, cut: boolean, lines: number): RawRecord {
    if (cut) {
      this.cutRecords++;
      this.#warnOnce('cut', `a record from line ${held.firstLine} exceeds ${this.#maxRecordLines} lines or ${this.#maxRecordBytes} bytes; passed on in pieces`);
    }
    const bytes = Buffer.from(this.#buf.subarray(held.start, end));
    return new RawRecord(bytes, held.firstLine, lines, cut, held.continued, true, this.#maxLineBytes);
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#onWarning?.({ file: this.#file, kind: 'long-record', message });
  }
}
