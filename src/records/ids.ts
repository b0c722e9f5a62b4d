/**
 * Which ids a text mentions. Instance, image and most OpenStack ids are dashed UUIDs; request
 * ids are `req-<uuid>` and are told apart so a request id never passes for an instance.
 */

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** True when the 4 characters ending at `end` (exclusive) spell `req-`, any case. */
function isRequestPrefix(text: string, end: number): boolean {
  return end >= 4 && (text.charCodeAt(end - 4) | 32) === 114 && (text.charCodeAt(end - 3) | 32) === 101 &&
    (text.charCodeAt(end - 2) | 32) === 113 && text.charCodeAt(end - 1) === 45;
}

/** Whether the 36 characters at `s` spell 8-4-4-4-12 hex digits (any case); the dashes first (cheapest no). */
function uuidAt(text: string, s: number): boolean {
  if (s < 0 || s + 36 > text.length) return false;
  if (text.charCodeAt(s + 13) !== 45 || text.charCodeAt(s + 18) !== 45 || text.charCodeAt(s + 23) !== 45) return false;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    if (!isHex(text.charCodeAt(s + i))) return false;
  }
  return true;
}

/**
 * Every dashed UUID standing alone in `text` (not glued to a letter or digit), lower case, each
 * once, in order: those after `req-` into `requests` (as `req-<uuid>`), the others into `uuids`.
 * One pass from dash to dash (each UUID has one 8 characters in), matching as the regular
 * expression /[0-9a-f]{8}-…-[0-9a-f]{12}/gi does: left to right, a match never overlapping the
 * one before, even one then set aside as glued to a word.
 */
export function scanIds(text: string, uuids: string[] | null, requests: string[] | null): void {
  if (text.length < 36) return;
  let seen: Set<string> | null = null;
  let next = 0;
  let p = text.indexOf('-', 8);
  while (p !== -1) {
    const start = p - 8;
    if (start < next || !uuidAt(text, start)) {
      p = text.indexOf('-', p + 1);
      continue;
    }
    const end = start + 36;
    next = end;
    p = text.indexOf('-', end + 8);
    // Part of a longer token (hex run, another id): not an id of its own.
    if ((start > 0 && isAlnum(text.charCodeAt(start - 1))) || (end < text.length && isAlnum(text.charCodeAt(end)))) continue;
    const request = isRequestPrefix(text, start);
    const out = request ? requests : uuids;
    if (out === null) continue;
    const id = request ? `req-${text.slice(start, end).toLowerCase()}` : text.slice(start, end).toLowerCase();
    seen ??= new Set();
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
}

/** Dashed UUIDs in `text`, lower case, de-duplicated, in order; `req-<uuid>` request ids excluded. */
export function findUuids(text: string): string[] {
  const out: string[] = [];
  scanIds(text, out, null);
  return out;
}

/** Request ids (`req-<uuid>`) in `text`, lower case, de-duplicated, in order. */
export function findRequestIds(text: string): string[] {
  const out: string[] = [];
  scanIds(text, null, out);
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Whether `s` is exactly one dashed UUID (any case). Checked by character: it runs per record. */
export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

/** A UUID lower-cased; anything else returned unchanged. */
export function normaliseId(s: string): string {
  return isUuid(s) ? s.toLowerCase() : s;
}

/**
 * A short id as a pager gives it: a prefix of at least 8 hex digits of a UUID (as git takes short
 * hashes) or a libvirt domain name (`instance-0000002a`). Resolved against the logs in
 * src/trace/resolve-id.ts.
 */
export type IdQuery = { kind: 'prefix'; prefix: string } | { kind: 'domain'; name: string };

/** A UUID as written: 8-4-4-4-12 hex digits. A prefix matches it character by character. */
const UUID_TEMPLATE = 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh';
const MIN_PREFIX_DIGITS = 8;
const DOMAIN = /^instance-[0-9a-f]{8}$/i;

/** The query a short id stands for, or null when it is neither a long-enough prefix nor a domain name. */
export function parseIdQuery(text: string): IdQuery | null {
  const s = text.trim().toLowerCase();
  if (DOMAIN.test(s)) return { kind: 'domain', name: s };
  if (s.length >= UUID_TEMPLATE.length) return null;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const hex = isHex(s.charCodeAt(i));
    if (UUID_TEMPLATE[i] === 'h' ? !hex : s[i] !== '-') return null;
    if (hex) digits++;
  }
  return digits >= MIN_PREFIX_DIGITS ? { kind: 'prefix', prefix: s } : null;
}
