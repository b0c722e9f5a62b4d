/**
 * The trace from the store: the same correlation (InstanceTrace) driven by a second way of
 * finding records. Where the file trace scans bytes for needles, the store looks each needle up
 * in the `ids` table (ordered by id) and reads only the records that name it. The records are
 * then fed exactly as the file trace feeds them: pass 1 in source order (the order discovery
 * gives the files of a folder) and line order, only those whose lines hold the needle (the byte
 * search's own test); pass 2 the hosts the instance lived on first, each record only when it
 * still holds a needle that matters for its source (a live request id, or on the instance's
 * hosts a cache needle); pass 3 the records of other services' requests found under a global id
 * in pass 2, by their own request ids.
 *
 * `--request-window`: the file trace reads, in passes 2 and 3, only the stretches of a file
 * (about 1 MiB each) whose times are near a needle's window (src/trace/prune.ts); the store
 * applies the same windows (src/trace/run.ts's pass2TimedNeedles, widened by the stretches'
 * ORDER_TOLERANCE_MS) to each record it finds. Within one stretch of a window's edge the file
 * trace may still find a record the store leaves out (it reads whole stretches); `all` reads
 * everything either way.
 */
import { orderRotatedSets } from '../sources/discover.js';
import type { SourceFile } from '../sources/source.js';
import { InstanceTrace, type CorrelateOptions, type Pass2Plan, type TraceResult } from '../trace/correlate.js';
import { CACHE_CUES } from '../records/index.js';
import { pass2Order, pass2TimedNeedles, RequestTimes } from '../trace/run.js';
import { DEFAULT_REQUEST_WINDOW_MS, ORDER_TOLERANCE_MS, type TimedNeedle } from '../trace/prune.js';
import { MAX_OWN_REQUEST_RECORDS } from '../trace/requests.js';
import type { FoundRecord } from '../trace/types.js';
import type { StoreClient } from './client.js';
import type { Layout } from './schema.js';
import { quoteName, quoteString, stringList } from './sql.js';
import { CACHE_CUE_ID, foundOfRow, splitGeneration, type StoredRow } from './rows.js';

export interface Hit {
  source: SourceFile;
  found: FoundRecord;
}

export interface StoreTraceOptions extends CorrelateOptions {
  /** `--request-window` in ms (default one hour; Infinity: every record of a needle). */
  requestWindowMs?: number;
}

/** Runs the trace of one instance over the store's records. */
export async function traceStore(client: StoreClient, layout: Layout, opts: StoreTraceOptions): Promise<TraceResult> {
  const margin = opts.requestWindowMs ?? DEFAULT_REQUEST_WINDOW_MS;
  const trace = new InstanceTrace(opts);
  const find = new Finder(client, layout);
  const live = (ids: readonly string[]): string[] => ids.filter((id) => trace.liveRequestIds().has(id));

  // Pass 1: the records that name the instance id; their times place pass 2's windows.
  const requestTimes = new RequestTimes();
  for (const hit of await find.byIds([opts.instanceId])) {
    if (hit.found.text.includes(opts.instanceId) && trace.addPass1(hit.found)) requestTimes.note(hit.found.record);
  }

  // Pass 2: its candidate requests' records, and the cache manager's on the hosts it lived on.
  const plan = trace.planPass2();
  const cacheNeedles = plan.imageNeedles.length > 0 ? plan.imageNeedles : CACHE_CUES;
  // Times of pass 2's findings place pass 3's windows (pass 2's own stay those of pass 1).
  const laterTimes = new RequestTimes();
  // A record is fed when it still holds a needle that matters for its source: a live request id
  // (checked record by record: a record fed can show a request shared) in its window, or a cache
  // needle from the instance's arrival on the host. Each source's needles and windows are worked
  // out once, of every candidate request; liveness is what changes from record to record.
  const feed = (hits: Hit[], sourceOrder: (sources: SourceFile[]) => SourceFile[], needles: (source: SourceFile) => TimedNeedle[], requests: readonly string[]): void => {
    const bySource = new Map<SourceFile, Hit[]>();
    for (const hit of find.unfed(hits)) {
      const list = bySource.get(hit.source);
      if (list === undefined) bySource.set(hit.source, [hit]);
      else list.push(hit);
    }
    const isRequest = new Set(requests);
    for (const source of sourceOrder([...bySource.keys()])) {
      const timed = needles(source);
      for (const { found } of bySource.get(source)!) {
        const time = found.record.time;
        const liveNow = trace.liveRequestIds();
        const matters = timed.some((n) => (!isRequest.has(n.needle) || liveNow.has(n.needle)) && found.text.includes(n.needle) &&
          (time === null || (time >= n.from - ORDER_TOLERANCE_MS && time <= n.to + ORDER_TOLERANCE_MS)));
        if (!matters) continue;
        laterTimes.note(found.record);
        trace.addPass2(found);
      }
    }
  };
  const pass2Needles = (source: SourceFile): TimedNeedle[] => pass2TimedNeedles(plan.requestIds, plan, cacheNeedles, source, requestTimes, margin);
  const inPass2Order = (sources: SourceFile[]): SourceFile[] => pass2Order(sources, plan);

  if (plan.requestIds.length > 0) {
    // Sizes first (measured on an 11 M-record store: asked at once with the probe below, both
    // read the periodic tasks' million-record request ids, and the two took longer than one
    // after the other).
    await noteRequestSizes(find, trace, plan.requestIds);
    // For each candidate request, one of its records tagged with another instance, when there is
    // one: it shows the request shared (a periodic task's), as the file trace learns from the
    // first such record it meets, so that its other records are not fetched.
    const ids = live(plan.requestIds);
    if (ids.length > 0) {
      feed(await find.records(`request_id IN (${stringList(ids)}) AND instance_id != '' AND lower(instance_id) != ${quoteString(opts.instanceId)} ` +
        `AND ${find.named(ids)} AND ${timeCondition(ids.map((id) => requestTimes.span(id)), margin)}`, 'LIMIT 1 BY request_id'), inPass2Order, pass2Needles, plan.requestIds);
    }
  }
  // Then the live requests' records anywhere, and the cache needles' on the hosts it lived on
  // (or of unknown host), as pass2TimedNeedles gives them to each source.
  const where: string[] = [];
  const requests = live(plan.requestIds);
  if (requests.length > 0) where.push(`(${find.named(requests)} AND ${timeCondition(requests.map((id) => requestTimes.span(id)), margin)})`);
  if (plan.cacheHosts.size > 0) {
    const since = (arrival: number): string => timeCondition([{ first: arrival, last: Infinity }], margin);
    const hosts = [...plan.cacheHosts].map(([host, arrival]) => `(source_host = ${quoteString(host)} AND ${since(arrival)})`);
    hosts.push(`(source_host_known = 0 AND ${since(Math.min(...plan.cacheHosts.values()))})`);
    // The hosts' test goes into the id lookup too (ids rows hold their source's host and their
    // record's time), so that only those records' keys are looked up in `records`.
    const onHosts = `(${hosts.join(' OR ')})`;
    where.push(`(${find.named(plan.imageNeedles.length > 0 ? plan.imageNeedles : [CACHE_CUE_ID], onHosts)} AND ${onHosts})`);
  }
  // One query each (at once): ClickHouse answers two lookups faster than their OR.
  if (where.length > 0) feed(await find.any(where), inPass2Order, pass2Needles, plan.requestIds);

  // Pass 3: requests of other services found under a global id in pass 2, by their own ids
  // (their records that do not carry the global id), near the times pass 2 saw them.
  const pass3 = trace.planPass3();
  if (pass3.length > 0) {
    await noteRequestSizes(find, trace, pass3);
    const ids = live(pass3);
    const none: Pass2Plan = { requestIds: pass3, imageNeedles: [], cacheHosts: new Map() };
    if (ids.length > 0) {
      feed(await find.records(`${find.named(ids)} AND ${timeCondition(ids.map((id) => laterTimes.span(id)), margin)}`),
        (sources) => sources, (source) => pass2TimedNeedles(pass3, none, [], source, laterTimes, margin), pass3);
    }
  }
  return trace.finish();
}

/** Request ids whose sizes one query asks (a UNION ALL of one small read each). */
const SIZES_PER_QUERY = 64;

/**
 * Requests with more records than one instance's own are shared: counted in the id table (the
 * records that carry each as their request id), not fetched, as the file trace learns it from the
 * records it reads. Each is counted only up to one past the limit (a read with LIMIT stops there):
 * a periodic task's request id carries a million records, and summing them all cost the 11 M-record
 * store's traced instance 37 ms against 13.
 */
async function noteRequestSizes(find: Finder, trace: InstanceTrace, requestIds: readonly string[]): Promise<void> {
  const { client, db, layout } = find;
  const byId = new Map(requestIds.map((id) => [id.toLowerCase(), id]));
  const ids = [...byId.keys()];
  const enough = MAX_OWN_REQUEST_RECORDS + 1;
  for (let at = 0; at < ids.length; at += SIZES_PER_QUERY) {
    const counts = ids.slice(at, at + SIZES_PER_QUERY).map((id) =>
      `SELECT ${quoteString(id)} AS id, count() AS n FROM (SELECT 1 FROM ${db}.${quoteName(layout.ids)} WHERE id = ${quoteString(id)} AND carried = 1 LIMIT ${enough})`);
    const sizes = await client.rows<{ id: string; n: string }>(`SELECT id, n FROM (${counts.join(' UNION ALL ')}) WHERE n > ${MAX_OWN_REQUEST_RECORDS}`);
    for (const row of sizes) trace.noteRequestSize(byId.get(row.id) ?? row.id, Number(row.n));
  }
}

/**
 * A coarse test of a record's time in SQL (whole seconds, widened): within one of the spans
 * widened by `margin` and ORDER_TOLERANCE_MS, or untimed. The exact test is made on each record
 * found; an unbounded span needs no test.
 */
export function timeCondition(spans: ReadonlyArray<{ first: number; last: number }>, margin: number): string {
  const widen = margin + ORDER_TOLERANCE_MS + 1000;
  const tests: string[] = [];
  for (const { first, last } of spans) {
    const from = first - widen;
    const to = last + widen;
    if (!(from > 0) && !(to < MAX_SECONDS * 1000)) return '1';
    const parts: string[] = [];
    if (from > 0) parts.push(`toUInt32(time) >= ${Math.floor(from / 1000)}`);
    if (to < MAX_SECONDS * 1000) parts.push(`toUInt32(time) <= ${Math.ceil(to / 1000)}`);
    tests.push(`(${parts.join(' AND ')})`);
  }
  return tests.length === 0 ? '1' : `(has_time = 0 OR ${tests.join(' OR ')})`;
}

/** Largest DateTime 18.16 stores (UInt32 seconds). */
const MAX_SECONDS = 4294967295;

/** Finds records in the store; remembers the sources met and the records already fed. */
class Finder {
  readonly sources = new Map<string, SourceFile>();
  readonly db: string;
  readonly #fed = new Set<string>();

  constructor(readonly client: StoreClient, readonly layout: Layout) {
    this.db = quoteName(layout.database);
  }

  /**
   * A condition on records: they carry or name one of `ids` (looked up in each shard's own id
   * table), and their ids rows meet `also` when given (a condition on the columns both tables
   * hold: source_host, source_host_known, time, has_time).
   */
  named(ids: readonly string[], also?: string): string {
    const where = also === undefined ? '' : ` AND ${also}`;
    return `(source, cluster, line) IN (SELECT source, cluster, line FROM ${this.db}.${quoteName(this.layout.localIds)} WHERE id IN (${stringList(ids)})${where})`;
  }

  byIds(ids: readonly string[]): Promise<Hit[]> {
    return this.records(this.named(ids));
  }

  /** The records that meet a condition on narrow columns (read first: the wide ones only of the rows that pass). */
  records(prewhere: string, tail = ''): Promise<Hit[]> {
    return lookup(this.client, this.layout, this.sources, prewhere, tail, 'PREWHERE');
  }

  /** The records that meet any of the conditions (each a query, run at once), each once, in source then line order. */
  async any(conditions: readonly string[]): Promise<Hit[]> {
    const seen = new Set<string>();
    const hits = (await Promise.all(conditions.map((c) => this.records(c)))).flat().filter(({ found: { record } }) => {
      const key = `${record.source.file}\0${record.source.line}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return inSourceOrder(hits);
  }

  /** The hits not fed yet (a later pass finds again what an earlier one fed), now marked fed. */
  unfed(hits: readonly Hit[]): Hit[] {
    return hits.filter(({ found: { record } }) => {
      const key = `${record.source.file}\0${record.source.line}`;
      if (this.#fed.has(key)) return false;
      this.#fed.add(key);
      return true;
    });
  }
}

/** The records that meet a condition, in source order then line order. */
export async function lookup(client: StoreClient, layout: Layout, sources: Map<string, SourceFile>, where: string, tail = '', clause: 'WHERE' | 'PREWHERE' = 'WHERE'): Promise<Hit[]> {
  const db = quoteName(layout.database);
  const rows = (await client.tsv(
    `SELECT source, line, source_host, source_host_known, source_service, text, toUInt32(time), ms, has_time FROM ${db}.${quoteName(layout.records)} ${clause} ${where} ${tail}`,
    // Point reads: keep the blocks they decompress in the server's cache of uncompressed blocks.
    { use_uncompressed_cache: 1 }))
    .map(([source, line, host, known, service, text, time, ms, hasTime]): StoredRow => ({ source: source!, line: line!, source_host: host!, source_host_known: known!, source_service: service!, text: text!, time: time!, ms: ms!, has_time: hasTime! }));
  const hits = rows.map((row): Hit => {
    let source = sources.get(row.source);
    if (source === undefined) {
      source = { path: row.source, display: row.source, host: Number(row.source_host_known) === 1 ? row.source_host : null, service: row.source_service === '' ? null : row.source_service, gzip: false, size: null };
      sources.set(row.source, source);
    }
    return { source, found: foundOfRow(row) };
  });
  return inSourceOrder(hits);
}

/** Hits in source order (as discovery lists the files), then line order. */
function inSourceOrder(hits: Hit[]): Hit[] {
  const order = sourceOrder([...new Set(hits.map((h) => h.source.display))]);
  return hits.sort((a, b) => (order.get(a.source.display)! - order.get(b.source.display)!) || a.found.record.source.line - b.found.record.source.line);
}

/**
 * Ranks source names in the order discovery lists a folder's files: within a folder, its files
 * (by rotated set, each set oldest first) before its sub-folders (by name).
 */
export function sourceOrder(names: readonly string[]): Map<string, number> {
  const sorted = [...names].sort(compareDiscovery);
  return new Map(sorted.map((name, i) => [name, i]));
}

function compareDiscovery(a: string, b: string): number {
  // A name's later sources (`x.log@2`, after rotation) follow it, oldest first, as a rotated set's files do.
  const ga = splitGeneration(a);
  const gb = splitGeneration(b);
  if (ga.name === gb.name) return ga.generation - gb.generation;
  const pa = ga.name.split('/');
  const pb = gb.name.split('/');
  let i = 0;
  while (i < pa.length - 1 && i < pb.length - 1 && pa[i] === pb[i]) i++;
  const fileA = i === pa.length - 1;
  const fileB = i === pb.length - 1;
  if (fileA !== fileB) return fileA ? -1 : 1;
  if (!fileA) return pa[i]! < pb[i]! ? -1 : pa[i]! > pb[i]! ? 1 : 0;
  if (pa[i] === pb[i]) return 0;
  return orderRotatedSets([{ name: pa[i]! }, { name: pb[i]! }])[0]!.name === pa[i] ? -1 : 1;
}
