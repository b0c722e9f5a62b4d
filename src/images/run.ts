/**
 * Reads sources for the image cache view: each source is scanned (scan-job.ts) by a worker of the
 * pool (src/sources/worker-pool.ts), as many at once as there are cores (small inputs: by the main
 * thread alone), and what they find is fed to ImageCacheInventory in the order discovery gives
 * the sources (rotated sets oldest first), whatever order the scans end in: the answer is the
 * same with or without workers. Memory: the records of at most a few sources wait for their turn.
 */
import type { Readable } from 'node:stream';
import type { SourceFile } from '../sources/source.js';
import type { SourceReport } from '../sources/report.js';
import { defaultPoolSize, POOL_MIN_BYTES, WorkerPool } from '../sources/worker-pool.js';
import { zoneSpec } from '../records/index.js';
import { collectImageScan, type ImageScanJob, type ImageScanResult } from './scan-job.js';
import { ImageCacheInventory } from './inventory.js';

export interface ScanOptions {
  /** Zone, per-host clock offsets and the site's oslo.log layout, passed to the parsers. */
  parse?: ImageScanJob['parse'];
  report: SourceReport;
  /** Read for `-` (default process.stdin). */
  stdin?: Readable;
  /** Stored bytes consumed so far, and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Threads that scan, for two sources or more (0 or 1: the main thread alone; default: one a core, for inputs over POOL_MIN_BYTES). */
  workers?: number;
  /** The pool's worker entry (tests: one that fails). */
  workerUrl?: URL;
}

/** The worker entry next to this module: the compiled .js, or the .ts under a TypeScript loader (tests). */
function defaultWorkerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './scan-worker.ts' : './scan-worker.js', import.meta.url);
}

/** Feeds every cache-manager record of the sources to `inventory` (a new one by default) and returns it. */
export async function scanImageCache(sources: readonly SourceFile[], opts: ScanOptions, inventory = new ImageCacheInventory()): Promise<ImageCacheInventory> {
  const parse = opts.parse ?? {};
  const total = sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  // Standard input is read by the main thread: with it, no worker.
  const size = sources.length < 2 || sources.some((s) => s.path === '-') ? 1 : Math.max(1, opts.workers ?? (total > POOL_MIN_BYTES ? defaultPoolSize() : 1));
  // With workers, the main thread scans nothing: feeding the inventory is its share.
  const pool = new WorkerPool<ImageScanJob, ImageScanResult>(size, opts.workerUrl ?? defaultWorkerUrl(),
    (job, onProgress) => collectImageScan(job, { stdin: opts.stdin, onProgress }),
    { toWire: (job) => ({ ...job, parse: { ...job.parse, tz: zoneSpec(job.parse.tz) } }), noun: 'image scan', mainThreadRuns: size === 1 });
  const inFlight = new Map<SourceFile, number>();
  let done = 0;
  const progress = (source: SourceFile) => (bytes: number): void => {
    if (opts.onProgress === undefined) return;
    inFlight.set(source, bytes);
    let sum = done;
    for (const n of inFlight.values()) sum += n;
    opts.onProgress(sum, total);
  };
  try {
    // Scans start in source order, at most one ahead of each searcher, so few results wait.
    const waiting: Array<Promise<ImageScanResult>> = [];
    let next = 0;
    const submit = (): void => {
      while (next < sources.length && waiting.length < size + 1) {
        const source = sources[next++]!;
        waiting.push(pool.submit({ source, parse }, progress(source)));
      }
    };
    submit();
    for (const source of sources) {
      const result = await waiting.shift()!;
      submit();
      for (const warning of result.warnings) opts.report.warn(warning);
      for (const record of result.records) inventory.add(record);
      opts.report.addCounts(result.counts);
      inFlight.delete(source);
      done += source.size ?? 0;
    }
  } finally {
    await pool.close();
  }
  return inventory;
}
