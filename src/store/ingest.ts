/**
 * Ingest: every record of each source goes to the store in batches, read and turned into rows by
 * the worker pool (src/sources/worker-pool.ts) running src/store/ingest-job.ts on the main thread and on
 * worker threads, a source per job. Exactly once, without relying on the engine to drop
 * duplicates: each stored record keeps its source's identity and where it ends in the source.
 *
 * A source is known by its identity, not its name: `<bytes>:<sha1>` of its first 4 KiB of text
 * (decompressed; fewer bytes when it was shorter when first stored). Before reading, ingest asks
 * the store, in one query, how far each identity got; a source whose head matches a stored
 * identity is that source, whatever its name now (`x.log` rotated to `x.log.1`, later
 * `x.log.1.gz`): what was stored is skipped (a plain file is read from that offset; a gzip file
 * is read whole, skipping the lines done, unless its size says it holds nothing new) and its new
 * tail goes on under the name it was first stored under. A source with a head not stored is new,
 * even under a name stored before (a new `x.log` after rotation, or after copytruncate): it is
 * stored under its name, or `<name>@<generation>` when other sources hold that name already
 * (rows.ts generationName), so that (source, line) names one record and a name's sources order
 * by age.
 *
 * Batches go in one after the other, each while the next is being filled; within a batch a
 * source's rows are in file order, and `ids` rows go in before `records` rows: an interrupted
 * batch leaves at most ids without a record (harmless: lookups join on records), never a record
 * the bookkeeping counts as done without its ids.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { openSource } from '../sources/read.js';
import type { SourceFile } from '../sources/source.js';
import type { SourceReport } from '../sources/report.js';
import type { ParseOptions } from '../records/index.js';
import { defaultPoolSize, POOL_MIN_BYTES, workerBeside, WorkerPool } from '../sources/worker-pool.js';
import { withPlainZone } from '../records/index.js';
import { StoreError, type Settings, type StoreClient } from './client.js';
import { quoteName, quoteString, stringList } from './sql.js';
import { ID_COLUMNS, RECORD_COLUMNS, type Layout } from './schema.js';
import { runIngestJob, type IngestJob, type IngestPart, type IngestResult } from './ingest-job.js';
import { generationName, splitGeneration, type StoredSource } from './rows.js';

/** Bytes of a source's head whose SHA-1 is its identity. */
export const IDENTITY_BYTES = 4096;

/** Young generation of an ingest worker's heap (MiB): measured, 4 MiB spent a quarter of a worker's time collecting, 64 MiB a twelfth. */
const WORKER_YOUNG_MB = 64;

export interface IngestOptions {
  parse?: Pick<ParseOptions, 'tz' | 'offsets'>;
  report: SourceReport;
  stdin?: Readable;
  /** A batch is sent when it holds this many records (default 50,000) … */
  batchRecords?: number;
  /** … or this many bytes (default 16 MiB) … */
  batchBytes?: number;
  /** … or this long after its first record (default 1000 ms). */
  flushMs?: number;
  /** Sources read at once (the main thread and worker threads); default by the input's size and the cores. */
  workers?: number;
  /** Stored bytes read so far (of all sources), for a progress line. */
  onProgress?: (bytes: number) => void;
  /** Set to stop: what is complete is flushed, the rest left for the next ingest. */
  signal?: AbortSignal;
}

export interface IngestSummary {
  records: number;
  /** Bytes of input read (stored bytes: compressed for gzip). */
  bytes: number;
  /** Sources found already stored up to their end. */
  upToDate: number;
  /** Sources not ingested, with why (one line each, also in report warnings). */
  refused: number;
  stopped: boolean;
}

class Stopped extends Error {}

/** Rows waiting to go in, sent as two INSERTs a batch. */
class Batches {
  #ids: Uint8Array[] = [];
  #records: Uint8Array[] = [];
  #bytes = 0;
  #count = 0;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;

  constructor(private readonly client: StoreClient, private readonly layout: Layout, private readonly opts: IngestOptions) {}

  add(part: IngestPart): void {
    this.#ids.push(part.ids);
    this.#records.push(part.records);
    this.#bytes += part.ids.byteLength + part.records.byteLength;
    this.#count += part.count;
    if (this.#timer === null) this.#timer = setTimeout(() => void this.flush().catch(() => undefined), this.opts.flushMs ?? 1000);
  }

  get full(): boolean {
    return this.#count >= (this.opts.batchRecords ?? 50_000) || this.#bytes >= (this.opts.batchBytes ?? 16 * 1024 * 1024);
  }

  /** Queues the rows held as one batch (batches go in order, one at a time); settles when it is in. */
  flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#count > 0) {
      const ids = this.#ids;
      const records = this.#records;
      this.#ids = [];
      this.#records = [];
      this.#count = 0;
      this.#bytes = 0;
      const settings: Settings = this.layout.distributed ? { insert_distributed_sync: 1 } : {};
      const db = quoteName(this.layout.database);
      this.#chain = this.#chain.then(async () => {
        if (this.#error !== null) return;
        try {
          await this.client.insertTsv(`${db}.${quoteName(this.layout.ids)}`, ID_COLUMNS.map(([n]) => n), ids, settings);
          await this.client.insertTsv(`${db}.${quoteName(this.layout.records)}`, RECORD_COLUMNS.map(([n]) => n), records, settings);
        } catch (error) {
          this.#error = error;
        }
      });
    }
    return this.settled();
  }

  /** Waits for the batches sent; throws the first failure. */
  async settled(): Promise<void> {
    await this.#chain;
    if (this.#error !== null) throw this.#error;
  }

  /** Backpressure: a full batch is sent, and the one before it waited for (one batch goes in while the next fills). */
  async drain(): Promise<void> {
    if (this.#error !== null) throw this.#error;
    if (!this.full) return;
    const before = this.#chain;
    void this.flush().catch(() => undefined);
    await before;
    if (this.#error !== null) throw this.#error;
  }

  discard(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** How far a stored source went: its identity and name, and the end and last line of its last stored record. */
interface Progress {
  identity: string;
  name: string;
  endOffset: number;
  lastLine: number;
}

/** What to do with one source. */
type Plan =
  | { kind: 'read'; job: IngestJob }
  | { kind: 'up-to-date' }
  | { kind: 'refused'; message: string };

/** Ingests the sources; throws a StoreError when the store fails (what went in before stays, counted once). */
export async function ingestSources(client: StoreClient, layout: Layout, sources: readonly SourceFile[], opts: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = { records: 0, bytes: 0, upToDate: 0, refused: 0, stopped: false };
  const batches = new Batches(client, layout, opts);
  const heads = new Map<SourceFile, Buffer>();
  for (const source of sources) {
    if (source.path === '-') continue;
    const head = await headOf(source).catch(() => null);
    if (head === null) {
      summary.refused++;
      opts.report.warn({ file: source.display, kind: 'unreadable', message: 'cannot read its first bytes: not ingested' });
    } else heads.set(source, head);
  }
  const ledger = await Ledger.read(client, layout, [...heads.keys()].map((s) => s.display), [...heads.values()].map((h) => identityOf(h)));
  const total = sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  const size = sources.some((s) => s.path === '-') ? 1 : opts.workers ?? (total > POOL_MIN_BYTES ? defaultPoolSize() : 1);
  const pool = new WorkerPool<IngestJob, IngestResult, IngestPart>(size, workerUrl(), (job, onProgress, onPart) => runIngestJob(job, {
    onPart: onPart!,
    onProgress,
    onWarning: (warning) => opts.report.warn(warning),
    stdin: opts.stdin,
    check: () => {
      if (opts.signal?.aborted) throw new Stopped();
    },
  }), {
    noun: 'ingest',
    toWire: withPlainZone,
    // A part's rows are megabytes of short-lived strings: a small young generation collects all the time.
    youngGenerationMb: WORKER_YOUNG_MB,
  });
  const read = new Map<SourceFile, number>();
  const progress = (source: SourceFile, bytes: number): void => {
    read.set(source, bytes);
    let sum = 0;
    for (const n of read.values()) sum += n;
    summary.bytes = sum;
    opts.onProgress?.(sum);
  };
  const onAbort = (): void => void pool.stopWorkers();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // A source waits for the one before it of the same identity (a copy given twice), then is planned from what that one stored.
    const running = new Map<string, Promise<unknown>>();
    const jobs: Array<Promise<void>> = [];
    for (const source of sources) {
      if (opts.signal?.aborted) break;
      const head = heads.get(source);
      if (source.path !== '-' && head === undefined) continue;
      const identity = head === undefined ? '' : identityOf(head);
      const before = ledger.match(head ?? null)?.identity ?? identity;
      const waited = running.get(before);
      const work = (async () => {
        if (waited !== undefined) await waited.catch(() => undefined);
        if (opts.signal?.aborted) return;
        const plan = await planOf(source, head ?? null, ledger, opts);
        if (plan.kind === 'up-to-date') {
          summary.upToDate++;
          return;
        }
        if (plan.kind === 'refused') {
          summary.refused++;
          opts.report.warn({ file: source.display, kind: 'unreadable', message: plan.message });
          return;
        }
        const { job } = plan;
        const result = await pool.submit(job, (bytes) => progress(source, bytes), async (part) => {
          // A part is whole blocks: taken even after a stop (a stream's last records come then).
          batches.add(part);
          summary.records += part.count;
          ledger.advance(job.stored, part.end);
          await batches.drain();
        });
        for (const warning of result.warnings) opts.report.warn(warning);
        if (result.counts !== null) {
          opts.report.addCounts(result.counts);
          // A worker tells its progress now and then: the whole of what it read, at its end.
          progress(source, source.size === null ? result.counts.bytes : source.size - (job.start?.offset ?? 0));
        }
        if (job.skipLines > 0 && result.records === 0) summary.upToDate++;
      })();
      running.set(before, work);
      jobs.push(work);
    }
    const outcomes = await Promise.allSettled(jobs);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined && !(opts.signal?.aborted === true)) {
      // The store's failure is the one to tell (a job that met it says it less well).
      await batches.settled();
      throw failed.reason;
    }
    await batches.flush();
    if (opts.signal?.aborted) summary.stopped = true;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    batches.discard();
    await pool.close();
  }
  return summary;
}

/** What to read of a source, given what the store holds of its identity. */
async function planOf(source: SourceFile, head: Buffer | null, ledger: Ledger, opts: IngestOptions): Promise<Plan> {
  const parse = { tz: opts.parse?.tz, offsets: opts.parse?.offsets };
  const part = { partRecords: 5000, partBytes: 4 * 1024 * 1024 };
  if (head === null) {
    // A stream has no head to know it by: each ingest of one is its own source (named by the CLI).
    return { kind: 'read', job: { source, stored: storedAs(source, source.display, ''), start: null, skipLines: 0, parse, ...part } };
  }
  const done = ledger.match(head);
  if (done === null) {
    const identity = identityOf(head);
    return { kind: 'read', job: { source, stored: storedAs(source, ledger.claimName(source.display), identity), start: null, skipLines: 0, parse, ...part } };
  }
  const stored = storedAs(source, done.name, done.identity);
  if (source.gzip || source.size === null) {
    // A rotated member gzipped whole: its trailer's size of what it holds says when all of it is stored, without inflating it.
    if (source.gzip && done.endOffset < 2 ** 32 && (await gzipTrailerSize(source).catch(() => null)) === done.endOffset) return { kind: 'up-to-date' };
    return { kind: 'read', job: { source, stored, start: null, skipLines: done.lastLine, parse, ...part } };
  }
  if (source.size < done.endOffset) {
    return { kind: 'refused', message: `it is shorter (${source.size} bytes) than what was ingested of it (${done.endOffset} bytes) though it begins the same: truncated in place? not ingested` };
  }
  if (source.size === done.endOffset) return { kind: 'up-to-date' };
  return { kind: 'read', job: { source, stored, start: { offset: done.endOffset, line: done.lastLine + 1 }, skipLines: 0, parse, ...part } };
}

function storedAs(source: SourceFile, name: string, identity: string): StoredSource {
  return { name, host: source.host, service: source.service, identity };
}

/**
 * What the store holds of the sources of an ingest: each stored identity that may be one of
 * them (the same full head, or a shorter stored head) and the names taken, with how far each
 * went; kept up to date as parts are stored, for a later source of the same identity.
 */
class Ledger {
  readonly #byIdentity = new Map<string, Progress>();
  /** Stored identities shorter than IDENTITY_BYTES, by their length. */
  readonly #short = new Map<number, Progress[]>();
  readonly #names = new Set<string>();

  static async read(client: StoreClient, layout: Layout, names: readonly string[], identities: readonly string[]): Promise<Ledger> {
    const ledger = new Ledger();
    if (names.length === 0) return ledger;
    const table = `${quoteName(layout.database)}.${quoteName(layout.records)}`;
    const rows = await client.rows<{ identity: string; name: string; end: string; last: string }>(
      `SELECT identity, any(source) AS name, max(end_offset) AS end, max(line + lines - 1) AS last FROM ${table} ` +
      `WHERE identity != '' AND (identity IN (${stringList(new Set(identities))}) OR NOT startsWith(identity, '${IDENTITY_BYTES}:') OR source IN (${stringList(new Set(names))})` +
      // Every generation of a name: a new source of it takes the next.
      [...new Set(names)].map((name) => ` OR startsWith(source, ${quoteString(`${name}@`)})`).join('') + ') ' +
      'GROUP BY identity');
    for (const row of rows) ledger.#add({ identity: row.identity, name: row.name, endOffset: Number(row.end), lastLine: Number(row.last) });
    return ledger;
  }

  #add(progress: Progress): void {
    this.#byIdentity.set(progress.identity, progress);
    this.#names.add(progress.name);
    const length = Number(progress.identity.split(':')[0]);
    if (length < IDENTITY_BYTES) {
      const list = this.#short.get(length);
      if (list === undefined) this.#short.set(length, [progress]);
      else list.push(progress);
    }
  }

  /** The stored source a head begins with, the one that went furthest when several do; null when none. */
  match(head: Buffer | null): Progress | null {
    if (head === null) return null;
    let best = this.#byIdentity.get(identityOf(head)) ?? null;
    for (const [length, list] of this.#short) {
      if (length > head.length) continue;
      const identity = identityOf(head.subarray(0, length));
      for (const progress of list) if (progress.identity === identity && (best === null || progress.endOffset > best.endOffset)) best = progress;
    }
    return best;
  }

  /** The name a new source is stored under: its own, or its next generation when others hold it. */
  claimName(name: string): string {
    let last = 0;
    for (const taken of this.#names) {
      const { name: base, generation } = splitGeneration(taken);
      if (base === name) last = Math.max(last, generation);
    }
    const chosen = generationName(name, last + 1);
    this.#names.add(chosen);
    return chosen;
  }

  /** A part of a source went into a batch: a later source of its identity starts past it. */
  advance(stored: StoredSource, end: { offset: number; line: number }): void {
    if (stored.identity === '') return;
    const known = this.#byIdentity.get(stored.identity);
    if (known === undefined) this.#add({ identity: stored.identity, name: stored.name, endOffset: end.offset, lastLine: end.line });
    else if (end.offset >= known.endOffset || end.line > known.lastLine) {
      known.endOffset = Math.max(known.endOffset, end.offset);
      known.lastLine = Math.max(known.lastLine, end.line);
    }
  }
}

/** The ingest worker entry next to this module: the compiled .js, or the .ts under a TypeScript loader (tests). */
function workerUrl(): URL {
  return workerBeside(import.meta.url, 'ingest-worker');
}

/** The first IDENTITY_BYTES bytes of a source's text (decompressed; fewer when it is shorter). */
async function headOf(source: SourceFile): Promise<Buffer> {
  const reader = await openSource(source);
  try {
    const head = Buffer.alloc(IDENTITY_BYTES);
    let filled = 0;
    while (filled < IDENTITY_BYTES) {
      const n = await reader.read(head, filled, IDENTITY_BYTES - filled);
      if (n === 0) break;
      filled += n;
    }
    return head.subarray(0, filled);
  } finally {
    await reader.close();
  }
}

/**
 * The size a gzip file's trailer gives of what it holds (ISIZE, modulo 2^32): of its last member
 * only, so a file of several members seldom matches a stored end, and is then read whole.
 */
async function gzipTrailerSize(source: SourceFile): Promise<number | null> {
  if (source.size === null || source.size < 18) return null;
  const handle = await open(source.path, 'r');
  try {
    const tail = Buffer.alloc(4);
    const { bytesRead } = await handle.read(tail, 0, 4, source.size - 4);
    return bytesRead === 4 ? tail.readUInt32LE(0) : null;
  } finally {
    await handle.close();
  }
}

/** `<bytes>:<sha1>` of a head. */
function identityOf(head: Buffer): string {
  return `${head.length}:${createHash('sha1').update(head).digest('hex')}`;
}

export { StoreError };
