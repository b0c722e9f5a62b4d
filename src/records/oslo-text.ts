/**
 * oslo.log text, every default layout since 2012 (oslo_log/_options.py and its nova/log.py
 * ancestors):
 *   context:   `%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s [%(global_request_id)s
 *               %(request_id)s %(user_identity)s] %(instance)s%(message)s`   (older: no global id,
 *               `[req-… user project]`, no msecs, no pid)
 *   default:   `… %(levelname)s %(name)s [-] %(instance)s%(message)s`
 *   exception: `%(asctime)s.%(msecs)03d %(process)d ERROR %(name)s %(instance)s` + one traceback
 *               line (older: `TRACE` instead of `ERROR`) — no request block
 *   DEBUG suffix: ` %(funcName)s %(pathname)s:%(lineno)d` (older: `from (pid=%(process)d) …`)
 * Parsing scans characters; no regex runs over the whole line.
 */
import { emptyRecord, type LogRecord, type SourceRef } from './record.js';
import { levelFromUpperWord } from './levels.js';
import { isDigit, looksLikeDateTime, readDateTime, toEpoch, UTC, type TimeZone } from './time.js';
import { normaliseId } from './ids.js';

const SPACE = 32;
const OPEN = 91; // [
const INSTANCE_TAG = '[instance: ';

export type OsloLineKind = 'record' | 'exception';

export interface OsloLine {
  /** `record` begins a record; `exception` is one traceback line of the record before it. */
  kind: OsloLineKind;
  /** The header's facts; for an exception line: level error, empty message, its traceback line. */
  record: LogRecord;
  /** For an exception line, the traceback line with the prefix stripped; '' otherwise. */
  tracebackLine: string;
}

// ANSI colour sequences (devstack's coloured formats); stripped before parsing.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The line without ANSI colour sequences (only scanned when an ESC is present). */
export function stripAnsi(line: string): string {
  return line.indexOf('\x1b') === -1 ? line : line.replace(ANSI, '');
}

interface Header {
  /** End of the date-time. */
  timeEnd: number;
  pid: number | null;
  levelWord: string;
  nameStart: number;
  nameEnd: number;
  kind: OsloLineKind;
}

/** Whether a bracket block after an ERROR/TRACE name is a request block, not traceback text. */
function looksLikeRequestBlock(line: string, start: number): boolean {
  if (line.startsWith(INSTANCE_TAG, start)) return false;
  const close = line.indexOf(']', start + 1);
  if (close === -1) return false;
  const c1 = line.charCodeAt(start + 1);
  if (c1 === 45 /* - */ || line.startsWith('req-', start + 1) || line.startsWith('None ', start + 1)) return true;
  // `[req-… u p]`-like blocks have at least three words; `[Errno 13] …` does not.
  let spaces = 0;
  for (let i = start + 1; i < close; i++) if (line.charCodeAt(i) === SPACE) spaces++;
  return spaces >= 2;
}

/** Reads the header positions, or null when the line is no oslo text header. */
function scanHeader(line: string): Header | null {
  if (!looksLikeDateTime(line, 0)) return null;
  const sep = line.charCodeAt(10);
  if (sep !== SPACE && sep !== 84 /* T */) return null;
  let pos = 19;
  const c = line.charCodeAt(pos);
  if (c === 46 || c === 44) {
    pos++;
    while (isDigit(line.charCodeAt(pos))) pos++;
  }
  const timeEnd = pos;
  if (line.charCodeAt(pos) !== SPACE) return null;
  pos++;
  let pid: number | null = null;
  if (isDigit(line.charCodeAt(pos))) {
    let n = 0;
    const start = pos;
    while (isDigit(line.charCodeAt(pos))) n = n * 10 + line.charCodeAt(pos++) - 48;
    if (line.charCodeAt(pos) !== SPACE || pos - start > 10) return null;
    pid = n;
    pos++;
  }
  const levelStart = pos;
  while (pos < line.length) {
    const ch = line.charCodeAt(pos);
    if (ch < 65 || ch > 90) break;
    pos++;
  }
  if (pos === levelStart || line.charCodeAt(pos) !== SPACE) return null;
  const levelWord = line.slice(levelStart, pos);
  if (levelFromUpperWord(levelWord) === null) return null;
  const nameStart = pos + 1;
  let nameEnd = line.indexOf(' ', nameStart);
  if (nameEnd === -1) nameEnd = line.length;
  if (nameEnd === nameStart) return null;
  let kind: OsloLineKind = 'record';
  if (levelWord === 'ERROR' || levelWord === 'TRACE') {
    const after = nameEnd + 1;
    if (nameEnd >= line.length || line.charCodeAt(after) !== OPEN || !looksLikeRequestBlock(line, after)) kind = 'exception';
  }
  return { timeEnd, pid, levelWord, nameStart, nameEnd, kind };
}

/** Cheap test: is this an oslo text line, and which kind? Null when it is not. */
export function osloLineKind(line: string): OsloLineKind | null {
  const h = scanHeader(stripAnsi(line));
  return h === null ? null : h.kind;
}

/** Null for what oslo writes when a value is absent (`-`, `None`, ''). */
export function nullIfDash(s: string | undefined): string | null {
  return s === undefined || s === '' || s === '-' || s === 'None' ? null : s;
}

/** Fills request id, global request id, user and project from a request block's words. */
export function applyRequestBlock(rec: LogRecord, block: string): void {
  rec.requestBlock = block;
  if (block === '-' || block === '') return;
  // Only the first four words matter; read them by scanning, without splitting the block.
  const words: string[] = [];
  let start = 0;
  while (words.length < 4 && start <= block.length) {
    let end = block.indexOf(' ', start);
    if (end === -1) end = block.length;
    words.push(block.slice(start, end));
    start = end + 1;
  }
  let i = 0;
  const w0 = words[0] as string;
  const w1 = words[1];
  if (w1 !== undefined && w1.startsWith('req-') && (w0 === 'None' || w0 === '-' || w0.startsWith('req-'))) {
    rec.globalRequestId = w0.startsWith('req-') ? w0 : null;
    i = 1;
  }
  rec.requestId = nullIfDash(words[i]);
  rec.user = nullIfDash(words[i + 1]);
  rec.project = nullIfDash(words[i + 2]);
}

/** Reads `[instance: X] ` at `pos`; returns [instanceId, index after the tag] or null. */
export function readInstanceTag(line: string, pos: number): [string, number] | null {
  if (!line.startsWith(INSTANCE_TAG, pos)) return null;
  const close = line.indexOf(']', pos + INSTANCE_TAG.length);
  if (close === -1) return null;
  const id = line.slice(pos + INSTANCE_TAG.length, close);
  const end = line.charCodeAt(close + 1) === SPACE ? close + 2 : close + 1;
  return [normaliseId(id), end];
}

const NO_SOURCE: SourceRef = { file: '', line: 0, lines: 1 };

/**
 * Parses one physical line of oslo.log text. Returns null for anything else (then it is a
 * continuation of the record before it, or plain text). Times without a zone are read in `zone`.
 */
export function parseOsloLine(raw: string, zone: TimeZone = UTC, source: SourceRef = NO_SOURCE): OsloLine | null {
  const line = stripAnsi(raw);
  const h = scanHeader(line);
  if (h === null) return null;
  const rec = emptyRecord({ ...source });
  rec.format = 'oslo';
  rec.timeText = line.slice(0, h.timeEnd);
  rec.time = toEpoch(readDateTime(line, 0, false), zone);
  rec.pid = h.pid;
  rec.levelText = h.levelWord;
  rec.level = levelFromUpperWord(h.levelWord);
  rec.logger = line.slice(h.nameStart, h.nameEnd);
  let pos = h.nameEnd + 1;
  if (h.kind === 'exception') {
    rec.level = 'error';
    const tag = readInstanceTag(line, pos);
    if (tag) {
      rec.instanceId = tag[0];
      pos = tag[1];
    }
    const text = pos < line.length ? line.slice(pos) : '';
    rec.traceback.push(text);
    return { kind: 'exception', record: rec, tracebackLine: text };
  }
  if (line.charCodeAt(pos) === OPEN) {
    const close = line.indexOf(']', pos + 1);
    if (close !== -1) {
      applyRequestBlock(rec, line.slice(pos + 1, close));
      pos = line.charCodeAt(close + 1) === SPACE ? close + 2 : close + 1;
    }
  }
  const tag = readInstanceTag(line, pos);
  if (tag) {
    rec.instanceId = tag[0];
    pos = tag[1];
  }
  rec.message = pos < line.length ? line.slice(pos) : '';
  return { kind: 'record', record: rec, tracebackLine: '' };
}

/**
 * Completes an oslo text record once all its lines are in: a DEBUG message's trailing
 * `funcName path:lineno` (or `from (pid=N) funcName path:lineno`) becomes codeLocation.
 */
export function finishOsloRecord(rec: LogRecord): void {
  if (rec.levelText !== 'DEBUG') return;
  const msg = rec.message;
  const lastSpace = msg.lastIndexOf(' ');
  if (lastSpace <= 0) return;
  const where = msg.slice(lastSpace + 1);
  if (where.includes('\n')) return;
  const colon = where.lastIndexOf(':');
  if (colon <= 0 || colon === where.length - 1) return;
  const path = where.slice(0, colon);
  if (!path.includes('/') && !path.endsWith('.py')) return;
  for (let i = colon + 1; i < where.length; i++) if (!isDigit(where.charCodeAt(i))) return;
  const funcSpace = msg.lastIndexOf(' ', lastSpace - 1);
  const func = msg.slice(funcSpace + 1, lastSpace);
  if (func === '' || func.includes('\n')) return;
  let cut = funcSpace;
  const before = msg.slice(0, Math.max(funcSpace, 0));
  if (before.endsWith(')')) {
    const k = before.lastIndexOf('from (pid=');
    const digits = k === -1 ? '' : before.slice(k + 10, before.length - 1);
    if (digits !== '' && /^\d+$/.test(digits) && (k === 0 || before.charCodeAt(k - 1) === SPACE)) {
      cut = k - 1;
      if (rec.pid === null) rec.pid = Number(digits);
    }
  }
  rec.codeLocation = { func, path, line: Number(where.slice(colon + 1)) };
  rec.message = cut > 0 ? msg.slice(0, cut) : '';
}
