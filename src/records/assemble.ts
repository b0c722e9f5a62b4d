/**
 * Physical lines → records. Stitches multi-line records (oslo exception-prefix lines, bare
 * continuation lines, unprefixed tracebacks), unwraps container logs (CRI, Docker json-file) and
 * joins the pieces of their long lines, keeps unknown lines as plain records, applies the
 * zone and the host's clock offset, and counts what it saw. Memory stays bounded: one record is
 * held at a time and a record grows by at most `maxContinuationLines` lines.
 */
import { emptyRecord, type LogRecord, type RecordFormat, type SourceRef } from './record.js';
import type { LineBlock } from '../sources/source.js';
import { parseLine, type ParsedLine } from './line.js';
import { finishOsloRecord } from './oslo-text.js';
import { compileOsloLayout, type OsloLayout, type OsloLayoutSpec } from './oslo-layout.js';
import { parseContainerLine, type ContainerLine } from './container.js';
import { parseCacheMessage } from './cache-wording.js';
import { fileClock, type TimeZone } from './time.js';

export interface ParseOptions {
  /** Zone of timestamps written without one: `UTC` (default), `±HH:MM`, an IANA name, or a TimeZone. */
  tz?: string | TimeZone;
  /** Milliseconds added to the times of each host (`--offset cp-3=-2.5s`). */
  offsets?: ReadonlyMap<string, number>;
  /** Lines a record may gain after its first before it is cut (default 10,000). */
  maxContinuationLines?: number;
  /** Anchors the year of RFC 3164 syslog times until a dated record is seen (default: now). */
  referenceTime?: number;
  /** The site's own oslo.log format strings (src/records/oslo-layout.ts); plain data, compiled once. */
  oslo?: OsloLayoutSpec;
}

export interface RecordOrigin {
  file: string;
  host: string | null;
  service: string | null;
}

export interface AssemblerStats {
  /** Physical lines pushed. */
  lines: number;
  /** Completed records by format. */
  records: Record<RecordFormat, number>;
  /** Of those, records that came wrapped in a syslog header. */
  syslogRecords: number;
  /** Lines of no known format kept as plain records. */
  plainLines: number;
  /** Bare lines joined to the message of the record before them. */
  continuationLines: number;
  /** Lines added to a record's traceback (exception-prefix or unprefixed). */
  tracebackLines: number;
  /** Records cut because they reached maxContinuationLines. */
  cutRecords: number;
}

export const DEFAULT_MAX_CONTINUATION_LINES = 10_000;

/** The pending record and the counts as they stood before the first piece of a long line. */
interface Snapshot {
  record: LogRecord | null;
  messageLength: number;
  tracebackLength: number;
  lines: number;
  instanceId: string | null;
  extra: number;
  open: boolean;
  inTraceback: boolean;
  lastText: 'message' | 'traceback';
  stats: Pick<AssemblerStats, 'plainLines' | 'continuationLines' | 'tracebackLines' | 'cutRecords'>;
}

/** A long container-wrapped line whose pieces are arriving. */
interface OpenPiece {
  /** Its pieces so far, joined. */
  text: string;
  pieces: number;
  /** The first piece's wrapper (its time) and place. */
  wrapper: ContainerLine;
  source: SourceRef;
  before: Snapshot;
  /** The first piece began a record (else it went to the pending one). */
  started: boolean;
}

const TRACEBACK_START = 'Traceback (most recent call last):';

export function newStats(): AssemblerStats {
  return {
    lines: 0, records: { oslo: 0, 'oslo-json': 0, pino: 0, plain: 0 }, syslogRecords: 0,
    plainLines: 0, continuationLines: 0, tracebackLines: 0, cutRecords: 0,
  };
}

export class RecordAssembler {
  readonly stats: AssemblerStats = newStats();
  private readonly zone: TimeZone | undefined;
  private readonly offsets: ReadonlyMap<string, number> | undefined;
  private readonly maxExtra: number;
  private reference: number;
  private pending: LogRecord | null = null;
  /** Whether bare lines continue the pending record (oslo text). */
  private open = false;
  /** Whether bare lines now belong to an unprefixed traceback. */
  private inTraceback = false;
  /** Lines the pending record gained after its first. */
  private extra = 0;
  private readonly layout: OsloLayout | null;
  /** The stream (stdout, stderr) whose last container line was a piece of a longer line; the next line of it continues it. */
  private partial: string | null = null;
  /** Where the pending record's last line went, for the pieces that continue it. */
  private lastText: 'message' | 'traceback' = 'message';
  /** The container wrapper of the line being pushed, if any. */
  private wrapper: ContainerLine | null = null;
  /** The long container-wrapped line whose pieces are arriving, and how things stood before its first. */
  private piece: OpenPiece | null = null;

  constructor(private readonly origin: RecordOrigin, opts: ParseOptions = {}) {
    // One file's records: wall times of a fall-back hour are resolved in its order.
    this.zone = fileClock(opts.tz);
    this.offsets = opts.offsets && opts.offsets.size > 0 ? opts.offsets : undefined;
    this.maxExtra = Math.max(0, opts.maxContinuationLines ?? DEFAULT_MAX_CONTINUATION_LINES);
    this.reference = opts.referenceTime ?? Date.now();
    this.layout = compileOsloLayout(opts.oslo);
  }

  /** Feeds one physical line (no newline); returns the previous record if this line completed it. */
  push(raw: string, lineNo: number): LogRecord | null {
    this.stats.lines++;
    let line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    const wrapper = parseContainerLine(line);
    // Runtimes write each stream's pieces in order; a line of the other stream does not continue them.
    const continues = wrapper !== null && this.partial === wrapper.stream;
    this.partial = wrapper?.partial === true ? wrapper.stream : null;
    if (wrapper !== null && continues && this.pending !== null && this.piece !== null) {
      this.addPiece(wrapper.text);
      return wrapper.partial ? null : this.lastPiece();
    }
    this.piece = null;
    this.wrapper = wrapper;
    if (wrapper !== null) line = wrapper.text;
    const source: SourceRef = { file: this.origin.file, line: lineNo, lines: 1 };
    if (wrapper?.partial !== true) return this.pushLine(line, source);
    // The first piece is read at once (its header is there: runtimes cut at 16 KiB); the line is
    // read again whole at its last piece, from how things stood before it.
    const before = this.snapshot();
    const done = this.pushLine(line, source);
    this.piece = { text: line, pieces: 1, wrapper, source: { ...source }, before, started: this.pending !== before.record };
    return done;
  }

  /** One logical line (a physical line, or a container line's joined pieces). */
  private pushLine(line: string, source: SourceRef): LogRecord | null {
    const parsed = parseLine(line, this.zone, source, this.reference, this.layout);
    if (parsed === null) return this.pushUnknown(line, source);
    if (parsed.kind === 'exception') return this.pushException(parsed, source);
    if (parsed.kind === 'syslog-bare' && this.continuesSyslogRecord(parsed.record)) {
      if (this.extra < this.maxExtra) {
        this.addBare(parsed.record.message, 1);
        this.attachEmbedded(parsed);
        return null;
      }
      this.stats.cutRecords++;
    }
    const done = this.complete();
    this.start(parsed.record, parsed.kind === 'record' && parsed.open);
    this.attachEmbedded(parsed);
    return done;
  }

  /** Completes and returns the record still held, if any (end of input). */
  flush(): LogRecord | null {
    return this.complete();
  }

  private start(rec: LogRecord, open: boolean): void {
    const w = this.wrapper;
    if (w !== null && rec.time === null && w.time !== null) {
      rec.time = w.time;
      rec.timeText = w.timeText;
    }
    this.lastText = rec.traceback.length > 0 ? 'traceback' : 'message';
    this.pending = rec;
    this.open = open;
    this.inTraceback = false;
    this.extra = 0;
  }

  /** Lines a syslog message carried inside itself (`#012`): attached without counting a physical line. */
  private attachEmbedded(parsed: ParsedLine): void {
    for (const text of parsed.embedded) {
      if (this.pending === null) return;
      if (this.extra >= this.maxExtra) {
        this.stats.cutRecords++;
        return;
      }
      const inner = parseLine(text, this.zone, this.pending.source, this.reference, this.layout);
      if (inner?.kind === 'exception') this.addTraceback(inner.tracebackLine, 0, inner.record.instanceId);
      else this.addBare(text, 0);
    }
  }

  /** Same host, program and pid as the pending syslog-wrapped record. */
  private continuesSyslogRecord(rec: LogRecord): boolean {
    const p = this.pending;
    return p !== null && p.syslog && p.host === rec.host && p.service === rec.service && (p.pid === rec.pid || rec.pid === null);
  }

  private pushUnknown(line: string, source: SourceRef): LogRecord | null {
    if (this.pending !== null && this.open) {
      if (this.extra < this.maxExtra) {
        this.addBare(line, 1);
        return null;
      }
      this.stats.cutRecords++;
    }
    const done = this.complete();
    this.stats.plainLines++;
    this.start(emptyRecord(source, line), false);
    return done;
  }

  private pushException(parsed: ParsedLine & { kind: 'exception' }, source: SourceRef): LogRecord | null {
    const p = this.pending;
    if (p !== null && p.format === 'oslo') {
      if (this.extra < this.maxExtra) {
        this.addTraceback(parsed.tracebackLine, 1, parsed.record.instanceId);
        this.attachEmbedded(parsed);
        return null;
      }
      this.stats.cutRecords++;
    }
    // No record to attach to (input starts mid-traceback, or the last one was cut): the
    // exception line becomes a record of its own, so nothing is lost.
    const done = this.complete();
    parsed.record.source = source;
    this.stats.tracebackLines++;
    this.start(parsed.record, true);
    this.inTraceback = true;
    this.attachEmbedded(parsed);
    return done;
  }

  /** A further piece of a long container-wrapped line: joined to the text its first piece went to. */
  private addPiece(text: string): void {
    const p = this.pending as LogRecord;
    const piece = this.piece as OpenPiece;
    piece.text += text;
    piece.pieces++;
    if (this.lastText === 'traceback' && p.traceback.length > 0) p.traceback[p.traceback.length - 1] += text;
    else p.message += text;
    p.source.lines++;
  }

  /**
   * The last piece of a long line: the line is read again whole, from how things stood before
   * its first piece (a first piece shorter than its header, a JSON line, read right only whole).
   */
  private lastPiece(): LogRecord | null {
    const piece = this.piece as OpenPiece;
    this.piece = null;
    const b = piece.before;
    if (piece.started) {
      this.pending = null; // the record before was completed by the first piece, and stays so
    } else if (b.record !== null) {
      const p = b.record;
      p.message = p.message.slice(0, b.messageLength);
      p.traceback.length = b.tracebackLength;
      p.source.lines = b.lines;
      p.instanceId = b.instanceId;
      this.pending = p;
      this.extra = b.extra;
      this.open = b.open;
      this.inTraceback = b.inTraceback;
      this.lastText = b.lastText;
    }
    Object.assign(this.stats, b.stats);
    this.wrapper = piece.wrapper;
    const done = this.pushLine(piece.text, { ...piece.source });
    (this.pending as LogRecord).source.lines += piece.pieces - 1;
    return done;
  }

  /** How the pending record and the counts stand (to read a long line again at its last piece). */
  private snapshot(): Snapshot {
    const p = this.pending;
    const { plainLines, continuationLines, tracebackLines, cutRecords } = this.stats;
    return {
      record: p, messageLength: p?.message.length ?? 0, tracebackLength: p?.traceback.length ?? 0, lines: p?.source.lines ?? 0,
      instanceId: p?.instanceId ?? null, extra: this.extra, open: this.open, inTraceback: this.inTraceback, lastText: this.lastText,
      stats: { plainLines, continuationLines, tracebackLines, cutRecords },
    };
  }

  private addTraceback(text: string, physical: number, instanceId: string | null): void {
    const p = this.pending as LogRecord;
    this.lastText = 'traceback';
    p.traceback.push(text);
    p.source.lines += physical;
    // Once a traceback has begun, bare lines after it continue the traceback, not the message.
    this.inTraceback = true;
    if (p.instanceId === null && instanceId !== null) p.instanceId = instanceId;
    this.extra++;
    this.stats.tracebackLines++;
  }

  private addBare(text: string, physical: number): void {
    const p = this.pending as LogRecord;
    if (this.inTraceback || text.startsWith(TRACEBACK_START)) {
      this.inTraceback = true;
      this.lastText = 'traceback';
      p.traceback.push(text);
      this.stats.tracebackLines++;
    } else {
      this.lastText = 'message';
      p.message += '\n' + text;
      this.stats.continuationLines++;
    }
    p.source.lines += physical;
    this.extra++;
  }

  private complete(): LogRecord | null {
    const rec = this.pending;
    if (rec === null) return null;
    this.pending = null;
    if (rec.format === 'oslo') finishOsloRecord(rec);
    // oslo's exception text ends with an empty prefixed line; it carries nothing.
    while (rec.traceback.length > 0 && rec.traceback[rec.traceback.length - 1] === '') rec.traceback.pop();
    if (rec.cache === null) rec.cache = parseCacheMessage(rec.message);
    if (rec.cache !== null && rec.imageId === null && rec.cache.imageId !== null) rec.imageId = rec.cache.imageId;
    if (rec.host === null) rec.host = this.origin.host;
    if (rec.service === null) rec.service = this.origin.service;
    if (rec.time !== null) {
      if (rec.format !== 'plain') this.reference = rec.time;
      const shift = this.offsets && rec.host !== null ? this.offsets.get(rec.host) : undefined;
      if (shift !== undefined) rec.time += shift;
    }
    this.stats.records[rec.format]++;
    if (rec.syslog) this.stats.syslogRecords++;
    return rec;
  }
}

/** Every record of one block of lines (from the sources layer), in order. */
export function assembleBlock(block: LineBlock, opts: ParseOptions = {}): LogRecord[] {
  const a = new RecordAssembler({ file: block.source.display, host: block.source.host, service: block.source.service }, opts);
  return assembleLines(a, block.lines, block.firstLine);
}

/** Pushes `lines` (numbered from `firstLine`) through `assembler` and flushes it. */
export function assembleLines(assembler: RecordAssembler, lines: Iterable<string>, firstLine = 1): LogRecord[] {
  const out: LogRecord[] = [];
  let n = firstLine;
  for (const line of lines) {
    const r = assembler.push(line, n++);
    if (r !== null) out.push(r);
  }
  const last = assembler.flush();
  if (last !== null) out.push(last);
  return out;
}
