/**
 * The scanning engine's line window: one buffer holding a stretch of the input, and what maps
 * its positions back to the input — byte offsets and line numbers, though the window drops what
 * it no longer needs from its front (compaction), removes damaged stretches and keeps only the
 * head of overlong lines. Line numbers are counted only when asked (a cursor moves from the last
 * position asked), and not at all when not wanted.
 *
 * Positions are indexes into `buffer`; "kept" offsets count the bytes the window kept from the
 * start of the input, so they survive compaction; `gaps` map them to input offsets and lines.
 */
import { countNewlines, lineForStartTest } from './lines.js';

/** What an observer of complete lines may ask of the window. */
export interface ScanView {
  readonly buffer: Buffer;
  /** The line at buf[start, end) as the record-start test sees it. */
  lineText(start: number, end: number): string;
  /** Offset in the input of window position `pos`. */
  inputOffset(pos: number): number;
  /** 1-based line number of window position `pos`. */
  lineAt(pos: number): number;
  /** Window position of the first byte at or after input offset `offset`, if within buf[from, to). */
  positionOf(offset: number, from: number, to: number): number;
}

interface Gap {
  /** Kept offset right after the removed bytes. */
  at: number;
  /** Bytes and lines removed at or before it, cumulative. */
  bytes: number;
  lines: number;
}

const NEWLINE = 0x0a;

export class LineWindow implements ScanView {
  #buf: Buffer;
  /** Bytes in the window. */
  length = 0;
  /** Kept offset of buf[0]. */
  #keptBase = 0;
  /** buf[0] begins a line; and it is the start of the input (or range): a first line there is a record's first. */
  #lineStartAtZero = true;
  #atInputStart = true;
  /** Line cursor: true line number at window position #countedAt. */
  #countedAt = 0;
  #countedLine: number;
  readonly #gaps: Gap[] = [];
  /** Kept offsets where text resumes after damage: a record boundary. */
  #breaks: number[] = [];
  /** Kept offsets of lines of which only the head is kept: their length, and whether a needle was in them. */
  readonly #cutLines = new Map<number, { total: number; hit: boolean }>();

  constructor(
    capacity: number,
    private readonly startOffset: number,
    firstLine: number,
    private readonly maxLineBytes: number,
    private readonly lineNumbers: boolean,
  ) {
    this.#buf = takeWindow(capacity);
    this.#countedLine = firstLine;
  }

  get buffer(): Buffer {
    return this.#buf;
  }

  /** Free bytes after the data. */
  get free(): number {
    return this.#buf.length - this.length;
  }

  /** Gives the buffer back for the next window of the same size. */
  release(): void {
    giveWindow(this.#buf);
    this.#buf = Buffer.alloc(0);
    this.length = 0;
  }

  /** Position 0 is the start of the input (or range), at a line start. */
  get atInputStart(): boolean {
    return this.#atInputStart && this.#lineStartAtZero;
  }

  lineText(start: number, end: number): string {
    return lineForStartTest(this.#buf, start, end, this.maxLineBytes);
  }

  inputOffset(pos: number): number {
    const kept = this.#keptBase + pos;
    return this.startOffset + kept + (this.#gapBefore(kept)?.bytes ?? 0);
  }

  positionOf(offset: number, from: number, to: number): number {
    // inputOffset grows with the position, never slower: search between from and the gapless guess.
    let low = from;
    let high = Math.min(to, from + Math.max(0, offset - this.inputOffset(from)));
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.inputOffset(mid) >= offset) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  lineAt(pos: number): number {
    if (!this.lineNumbers) return 0;
    const buf = this.#buf;
    if (pos >= this.#countedAt) this.#countedLine += countNewlines(buf, this.#countedAt, pos) + this.#gapLines(this.#countedAt, pos);
    else this.#countedLine -= countNewlines(buf, pos, this.#countedAt) + this.#gapLines(pos, this.#countedAt);
    this.#countedAt = pos;
    return this.#countedLine;
  }

  isLineStart(pos: number): boolean {
    return pos > 0 ? this.#buf[pos - 1] === NEWLINE : this.#lineStartAtZero;
  }

  lineStart(pos: number): number {
    return pos === 0 ? 0 : this.#buf.lastIndexOf(NEWLINE, pos - 1) + 1;
  }

  /** End (the newline's position, or `limit`) of the line starting at `start`. */
  lineEnd(start: number, limit: number): number {
    const newline = this.#buf.subarray(start, limit).indexOf(NEWLINE);
    return newline === -1 ? limit : start + newline;
  }

  /** Drops buf[0, keepFrom): the rest moves to the front; the caller shifts its own positions. */
  dropBefore(keepFrom: number): void {
    const buf = this.#buf;
    const line = this.lineAt(keepFrom);
    this.#lineStartAtZero = buf[keepFrom - 1] === NEWLINE;
    this.#atInputStart = false;
    buf.copyWithin(0, keepFrom, this.length);
    this.length -= keepFrom;
    this.#keptBase += keepFrom;
    this.#countedAt = 0;
    this.#countedLine = line;
    for (const kept of this.#cutLines.keys()) if (kept < this.#keptBase) this.#cutLines.delete(kept);
    if (this.#breaks.length > 0) this.#breaks = this.#breaks.filter((kept) => kept >= this.#keptBase);
    // Gaps before the window are needed only as the base of those after.
    const gaps = this.#gaps;
    let i = 0;
    while (i + 1 < gaps.length && gaps[i + 1]!.at <= this.#keptBase) i++;
    if (i > 0) gaps.splice(0, i);
  }

  /**
   * Removes buf[start, stop) (a damaged stretch), a newline in its place when `newline`, moving
   * the bytes after it down; text resumes at the returned position, a record boundary.
   */
  remove(start: number, stop: number, newline: boolean): { resume: number; removed: number } {
    const buf = this.#buf;
    const lines = countNewlines(buf, start, stop) - (newline ? 1 : 0);
    let resume = start;
    if (newline) buf[resume++] = NEWLINE;
    const removed = stop - resume;
    buf.copyWithin(resume, stop, this.length);
    this.length -= removed;
    const kept = this.#keptBase + resume;
    this.#addGap(kept, removed, lines);
    if (this.#breaks.at(-1) !== kept) this.#breaks.push(kept);
    return { resume, removed };
  }

  /** Notes that `bytes` of a line were dropped before position `at` (an overlong line's middle). */
  dropped(at: number, bytes: number): void {
    this.#addGap(this.#keptBase + at, bytes, 0);
  }

  /** Text resumes after damage at `pos`: a record begins there, whatever its line says. */
  isBreak(pos: number): boolean {
    return this.#breaks.length > 0 && this.#breaks.includes(this.#keptBase + pos);
  }

  /** The line at `pos` is kept as its head only: it had `total` bytes, and a needle in them or not. */
  noteCutLine(pos: number, total: number, hit: boolean): void {
    this.#cutLines.set(this.#keptBase + pos, { total, hit });
  }

  /** The cut lines starting in buf[from, end): their positions and lengths. */
  *cutLinesIn(from: number, end: number): Generator<{ pos: number; total: number; hit: boolean }> {
    for (const [kept, cut] of this.#cutLines) {
      const pos = kept - this.#keptBase;
      if (pos >= from && pos < end) yield { pos, ...cut };
    }
  }

  get hasCutLines(): boolean {
    return this.#cutLines.size > 0;
  }

  #addGap(at: number, bytes: number, lines: number): void {
    if (bytes <= 0 && lines === 0) return;
    const last = this.#gaps.at(-1);
    if (last !== undefined && last.at === at) {
      last.bytes += bytes;
      last.lines += lines;
    } else {
      this.#gaps.push({ at, bytes: (last?.bytes ?? 0) + bytes, lines: (last?.lines ?? 0) + lines });
    }
  }

  /** The last gap at or before kept offset `kept`. */
  #gapBefore(kept: number): Gap | undefined {
    const gaps = this.#gaps;
    for (let i = gaps.length - 1; i >= 0; i--) if (gaps[i]!.at <= kept) return gaps[i];
    return undefined;
  }

  /** Lines removed between window positions a ≤ b. */
  #gapLines(a: number, b: number): number {
    if (this.#gaps.length === 0) return 0;
    return (this.#gapBefore(this.#keptBase + b)?.lines ?? 0) - (this.#gapBefore(this.#keptBase + a)?.lines ?? 0);
  }
}

/**
 * One spare buffer, reused by the next window of the same size: a trace runs many scans one
 * after another (a range per stretch of a file), and a fresh 10 MiB buffer for each kept the
 * garbage collector busy. A scan running while another holds it allocates its own.
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
  if (buf.length > 0) spareWindow = buf;
}
