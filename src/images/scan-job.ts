/**
 * One source's part of the image cache view: the one scanning engine (src/sources/search.ts)
 * searches its raw bytes for the cache managers' cues (CACHE_SCAN_CUES) and a build's cue, frames
 * only the records around a hit, and the records layer parses those. What comes back is only what
 * the inventory reads, of only the records it uses, as plain data: the same function runs in the
 * main thread and in the worker pool's threads (scan-worker.ts), so both find the same.
 */
import { searchSource } from '../sources/search.js';
import type { SourceFile, SourceWarning } from '../sources/source.js';
import { sourceCounts, type SourceCounts } from '../sources/report.js';
import type { Readable } from 'node:stream';
import { assembleBlock, CACHE_SCAN_CUES, fileClock, recordStartTest, type ParseOptions } from '../records/index.js';
import type { LogRecord } from '../records/record.js';
import type { CacheRecord } from './inventory.js';

/**
 * Beyond the cache managers' cues: the line a build logs, tagged with its instance and request,
 * just before it fetches its image (libvirt driver, `LOG.info('Creating image', instance=…)`), so
 * the request's untagged fetch lines tell which instance uses the base file, cache hits included.
 */
export const BUILD_CUES: readonly string[] = ['Creating image'];

export interface ImageScanJob {
  source: SourceFile;
  /** Zone, per-host clock offsets and the site's oslo.log layout; the zone by its spec in a worker. */
  parse: Pick<ParseOptions, 'tz' | 'offsets' | 'oslo'>;
}

export interface ImageScanResult {
  records: CacheRecord[];
  warnings: SourceWarning[];
  counts: SourceCounts;
}

export interface ImageScanHooks {
  /** Read for `-` (a job of the main thread only). */
  stdin?: Readable;
  onProgress?: (bytes: number) => void;
  /** Each record as it is found, instead of in the result (the main thread, feeding the inventory as it goes). */
  onRecord?: (record: CacheRecord) => void;
  /** Else, records in parts of PART_RECORDS as they are found (a worker), each awaited before reading on; the rest in the result. */
  onPart?: (records: CacheRecord[]) => Promise<void>;
}

/** Records a part holds: a worker holds at most a part and a read's worth more, whatever the log's size. */
export const PART_RECORDS = 4096;

/** Scans one source; never throws on bad input (warnings say what was skipped). Records go to hooks.onRecord, or in parts to hooks.onPart, the rest into the result. */
export async function collectImageScan(job: ImageScanJob, hooks: ImageScanHooks = {}): Promise<ImageScanResult> {
  const records: CacheRecord[] = [];
  const warnings: SourceWarning[] = [];
  const { source } = job;
  // One clock for the file, so a fall-back hour is read in file order.
  const clock = fileClock(job.parse.tz, (message) => warnings.push({ kind: 'ambiguous-time', file: source.display, message }));
  const parse: ParseOptions = { ...job.parse, tz: clock };
  const counts = await searchSource(source, {
    needles: [...CACHE_SCAN_CUES, ...BUILD_CUES],
    isRecordStart: recordStartTest(job.parse.oslo),
    stdin: hooks.stdin,
    onWarning: (warning) => warnings.push(warning),
    onProgress: hooks.onProgress,
    drain: async () => {
      if (hooks.onPart !== undefined && records.length >= PART_RECORDS) await hooks.onPart(records.splice(0));
    },
  }, (block) => {
    for (const record of assembleBlock(block, parse)) {
      // The inventory takes cache-manager records, and records tagged with an instance and a request.
      if (record.cache === null && (record.instanceId === null || record.requestId === null)) continue;
      if (hooks.onRecord !== undefined) hooks.onRecord(record);
      else records.push(cacheRecord(record));
    }
  });
  return { records, warnings, counts: sourceCounts(counts) };
}

function cacheRecord(record: LogRecord): CacheRecord {
  // A proof shows a record's first line.
  const nl = record.message.indexOf('\n');
  return {
    cache: record.cache, format: record.format, message: nl === -1 ? record.message : record.message.slice(0, nl),
    source: record.source, time: record.time, host: record.host, instanceId: record.instanceId, requestId: record.requestId, imageId: record.imageId,
  };
}
