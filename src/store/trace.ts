/**
 * The trace from the store: the same correlation (InstanceTrace) driven by a second way of
 * finding records. Where the file trace scans bytes for needles, the store looks each needle up
 * in the `ids` table (ordered by id) and reads only the records that name it; pass 1 and pass 2
 * are each one query. The records are then fed exactly as the file trace feeds them: pass 1 in
 * source order (the order discovery gives the files of a folder) and line order, only those
 * whose lines hold the needle (the byte search's own test); pass 2 the hosts the instance lived
 * on first, each record only when it still holds a needle that matters for its source (a live
 * request id, or on the instance's hosts a cache needle).
 *
 * One difference by design: the file trace's `--request-window` skips stretches of large files
 * (an optimisation of reading); the store reads no stretches, so it answers as `--request-window
 * all` does.
 */
import { orderRotatedSets } from '../sources/discover.js';
import type { SourceFile } from '../sources/source.js';
import { InstanceTrace, type CorrelateOptions, type TraceResult } from '../trace/correlate.js';
import { CACHE_CUES } from '../records/index.js';
import { pass2Needles, pass2Order } from '../trace/run.js';
import { MAX_OWN_REQUEST_RECORDS } from '../trace/requests.js';
import type { FoundRecord } from '../trace/types.js';
import type { StoreClient } from './client.js';
import type { Layout } from './schema.js';
import { quoteName, quoteString, stringList } from './sql.js';
import { CACHE_CUE_ID, foundOfRow, type StoredRow } from './rows.js';

export interface Hit {
  source: SourceFile;
  found: FoundRecord;
}

/** Runs the trace of one instance over the store's records. */
export async function traceStore(client: StoreClient, layout: Layout, opts: CorrelateOptions): Promise<TraceResult> {
  const trace = new InstanceTrace(opts);
  const sources = new Map<string, SourceFile>();

  // Pass 1: the records that name the instance id.
  for (const hit of await lookupIds(client, layout, [opts.instanceId], sources)) {
    if (hit.found.text.includes(opts.instanceId)) trace.addPass1(hit.found);
  }

  // Pass 2: its candidate requests' records, and the cache manager's on the hosts it lived on.
  // First, for each candidate request, one of its records tagged with another instance, when
  // there is one: it shows the request shared (a periodic task's), as the file trace learns from
  // the first such record it meets, so that its thousands of other records are not fetched.
  const plan = trace.planPass2();
  const cacheNeedles = plan.imageNeedles.length > 0 ? plan.imageNeedles : CACHE_CUES;
  const fed = new Set<string>();
  const feed = (hits: Hit[]): void => {
    const bySource = new Map<SourceFile, Hit[]>();
    for (const hit of hits) {
      const key = `${hit.found.record.source.file}\0${hit.found.record.source.line}`;
      if (fed.has(key)) continue;
      fed.add(key);
      const list = bySource.get(hit.source);
      if (list === undefined) bySource.set(hit.source, [hit]);
      else list.push(hit);
    }
    for (const source of pass2Order([...bySource.keys()], plan)) {
      for (const { found } of bySource.get(source)!) {
        const needles = pass2Needles([...trace.liveRequestIds()], plan, cacheNeedles, source);
        if (needles.some((needle) => found.text.includes(needle))) trace.addPass2(found);
      }
    }
  };
  const db = quoteName(layout.database);
  if (plan.requestIds.length > 0) {
    // Requests with more records than one instance's own are shared: counted, not fetched.
    const named = await client.rows<{ id: string; n: string }>(
      `SELECT id, count() AS n FROM ${db}.${quoteName(layout.ids)} WHERE id IN (${stringList(plan.requestIds)}) GROUP BY id HAVING n > ${MAX_OWN_REQUEST_RECORDS}`);
    if (named.length > 0) {
      // Those ids are named that often; count the records that carry them as their request.
      const carried = await client.rows<{ request_id: string; n: string }>(
        `SELECT request_id, count() AS n FROM ${db}.${quoteName(layout.records)} WHERE request_id IN (${stringList(named.map((r) => r.id))}) ` +
        `AND (source, line) IN (SELECT source, line FROM ${db}.${quoteName(layout.localIds)} WHERE id IN (${stringList(named.map((r) => r.id))})) GROUP BY request_id`);
      for (const row of carried) trace.noteRequestSize(row.request_id, Number(row.n));
    }
    const live = stringList(trace.liveRequestIds());
    if (live !== '') {
      feed(await lookup(client, layout, sources,
        `request_id IN (${live}) AND instance_id != '' AND lower(instance_id) != ${quoteString(opts.instanceId)} ` +
        `AND (source, line) IN (SELECT source, line FROM ${db}.${quoteName(layout.localIds)} WHERE id IN (${live})) LIMIT 1 BY request_id`));
    }
  }
  // Then the live requests' records anywhere, and the cache needles' on the hosts it lived on
  // (or of unknown host), as pass2Needles gives them to each source.
  const ids = (keys: readonly string[]): string => `(source, line) IN (SELECT source, line FROM ${db}.${quoteName(layout.localIds)} WHERE id IN (${stringList(keys)}))`;
  const where: string[] = [];
  if (trace.liveRequestIds().size > 0) where.push(ids([...trace.liveRequestIds()]));
  if (plan.cacheHosts.size > 0) {
    where.push(`(${ids(plan.imageNeedles.length > 0 ? plan.imageNeedles : [CACHE_CUE_ID])} AND (source_host_known = 0 OR source_host IN (${stringList(plan.cacheHosts.keys())})))`);
  }
  if (where.length > 0) feed(await lookup(client, layout, sources, where.join(' OR ')));
  return trace.finish();
}

/** The records that carry or name any of `ids`, in source order then line order. */
async function lookupIds(client: StoreClient, layout: Layout, ids: readonly string[], sources: Map<string, SourceFile>): Promise<Hit[]> {
  const db = quoteName(layout.database);
  return lookup(client, layout, sources, `(source, line) IN (SELECT source, line FROM ${db}.${quoteName(layout.localIds)} WHERE id IN (${stringList(ids)}))`);
}

/** The records that meet a condition, in source order then line order. */
export async function lookup(client: StoreClient, layout: Layout, sources: Map<string, SourceFile>, where: string): Promise<Hit[]> {
  const db = quoteName(layout.database);
  const rows = await client.rows<StoredRow>(
    `SELECT source, line, source_host, source_host_known, source_service, text, record FROM ${db}.${quoteName(layout.records)} WHERE ${where}`);
  const hits = rows.map((row): Hit => {
    let source = sources.get(row.source);
    if (source === undefined) {
      source = { path: row.source, display: row.source, host: Number(row.source_host_known) === 1 ? row.source_host : null, service: row.source_service === '' ? null : row.source_service, gzip: false, size: null };
      sources.set(row.source, source);
    }
    return { source, found: foundOfRow(row) };
  });
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
  const pa = a.split('/');
  const pb = b.split('/');
  let i = 0;
  while (i < pa.length - 1 && i < pb.length - 1 && pa[i] === pb[i]) i++;
  const fileA = i === pa.length - 1;
  const fileB = i === pb.length - 1;
  if (fileA !== fileB) return fileA ? -1 : 1;
  if (!fileA) return pa[i]! < pb[i]! ? -1 : pa[i]! > pb[i]! ? 1 : 0;
  if (pa[i] === pb[i]) return 0;
  return orderRotatedSets([{ name: pa[i]! }, { name: pb[i]! }])[0]!.name === pa[i] ? -1 : 1;
}
