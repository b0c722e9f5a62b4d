/**
 * A small pool that runs jobs in parallel, as ripgrep searches files: the main thread and a few
 * worker threads each run one job at a time and parse what they frame; jobs are handed out one at
 * a time per runner, in the order submitted. Two kinds of job use it: the trace's searches
 * (src/trace/search-job.ts, whose outcome comes back whole as plain data, so the main thread
 * only correlates) and the store's ingest (src/store/ingest-job.ts, whose outcome comes back in
 * parts as it is read: rows ready to insert). The main thread runs jobs too: a worker costs
 * memory (its heap, its window), and the main thread would mostly wait otherwise.
 *
 * A part is acknowledged once the main thread has taken it (its promise settled); a worker reads
 * on only while fewer than PARTS_AHEAD of its parts are unacknowledged, so a slow consumer (the
 * store) holds the workers back instead of piling parts up in memory.
 *
 * Idle workers do not keep the process alive. A worker that fails (cannot load, dies, or its job
 * throws) fails every job not done with one one-line error, and the pool stops its workers.
 */
import { availableParallelism } from 'node:os';
import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';
import { collectSearchJob, type JobResult, type SearchJob } from './search-job.js';

/** Runners at most: beyond a few, the disk and the main thread's correlation are the limit. */
export const MAX_POOL_SIZE = 4;

/** Input below this is searched by the main thread alone: starting a worker would cost more than it saves. */
export const POOL_MIN_BYTES = 64 * 1024 * 1024;

/** Parts a worker may have posted and not yet seen acknowledged. */
export const PARTS_AHEAD = 2;

/**
 * Young generation of a worker's heap (MiB): a worker's garbage is short-lived records, and the
 * default lets each worker's heap grow by tens of MiB before collecting.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** A message to a worker: a job (as plain data), or the acknowledgement of one of its parts. */
export type PoolRequest<W = SearchWire> = { job: W } | { ack: true };

export type PoolReply<R = JobResult, P = never> =
  | { type: 'progress'; bytes: number }
  | { type: 'part'; part: P }
  | { type: 'done'; result: R }
  | { type: 'error'; message: string };

/** What a job may tell while it runs. */
export interface PoolHooks<P> {
  /** Stored bytes consumed so far. */
  onProgress?: (bytes: number) => void;
  /** A part of the outcome; the job reads on once the promise returned settles. */
  onPart?: (part: P) => void | Promise<void>;
}

/** A kind of job: how the main thread runs one, and which worker entry runs one posted as plain data. */
export interface PoolKind<J, R, P> {
  /** What errors call the job ("search", "ingest"). */
  noun: string;
  workerUrl: URL;
  runHere(job: J, hooks: PoolHooks<P>): Promise<R>;
  toWire(job: J): unknown;
  /** Young generation of a worker's heap in MiB (default WORKER_YOUNG_GENERATION_MB; null: Node's own). */
  youngGenerationMb?: number | null;
}

/** Default pool size: the cores there are, up to MAX_POOL_SIZE (1: the main thread alone). */
export function defaultPoolSize(): number {
  return Math.min(availableParallelism(), MAX_POOL_SIZE);
}

/** A worker entry beside the module at `base`: the compiled .js, or the .ts under a TypeScript loader (tests). */
export function workerEntry(name: string, base: string): URL {
  return new URL(base.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`, base);
}

/** The search worker entry next to this module. */
export function defaultWorkerUrl(): URL {
  return workerEntry('search-worker', import.meta.url);
}

interface Pending<J, R, P> {
  job: J;
  hooks: PoolHooks<P>;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

/** A runner: a worker thread, or (worker null) the main thread itself. */
interface Runner<J, R, P> {
  worker: Worker | null;
  job: Pending<J, R, P> | null;
}

export class WorkerPool<J, R, P = never> {
  readonly size: number;
  readonly #kind: PoolKind<J, R, P>;
  readonly #runners: Array<Runner<J, R, P>> = [{ worker: null, job: null }];
  readonly #queue: Array<Pending<J, R, P>> = [];
  #failure: Error | null = null;
  #closed = false;

  /** `size` runners at once: the main thread and size - 1 worker threads, started when first needed. */
  constructor(size: number, kind: PoolKind<J, R, P>) {
    this.size = Math.max(1, size);
    this.#kind = kind;
  }

  /**
   * Queues a job; jobs start in the order submitted. The promise is marked handled, so a job
   * failed by another's failure raises no unhandled rejection before it is awaited.
   */
  submit(job: J, onProgress?: (bytes: number) => void, onPart?: (part: P) => void | Promise<void>): Promise<R> {
    const promise = new Promise<R>((resolve, reject) => {
      if (this.#failure !== null || this.#closed) reject(this.#failure ?? new Error(`the ${this.#kind.noun} pool is closed`));
      else this.#queue.push({ job, hooks: { onProgress, onPart }, resolve, reject });
    });
    promise.catch(() => undefined);
    this.#dispatch();
    return promise;
  }

  /** Stops every worker; jobs not done fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(new Error(`the ${this.#kind.noun} pool is closed`));
    await Promise.all(this.#runners.splice(0).map(({ worker }) => worker?.terminate()));
  }

  /**
   * Stops the worker threads: their jobs and those not started fail; a job running on the main
   * thread runs on (its own code stops it, or lets it end: a stream's last records).
   */
  async stopWorkers(): Promise<void> {
    this.#closed = true;
    const error = new Error(`the ${this.#kind.noun} pool is closed`);
    for (const pending of this.#queue.splice(0)) pending.reject(error);
    const workers = this.#runners.filter((r) => r.worker !== null);
    for (const runner of workers) {
      runner.job?.reject(error);
      runner.job = null;
    }
    await Promise.all(workers.map(({ worker }) => worker!.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#failure === null && !this.#closed) {
      const free = this.#runners.find((s) => s.job === null) ?? (this.#runners.length < this.size ? this.#start() : null);
      if (free === null) return;
      const pending = this.#queue.shift()!;
      free.job = pending;
      if (free.worker === null) {
        this.#runHere(free, pending);
        continue;
      }
      free.worker.ref();
      free.worker.postMessage({ job: this.#kind.toWire(pending.job) });
    }
  }

  /** Runs a job in the main thread (between its reads, the workers' messages are handled). */
  #runHere(runner: Runner<J, R, P>, pending: Pending<J, R, P>): void {
    this.#kind.runHere(pending.job, pending.hooks).then((result) => {
      if (runner.job !== pending) return;
      runner.job = null;
      pending.resolve(result);
      this.#dispatch();
    }, (error: unknown) => {
      if (runner.job === pending) this.#fail(new Error(`${article(this.#kind.noun)} ${this.#kind.noun} failed: ${oneLine(error)}`), pending);
    });
  }

  #start(): Runner<J, R, P> {
    const noun = this.#kind.noun;
    const young = this.#kind.youngGenerationMb === undefined ? WORKER_YOUNG_GENERATION_MB : this.#kind.youngGenerationMb;
    const worker = new Worker(this.#kind.workerUrl, young === null ? {} : { resourceLimits: { maxYoungGenerationSizeMb: young } });
    const runner: Runner<J, R, P> = { worker, job: null };
    worker.unref();
    worker.on('message', (reply: PoolReply<R, P>) => {
      const pending = runner.job;
      if (pending === null) return;
      if (reply.type === 'progress') {
        pending.hooks.onProgress?.(reply.bytes);
        return;
      }
      if (reply.type === 'part') {
        const ack = (): void => {
          if (runner.job === pending) worker.postMessage({ ack: true } satisfies PoolRequest);
        };
        Promise.resolve(pending.hooks.onPart?.(reply.part)).then(ack, (error: unknown) => this.#fail(error instanceof Error ? error : new Error(String(error)), pending));
        return;
      }
      if (reply.type === 'error') {
        this.#fail(new Error(`${article(noun)} ${noun} worker failed: ${oneLine(reply.message)}`), pending);
        return;
      }
      runner.job = null;
      worker.unref();
      pending.resolve(reply.result);
      this.#dispatch();
    });
    worker.on('error', (error) => this.#fail(new Error(`${article(noun)} ${noun} worker failed: ${oneLine(error)}`), runner.job));
    worker.on('messageerror', (error) => this.#fail(new Error(`${article(noun)} ${noun} worker's message could not be read: ${oneLine(error)}`), runner.job));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`${article(noun)} ${noun} worker stopped (exit code ${code})`), runner.job);
    });
    this.#runners.push(runner);
    return runner;
  }

  /** One failure ends the pool: the job concerned and every other fail with the same error. */
  #fail(error: Error, pending: Pending<J, R, P> | null): void {
    this.#failure ??= error;
    pending?.reject(this.#failure);
    this.#failAll(this.#failure);
    for (const { worker } of this.#runners) void worker?.terminate();
  }

  #failAll(error: Error): void {
    for (const pending of this.#queue.splice(0)) pending.reject(error);
    for (const runner of this.#runners) {
      runner.job?.reject(error);
      runner.job = null;
    }
  }
}

/** A search job as posted to a worker: its zone by name (a TimeZone's conversion function cannot be cloned). */
export type SearchWire = Omit<SearchJob, 'parse'> & { parse: Omit<SearchJob['parse'], 'tz'> & { tz?: string } };

/** The trace's pool: search jobs, each outcome whole. */
export class SearchPool extends WorkerPool<SearchJob, JobResult> {
  constructor(size: number, workerUrl: URL = defaultWorkerUrl()) {
    super(size, {
      noun: 'search',
      workerUrl,
      runHere: (job, hooks) => collectSearchJob(job, hooks.onProgress),
      toWire: (job): SearchWire => {
        const { tz } = job.parse;
        return { ...job, parse: { ...job.parse, tz: typeof tz === 'object' ? tz.name : tz } };
      },
    });
  }
}

/**
 * The worker side of a pool: runs each job posted with `run`, posting its progress now and then,
 * its parts (waiting while PARTS_AHEAD are unacknowledged; `transfer` names the memory a part
 * hands over instead of copying), and, once every part is acknowledged, its outcome or its error.
 */
export function servePool<W, R, P>(run: (wire: W, hooks: Required<PoolHooks<P>>) => Promise<R>, transfer: (part: P) => TransferListItem[] = () => []): void {
  const port = parentPort;
  if (port === null) throw new Error('a pool worker runs only as a worker thread');
  let unacked = 0;
  let wake: (() => void) | null = null;
  const acked = async (below: number): Promise<void> => {
    while (unacked > below) await new Promise<void>((resolve) => { wake = resolve; });
    wake = null;
  };
  const post = (reply: PoolReply<R, P>, list: TransferListItem[] = []): void => port.postMessage(reply, list);
  port.on('message', (request: PoolRequest<W>) => {
    if ('ack' in request) {
      unacked--;
      wake?.();
      return;
    }
    let posted = 0;
    run(request.job, {
      onProgress: (bytes) => {
        if (bytes - posted < PROGRESS_STEP) return;
        posted = bytes;
        post({ type: 'progress', bytes });
      },
      onPart: async (part) => {
        unacked++;
        post({ type: 'part', part }, transfer(part));
        await acked(PARTS_AHEAD - 1);
      },
    }).then(
      async (result) => {
        await acked(0);
        post({ type: 'done', result });
      },
      (error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** Bytes between progress messages: cheap (a few hundred messages per GiB), smooth enough for a bar. */
const PROGRESS_STEP = 8 * 1024 * 1024;

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
