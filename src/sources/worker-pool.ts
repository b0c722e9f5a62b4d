/**
 * A small pool that runs jobs in parallel, as ripgrep searches files: the main thread and a few
 * worker threads each run one job at a time (each holds one search window and parses what it
 * frames); jobs are handed out in the order submitted, and each outcome comes back whole (plain
 * data), so the main thread only combines. The main thread runs jobs too: a worker costs memory
 * (its heap, its window), and the main thread would mostly wait otherwise. The trace's pass 1
 * (src/trace/search-pool.ts) and the image cache view (src/images/run.ts) each give it their job
 * runner and their worker entry, which serves jobs with `serveJobs`. The store's ingest
 * (src/store/ingest.ts) also takes an outcome in parts as a job reads (rows ready to insert): a
 * part is acknowledged once the main thread has taken it (its promise settled), and a worker
 * reads on only while fewer than PARTS_AHEAD of its parts are unacknowledged, so a slow consumer
 * holds the workers back instead of piling parts up in memory.
 *
 * Idle workers do not keep the process alive. A worker that fails (cannot load, dies, or its job
 * throws) fails every job not done with one one-line error, and the pool stops its workers.
 */
import { availableParallelism } from 'node:os';
import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';

/** Searchers at most: beyond a few, the disk and the main thread's combining are the limit. */
export const MAX_POOL_SIZE = 4;

/** Input below this is searched by the main thread alone: starting a worker would cost more than it saves. */
export const POOL_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Young generation of a worker's heap (MiB): a worker's garbage is short-lived records, and the
 * default lets each worker's heap grow by tens of MiB before collecting.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Parts a worker may have posted and not yet seen acknowledged. */
export const PARTS_AHEAD = 2;

/** Bytes between progress messages: cheap (a few hundred messages per GiB), smooth enough for a bar. */
const PROGRESS_STEP = 8 * 1024 * 1024;

/**
 * Runs one job; the same function in the main thread and in a worker, so both find the same.
 * A job that hands its outcome on in parts awaits `onPart` for each (backpressure).
 */
export type JobRunner<J, R, P = never> = (job: J, onProgress?: (bytes: number) => void, onPart?: (part: P) => Promise<void>) => Promise<R>;

/** A message to a worker: a job (what structured cloning can carry: see WorkerPoolOptions.toWire), or the acknowledgement of a part. */
type PoolRequest = { job: unknown } | { ack: true };

type PoolReply<R, P> =
  | { type: 'progress'; bytes: number }
  | { type: 'part'; part: P }
  | { type: 'done'; result: R }
  | { type: 'error'; message: string };

/**
 * A worker entry beside the module at `moduleUrl` (its `import.meta.url`), named without
 * extension: the compiled .js, or the .ts when the module itself runs as .ts (tests' loader).
 */
export function workerBeside(moduleUrl: string, name: string): URL {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
}

/** Time to search a gzip file over that of a plain file of the same size on disk (measured: 20-30). */
const GZIP_COST_FACTOR = 25;

/** Rough cost of searching a source whole (gzip: inflating is slow and yields several times the size): costliest first. */
export function searchCost(source: { size: number | null; gzip: boolean }): number {
  return (source.size ?? 0) * (source.gzip ? GZIP_COST_FACTOR : 1);
}

/** Default pool size: the cores there are, up to MAX_POOL_SIZE (1: the main thread alone). */
export function defaultPoolSize(): number {
  return Math.min(availableParallelism(), MAX_POOL_SIZE);
}

export interface WorkerPoolOptions<J> {
  /** What a job looks like on the wire, when it holds what cannot be cloned (a zone's function). */
  toWire?: (job: J) => unknown;
  /** What the jobs are, for error lines ("a search worker failed: …"). */
  noun?: string;
  /**
   * Whether the main thread runs jobs too (default), as one of the `size`; when not, `size`
   * workers run them and the main thread only combines (when combining is heavy work itself).
   */
  mainThreadRuns?: boolean;
  /** Young generation of a worker's heap in MiB (default WORKER_YOUNG_GENERATION_MB): more for jobs that build big short-lived strings. */
  youngGenerationMb?: number;
}

interface Pending<J, R, P> {
  job: J;
  onProgress: ((bytes: number) => void) | undefined;
  onPart: ((part: P) => void | Promise<void>) | undefined;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

/** A searcher: a worker thread, or (worker null) the main thread itself. */
interface Searcher<J, R, P> {
  worker: Worker | null;
  job: Pending<J, R, P> | null;
}

export class WorkerPool<J, R, P = never> {
  readonly size: number;
  readonly #url: URL;
  readonly #runHere: JobRunner<J, R, P>;
  readonly #young: number;
  readonly #toWire: (job: J) => unknown;
  readonly #noun: string;
  /** The article before the noun in error lines. */
  readonly #a: string;
  readonly #searchers: Array<Searcher<J, R, P>> = [];
  readonly #queue: Array<Pending<J, R, P>> = [];
  #failure: Error | null = null;
  #closed = false;

  /**
   * `size` searchers at once: the main thread (running `runHere`) and size - 1 worker threads
   * started from `workerUrl` when first needed.
   */
  constructor(size: number, workerUrl: URL, runHere: JobRunner<J, R, P>, options: WorkerPoolOptions<J> = {}) {
    this.size = Math.max(1, size);
    this.#url = workerUrl;
    this.#runHere = runHere;
    this.#toWire = options.toWire ?? ((job) => job);
    this.#noun = options.noun ?? 'search';
    this.#young = options.youngGenerationMb ?? WORKER_YOUNG_GENERATION_MB;
    if (options.mainThreadRuns ?? true) this.#searchers.push({ worker: null, job: null });
    this.#a = /^[aeiou]/i.test(this.#noun) ? 'an' : 'a';
  }

  /**
   * Queues a job; jobs start in the order submitted. The promise is marked handled, so a job
   * failed by another's failure raises no unhandled rejection before it is awaited.
   */
  submit(job: J, onProgress?: (bytes: number) => void, onPart?: (part: P) => void | Promise<void>): Promise<R> {
    const promise = new Promise<R>((resolve, reject) => {
      if (this.#failure !== null || this.#closed) reject(this.#failure ?? new Error(`the ${this.#noun} pool is closed`));
      else this.#queue.push({ job, onProgress, onPart, resolve, reject });
    });
    promise.catch(() => undefined);
    this.#dispatch();
    return promise;
  }

  /** Stops every worker; jobs not done fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#failAll(new Error(`the ${this.#noun} pool is closed`));
    await Promise.all(this.#searchers.splice(0).map(({ worker }) => worker?.terminate()));
  }

  /**
   * Stops the worker threads: their jobs and those not started fail; a job running on the main
   * thread runs on (its own code stops it, or lets it end: a stream's last records).
   */
  async stopWorkers(): Promise<void> {
    this.#closed = true;
    const error = new Error(`the ${this.#noun} pool is closed`);
    for (const pending of this.#queue.splice(0)) pending.reject(error);
    const workers = this.#searchers.filter((s) => s.worker !== null);
    for (const searcher of workers) {
      searcher.job?.reject(error);
      searcher.job = null;
    }
    await Promise.all(workers.map(({ worker }) => worker!.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#failure === null && !this.#closed) {
      const free = this.#searchers.find((s) => s.job === null) ?? (this.#searchers.length < this.size ? this.#start() : null);
      if (free === null) return;
      const pending = this.#queue.shift()!;
      free.job = pending;
      if (free.worker === null) {
        this.#runJobHere(free, pending);
        continue;
      }
      free.worker.ref();
      const request: PoolRequest = { job: this.#toWire(pending.job) };
      free.worker.postMessage(request);
    }
  }

  /** Runs a job in the main thread (between its reads, the workers' messages are handled). */
  #runJobHere(searcher: Searcher<J, R, P>, pending: Pending<J, R, P>): void {
    const onPart = pending.onPart;
    this.#runHere(pending.job, pending.onProgress, onPart === undefined ? undefined : async (part) => { await onPart(part); }).then((result) => {
      if (searcher.job !== pending) return;
      searcher.job = null;
      pending.resolve(result);
      this.#dispatch();
    }, (error: unknown) => {
      if (searcher.job === pending) this.#fail(new Error(`${this.#a} ${this.#noun} failed: ${oneLine(error)}`), pending);
    });
  }

  #start(): Searcher<J, R, P> {
    const worker = new Worker(this.#url, { resourceLimits: { maxYoungGenerationSizeMb: this.#young } });
    const searcher: Searcher<J, R, P> = { worker, job: null };
    worker.unref();
    worker.on('message', (reply: PoolReply<R, P>) => {
      const pending = searcher.job;
      if (pending === null) return;
      if (reply.type === 'progress') {
        pending.onProgress?.(reply.bytes);
        return;
      }
      if (reply.type === 'part') {
        const ack = (): void => {
          if (searcher.job === pending) worker.postMessage({ ack: true } satisfies PoolRequest);
        };
        Promise.resolve(pending.onPart?.(reply.part)).then(ack, (error: unknown) => this.#fail(error instanceof Error ? error : new Error(String(error)), pending));
        return;
      }
      if (reply.type === 'error') {
        this.#fail(new Error(`${this.#a} ${this.#noun} worker failed: ${oneLine(reply.message)}`), pending);
        return;
      }
      searcher.job = null;
      worker.unref();
      pending.resolve(reply.result);
      this.#dispatch();
    });
    worker.on('error', (error) => this.#fail(new Error(`${this.#a} ${this.#noun} worker failed: ${oneLine(error)}`), searcher.job));
    worker.on('messageerror', (error) => this.#fail(new Error(`${this.#a} ${this.#noun} worker's message could not be read: ${oneLine(error)}`), searcher.job));
    worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`${this.#a} ${this.#noun} worker stopped (exit code ${code})`), searcher.job);
    });
    this.#searchers.push(searcher);
    return searcher;
  }

  /** One failure ends the pool: the job concerned and every other fail with the same error. */
  #fail(error: Error, pending: Pending<J, R, P> | null): void {
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

/**
 * A worker's side of a pool: runs each job posted (turned back from its wire form), posting its
 * progress now and then, its parts (waiting while PARTS_AHEAD are unacknowledged; `transfer`
 * names the memory a part hands over instead of copying), and, once every part is acknowledged,
 * its whole outcome in one message at the end.
 */
export function serveJobs<J, R, P = never>(
  run: JobRunner<J, R, P>,
  fromWire: (wire: unknown) => J = (wire) => wire as J,
  transfer: (part: P) => TransferListItem[] = () => [],
): void {
  const port = parentPort;
  if (port === null) throw new Error('a pool worker runs only as a worker thread');
  let unacked = 0;
  let wake: (() => void) | null = null;
  const acked = async (most: number): Promise<void> => {
    while (unacked > most) await new Promise<void>((resolve) => { wake = resolve; });
    wake = null;
  };
  const post = (reply: PoolReply<R, P>, list: TransferListItem[] = []): void => port.postMessage(reply, list);
  port.on('message', (request: PoolRequest) => {
    if ('ack' in request) {
      unacked--;
      wake?.();
      return;
    }
    let posted = 0;
    let job: J;
    try {
      job = fromWire(request.job);
    } catch (error) {
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      return;
    }
    run(job, (bytes) => {
      if (bytes - posted < PROGRESS_STEP) return;
      posted = bytes;
      post({ type: 'progress', bytes });
    }, async (part) => {
      unacked++;
      post({ type: 'part', part }, transfer(part));
      await acked(PARTS_AHEAD - 1);
    }).then(
      async (result) => {
        await acked(0);
        post({ type: 'done', result });
      },
      (error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
  });
}
