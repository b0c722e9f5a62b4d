/**
 * Damaged stretches inside text: the NUL-filled hole a crashed writer leaves, or random bytes
 * (a bad sector, a torn copy). They are found per stretch, never per file: a NUL byte (one
 * memchr over each new stretch of input, so clean text costs nothing more) is looked at with its
 * neighbours in cells of CELL bytes, and a cell with BAD_PER_CELL or more bytes that no text has
 * (NUL and other control bytes, bytes that are not UTF-8) is damage. The stretch grows cell by
 * cell both ways, then is trimmed to its first and last bad byte. A lone NUL or control byte in
 * a line is text and stays.
 */

const CELL = 32;
const BAD_PER_CELL = 4;
/** Bytes of a zero-run compared at once (memcmp), so a long NUL hole is crossed at native speed. */
const ZEROS = Buffer.alloc(4096);
/** Printable junk at the edges of random damage (taken with it): before it up to the line start, after it before a record. */
const MAX_LEADING_JUNK = 8;
/** Clean bytes a record's head needs to be taken as text resuming inside damage. */
const CLEAN_HEAD = 16;

/** Control bytes that text has: tab, newline, vertical tab, form feed, carriage return, escape. */
function isTextControl(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d || c === 0x1b;
}

/**
 * A record's first byte: a digit (a date), a brace (JSON), a capital (a syslog month), ESC
 * (colour), or a small letter or `[` (a host name or bracket first in a site's oslo layout).
 */
export function mayStartRecord(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x7b || (c >= 0x41 && c <= 0x5b) || (c >= 0x61 && c <= 0x7a) || c === 0x1b;
}

function isPrintableAscii(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/** The first byte of buf[from, end) that text would not have (a control, a broken UTF-8 sequence), or `end`. */
function firstBadByte(buf: Buffer, from: number, end: number): number {
  let i = from;
  for (let k = 0; k < 3 && i < end && (buf[i]! & 0xc0) === 0x80; k++) i++;
  while (i < end) {
    const c = buf[i]!;
    if (c < 0x80) {
      if (isBadByte(c)) return i;
      i++;
      continue;
    }
    const follow = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (follow < 0) return i;
    for (let j = 1; j <= follow; j++) if (i + j < end && (buf[i + j]! & 0xc0) !== 0x80) return i;
    i += follow + 1;
  }
  return end;
}

/** A byte that never occurs in UTF-8 text, or a control byte text does not use. */
export function isBadByte(c: number): boolean {
  if (c < 0x20) return !isTextControl(c);
  return c === 0x7f || c === 0xc0 || c === 0xc1 || c >= 0xf5;
}

/** Bytes of buf[a, b) that text would not have, counting broken UTF-8 sequences (a sequence cut by a or b is not counted). */
export function countBadBytes(buf: Buffer, a: number, b: number): number {
  let bad = 0;
  let i = a;
  for (let k = 0; k < 3 && i < b && (buf[i]! & 0xc0) === 0x80; k++) i++;
  while (i < b) {
    const c = buf[i]!;
    if (c < 0x80) {
      if (c < 0x20 ? !isTextControl(c) : c === 0x7f) bad++;
      i++;
      continue;
    }
    const follow = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (follow < 0) {
      bad++;
      i++;
      continue;
    }
    let j = 1;
    while (j <= follow && i + j < b && (buf[i + j]! & 0xc0) === 0x80) j++;
    if (j <= follow && i + j < b) {
      bad++; // a lead byte without its continuation bytes
      i++;
      continue;
    }
    i += j;
  }
  return bad;
}

function isDamagedCell(buf: Buffer, a: number, b: number): boolean {
  return b > a && countBadBytes(buf, a, b) >= Math.min(BAD_PER_CELL, Math.ceil((b - a) / 2));
}

function isZeroBlock(buf: Buffer, at: number): boolean {
  return buf.compare(ZEROS, 0, ZEROS.length, at, at + ZEROS.length) === 0;
}

/** The first position in buf[from, to) where a record starts (looked for by the caller, who knows records), or -1. */
export type RestartTest = (from: number, to: number) => number;

/**
 * Where damage found at `p` began: back cell by cell while the cells are damaged (random bytes
 * before their first NUL), then from the first byte text would not have in the first of them,
 * never before `floor`. A few printable bytes of random damage after a line start go
 * with it.
 */
function damageStart(buf: Buffer, p: number, floor: number): number {
  let start = p;
  while (start - CELL >= floor && isDamagedCell(buf, start - CELL, start)) start -= CELL;
  // From the first byte in the first damaged cell that text would not have.
  start = firstBadByte(buf, start, p);
  if (buf[start] !== 0) {
    // Random damage often begins with a few printable bytes: take them with it to the line start.
    for (let i = start - 1; i >= Math.max(floor, start - MAX_LEADING_JUNK - 1); i--) {
      if (buf[i] === 0x0a) return i + 1;
    }
  }
  return start;
}

/** What a scan of bytes for damage found: a stretch (its end may still be open), or a NUL it cannot judge yet. */
export type DamageFound =
  | { kind: 'stretch'; start: number; end: number; open: boolean }
  | { kind: 'undecided'; at: number };

function lastBadEnd(buf: Buffer, from: number, to: number, end: number): number {
  for (let i = from; i < to; i++) if (isBadByte(buf[i]!)) end = i + 1;
  return end;
}

/**
 * The first place in buf(from, cellEnd] where text resumes inside damage and a record starts: a
 * line start, or the first byte after bad ones (a record glued to a NUL hole), whose next bytes
 * are clean; -1 if none.
 */
function restartInDamage(buf: Buffer, from: number, cellEnd: number, to: number, restartIn: RestartTest): number {
  for (let q = from + 1; q <= cellEnd && q < to; q++) {
    // After a newline, or after a byte that is not printable ASCII (a NUL, part of a broken sequence).
    const before = buf[q - 1]!;
    if (before !== 0x0a && isPrintableAscii(before)) continue;
    // A record's head there, or after a few printable bytes of junk.
    for (let r = q; r <= q + MAX_LEADING_JUNK && r + 1 < to && isPrintableAscii(buf[r]!); r++) {
      if (!mayStartRecord(buf[r]!) || !isPrintableAscii(buf[r + 1]!)) continue;
      const newline = buf.subarray(r, Math.min(to, r + CLEAN_HEAD)).indexOf(0x0a);
      const headEnd = newline === -1 ? Math.min(to, r + CLEAN_HEAD) : r + newline;
      if (countBadBytes(buf, r, headEnd) === 0 && restartIn(r, r + 1) === r) return r;
    }
  }
  return -1;
}

/**
 * Where damage that goes on at `from` ends in buf[from, to): after its last bad byte once two
 * clean cells follow (a short clean patch inside random bytes does not end it). When the bytes
 * run out first it is `open`, and `end` is as far as it is surely damage; `final`: no bytes
 * will follow, so what is there decides.
 */
export function damageEnd(buf: Buffer, from: number, to: number, final: boolean, restartIn: RestartTest = () => -1): { end: number; open: boolean } {
  let at = from;
  /** After the last bad byte seen: what is surely damage. */
  let sure = from;
  for (;;) {
    while (to - at >= ZEROS.length && isZeroBlock(buf, at)) sure = at += ZEROS.length;
    const cellEnd = Math.min(to, at + CELL);
    if (cellEnd - at < CELL) {
      if (!final) return { end: sure, open: true };
      return { end: lastBadEnd(buf, at, cellEnd, sure), open: false };
    }
    if (isDamagedCell(buf, at, cellEnd)) {
      sure = lastBadEnd(buf, at, cellEnd, sure);
      // A line inside it may be a record, clean, between bits of damage: damage ends there.
      const restart = restartInDamage(buf, at, cellEnd, to, restartIn);
      if (restart !== -1) return { end: restart, open: false };
      at = cellEnd;
      continue;
    }
    // A clean cell where a record starts ends it at once; else a second clean cell must follow.
    const end = lastBadEnd(buf, at, cellEnd, sure);
    let restart = restartInDamage(buf, at - 1, cellEnd, to, restartIn);
    if (restart === -1 || restart < sure) restart = restartIn(end, cellEnd);
    if (restart !== -1) return { end: restart, open: false };
    const next = Math.min(to, cellEnd + CELL);
    if (next - cellEnd < CELL && !final) return { end: sure, open: true };
    if (next > cellEnd && isDamagedCell(buf, cellEnd, next)) {
      at = next;
      sure = lastBadEnd(buf, cellEnd, next, sure);
      continue;
    }
    return { end, open: false };
  }
}

/**
 * The next damaged stretch in buf[from, to), not reaching back before `floor`: its first byte
 * and its end (see damageEnd); `undecided` when a NUL lies too near `to` to judge before more
 * bytes come; null when there is none.
 */
export function nextDamage(buf: Buffer, from: number, to: number, floor: number, final: boolean, restartIn?: RestartTest): DamageFound | null {
  let at = from;
  while (at < to) {
    const nul = buf.subarray(at, to).indexOf(0);
    if (nul === -1) return null;
    const p = at + nul;
    const cellEnd = Math.min(to, p + CELL);
    if (cellEnd - p < CELL && !final) return { kind: 'undecided', at: p };
    if (!isDamagedCell(buf, p, cellEnd)) {
      at = p + 1; // a lone NUL in text
      continue;
    }
    const start = damageStart(buf, p, floor);
    const { end, open } = damageEnd(buf, p, to, final, restartIn);
    return { kind: 'stretch', start, end, open };
  }
  return null;
}
