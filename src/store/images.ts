/**
 * The image cache view from the store: the same state machine (ImageCacheInventory) fed by id
 * lookups instead of a byte search. The records the ingest marked `#cache-cue` (a cache
 * manager's wording) are read one source at a time, in the order discovery lists them, each in
 * line order, as the file view reads them; memory holds one source's cache records at a time.
 * Beside them, the build records that tie an untagged fetch's request to its instance (the file
 * view's BUILD_CUES), looked up by those requests' ids.
 */
import { ImageCacheInventory } from '../images/inventory.js';
import type { SourceFile } from '../sources/source.js';
import { BUILD_CUES } from '../images/scan-job.js';
import type { StoreClient } from './client.js';
import type { Layout } from './schema.js';
import { CACHE_CUE_ID } from './rows.js';
import { quoteName, quoteString, stringList } from './sql.js';
import { lookup, sourceOrder, type Hit } from './trace.js';

/** Feeds every cache-manager record of the store to `inventory` (a new one by default) and returns it. */
export async function scanImageCacheStore(client: StoreClient, layout: Layout, inventory = new ImageCacheInventory()): Promise<ImageCacheInventory> {
  const db = quoteName(layout.database);
  const cue = quoteString(CACHE_CUE_ID);
  const names = await client.rows<{ source: string }>(`SELECT DISTINCT source FROM ${db}.${quoteName(layout.ids)} WHERE id = ${cue}`);
  const order = sourceOrder(names.map((n) => n.source));
  const sources = new Map<string, SourceFile>();
  for (const name of [...order.keys()].sort((a, b) => order.get(a)! - order.get(b)!)) {
    const source = quoteString(name);
    const ids = (where: string): string => `(source, cluster, line) IN (SELECT source, cluster, line FROM ${db}.${quoteName(layout.localIds)} WHERE source = ${source} AND ${where})`;
    const hits = await lookup(client, layout, sources, `source = ${source} AND ${ids(`id = ${cue}`)}`);
    // The requests of untagged cache records: their builds' tagged lines name the instance.
    const requests = [...new Set(hits.flatMap(({ found: { record } }) => (record.instanceId === null && record.requestId !== null ? [record.requestId.toLowerCase()] : [])))];
    let builds: Hit[] = [];
    if (requests.length > 0) {
      const cues = BUILD_CUES.map((c) => `position(text, ${quoteString(c)}) > 0`).join(' OR ');
      builds = await lookup(client, layout, sources,
        `source = ${source} AND instance_id != '' AND request_id != '' AND (${cues}) AND ${ids(`id IN (${stringList(requests)})`)}`);
    }
    const cached = new Set(hits.map((h) => h.found.record.source.line));
    const all = [...hits, ...builds.filter((h) => !cached.has(h.found.record.source.line))].sort((a, b) => a.found.record.source.line - b.found.record.source.line);
    for (const { found } of all) inventory.add(found.record);
  }
  return inventory;
}
