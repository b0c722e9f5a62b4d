/**
 * One source's ingest as a job of the worker pool (src/sources/worker-pool.ts): its records read with the
 * trace's own sources and parsers (the scanning engine framing every record, search-job.ts's
 * parsing of a framed block) and turned into the TabSeparated rows of `ids` and `records`
 * (src/store/rows.ts), handed on in parts of whole blocks, in file order. The same code runs in
 * the main thread and in the pool's workers; in a worker, the rows' bytes are built there and
 * handed over without a copy, so the main thread only sends them.
 *
 * A block's records are stored with the block's end (where the next block begins, or the end of
 * what was read): the ingest's bookkeeping of how far a source went in.
 */
import type { Readable } from 'node:stream';
import { searchSource } from '../sources/search.js';
import { sourceCounts, type SourceCounts } from '../sources/report.js';
import type { LineBlock, SourceFile, SourceWarning } from '../sources/source.js';
import { fileClock, isRecordStart, type ParseOptions } from '../records/index.js';
import { foundInBlock } from '../trace/search-job.js';
import { RowWriter, type StoredSource } from './rows.js';

/**
 * Rows written as UTF-8 straight into memory of the part's own (a worker hands it over whole;
 * Buffer.from may share a pool): no string of the whole part is built and then encoded.
 */
class RowBytes {
  #buffer: Buffer;
  #length = 0;

  constructor(private readonly capacity: number) {
    this.#buffer = Buffer.allocUnsafeSlow(capacity);
  }

  get length(): number {
    return this.#length;
  }

  write(text: string): void {
    // At most 3 bytes per UTF-16 unit: grow first when that might not fit.
    if (this.#length + text.length * 3 > this.#buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.#length + text.length * 3));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#length += this.#buffer.write(text, this.#length);
  }

  /** The bytes written, and a fresh buffer for what follows. */
  take(): Uint8Array {
    const bytes = this.#buffer.subarray(0, this.#length);
    this.#buffer = Buffer.allocUnsafeSlow(this.capacity);
    this.#length = 0;
    return bytes;
  }
}

export interface IngestJob {
  source: SourceFile;
  /** What the rows name: the source as stored (its name may be the one it was first stored under). */
  stored: StoredSource;
  /** A plain file's resume point (the end of its last stored record), or null: from its start. */
  start: { offset: number; line: number } | null;
  /** Records whose first line is at most this are stored already (a gzip source, read whole again). */
  skipLines: number;
  parse: Pick<ParseOptions, 'offsets' | 'tz'>;
  /** A part is handed on when it holds this many records … */
  partRecords: number;
  /** … or this many bytes of rows; a stream's after every read. */
  partBytes: number;
}

/** Rows of whole blocks, in file order: `ids` rows and `records` rows (UTF-8 TabSeparated). */
export interface IngestPart {
  ids: Uint8Array;
  records: Uint8Array;
  count: number;
  /** The end offset and last line of the part's last record (the source's progress once it is stored). */
  end: { offset: number; line: number };
}

export interface IngestResult {
  records: number;
  counts: SourceCounts | null;
  /** Warnings met in a worker (the main thread's go straight to its report). */
  warnings: SourceWarning[];
}

export interface IngestHooks {
  onPart: (part: IngestPart) => void | Promise<void>;
  onWarning: (warning: SourceWarning) => void;
  onProgress?: (bytes: number) => void;
  /** Awaited after each read (a stop, by throwing). */
  check?: () => void;
  stdin?: Readable;
}

/** Runs one source's ingest; its parts go to hooks.onPart in file order, each awaited before reading on. */
export async function runIngestJob(job: IngestJob, hooks: IngestHooks): Promise<IngestResult> {
  const { source, stored, start, skipLines } = job;
  const stream = source.path === '-';
  const clock = fileClock(job.parse.tz, (message) => hooks.onWarning({ kind: 'ambiguous-time', file: source.display, message }));
  const parse: ParseOptions = { offsets: job.parse.offsets, tz: clock };
  // Room for a part and one more read's rows (a read of 1 MiB of logs makes up to a few MiB of rows): no growing.
  const ids = new RowBytes(job.partBytes);
  const rows = new RowBytes(job.partBytes * 2);
  let count = 0;
  let records = 0;
  let last = { offset: 0, line: 0 };
  const writer = new RowWriter(stored);
  const take = (block: LineBlock, end: number): void => {
    for (const found of foundInBlock(block, parse)) {
      const ref = found.record.source;
      if (ref.line <= skipLines) continue;
      // A renamed source (rotated) goes on under the name it was first stored under.
      if (ref.file !== stored.name) ref.file = stored.name;
      writer.write(found, end, ids, rows);
      count++;
      last = { offset: end, line: ref.line + ref.lines - 1 };
    }
  };
  const hand = async (): Promise<void> => {
    if (count === 0) return;
    const part: IngestPart = { ids: ids.take(), records: rows.take(), count, end: last };
    records += count;
    count = 0;
    await hooks.onPart(part);
  };
  // A block is stored once the next one begins (its end is then known) or the source ends.
  let held: LineBlock | null = null;
  const stats = await searchSource(source, {
    needles: null,
    isRecordStart,
    stdin: hooks.stdin,
    range: start === null ? undefined : { offset: start.offset, line: start.line, end: null },
    onWarning: hooks.onWarning,
    onProgress: hooks.onProgress,
    drain: async () => {
      hooks.check?.();
      if (stream || count >= job.partRecords || rows.length + ids.length >= job.partBytes) await hand();
    },
  }, (block) => {
    // A stream is never resumed by offset: its records go in as soon as they are framed.
    if (stream) return take(block, 0);
    if (held !== null) take(held, block.offset ?? 0);
    held = block;
  });
  if (held !== null) take(held, (start?.offset ?? 0) + stats.bytes);
  await hand();
  return { records, counts: sourceCounts(stats), warnings: [] };
}
