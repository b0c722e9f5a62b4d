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
function sha1Names(text: string, out: string[]): void {
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
      if (lower) addOnce(out, text.slice(a, b));
    }
    // The next 20th position past the run (its end is no hex digit).
    i += Math.ceil((b + 1 - i) / 20) * 20;
  }
}

/** Adds an id unless it is there (a record names a few: a scan beats a Set). */
function addOnce(ids: string[], id: string): void {
  if (!ids.includes(id)) ids.push(id);
}

/** A record's ids and its cluster. */
interface Analysis {
  /** Every id it carries or names, lower case, each once; those from `escaped` on may need escaping (from its parsed fields). */
  ids: string[];
  escaped: number;
  cluster: string;
}

/**
 * What a record's ids and its cluster are made from: UUIDs and request ids its lines name and
 * SHA-1 names in them (hex and dashes: never escaped), then its parsed ids and base-file names
 * and the cache mark. `into` is filled again (the ingest's writer reuses its arrays).
 */
function analyse(found: FoundRecord, into: Analysis = { ids: [], escaped: 0, cluster: '' }, requests: string[] = []): Analysis {
  const { record, text } = found;
  const ids = into.ids;
  ids.length = 0;
  requests.length = 0;
  scanIds(text, ids, requests);
  const uuids = ids.length;
  for (const id of requests) ids.push(id);
  sha1Names(text, ids);
  into.escaped = ids.length;
  for (const id of [record.instanceId, record.requestId, record.globalRequestId, record.imageId]) {
    if (id !== null && id !== '') addOnce(ids, id.toLowerCase());
  }
  const fact = record.cache;
  if (fact !== null) {
    for (const id of [fact.imageId, ...(fact.imageIds ?? [])]) if (id !== null && id !== '') addOnce(ids, id.toLowerCase());
    for (const file of fact.baseFiles ?? (fact.baseFile !== null ? [fact.baseFile] : [])) {
      const stem = baseFileStem(file);
      if (stem !== null) addOnce(ids, stem);
    }
  }
  const cue = hasCacheCue(text);
  if (cue) ids.push(CACHE_CUE_ID);
  const tagged = record.instanceId?.toLowerCase() ?? '';
  into.cluster = tagged !== '' ? tagged : uuids === 1 ? ids[0]! : cue ? CACHE_CUE_ID : '';
  return into;
}

/** Every id a record carries or names, lower case, each once. */
export function recordIds(found: FoundRecord): string[] {
  return analyse(found).ids;
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

/**
 * A DateTime field of TabSeparated input: epoch seconds as ten digits. ClickHouse 18.16 reads a
 * DateTime whose fifth character is not a digit as `YYYY-MM-DD hh:mm:ss`, 19 characters: a short
 * number such as an untimed record's 0 (`0\t0\nreq-…`) swallowed the next row and failed the
 * insert. Ten digits hold every UInt32 and are read as a number by old and current releases.
 */
export function dateTimeField(seconds: number): string {
  return String(seconds).padStart(10, '0');
}

/** Where rows go: UTF-8 bytes of a part (src/store/ingest-job.ts), or a string in tests. */
export interface RowSink {
  write(text: string): void;
}

/**
 * The rows of one source's records (TabSeparated, newline-terminated): a record's `ids` rows
 * and its `records` row, in ID_COLUMNS and RECORD_COLUMNS order. What is the same for every
 * record of the source (its name, identity, host, service) is escaped once; the ids scanned
 * from the lines (hex and dashes) are not escaped; the arrays an analysis fills are reused. A
 * record's lines go to the sink as they are, between the row's other fields (measured: writing
 * a row built around them, a rope V8 must flatten first, cost six times as much a byte).
 */
export class RowWriter {
  readonly #name: string;
  readonly #host: string | null;
  readonly #service: string | null;
  /** `\t<identity>\t<host>\t<known>\t<service>\t`: the records row's source columns after its end. */
  readonly #sourceColumns: string;
  /** `\t<host>\t1\t` or `\t\t0\t`: an ids row's source columns, before the record's time. */
  readonly #where: string;
  readonly #hostField: string;
  readonly #serviceField: string;
  readonly #analysis: Analysis = { ids: [], escaped: 0, cluster: '' };
  readonly #requests: string[] = [];

  constructor(source: Pick<StoredSource, 'name' | 'host' | 'service'> & Partial<Pick<StoredSource, 'identity'>>) {
    this.#name = tsvField(source.name);
    this.#host = source.host;
    this.#service = source.service;
    this.#hostField = tsvField(source.host ?? '');
    this.#serviceField = tsvField(source.service ?? '');
    this.#sourceColumns = `\t${tsvField(source.identity ?? '')}\t${this.#hostField}\t${source.host === null ? 0 : 1}\t${this.#serviceField}\t`;
    this.#where = source.host === null ? '\t\t0\t' : `\t${this.#hostField}\t1\t`;
  }

  /** Writes a record's `ids` rows and its `records` row; the record is of this source (its name is the source's). */
  write(found: FoundRecord, endOffset: number, ids: RowSink, records: RowSink): void {
    const r = found.record;
    const { ids: list, escaped, cluster } = analyse(found, this.#analysis, this.#requests);
    const clusterField = tsvField(cluster);
    const time = r.time;
    const seconds = time === null ? 0 : Math.min(MAX_SECONDS, Math.max(0, Math.floor(time / 1000)));
    const ms = time === null || seconds !== Math.floor(time / 1000) ? 0 : Math.floor(time - seconds * 1000);
    const secondsField = dateTimeField(seconds);
    if (list.length > 0) {
      const key = `\t${this.#name}\t${r.source.line}\t${clusterField}\t`;
      const own = r.requestId === null ? null : r.requestId.toLowerCase();
      const when = `${this.#where}${secondsField}\t${time === null ? 0 : 1}\n`;
      let rows = '';
      for (let i = 0; i < list.length; i++) {
        const id = list[i]!;
        rows += `${i < escaped ? id : tsvField(id)}${key}${id === own ? 1 : 0}${when}`;
      }
      ids.write(rows);
    }
    records.write(`${this.#name}\t${r.source.line}\t${r.source.lines}\t${endOffset}${this.#sourceColumns}` +
      `${r.host === this.#host ? this.#hostField : tsvField(r.host ?? '')}\t${r.service === this.#service ? this.#serviceField : tsvField(r.service ?? '')}\t` +
      `${secondsField}\t${ms}\t${time === null ? 0 : 1}\t${r.level === null ? '' : tsvField(r.level)}\t${r.requestId === null ? '' : tsvField(r.requestId)}\t` +
      `${r.instanceId === null ? '' : tsvField(r.instanceId)}\t`);
    records.write(tsvField(found.text));
    records.write(`\t${clusterField}\n`);
  }
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
