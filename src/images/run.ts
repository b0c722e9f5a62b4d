/**
 * Reads sources for the image cache view: the one scanning engine (src/sources/search.ts)
 * searches raw bytes for the cache-manager cues of the wording table (CACHE_SCAN_CUES) and frames
 * only the records around a hit; the records layer parses those; ImageCacheInventory decides.
 * One pass over every source, in the order discovery gives them (rotated sets oldest first).
 */
import { searchSource } from '../sources/search.js';
import type { SourceFile } from '../sources/source.js';
import type { SourceReport } from '../sources/report.js';
import type { Readable } from 'node:stream';
import { assembleBlock, CACHE_SCAN_CUES, isRecordStart, type ParseOptions } from '../records/index.js';
import { ImageCacheInventory } from './inventory.js';

/**
 * Beyond the cache managers' cues: the line a build logs, tagged with its instance and request,
 * just before it fetches its image (libvirt driver, `LOG.info('Creating image', instance=…)`), so
 * the request's untagged fetch lines tell which instance uses the base file, cache hits included.
 */
export const BUILD_CUES: readonly string[] = ['Creating image'];

export interface ScanOptions {
  /** Zone and per-host clock offsets, passed to the parsers. */
  parse?: Pick<ParseOptions, 'tz' | 'offsets'>;
  report: SourceReport;
  /** Read for `-` (default process.stdin). */
  stdin?: Readable;
  /** Stored bytes consumed so far, and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Feeds every cache-manager record of the sources to `inventory` (a new one by default) and returns it. */
export async function scanImageCache(sources: readonly SourceFile[], opts: ScanOptions, inventory = new ImageCacheInventory()): Promise<ImageCacheInventory> {
  const parse = opts.parse ?? {};
  const total = sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  let done = 0;
  for (const source of sources) {
    const stats = await searchSource(source, {
      needles: [...CACHE_SCAN_CUES, ...BUILD_CUES],
      isRecordStart,
      stdin: opts.stdin,
      onWarning: (warning) => opts.report.warn(warning),
      onProgress: (bytes) => opts.onProgress?.(done + bytes, total),
    }, (block) => {
      for (const record of assembleBlock(block, parse)) inventory.add(record);
    });
    opts.report.addCounts(stats);
    done += source.size ?? 0;
  }
  return inventory;
}
