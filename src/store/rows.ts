/**
 * A record as stored: its row in `records` (TabSeparated) and the ids it carries or names, one
 * row each in `ids`. What the index holds is what a trace's needles are: instance UUIDs and other
 * UUIDs (image ids) anywhere in its lines, request ids, its parsed ids, base-file SHA-1 names, and
 * `#cache-cue` when its lines hold a cache manager's wording (pass 2's needles when the image is
 * unknown).
 */
import { scanIds } from '../records/ids.js';
import { baseFileStem } from '../trace/cache.js';
import { assembleBlock, hasCacheCue } from '../records/index.js';
import type { FoundRecord } from '../trace/types.js';
import { tsvField } from './sql.js';

/** The id of records whose lines hold a cache manager's wording. */
export const CACHE_CUE_ID = '#cache-cue';

/**
 * A new source stored under a name another source holds (a new `x.log` after rotation) is stored
 * as `<name>@<generation>`: 2 for the second source of that name, 3 for the third… so that
 * (source, line) names one record, and the store can order a name's sources by age.
 */
export function generationName(name: string, generation: number): string {
  return generation <= 1 ? name : `${name}@${generation}`;
}

const GENERATION = /^(.*)@(\d{1,9})$/s;

/** A stored source name's base name and generation (1 without a suffix). */
export function splitGeneration(stored: string): { name: string; generation: number } {
  const m = GENERATION.exec(stored);
  return m === null ? { name: stored, generation: 1 } : { name: m[1]!, generation: Number(m[2]) };
}

/** Where a record's source stands in the store: its name, host, service, and the ingest's bookkeeping. */
export interface StoredSource {
  name: string;
  host: string | null;
  service: string | null;
  identity: string;
}

/** Whether a character code is a hex digit of either case (what bounds a SHA-1 name). */
function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * The SHA-1 names in a text: runs of exactly 40 lower-case hex digits with no hex digit (of
 * either case) on either side. A run of 40 holds a character at every 20th position, so only
 * those are tested, and the runs through them measured.
 */
function sha1Names(text: string, out: Set<string>): void {
  const n = text.length;
  let i = 19;
  while (i < n) {
    if (!isHexCode(text.charCodeAt(i))) {
      i += 20;
      continue;
    }
    let a = i;
    while (a > 0 && isHexCode(text.charCodeAt(a - 1))) a--;
    let b = i + 1;
    while (b < n && isHexCode(text.charCodeAt(b))) b++;
    if (b - a === 40) {
      let lower = true;
      for (let k = a; k < b && lower; k++) lower = text.charCodeAt(k) < 65 || text.charCodeAt(k) > 70;
      if (lower) out.add(text.slice(a, b));
    }
    // The next 20th position past the run (its end is no hex digit).
    i += Math.ceil((b + 1 - i) / 20) * 20;
  }
}

/** Every id a record carries or names, lower case, each once. */
export function recordIds(found: FoundRecord): string[] {
  const { record, text } = found;
  const seen = analyse(found);
  const ids = new Set<string>(seen.uuids);
  for (const id of seen.requests) ids.add(id);
  for (const id of [record.instanceId, record.requestId, record.globalRequestId, record.imageId, record.cache?.imageId ?? null, ...(record.cache?.imageIds ?? [])]) {
    if (id !== null && id !== '') ids.add(id.toLowerCase());
  }
  sha1Names(text, ids);
  const fact = record.cache;
  if (fact !== null) {
    for (const file of fact.baseFiles ?? (fact.baseFile !== null ? [fact.baseFile] : [])) {
      const stem = baseFileStem(file);
      if (stem !== null) ids.add(stem);
    }
  }
  if (seen.cue) ids.add(CACHE_CUE_ID);
  return [...ids];
}

interface Analysis {
  found: FoundRecord;
  uuids: string[];
  requests: string[];
  cue: boolean;
  cluster: string;
}

let last: Analysis | null = null;

/** What a record's ids and its cluster are made from, once a record (ingest asks for its ids, then its row). */
function analyse(found: FoundRecord): Analysis {
  if (last?.found === found) return last;
  const uuids: string[] = [];
  const requests: string[] = [];
  scanIds(found.text, uuids, requests);
  const cue = hasCacheCue(found.text);
  const tagged = found.record.instanceId?.toLowerCase() ?? '';
  const cluster = tagged !== '' ? tagged : uuids.length === 1 ? uuids[0]! : cue ? CACHE_CUE_ID : '';
  last = { found, uuids, requests, cue, cluster };
  return last;
}

/**
 * Where a record lies within its source in `records` (the key after its source): the instance
 * it is tagged with (lower case); else the one UUID its lines name (an instance's periodic
 * `Triggering sync for uuid …`, an image's cache lines); else `#cache-cue` for a cache manager's
 * record; else ''. A trace reads an instance's records, its image's cache lines and the cache
 * manager's: stored together, they are read in a few granules instead of one granule each.
 */
export function clusterOf(found: FoundRecord): string {
  return analyse(found).cluster;
}

/** Largest DateTime 18.16 stores (UInt32 seconds). */
const MAX_SECONDS = 4294967295;

/** The `records` row of a record (TabSeparated, newline-terminated), in RECORD_COLUMNS order. */
export function recordRow(found: FoundRecord, source: StoredSource, endOffset: number): string {
  const r = found.record;
  const time = r.time;
  const seconds = time === null ? 0 : Math.min(MAX_SECONDS, Math.max(0, Math.floor(time / 1000)));
  const ms = time === null || seconds !== Math.floor(time / 1000) ? 0 : time - seconds * 1000;
  return `${tsvField(r.source.file)}\t${r.source.line}\t${r.source.lines}\t${endOffset}\t${tsvField(source.identity)}\t` +
    `${tsvField(source.host ?? '')}\t${source.host === null ? 0 : 1}\t${tsvField(source.service ?? '')}\t` +
    `${tsvField(r.host ?? '')}\t${tsvField(r.service ?? '')}\t${seconds}\t${Math.floor(ms)}\t${time === null ? 0 : 1}\t` +
    `${tsvField(r.level ?? '')}\t${tsvField(r.requestId ?? '')}\t${tsvField(r.instanceId ?? '')}\t${tsvField(found.text)}\t` +
    `${tsvField(clusterOf(found))}\n`;
}

/** The `ids` rows of a record (of a source of unknown host when none is given). */
export function idRows(found: FoundRecord, source?: Pick<StoredSource, 'host'>): string {
  const key = `${tsvField(found.record.source.file)}\t${found.record.source.line}\t${tsvField(clusterOf(found))}`;
  const host = source?.host ?? null;
  const where = host === null ? '\t0' : `${tsvField(host)}\t1`;
  const own = found.record.requestId?.toLowerCase() ?? null;
  let out = '';
  for (const id of recordIds(found)) out += `${tsvField(id)}\t${key}\t${id === own ? 1 : 0}\t${where}\n`;
  return out;
}

/** A stored row read back: its record's place, lines and time, and where its source stands. */
export interface StoredRow {
  source: string;
  line: string | number;
  source_host: string;
  source_host_known: string | number;
  source_service: string;
  text: string;
  /** Epoch seconds of its time (toUInt32), its milliseconds, and whether it has one. */
  time: string | number;
  ms: string | number;
  has_time: string | number;
}

/**
 * The record of a stored row, as the file trace finds it: its lines parsed again by the records
 * layer, alone, as the scanning engine frames and parses each record (so the store keeps no copy
 * of the parsed record), from a source of the row's name, host and service. Its time is the one
 * stored, read at ingest with the ingest's zone and offsets (kept to the sub-millisecond the
 * parse gives; the parse's own when the stored one was clamped to the column's range).
 */
export function foundOfRow(row: StoredRow): FoundRecord {
  const known = Number(row.source_host_known) === 1;
  const source = { path: row.source, display: row.source, host: known ? row.source_host : null, service: row.source_service === '' ? null : row.source_service, gzip: false, size: null };
  const record = assembleBlock({ source, firstLine: Number(row.line), lines: row.text.split('\n') })[0]!;
  if (Number(row.has_time) === 0) record.time = null;
  else {
    const seconds = Number(row.time);
    const parsed = record.time;
    const fraction = parsed === null ? 0 : parsed - Math.floor(parsed);
    if (parsed === null || (seconds > 0 && seconds < MAX_SECONDS)) record.time = seconds * 1000 + Number(row.ms) + fraction;
  }
  return { record, text: row.text };
}
