/**
 * Cheap per-line detection for framing: does this physical line begin a record? The sources
 * layer calls it around every byte hit, so it looks at the first characters and parses no more
 * than a header; JSON lines are recognised by shape, never parsed here.
 */
import type { RecordStartTest } from '../sources/source.js';
import { osloLineKind, stripAnsi } from './oslo-text.js';
import { looksLikeJsonObject } from './json-line.js';
import { looksLikeSyslogContinuation, mayBeSyslog, parseSyslogHeader } from './syslog.js';
import { isDigit } from './time.js';

/** True when the inner text of a syslog line begins a record (anything but an exception-prefix line). */
function syslogStartsRecord(line: string): boolean | null {
  const h = parseSyslogHeader(line, undefined, 0);
  if (h === null) return null;
  const inner = line.slice(h.msgStart, h.msgStart + 512);
  const kind = osloLineKind(inner);
  if (kind !== null) return kind === 'record';
  return !looksLikeSyslogContinuation(inner);
}

/**
 * True for a line that begins a record: an oslo text header (not an exception-prefix line), a
 * JSON object line, or a syslog-wrapped line whose inner text is neither an exception-prefix
 * line nor the next line of a multi-line message (see looksLikeSyslogContinuation).
 */
export const isRecordStart: RecordStartTest = (line: string): boolean => {
  const c = line.charCodeAt(0);
  if (isDigit(c)) {
    const kind = osloLineKind(line);
    if (kind !== null) return kind === 'record';
    return syslogStartsRecord(line) === true;
  }
  if (c === 123 /* { */ || c === 32 || c === 9) return looksLikeJsonObject(line);
  if (c === 27 /* ESC */) {
    // Colour codes before the header (devstack); a lone ESC that strips to itself is no record.
    const plain = stripAnsi(line);
    return plain !== line && isRecordStart(plain);
  }
  if (mayBeSyslog(line)) return syslogStartsRecord(line) === true;
  return false;
};
