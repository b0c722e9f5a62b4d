/**
 * Cheap per-line detection for framing: does this physical line begin a record? The sources
 * layer calls it around every byte hit, so it looks at the first characters and parses no more
 * than a header; JSON lines are recognised by shape, never parsed here (but for Docker's
 * json-file wrapper, whose inner line is what counts).
 */
import type { RecordStartTest } from '../sources/source.js';
import { osloLineKind, stripAnsi } from './oslo-text.js';
import { compileOsloLayout, type OsloLayout, type OsloLayoutSpec } from './oslo-layout.js';
import { parseContainerLine } from './container.js';
import { looksLikeJsonObject } from './json-line.js';
import { looksLikeSyslogContinuation, mayBeSyslog, parseSyslogHeader } from './syslog.js';
import { isDigit } from './time.js';

const JSON_HEAD = /^\s*\{"/;

/** True when the inner text of a syslog line begins a record (anything but an exception-prefix line). */
function syslogStartsRecord(line: string, layout: OsloLayout | null): boolean | null {
  const h = parseSyslogHeader(line, undefined, 0);
  if (h === null) return null;
  const inner = line.slice(h.msgStart, h.msgStart + 512);
  const kind = layout?.kind(inner) ?? osloLineKind(inner);
  if (kind !== null) return kind === 'record';
  return !looksLikeSyslogContinuation(inner);
}

/**
 * True for a line that begins a record: a line of the site's oslo layout or an oslo text header
 * (not an exception-prefix line), a JSON object line, a syslog-wrapped line whose inner text is
 * neither an exception-prefix line nor the next line of a multi-line message (see
 * looksLikeSyslogContinuation), or a container-wrapped line whose inner line begins a record.
 */
function startsRecord(line: string, layout: OsloLayout | null): boolean {
  const c = line.charCodeAt(0);
  if (c === 123 /* { */ || isDigit(c)) {
    const wrapped = parseContainerLine(line);
    // The first piece of a long JSON line has no closing brace yet.
    if (wrapped !== null) return startsRecord(wrapped.text, layout) || (wrapped.partial && JSON_HEAD.test(wrapped.text));
  }
  if (layout !== null) {
    const kind = layout.kind(line);
    if (kind !== null) return kind === 'record';
  }
  if (isDigit(c)) {
    const kind = osloLineKind(line);
    if (kind !== null) return kind === 'record';
    return syslogStartsRecord(line, layout) === true;
  }
  if (c === 123 /* { */ || c === 32 || c === 9) return looksLikeJsonObject(line);
  if (c === 27 /* ESC */) {
    // Colour codes before the header (devstack); a lone ESC that strips to itself is no record.
    const plain = stripAnsi(line);
    return plain !== line && startsRecord(plain, layout);
  }
  if (mayBeSyslog(line)) return syslogStartsRecord(line, layout) === true;
  return false;
}

/** The record-start test for oslo.log's default layouts (and every other format known). */
export const isRecordStart: RecordStartTest = (line: string): boolean => startsRecord(line, null);

/** The record-start test for a site's oslo layout (src/records/oslo-layout.ts) as well; isRecordStart without one. */
export function recordStartTest(spec: OsloLayoutSpec | undefined): RecordStartTest {
  const layout = compileOsloLayout(spec);
  return layout === null ? isRecordStart : (line) => startsRecord(line, layout);
}
