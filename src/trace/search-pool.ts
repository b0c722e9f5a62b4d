/**
 * The trace's pass 1 on the worker pool (src/sources/worker-pool.ts): its jobs are search jobs
 * (src/trace/search-job.ts), run by search-worker.ts in the workers and in the main thread alike.
 */
import { workerBeside, WorkerPool } from '../sources/worker-pool.js';
import { withPlainZone } from '../records/index.js';
import { collectSearchJob, type JobResult, type SearchJob } from './search-job.js';

export { defaultPoolSize, MAX_POOL_SIZE, POOL_MIN_BYTES } from '../sources/worker-pool.js';

/** The worker entry next to this module: the compiled .js, or the .ts under a TypeScript loader (tests). */
export function defaultWorkerUrl(): URL {
  return workerBeside(import.meta.url, 'search-worker');
}

export class SearchPool extends WorkerPool<SearchJob, JobResult> {
  constructor(size: number, workerUrl: URL = defaultWorkerUrl()) {
    super(size, workerUrl, collectSearchJob, { toWire: withPlainZone, noun: 'search' });
  }
}
