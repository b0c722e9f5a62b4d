/**
 * A small pool that runs search jobs (src/trace/search-job.ts) in parallel, as ripgrep searches
 * files: the main thread and a few worker threads each hold one search window and parse what
 * they frame; jobs are handed out one at a time per searcher, in the order submitted, and each
 * outcome comes back whole (plain data), so the main thread only correlates. The main thread
 * searches too: a worker costs memory (its heap, its window), and the main thread would mostly
 * wait otherwise.
 *
 * Idle workers do not keep the process alive. A worker that fails (cannot load, dies, or its
 * search throws) fails every job not done with one one-line error, and the pool stops its workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { collectSearchJob, type JobResult, type SearchJob } from './search-job.js';

/** Searchers at most: beyond a few, the disk and the main thread's correlation are the limit. */
export const MAX_POOL_SIZE = 4;

/** Input below this is searched by the main thread alone: starting a worker would cost more than it saves. */
export const POOL_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Young generation of a worker's heap (MiB): a worker's garbage is short-lived records, and the
 * default lets each worker's heap grow by tens of MiB before collecting.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** A job as posted to a worker: its zone by name (a TimeZone's conversion function cannot be cloned). */
export interface PoolRequest {
  job: Omit<SearchJob, 'parse'> & { parse: Omit<SearchJob['parse'], 'tz'> & { tz?: string } };
}

export type PoolReply =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; result: JobResult }
  | { type: 'error'; message: string };

/** Default pool size: the cores there are, up to MAX_POOL_SIZE (1: the main thread alone). */
export function defaultPoolSize(): number {
  return Math.min(availableParallelism(), MAX_POOL_SIZE);
}

/** The worker entry next to this module: the compiled .js, or the .ts under a TypeScript loader (tests). */
export function defaultWorkerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './search-worker.ts' : './search-worker.js', import.meta.url);
}

interface Pending {
  job: SearchJob;
  onProgress: ((bytes: number) => void) | undefined;
  resolve: (result: JobResult) => void;
  reject: (error: Error) => void;
}

/** A searcher: a worker thread, or (worker null) the main thread itself. */
interface Searcher {
  worker: Worker | null;
  job: Pending | null;
}

export class SearchPool {
  readonly size: number;
  readonly #url: URL;
  readonly #searchers: Searcher[] = [{ worker: null, job: null }];
  readonly #queue: Pending[] = [];
  #failure: Error | null = null;
  #closed = false;

  /** `size` searchers at once: the main thread and size - 1 worker threads, started when first needed. */
  constructor(size: number, workerUrl: URL = defaultWorkerUrl()) {
    this.size = Math.max(1, size);
    this.#url = workerUrl;
  }

  /**
   * Queues a job; jobs start in the order submitted. The promise is marked handled, so a job
   * failed by another's failure raises no unhandled rejection before it is awaited.
   */
  submit(job: SearchJob, onProgress?: (bytes: number) => void): Promise<JobResult> {
    const promise = new Promise<JobResult>((resolve, reject) => {
      if (this.#failure !== null || this.#closed) reject(this.#failure ?? new Error('the search pool is closed'));
      else this.#queue.push({ job, onProgress, resolve, reject });
    });
    promise.catch(() => undefined);
    this.#dispatch();
    return promise;
  }

  /** Stops every worker; jobs not done fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(new Error('the search pool is closed'));
    await Promise.all(this.#searchers.splice(0).map(({ worker }) => worker?.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#failure === null && !this.#closed) {
      const free = this.#searchers.find((s) => s.job === null) ?? (this.#searchers.length < this.size ? this.#start() : null);
      if (free === null) return;
      const pending = this.#queue.shift()!;
      free.job = pending;
      if (free.worker === null) {
        this.#runHere(free, pending);
        continue;
      }
      free.worker.ref();
      const { tz } = pending.job.parse;
      const request: PoolRequest = { job: { ...pending.job, parse: { ...pending.job.parse, tz: typeof tz === 'object' ? tz.name : tz } } };
      free.worker.postMessage(request);
    }
  }

  /** Runs a job in the main thread (between its reads, the workers' messages are handled). */
  #runHere(searcher: Searcher, pending: Pending): void {
    collectSearchJob(pending.job, pending.onProgress).then((result) => {
      if (searcher.job !== pending) return;
      searcher.job = null;
      pending.resolve(result);
      this.#dispatch();
    }, (error: unknown) => {
      if (searcher.job === pending) this.#fail(new Error(`a search failed: ${oneLine(error)}`), pending);
    });
  }

  #start(): Searcher {
    const worker = new Worker(this.#url, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const searcher: Searcher = { worker, job: null };
    worker.unref();
    worker.on('message', (reply: PoolReply) => {
      const pending = searcher.job;
      if (pending === null) return;
      if (reply.type === 'progress') {
        pending.onProgress?.(reply.bytes);
        return;
      }
      if (reply.type === 'error') {
        this.#fail(new Error(`a search worker failed: ${oneLine(reply.message)}`), pending);
        return;
      }
      searcher.job = null;
      worker.unref();
      pending.resolve(reply.result);
      this.#dispatch();
    });
    worker.on('error', (error) => this.#fail(new Error(`a search worker failed: ${oneLine(error)}`), searcher.job));
    worker.on('messageerror', (error) => this.#fail(new Error(`a search worker's message could not be read: ${oneLine(error)}`), searcher.job));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`a search worker stopped (exit code ${code})`), searcher.job);
    });
    this.#searchers.push(searcher);
    return searcher;
  }

  /** One failure ends the pool: the job concerned and every other fail with the same error. */
  #fail(error: Error, pending: Pending | null): void {
    this.#failure ??= error;
    pending?.reject(this.#failure);
    this.#failAll(this.#failure);
    for (const { worker } of this.#searchers) void worker?.terminate();
  }

  #failAll(error: Error): void {
    for (const pending of this.#queue.splice(0)) pending.reject(error);
    for (const searcher of this.#searchers) {
      searcher.job?.reject(error);
      searcher.job = null;
    }
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
