/**
 * Ingest: every record of each source, read with the trace's own sources and parsers (the
 * scanning engine framing every record, src/trace/search-job.ts's parsing of a framed block), goes
 * to the store in batches. Exactly once, without relying on the engine to drop duplicates: each
 * stored record keeps its source's identity (the SHA-1 of the source's first bytes) and where it
 * ends in the source; before reading a source, ingest asks the store how far it got, and reads
 * only what follows (a plain file from that offset; a gzip file whole, skipping the lines done).
 * Within a batch, a source's rows are in file order, and `ids` rows go in before `records` rows:
 * an interrupted batch leaves at most ids without a record (harmless: lookups join on records),
 * never a record the bookkeeping counts as done without its ids.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { searchSource } from '../sources/search.js';
import type { LineBlock, SourceFile, SourceWarning } from '../sources/source.js';
import type { SourceReport } from '../sources/report.js';
import { fileClock, isRecordStart, type ParseOptions } from '../records/index.js';
import { foundInBlock } from '../trace/search-job.js';
import type { FoundRecord } from '../trace/types.js';
import { StoreError, type Settings, type StoreClient } from './client.js';
import { quoteName, quoteString } from './sql.js';
import { ID_COLUMNS, RECORD_COLUMNS, type Layout } from './schema.js';
import { idRows, recordRow, type StoredSource } from './rows.js';

/** Bytes of a source's head whose SHA-1 is its identity. */
const IDENTITY_BYTES = 4096;

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

/** A batch of rows being built, then sent as two INSERTs. */
class Batches {
  #ids = '';
  #records = '';
  #count = 0;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #error: unknown = null;
  inserted = 0;

  constructor(private readonly client: StoreClient, private readonly layout: Layout, private readonly opts: IngestOptions) {}

  add(found: FoundRecord, source: StoredSource, endOffset: number): void {
    this.#ids += idRows(found, source);
    this.#records += recordRow(found, source, endOffset);
    this.#count++;
    if (this.#timer === null) this.#timer = setTimeout(() => this.flush(), this.opts.flushMs ?? 1000);
  }

  get full(): boolean {
    return this.#count >= (this.opts.batchRecords ?? 50_000) || this.#records.length + this.#ids.length >= (this.opts.batchBytes ?? 16 * 1024 * 1024);
  }

  /** Queues the rows held as one batch; batches go in order, one at a time. */
  flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#count > 0) {
      const ids = this.#ids;
      const records = this.#records;
      const count = this.#count;
      this.#ids = '';
      this.#records = '';
      this.#count = 0;
      const settings: Settings = this.layout.distributed ? { insert_distributed_sync: 1 } : {};
      const db = quoteName(this.layout.database);
      this.#chain = this.#chain.then(async () => {
        if (this.#error !== null) return;
        try {
          await this.client.insertTsv(`${db}.${quoteName(this.layout.ids)}`, ID_COLUMNS.map(([n]) => n), ids, settings);
          await this.client.insertTsv(`${db}.${quoteName(this.layout.records)}`, RECORD_COLUMNS.map(([n]) => n), records, settings);
          this.inserted += count;
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

  /** Backpressure: wait when a batch is full (or one failed). */
  async drain(): Promise<void> {
    if (this.#error !== null) throw this.#error;
    if (this.full) await this.flush();
  }

  discard(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

interface Progress {
  identity: string;
  endOffset: number;
  lastLine: number;
}

/** Ingests the sources in order; throws a StoreError when the store fails (what went in before stays, counted once). */
export async function ingestSources(client: StoreClient, layout: Layout, sources: readonly SourceFile[], opts: IngestOptions): Promise<IngestSummary> {
  const summary: IngestSummary = { records: 0, bytes: 0, upToDate: 0, refused: 0, stopped: false };
  const batches = new Batches(client, layout, opts);
  const refuse = (source: SourceFile, message: string): void => {
    summary.refused++;
    opts.report.warn({ file: source.display, kind: 'unreadable', message });
  };
  try {
    for (const source of sources) {
      if (opts.signal?.aborted) {
        summary.stopped = true;
        break;
      }
      const stdin = source.path === '-';
      const identity = stdin ? '' : await identityOf(source).catch(() => null);
      if (identity === null) {
        refuse(source, 'cannot read its first bytes: not ingested');
        continue;
      }
      const done = stdin ? null : await progressOf(client, layout, source.display);
      let start: { offset: number; line: number } | null = null;
      let skipLines = 0;
      if (done !== null) {
        if (!(await sameHead(source, done.identity))) {
          refuse(source, 'its first bytes differ from those of the source stored under this name (rotated or rewritten since the last ingest): not ingested');
          continue;
        }
        if (!source.gzip && source.size !== null) {
          if (source.size < done.endOffset) {
            refuse(source, `it is shorter (${source.size} bytes) than what was ingested of it (${done.endOffset} bytes): not ingested`);
            continue;
          }
          if (source.size === done.endOffset) {
            summary.upToDate++;
            continue;
          }
          start = { offset: done.endOffset, line: done.lastLine + 1 };
        } else {
          skipLines = done.lastLine;
        }
      }
      const stored: StoredSource = { name: source.display, host: source.host, service: source.service, identity };
      const before = summary.bytes;
      const result = await ingestOne(source, stored, start, skipLines, batches, opts, (bytes) => {
        summary.bytes = before + bytes;
        opts.onProgress?.(summary.bytes);
      });
      summary.records += result.records;
      if (result.stopped) {
        summary.stopped = true;
        break;
      }
      if (skipLines > 0 && result.records === 0) summary.upToDate++;
    }
    await batches.flush();
    if (opts.signal?.aborted) summary.stopped = true;
  } finally {
    batches.discard();
  }
  return summary;
}

async function ingestOne(
  source: SourceFile,
  stored: StoredSource,
  start: { offset: number; line: number } | null,
  skipLines: number,
  batches: Batches,
  opts: IngestOptions,
  onBytes: (bytes: number) => void,
): Promise<{ records: number; stopped: boolean }> {
  const zone = opts.parse?.tz;
  const clock = fileClock(zone,
    (message) => opts.report.warn({ kind: 'ambiguous-time', file: source.display, message }));
  const parse: ParseOptions = { ...opts.parse, tz: clock };
  let records = 0;
  // A block is stored once the next one begins (its end is then known) or the source ends.
  let held: LineBlock | null = null;
  const store = (block: LineBlock, end: number): void => {
    for (const found of foundInBlock(block, parse)) {
      if (found.record.source.line <= skipLines) continue;
      batches.add(found, stored, end);
      records++;
    }
  };
  let stopped = false;
  const stats = await searchSource(source, {
    needles: null,
    isRecordStart,
    stdin: opts.stdin,
    range: start === null ? undefined : { offset: start.offset, line: start.line, end: null },
    onWarning: (warning: SourceWarning) => opts.report.warn(warning),
    onProgress: onBytes,
    drain: async () => {
      if (opts.signal?.aborted) throw new Stopped();
      await batches.drain();
    },
  }, (block) => {
    // A stream is never resumed by offset: its records go in as soon as they are framed.
    if (source.path === '-') return store(block, 0);
    if (held !== null) store(held, block.offset ?? 0);
    held = block;
  }).catch((error: unknown) => {
    if (error instanceof Stopped) {
      stopped = true;
      return null;
    }
    throw error;
  });
  if (stats !== null) {
    opts.report.addCounts(stats);
    if (held !== null) store(held, (start?.offset ?? 0) + stats.bytes);
  }
  return { records, stopped };
}

/** How far a source was ingested: its identity, and the end and last line of its last stored record; null when never. */
async function progressOf(client: StoreClient, layout: Layout, name: string): Promise<Progress | null> {
  const rows = await client.rows<{ identity: string; end: string; last: string }>(
    `SELECT identity, max(end_offset) AS end, max(line + lines - 1) AS last FROM ${quoteName(layout.database)}.${quoteName(layout.records)} ` +
    `WHERE source = ${quoteString(name)} GROUP BY identity ORDER BY end DESC LIMIT 1`);
  const row = rows[0];
  return row === undefined ? null : { identity: row.identity, endOffset: Number(row.end), lastLine: Number(row.last) };
}

/** `<bytes>:<sha1>` of a source's first IDENTITY_BYTES bytes (fewer when it is shorter). */
async function identityOf(source: SourceFile, length = IDENTITY_BYTES): Promise<string> {
  const handle = await open(source.path, 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return `${bytesRead}:${createHash('sha1').update(head.subarray(0, bytesRead)).digest('hex')}`;
  } finally {
    await handle.close();
  }
}

/** Whether the source begins with the bytes whose identity was stored. */
async function sameHead(source: SourceFile, identity: string): Promise<boolean> {
  const length = Number(identity.split(':')[0]);
  if (!Number.isInteger(length) || length < 0) return false;
  const size = source.size ?? (await stat(source.path)).size;
  if (size < length) return false;
  return (await identityOf(source, length)) === identity;
}

export { StoreError };
