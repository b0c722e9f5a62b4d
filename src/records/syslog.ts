/**
 * Syslog-wrapped lines: RFC 3164 (`Mar  2 09:00:09 cp-1 nova-compute[2931]: <inner>`, optional
 * `<PRI>`, no year), rsyslog's high-precision file format (`2026-03-02T09:00:09.123+00:00 cp-1
 * nova-compute[2931]: <inner>`) and RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`).
 * Only the header is read here; the inner message is parsed by the other formats.
 */
import { isDigit, looksLikeDateTime, MONTHS, readDateTime, readDigits, toEpoch, UTC, type TimeZone } from './time.js';

export type SyslogKind = 'rfc3164' | 'rfc5424' | 'iso';

export interface SyslogHeader {
  kind: SyslogKind;
  time: number | null;
  timeText: string;
  host: string | null;
  /** APP-NAME / tag (`nova-compute`), the service. */
  tag: string | null;
  pid: number | null;
  /** Index in the line where the inner message starts. */
  msgStart: number;
}

const SPACE = 32;
const DAY_MS = 86_400_000;

/** Skips `<PRI>` at the start; returns the index after it (0 when absent), or -1 when malformed. */
function skipPri(line: string): number {
  if (line.charCodeAt(0) !== 60 /* < */) return 0;
  let i = 1;
  while (i < 5 && isDigit(line.charCodeAt(i))) i++;
  return i > 1 && line.charCodeAt(i) === 62 /* > */ ? i + 1 : -1;
}

/** Reads `host tag[pid]: ` from `i`; fills host/tag/pid/msgStart. */
function readHostAndTag(line: string, i: number, h: SyslogHeader): boolean {
  const hostEnd = line.indexOf(' ', i);
  if (hostEnd <= i) return false;
  h.host = line.slice(i, hostEnd);
  const tagStart = hostEnd + 1;
  let j = tagStart;
  const limit = Math.min(line.length, tagStart + 128);
  while (j < limit) {
    const c = line.charCodeAt(j);
    if (c === 91 /* [ */ || c === 58 /* : */ || c === SPACE) break;
    j++;
  }
  let pid: number | null = null;
  let k = j;
  if (line.charCodeAt(k) === 91) {
    const close = line.indexOf(']', k);
    if (close !== -1 && close - k <= 11) {
      const n = readDigits(line, k + 1, close - k - 1);
      if (n >= 0 && close > k + 1) pid = n;
      k = close + 1;
    }
  }
  if (j > tagStart && line.charCodeAt(k) === 58 && (k + 1 === line.length || line.charCodeAt(k + 1) === SPACE)) {
    h.tag = line.slice(tagStart, j);
    h.pid = pid;
    h.msgStart = Math.min(k + 2, line.length);
  } else {
    h.msgStart = tagStart;
  }
  return true;
}

/** RFC 3164 time `Mmm dD HH:MM:SS` at `i` in `zone`; the year is the one that puts it nearest before `referenceMs`. */
function read3164Time(line: string, i: number, zone: TimeZone, referenceMs: number): { time: number | null; end: number } | null {
  const month = MONTHS[line.slice(i, i + 3)];
  if (month === undefined || line.charCodeAt(i + 3) !== SPACE) return null;
  const d1 = line.charCodeAt(i + 4);
  const day = d1 === SPACE ? readDigits(line, i + 5, 1) : readDigits(line, i + 4, 2);
  if (day < 1 || line.charCodeAt(i + 6) !== SPACE) return null;
  const t = i + 7;
  if (line.charCodeAt(t + 2) !== 58 || line.charCodeAt(t + 5) !== 58) return null;
  const hh = readDigits(line, t, 2), mm = readDigits(line, t + 3, 2), ss = readDigits(line, t + 6, 2);
  if (hh < 0 || mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60 || day > 31) return null;
  // journalctl's short-precise adds a fraction: `Mar 02 09:00:09.123456`.
  let end = t + 8;
  let ms = 0;
  if (line.charCodeAt(end) === 46 && isDigit(line.charCodeAt(end + 1))) {
    let k = end + 1;
    while (isDigit(line.charCodeAt(k))) k++;
    ms = k - end - 1 >= 3 ? readDigits(line, end + 1, 3) : readDigits(line, end + 1, k - end - 1) * (k - end - 1 === 1 ? 100 : 10);
    end = k;
  }
  if (line.charCodeAt(end) !== SPACE) return null;
  const year = new Date(referenceMs).getUTCFullYear();
  let time = zone.toEpoch(Date.UTC(year, month, day, hh, mm, ss, ms));
  // A December line read in January belongs to last year.
  if (time > referenceMs + 7 * DAY_MS) time = zone.toEpoch(Date.UTC(year - 1, month, day, hh, mm, ss, ms));
  return { time, end };
}

/**
 * Reads a syslog header. Null when the line has none. `referenceMs` anchors RFC 3164's missing
 * year (the time of a nearby dated record, else now).
 */
export function parseSyslogHeader(line: string, zone: TimeZone = UTC, referenceMs: number = Date.now()): SyslogHeader | null {
  const start = skipPri(line);
  if (start < 0) return null;
  const h: SyslogHeader = { kind: 'rfc3164', time: null, timeText: '', host: null, tag: null, pid: null, msgStart: 0 };
  const c = line.charCodeAt(start);
  if (start > 0 && isDigit(c) && line.charCodeAt(start + 1) === SPACE) return parse5424(line, start + 2, h, zone);
  if (isDigit(c)) {
    // rsyslog high-precision: ISO time with a zone, then host and tag.
    if (!looksLikeDateTime(line, start) || line.charCodeAt(start + 10) !== 84 /* T */) return null;
    const p = readDateTime(line, start, true);
    if (p.offsetMs === null || line.charCodeAt(p.end) !== SPACE) return null;
    h.kind = 'iso';
    h.timeText = line.slice(start, p.end);
    h.time = toEpoch(p, zone);
    return readHostAndTag(line, p.end + 1, h) ? h : null;
  }
  const t = read3164Time(line, start, zone, referenceMs);
  if (t === null) return null;
  h.timeText = line.slice(start, t.end);
  h.time = t.time;
  return readHostAndTag(line, t.end + 1, h) ? h : null;
}

function nil(s: string): string | null {
  return s === '-' || s === '' ? null : s;
}

function parse5424(line: string, i: number, h: SyslogHeader, zone: TimeZone): SyslogHeader | null {
  h.kind = 'rfc5424';
  const fields: string[] = [];
  let pos = i;
  for (let f = 0; f < 5; f++) {
    const sp = line.indexOf(' ', pos);
    if (sp === -1) return null;
    fields.push(line.slice(pos, sp));
    pos = sp + 1;
  }
  const [ts, host, app, procid] = fields as [string, string, string, string, string];
  if (ts !== '-') {
    if (!looksLikeDateTime(ts, 0)) return null;
    h.timeText = ts;
    h.time = toEpoch(readDateTime(ts, 0, true), zone);
  }
  h.host = nil(host);
  h.tag = nil(app);
  h.pid = /^\d{1,10}$/.test(procid) ? Number(procid) : null;
  // STRUCTURED-DATA: '-' or [id k="v" …]… with \] escapes.
  if (line.charCodeAt(pos) === 45 /* - */) {
    pos += 1;
  } else {
    while (line.charCodeAt(pos) === 91 /* [ */) {
      let k = pos + 1;
      while (k < line.length) {
        const ch = line.charCodeAt(k);
        if (ch === 92 /* \ */) k += 2;
        else if (ch === 34 /* " */) {
          k++;
          while (k < line.length && line.charCodeAt(k) !== 34) k += line.charCodeAt(k) === 92 ? 2 : 1;
          k++;
        } else if (ch === 93 /* ] */) break;
        else k++;
      }
      if (k >= line.length) return null;
      pos = k + 1;
    }
  }
  if (line.charCodeAt(pos) === SPACE) pos++;
  if (line.charCodeAt(pos) === 0xfeff) pos++;
  h.msgStart = Math.min(pos, line.length);
  return h;
}

/** Whether the line could begin with a syslog header (first characters only). */
export function mayBeSyslog(line: string): boolean {
  const c = line.charCodeAt(0);
  // '<' (PRI), or a month name's capital: J F M A S O N D.
  return c === 60 || c === 74 || c === 70 || c === 77 || c === 65 || c === 83 || c === 79 || c === 78 || c === 68;
}

/** rsyslog escapes control characters in messages: `#012` newline, `#011` tab. */
export function splitSyslogMessage(msg: string): string[] {
  if (msg.indexOf('#01') === -1) return [msg];
  return msg.replaceAll('#011', '\t').split('#012');
}

/**
 * Inner text that reads as the next physical line of a multi-line message rather than a message
 * of its own: indented (traceback frames, a domain XML dump), an XML tag, or a traceback header.
 * Only such lines continue a syslog-wrapped record; any other bare text (`Started Session 5`)
 * stays a record of its own, so a mixed /var/log/syslog is never glued into one record.
 */
export function looksLikeSyslogContinuation(inner: string): boolean {
  const c = inner.charCodeAt(0);
  return c === 32 || c === 9 || c === 60 /* < */ || inner.startsWith('Traceback (most recent call last):');
}
