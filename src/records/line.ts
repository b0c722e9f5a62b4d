/**
 * One physical line → what it is: the start of a record (oslo text, JSON, syslog-wrapped), an
 * oslo exception-prefix line (a traceback line of the record before it), or nothing known (null).
 */
import { emptyRecord, type LogRecord, type SourceRef } from './record.js';
import { parseOsloLine, stripAnsi } from './oslo-text.js';
import type { OsloLayout } from './oslo-layout.js';
import { parseJsonLine } from './json-line.js';
import { looksLikeSyslogContinuation, mayBeSyslog, parseSyslogHeader, splitSyslogMessage, type SyslogHeader } from './syslog.js';
import { isDigit, UTC, type TimeZone } from './time.js';

export type ParsedLine =
  | {
    kind: 'record';
    record: LogRecord;
    /** True when later unrecognised lines continue it (oslo text); JSON and syslog are one line. */
    open: boolean;
    /** Further lines carried inside this physical line (syslog's `#012`), to attach to it. */
    embedded: string[];
  }
  | { kind: 'exception'; record: LogRecord; tracebackLine: string; embedded: string[] }
  | {
    /**
     * A syslog-wrapped line whose inner text is none of the known shapes but reads as the next
     * line of a multi-line message. journald and rsyslog give every physical line its own header,
     * so it continues the record before it when that one came from the same host and program;
     * else it is a plain record.
     */
    kind: 'syslog-bare';
    record: LogRecord;
    embedded: string[];
  };

const NO_SOURCE: SourceRef = { file: '', line: 0, lines: 1 };

/** Parses the part of a line after any syslog header; a site's oslo layout first, when given. */
function parseInner(line: string, zone: TimeZone, source: SourceRef, layout: OsloLayout | null): ParsedLine | null {
  const c = line.charCodeAt(0);
  const custom = layout?.parse(line, zone, source) ?? null;
  if (custom !== null || isDigit(c) || c === 27) {
    const o = custom ?? parseOsloLine(line, zone, source);
    if (o === null) return null;
    return o.kind === 'record'
      ? { kind: 'record', record: o.record, open: true, embedded: [] }
      : { kind: 'exception', record: o.record, tracebackLine: o.tracebackLine, embedded: [] };
  }
  const j = parseJsonLine(line, zone, source);
  return j === null ? null : { kind: 'record', record: j, open: false, embedded: [] };
}

function applySyslog(rec: LogRecord, h: SyslogHeader): void {
  rec.syslog = true;
  if (h.host !== null) rec.host = h.host;
  if (h.tag !== null) rec.service = h.tag;
  if (rec.pid === null) rec.pid = h.pid;
  if (rec.time === null && h.time !== null) {
    rec.time = h.time;
    rec.timeText = h.timeText;
  }
}

function parseSyslogLine(line: string, h: SyslogHeader, zone: TimeZone, source: SourceRef, layout: OsloLayout | null): ParsedLine {
  const [first, ...embedded] = splitSyslogMessage(line.slice(h.msgStart));
  const inner = parseInner(first as string, zone, source, layout);
  if (inner === null) {
    const rec = emptyRecord({ ...source }, first as string);
    applySyslog(rec, h);
    return looksLikeSyslogContinuation(first as string)
      ? { kind: 'syslog-bare', record: rec, embedded }
      : { kind: 'record', record: rec, open: false, embedded };
  }
  applySyslog(inner.record, h);
  inner.embedded = embedded;
  if (inner.kind === 'record') inner.open = false;
  return inner;
}

/**
 * What one physical line is; null when it is none of the known shapes (then it continues the
 * record before it, or is plain text). `referenceMs` anchors RFC 3164's missing year; `layout`
 * is a site's own oslo.log layout, tried before the default ones.
 */
export function parseLine(raw: string, zone: TimeZone = UTC, source: SourceRef = NO_SOURCE, referenceMs?: number, layout: OsloLayout | null = null): ParsedLine | null {
  const line = raw.charCodeAt(0) === 27 ? stripAnsi(raw) : raw;
  const c = line.charCodeAt(0);
  if (isDigit(c)) {
    const inner = parseInner(line, zone, source, layout);
    if (inner !== null) return inner;
    const h = parseSyslogHeader(line, zone, referenceMs);
    return h === null ? null : parseSyslogLine(line, h, zone, source, layout);
  }
  if (mayBeSyslog(line)) {
    const h = parseSyslogHeader(line, zone, referenceMs);
    if (h !== null) return parseSyslogLine(line, h, zone, source, layout);
  }
  return parseInner(line, zone, source, layout);
}
