/**
 * Reads sources for the image cache view: each source is scanned (scan-job.ts) by the main thread,
 * or when asked by workers of the pool (src/sources/worker-pool.ts), and what they find is fed
 * to ImageCacheInventory in the order discovery gives the sources (rotated sets oldest first),
 * whatever order the scans end in: the answer is the same with or without workers. Memory: the
 * inventory, and with workers a few parts of records found ahead of their turn, whatever the
 * logs' size.
 */
import type { Readable } from 'node:stream';
import type { SourceFile } from '../sources/source.js';
import type { SourceReport } from '../sources/report.js';
import { workerBeside, WorkerPool } from '../sources/worker-pool.js';
import { withPlainZone } from '../records/index.js';
import { collectImageScan, type ImageScanJob, type ImageScanResult } from './scan-job.js';
import { ImageCacheInventory, type CacheRecord } from './inventory.js';

export interface ScanOptions {
  /** Zone, per-host clock offsets and the site's oslo.log layout, passed to the parsers. */
  parse?: ImageScanJob['parse'];
  report: SourceReport;
  /** Read for `-` (default process.stdin). */
  stdin?: Readable;
  /** Stored bytes consumed so far, and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Worker threads that scan, for two sources or more (default, 0 or 1: the main thread alone). */
  workers?: number;
  /** The pool's worker entry (tests: one that fails). */
  workerUrl?: URL;
}

/** The worker entry next to this module: the compiled .js, or the .ts under a TypeScript loader (tests). */
function defaultWorkerUrl(): URL {
  return workerBeside(import.meta.url, 'scan-worker');
}

/** Feeds every cache-manager record of the sources to `inventory` (a new one by default) and returns it. */
export async function scanImageCache(sources: readonly SourceFile[], opts: ScanOptions, inventory = new ImageCacheInventory()): Promise<ImageCacheInventory> {
  const parse = opts.parse ?? {};
  const total = sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  // Standard input is read by the main thread: with it, no worker.
  // By default alone: on 2 shared cores the pool cost 1.5× the time and 1.6× the CPU of one
  // thread on the 1 GiB bench corpus (handing records over costs more than the scan saves).
  const size = sources.length < 2 || sources.some((s) => s.path === '-') ? 1 : Math.max(1, opts.workers ?? 1);
  const inFlight = new Map<SourceFile, number>();
  let done = 0;
  const progress = (source: SourceFile) => (bytes: number): void => {
    if (opts.onProgress === undefined) return;
    inFlight.set(source, bytes);
    let sum = done;
    for (const n of inFlight.values()) sum += n;
    opts.onProgress(sum, total);
  };
  const feed = (source: SourceFile, result: ImageScanResult): void => {
    for (const warning of result.warnings) opts.report.warn(warning);
    for (const record of result.records) inventory.add(record);
    opts.report.addCounts(result.counts);
    inFlight.delete(source);
    done += source.size ?? 0;
  };
  if (size === 1) {
    // Alone: each record goes to the inventory as it is found, source after source.
    for (const source of sources) {
      feed(source, await collectImageScan({ source, parse }, { stdin: opts.stdin, onProgress: progress(source), onRecord: (record) => inventory.add(record) }));
    }
    return inventory;
  }
  // The main thread scans nothing: feeding the inventory is its share.
  const pool = new WorkerPool<ImageScanJob, ImageScanResult, CacheRecord[]>(size, opts.workerUrl ?? defaultWorkerUrl(),
    (job, onProgress, onPart) => collectImageScan(job, { onProgress, onPart }),
    { toWire: withPlainZone, noun: 'image scan', mainThreadRuns: false });
  // A part of the source being fed goes in at once; a later source's part waits for its turn,
  // unacknowledged, so its worker stops after PARTS_AHEAD of them: memory stays bounded.
  let current: SourceFile | null = null;
  const held = new Map<SourceFile, Array<() => void>>(sources.map((s) => [s, []]));
  const onPart = (source: SourceFile) => (records: CacheRecord[]): Promise<void> => {
    const take = (): void => { for (const record of records) inventory.add(record); };
    if (source === current) {
      take();
      return Promise.resolve();
    }
    return new Promise((resolve) => held.get(source)!.push(() => { take(); resolve(); }));
  };
  try {
    // In source order, not costliest first: the source being fed has always started, so a worker
    // waiting for its turn never waits on a job that no worker is free to run.
    const waiting = new Map<SourceFile, Promise<ImageScanResult>>();
    for (const source of sources) waiting.set(source, pool.submit({ source, parse }, progress(source), onPart(source)));
    for (const source of sources) {
      current = source;
      for (const take of held.get(source)!.splice(0)) take();
      const result = await waiting.get(source)!;
      waiting.delete(source);
      feed(source, result);
    }
  } finally {
    await pool.close();
  }
  return inventory;
}
