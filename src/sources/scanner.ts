/**
 * The one scanning engine, shaped like ripgrep's searcher: bytes go into one line window; each
 * stretch of complete lines is cleared of damage, shown to an observer (checkpoints), searched
 * for needles with native indexOf over the whole stretch, and only around a hit are lines tested
 * for a record start — back from the hit to its record's first line, forward to the next
 * record's. Each framed record goes to the sink as soon as the next record starts.
 *
 * Drivers are thin: the trace pulls (src/sources/search.ts reads into `room()` and calls
 * `commit`), the filter pushes chunks (`push`). Memory is the window: `retainBytes` of lines
 * before the unsearched data (to walk back), a record up to `maxRecordBytes`, and one read.
 *
 * - Limits: a record over `maxRecordLines` lines or `maxRecordBytes` bytes goes out in pieces
 *   (`cut`, then `continued`); a record that began before the window is passed on from the
 *   window's start, `continued`, with a warning.
 * - A line longer than the window: with `passLongLines` (the filter) a matching record's line
 *   streams out in pieces and a line with no hit is dropped as it streams; otherwise (the trace)
 *   only its head is kept and the record shows it cut, with a marker.
 * - Damage (src/sources/damage.ts): a damaged stretch is removed, counted and reported; it ends
 *   the record before it, and the text after it begins a line (the record a restarted service
 *   writes after a crash's NUL hole is found whole). A source of nothing but damage is stopped
 *   after GARBAGE_ONLY_LIMIT bytes, and any source after DAMAGE_LIMIT bytes of one stretch.
 *
 * The window (src/sources/window.ts) holds the bytes and maps its positions to offsets and line
 * numbers of the input; the scanner holds what framing needs: where the search is, the record
 * held, the damage still open.
 */
import type { RecordStartTest, SourceWarning } from './source.js';
import { NeedleSet } from './needles.js';
import { nextDamage, damageEnd, mayStartRecord } from './damage.js';
import { RawRecord } from './raw-record.js';
import { countNewlines, keptHeadBytes } from './lines.js';
import { describeSize } from './sizes.js';
import { LineWindow, type ScanView } from './window.js';

export type { ScanView } from './window.js';

export interface ScanLimits {
  /** Longer lines are cut in decoded text (and, in the trace, in what is kept). Default 64 KiB. */
  maxLineBytes?: number;
  /** A record goes out in pieces after this many lines (default 10,000). */
  maxRecordLines?: number;
  /** … or after this many bytes (default 8 MiB). */
  maxRecordBytes?: number;
}

export interface ScannerOptions extends ScanLimits {
  isRecordStart: RecordStartTest;
  /** Byte strings a record must hold to be passed on; null: every record is. */
  needles: readonly string[] | null;
  /** Bytes of lines kept before the unsearched data, for walking back to a record start (default 1 MiB). */
  retainBytes?: number;
  /** Bytes a driver adds at a time; `room()` keeps this much free (default 1 MiB). */
  readSize?: number;
  /** A matching record's overlong line streams out in pieces (the filter) instead of being cut to its head (the trace). */
  passLongLines?: boolean;
  /** Offset in the input and line number of the first byte given (a range of a file); default 0 and 1. */
  startOffset?: number;
  firstLine?: number;
  /** Count line numbers (default true; records' firstLine is 0 without). */
  lineNumbers?: boolean;
  /** Name in warnings. */
  file: string;
  onWarning?: (warning: SourceWarning) => void;
  onRecord: (record: RawRecord) => void;
  /** Sees each stretch of complete lines buf[start, end) before it is searched (checkpoints). */
  onLines?: (view: ScanView, start: number, end: number) => void;
}

export interface ScanStats {
  /** Bytes given to the scanner. */
  bytes: number;
  hits: number;
  /** Records (and pieces) passed on. */
  records: number;
  /** Lines longer than the window whose middle was not kept. */
  cutLines: number;
  /** Records cut by the limits or passed on without their head. */
  longRecords: number;
  damagedStretches: number;
  damagedBytes: number;
  /** Reading was stopped: a source of nothing but damage. */
  stopped: boolean;
}

/** A source that has shown no text in this many bytes of damage is not a log. */
const GARBAGE_ONLY_LIMIT = 16 * 1024 * 1024;
/** One damaged stretch this long ends the reading of any source (a disk image, a device). */
const DAMAGE_LIMIT = 256 * 1024 * 1024;
/** Bytes after a damaged stretch where a record start is looked for (printable junk of the damage before it). */
const RESTART_SEEK = 32;
const NEWLINE = 0x0a;

interface Held {
  start: number;
  firstLine: number;
  /** Complete lines in it so far. */
  lines: number;
  continued: boolean;
  /** Holds the head of a line still arriving (pass-through pieces). */
  openLine: boolean;
}

interface LongLine {
  /** Window position of its start (its head is kept there). */
  start: number;
  total: number;
  hit: boolean;
  /** The last bytes seen, for needles across reads. */
  tail: Buffer;
}

export class Scanner {
  readonly stats: ScanStats = { bytes: 0, hits: 0, records: 0, cutLines: 0, longRecords: 0, damagedStretches: 0, damagedBytes: 0, stopped: false };
  readonly #o: ScannerOptions;
  readonly #needles: NeedleSet | null;
  readonly #maxLineBytes: number;
  readonly #maxRecordLines: number;
  readonly #maxRecordBytes: number;
  readonly #retainBytes: number;
  readonly #readSize: number;
  readonly #passLongLines: boolean;
  readonly #w: LineWindow;
  /** First position not yet processed; a line start unless #midLine says otherwise. */
  #searchFrom = 0;
  /** #searchFrom is inside a line whose head went out or was dropped (pass-through). */
  #midLine = false;
  /** Bytes below this were looked at for damage. */
  #damageTo = 0;
  /** Lines below this went out in a record or were passed over: no record is framed back past it. */
  #emittedTo = 0;
  /** A position known to begin a record (the end of the last record passed on), or -1. */
  #knownStart = 0;
  #held: Held | null = null;
  #longLine: LongLine | null = null;
  /** The damaged stretch still going on at the end of the bytes seen: its input offset and bytes so far. */
  #openDamage: { offset: number; bytes: number } | null = null;
  readonly #warned = new Set<string>();

  constructor(options: ScannerOptions) {
    this.#o = options;
    this.#needles = options.needles === null ? null : new NeedleSet(options.needles);
    this.#maxLineBytes = Math.max(1, options.maxLineBytes ?? 64 * 1024);
    this.#maxRecordLines = Math.max(1, options.maxRecordLines ?? 10_000);
    this.#maxRecordBytes = Math.max(1, options.maxRecordBytes ?? 8 * 1024 * 1024);
    this.#retainBytes = Math.max(0, options.retainBytes ?? 1024 * 1024);
    this.#readSize = Math.max(1, options.readSize ?? 1024 * 1024);
    this.#passLongLines = options.passLongLines ?? false;
    // The trace holds a record whole up to its limit; the filter passes a big one on in pieces as the window fills.
    const held = this.#passLongLines ? 0 : this.#maxRecordBytes;
    const capacity = this.#retainBytes + held + keptHeadBytes(this.#maxLineBytes) + 2 * this.#readSize + (this.#needles?.overlap ?? 0) + 64;
    this.#w = new LineWindow(capacity, options.startOffset ?? 0, options.firstLine ?? 1, this.#maxLineBytes, options.lineNumbers ?? true);
  }

  /** Gives the window back for the next scanner (the driver is done with this one and its records). */
  release(): void {
    this.#w.release();
  }

  /** The window, for a look at what is left in it at the end (the last record start). */
  get window(): ScanView & { readonly length: number } {
    return this.#w;
  }

  /** True while a record is held (waiting for the next record start) or bytes wait for their line's end. */
  get pending(): boolean {
    return this.#held !== null || this.#w.length > this.#searchFrom;
  }

  /** Free space for the next bytes (at least readSize unless stopped); write there, then commit. */
  room(): { buffer: Buffer; offset: number; length: number } {
    if (this.#w.free < this.#readSize) this.#makeRoom();
    return { buffer: this.#w.buffer, offset: this.#w.length, length: this.#w.free };
  }

  /** Copies a chunk in (in pieces when it is larger than the room). */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.stats.stopped) {
      const room = this.room();
      const n = Math.min(room.length, chunk.length - at, this.#readSize);
      chunk.copy(room.buffer, room.offset, at, at + n);
      this.commit(n);
      at += n;
    }
  }

  /** Takes n bytes written at room().offset. */
  commit(n: number): void {
    if (n <= 0 || this.stats.stopped) return;
    this.stats.bytes += n;
    if (this.#longLine !== null) {
      n = this.#absorbLongLine(this.#w.length, n);
      if (this.#longLine !== null) return;
    }
    this.#w.length += n;
    const last = this.#w.buffer.subarray(this.#searchFrom, this.#w.length).lastIndexOf(NEWLINE);
    if (last !== -1) this.#processTo(this.#searchFrom + last + 1, false);
  }

  /** End of input: the last line is complete even without a newline; the held record goes out. */
  end(): void {
    if (this.#longLine !== null) this.#endLongLine(this.#longLine);
    if (!this.stats.stopped) this.#processTo(this.#w.length, true);
    this.#closeDamage();
    if (this.#held !== null) this.#emitHeld(this.#w.length, false);
    this.#held = null;
  }

  /** The input is idle: the held record goes out with its complete lines; an unfinished line waits for its end. */
  idle(): void {
    const held = this.#held;
    if (held === null || held.start >= this.#searchFrom) return;
    this.#emitHeld(this.#searchFrom, false);
    this.#held = null;
    this.#knownStart = this.#searchFrom;
  }

  // ---------------------------------------------------------------- processing complete lines

  /** Processes the lines in buf[#searchFrom, end) (complete, or the last ones at the end of input). */
  #processTo(end: number, endOfInput: boolean): void {
    end = this.#clearDamage(end, endOfInput);
    let at = this.#searchFrom;
    if (!endOfInput && end > at && this.#w.buffer[end - 1] !== NEWLINE) end = this.#w.lineStart(end);
    if (at >= end) return;
    this.#o.onLines?.(this.#w, at, end);
    if (this.#midLine) {
      // The rest of a line whose head went out (in a held piece) or was dropped.
      const lineEnd = this.#w.lineEnd(at, end);
      const next = lineEnd < end ? lineEnd + 1 : end;
      const held = this.#held;
      if (held !== null && held.openLine) {
        held.openLine = false;
        held.lines++;
        at = next;
      }
      this.#midLine = false;
    }
    // Every hit of the stretch at once: one scan per needle, however many hits it has.
    const hits = this.#needles === null ? null : this.#needles.all(this.#w.buffer, at, end);
    if (hits !== null && this.#w.hasCutLines) this.#addCutLineHits(hits, at, end);
    let next = 0;
    while (at < end) {
      const held = this.#held;
      if (held !== null) {
        at = this.#extend(held, at, end);
        continue;
      }
      let hit = at;
      if (hits !== null) {
        while (next < hits.length && hits[next]! < at) next++;
        if (next === hits.length) break;
        hit = hits[next]!;
      }
      this.stats.hits++;
      at = this.#frameHit(hit, end);
    }
    this.#searchFrom = end;
  }

  /** Adds the lines in buf[from, end) cut in the window with a needle in their dropped part (kept sorted). */
  #addCutLineHits(hits: number[], from: number, end: number): void {
    let added = false;
    for (const cut of this.#w.cutLinesIn(from, end)) {
      if (cut.hit) {
        hits.push(cut.pos);
        added = true;
      }
    }
    if (added) hits.sort((a, b) => a - b);
  }

  /** Frames the record holding the hit at `hit` (buf[., end) complete lines); returns where its lines so far end. */
  #frameHit(hit: number, end: number): number {
    const buf = this.#w.buffer;
    const hitLine = this.#w.lineStart(hit);
    let start = hitLine;
    let lines = 1;
    let found = false;
    for (;;) {
      if (start === this.#knownStart || this.#w.isBreak(start) || (this.#w.isLineStart(start) && this.#o.isRecordStart(this.#w.lineText(start, this.#w.lineEnd(start, end))))) {
        found = true;
        break;
      }
      if (start === 0 && this.#w.atInputStart) {
        found = true; // the input's first line: whatever it is, nothing came before it
        break;
      }
      if (start <= this.#emittedTo || start === 0 || lines >= this.#maxRecordLines) break;
      start = start === 1 ? 0 : buf.lastIndexOf(NEWLINE, start - 2) + 1;
      if (start < this.#emittedTo) start = this.#emittedTo;
      lines++;
    }
    if (!found) {
      this.#longRecord('head', start === 0
        ? `a matching record began before the ${this.#retainBytes}-byte window; passed on from line ${this.#w.lineAt(start)}`
        : `a matching record has more than ${this.#maxRecordLines} lines before the match; passed on from line ${this.#w.lineAt(start)}`);
    }
    this.#held = { start, firstLine: this.#w.lineAt(start), lines: lines - 1, continued: !found, openLine: false };
    const hitEnd = this.#w.lineEnd(hitLine, end);
    this.#held.lines++;
    return hitEnd < end ? hitEnd + 1 : end;
  }

  /** Adds lines to the held record until the next record start; returns where it stopped. */
  #extend(held: Held, from: number, end: number): number {
    let at = from;
    while (at < end) {
      const lineEnd = this.#w.lineEnd(at, end);
      if (this.#w.isBreak(at) || this.#o.isRecordStart(this.#w.lineText(at, lineEnd))) {
        this.#emitHeld(at, false);
        this.#held = null;
        this.#knownStart = at;
        return at;
      }
      const next = lineEnd < end ? lineEnd + 1 : end;
      if (held.lines >= this.#maxRecordLines || next - held.start > this.#maxRecordBytes) {
        this.#emitHeld(at, true);
        held = this.#held = { start: at, firstLine: this.#w.lineAt(at), lines: 0, continued: true, openLine: false };
      }
      held.lines++;
      at = next;
    }
    return at;
  }

  /** Passes on the held record's bytes up to `end`; a cut record goes on as a new held piece (set by the caller). */
  #emitHeld(end: number, cut: boolean): void {
    const held = this.#held!;
    const buf = this.#w.buffer;
    let cutLines: Map<number, number> | null = null;
    for (const line of this.#w.cutLinesIn(held.start, end)) (cutLines ??= new Map()).set(countNewlines(buf, held.start, line.pos), line.total);
    const lineCount = held.lines + (held.openLine ? 1 : 0);
    const record = new RawRecord(Buffer.from(buf.subarray(held.start, end)), held.firstLine, lineCount, cut, held.continued, this.#needles !== null, this.#maxLineBytes, this.#w.inputOffset(held.start), cutLines);
    if (cut && !held.continued) this.#longRecord('cut', `a record from line ${held.firstLine} exceeds ${this.#maxRecordLines} lines or ${this.#maxRecordBytes} bytes; passed on in pieces`);
    this.#emittedTo = end;
    this.stats.records++;
    this.#o.onRecord(record);
  }

  // ---------------------------------------------------------------- room, long lines

  /** Drops what no longer matters; when the unfinished line alone fills the window, deals with it. */
  #makeRoom(): void {
    this.#compact();
    if (this.#w.free >= this.#readSize) return;
    // Damage in the unfinished line (a NUL hole with no newline) goes first: that may be all of it.
    this.#clearDamage(this.#searchFrom, false);
    this.#compact();
    if (this.#w.free >= this.#readSize) return;
    if (!this.#passLongLines) {
      this.#startLongLine();
      return;
    }
    const held = this.#held;
    if (held === null) {
      const hit = this.#needles === null ? this.#searchFrom : this.#needles.first(this.#w.buffer, this.#searchFrom, this.#w.length);
      if (hit !== -1) {
        this.stats.hits++;
        this.#frameHit(hit, this.#w.length);
        this.#held!.lines--; // its last line is still arriving
      }
    }
    if (this.#held !== null) {
      // Stream the matching record's line out: what is here goes as a piece.
      const piece = this.#held;
      piece.openLine = true;
      this.#emitHeld(this.#w.length, true);
      this.#held = { start: this.#w.length, firstLine: this.#w.lineAt(this.#w.length), lines: 0, continued: true, openLine: true };
    } else {
      // No hit in it: keep only a tail for needles that span the cut.
      const keep = Math.min(this.#needles?.overlap ?? 0, this.#w.length - this.#searchFrom);
      this.#warnLongLine('long-line', `line ${this.#w.lineAt(this.#searchFrom)} is longer than the ${this.#w.buffer.length}-byte window; its head is not kept`);
      this.stats.cutLines++;
      this.#emittedTo = this.#w.length - keep;
      this.#knownStart = -1;
    }
    this.#searchFrom = this.#held?.start ?? this.#w.length - Math.min(this.#needles?.overlap ?? 0, this.#w.length - this.#searchFrom);
    this.#damageTo = Math.max(this.#damageTo, this.#searchFrom);
    this.#midLine = true;
    this.#compact();
  }

  /** Moves the kept lines and the unfinished line to the front of the window. */
  #compact(): void {
    const buf = this.#w.buffer;
    let keepFrom = Math.max(0, this.#searchFrom - this.#retainBytes);
    if (keepFrom > 0) {
      const newline = buf.subarray(keepFrom - 1, this.#searchFrom).indexOf(NEWLINE);
      keepFrom = newline === -1 ? this.#searchFrom : keepFrom + newline;
    }
    if (this.#held !== null) keepFrom = Math.min(keepFrom, this.#held.start);
    if (this.#longLine !== null) keepFrom = Math.min(keepFrom, this.#longLine.start);
    if (keepFrom <= 0) return;
    this.#w.dropBefore(keepFrom);
    this.#searchFrom -= keepFrom;
    this.#damageTo = Math.max(0, this.#damageTo - keepFrom);
    this.#emittedTo = Math.max(0, this.#emittedTo - keepFrom);
    this.#knownStart = this.#knownStart >= keepFrom ? this.#knownStart - keepFrom : -1;
    if (this.#held !== null) this.#held.start -= keepFrom;
    if (this.#longLine !== null) this.#longLine.start -= keepFrom;
  }

  /** The trace: the unfinished line fills the window; keep its head, search the rest as it streams. */
  #startLongLine(): void {
    const start = this.#searchFrom;
    const head = keptHeadBytes(this.#maxLineBytes);
    const bytes = this.#w.buffer.subarray(start, this.#w.length);
    const overlap = this.#needles?.overlap ?? 0;
    this.#longLine = {
      start,
      total: bytes.length,
      hit: this.#needles === null || this.#needles.has(this.#w.buffer, start, this.#w.length),
      tail: Buffer.from(bytes.subarray(Math.max(0, bytes.length - overlap))),
    };
    this.#w.dropped(start + head, this.#w.length - (start + head));
    this.#w.length = start + head;
    this.#damageTo = Math.min(this.#damageTo, this.#w.length);
  }

  /** Takes n new bytes at `at` into the long line; returns how many bytes (after its end) stay in the window. */
  #absorbLongLine(at: number, n: number): number {
    const line = this.#longLine!;
    const data = this.#w.buffer.subarray(at, at + n);
    const newline = data.indexOf(NEWLINE);
    const part = data.subarray(0, newline === -1 ? n : newline);
    const needles = this.#needles;
    if (!line.hit && needles !== null) {
      const joined = Buffer.concat([line.tail, part.subarray(0, needles.overlap)]);
      line.hit = needles.has(joined, 0, joined.length) || needles.has(part, 0, part.length);
    }
    line.total += part.length;
    if (needles !== null && needles.overlap > 0) {
      line.tail = part.length >= needles.overlap
        ? Buffer.from(part.subarray(part.length - needles.overlap))
        : Buffer.concat([line.tail, part]).subarray(-needles.overlap);
    }
    this.#w.dropped(at, part.length);
    if (newline === -1) return 0;
    this.#endLongLine(line);
    this.#w.buffer.copyWithin(at, at + newline, at + n);
    return n - newline;
  }

  #endLongLine(line: LongLine): void {
    this.#w.noteCutLine(line.start, line.total, line.hit);
    this.stats.cutLines++;
    this.#warnLongLine('long-line', `line ${this.#w.lineAt(line.start)} has ${line.total} bytes; lines over ${this.#maxLineBytes} bytes are cut in the output`);
    this.#longLine = null;
  }

  // ---------------------------------------------------------------- damage

  /**
   * Looks at every byte from #damageTo to the end of the window for damage and removes what is
   * surely damaged (the bytes after it move down); returns where the lines to process end now:
   * `end` moved with the removals, or earlier when a stretch is still open or a NUL cannot be
   * judged yet (those bytes are looked at again when more come). `final`: no more bytes come.
   */
  #clearDamage(end: number, final: boolean): number {
    const buf = this.#w.buffer;
    let at = Math.max(this.#damageTo, this.#searchFrom);
    let hold = Infinity;
    if (this.#openDamage !== null) {
      const { end: stop, open } = damageEnd(buf, at, this.#w.length, final, this.#restartIn);
      end = this.#remove(at, stop, end, false, !open);
      if (!open) this.#closeDamage();
      else hold = this.#damageTo;
      at = this.#damageTo;
    }
    while (hold === Infinity && !this.stats.stopped) {
      const found = at < this.#w.length ? nextDamage(buf, at, this.#w.length, this.#searchFrom, final, this.#restartIn) : null;
      if (found === null) {
        this.#damageTo = this.#w.length;
        break;
      }
      if (found.kind === 'undecided') {
        this.#damageTo = found.at;
        hold = this.#w.lineStart(found.at);
        break;
      }
      const startsLine = this.#w.isLineStart(found.start);
      this.#openDamage = { offset: this.#w.inputOffset(found.start), bytes: 0 };
      end = this.#remove(found.start, found.end, end, !startsLine, !found.open);
      if (!found.open) this.#closeDamage();
      else hold = this.#damageTo;
      at = this.#damageTo;
    }
    return Math.max(this.#searchFrom, Math.min(end, hold));
  }

  /**
   * Removes buf[start, stop) (a newline in its place when it began inside a line), moving the
   * bytes after it down; notes the gap and the break; returns where `end` (a position after
   * `stop`, or one the removal swallows) is now. `closed`: the text after it starts here.
   */
  #remove(start: number, stop: number, end: number, newline: boolean, closed: boolean): number {
    const damage = this.#openDamage!;
    const text = closed && stop < this.#w.length ? this.#restartAfter(stop, this.#w.length) : stop;
    const { resume, removed } = this.#w.remove(start, text, newline);
    damage.bytes += text - start;
    this.#damageTo = resume;
    if (damage.bytes >= DAMAGE_LIMIT || (this.#garbageOnly(damage) && damage.bytes >= GARBAGE_ONLY_LIMIT)) this.#stop(damage.bytes);
    return end >= text ? end - removed : resume;
  }

  /** Where a record starts in buf[from, to): at a line start there, or within RESTART_SEEK bytes of `from` (junk glued before it); -1 if nowhere. */
  readonly #restartIn = (from: number, to: number): number => {
    const buf = this.#w.buffer;
    for (let at = from; at < to; at++) {
      if (at - from >= RESTART_SEEK && buf[at - 1] !== NEWLINE) {
        const newline = buf.subarray(at, to).indexOf(NEWLINE);
        if (newline === -1) return -1;
        at += newline; // on to the next line start
        continue;
      }
      if (mayStartRecord(buf[at]!) && this.#o.isRecordStart(this.#w.lineText(at, this.#w.lineEnd(at, this.#w.length)))) return at;
    }
    return -1;
  };

  /** Where text resumes after damage ending at `stop`: a record start within RESTART_SEEK bytes, else `stop`. */
  #restartAfter(stop: number, end: number): number {
    const lineEnd = this.#w.lineEnd(stop, end);
    if (this.#o.isRecordStart(this.#w.lineText(stop, lineEnd))) return stop;
    for (let at = stop + 1; at < Math.min(lineEnd, stop + RESTART_SEEK); at++) {
      if (this.#o.isRecordStart(this.#w.lineText(at, lineEnd))) return at;
    }
    return stop;
  }

  #closeDamage(report = true): void {
    const damage = this.#openDamage;
    if (damage === null) return;
    this.#openDamage = null;
    this.stats.damagedStretches++;
    this.stats.damagedBytes += damage.bytes;
    if (report) this.#warnOnce('damaged', 'damaged', `damaged stretch skipped: ${describeSize(damage.bytes)} at byte ${damage.offset}`);
  }

  /** Nothing but damage so far: the stretch began within a few bytes of the input's start. */
  #garbageOnly(damage: { offset: number }): boolean {
    return this.stats.damagedStretches === 0 && damage.offset - (this.#o.startOffset ?? 0) <= RESTART_SEEK;
  }

  #stop(bytes: number): void {
    if (this.stats.stopped) return;
    const garbageOnly = this.#openDamage !== null && this.#garbageOnly(this.#openDamage);
    this.stats.stopped = true;
    this.#closeDamage(!garbageOnly); // a source of nothing but damage gets one line: the stop
    const why = garbageOnly ? `no text in the first ${describeSize(bytes)}: not a log` : `${describeSize(bytes)} of damage in one stretch`;
    this.#warn('stopped', `${why}; stopped reading it`);
  }

  // ---------------------------------------------------------------- small helpers















  #longRecord(key: string, message: string): void {
    this.stats.longRecords++;
    this.#warnOnce(key, 'long-record', message);
  }

  #warnLongLine(key: string, message: string): void {
    this.#warnOnce(key, 'long-line', message);
  }

  #warnOnce(key: string, kind: SourceWarning['kind'], message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#warn(kind, message);
  }

  #warn(kind: SourceWarning['kind'], message: string): void {
    this.#o.onWarning?.({ file: this.#o.file, kind, message });
  }
}
