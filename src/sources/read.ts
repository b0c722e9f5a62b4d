/**
 * Opens a source as decompressed UTF-8 bytes, pulled into the caller's buffer: plain files with
 * positional reads (no stream machinery on the hot path), gzip (by magic bytes, see gzip.ts),
 * stdin and named pipes as streams, UTF-16 text re-encoded (see encoding.ts). Devices and
 * sockets are refused: /dev/zero would never end.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createReadStream, fstatSync, readSync, statSync, type Stats } from 'node:fs';
import { Readable } from 'node:stream';
import type { SourceFile, SourceWarning } from './source.js';
import { bomLength, decodeText, ENCODING_SAMPLE, isUtf16, textEncoding, Utf16Reader } from './encoding.js';
import { GzipFileReader, GzipReader, isGzipMagic } from './gzip.js';
import { StreamPuller } from './stream-puller.js';

export { isGzipMagic };

/** Decompressed UTF-8 bytes pulled on demand; `read` returns 0 at the end. */
export interface ByteReader {
  read(target: Buffer, offset: number, length: number): Promise<number>;
  /** Bytes of the input as stored (compressed for gzip) consumed so far, comparable to SourceFile.size. */
  readonly consumed: number;
  readonly gzip: boolean;
  /** Whether the input can be read from any offset (a plain regular file). */
  readonly seekable: boolean;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Stream read for `-` (default process.stdin). */
  stdin?: Readable;
  /** Damage found while reading (truncated or corrupt gzip); reported once per source. */
  onWarning?: (warning: SourceWarning) => void;
  /** Output chunk of zlib (default 256 KiB; a stream damaged inside its deflate data loses at most this much). */
  gzipChunkSize?: number;
  /**
   * Read only bytes [start, end) of a plain file (end null: to the end; offsets after a UTF-8 byte
   * order mark). Gzip files, UTF-16 text and streams have no random access (a deflate stream can
   * only be inflated from its beginning), so a range given for them makes openSource throw
   * NotSeekableError: callers search those whole.
   */
  range?: { start: number; end: number | null };
}

/** A range was asked of an input that can only be read from its beginning. */
export class NotSeekableError extends Error {
  override name = 'NotSeekableError';
}

/** What a path that is no regular file or named pipe is ("character device"), or null when it can be read. */
export function refusedFileKind(info: Stats): string | null {
  if (info.isFile() || info.isFIFO()) return null;
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  if (info.isSocket()) return 'socket';
  if (info.isDirectory()) return 'directory';
  return 'special file';
}

/** The one line that says why a path of a refused kind is not read. */
export function refusedFileMessage(kind: string): string {
  return `not a regular file or pipe (${kind})`;
}

/** Standard input is a regular file (`< file`), readable from its start as /dev/stdin. */
function stdinIsFile(): boolean {
  try {
    return fstatSync(0).isFile() && statSync('/dev/stdin').isFile();
  } catch {
    return false;
  }
}

/**
 * Opens a source for reading; throws (with the system's message, or saying what kind of file it
 * is when that is not a regular file or named pipe) when it cannot be read.
 */
export async function openSource(source: SourceFile, options: OpenOptions = {}): Promise<ByteReader> {
  const range = options.range;
  if (source.path === '-') {
    // `< file`: read the file itself with positional reads, not through a stream of small chunks.
    if ((options.stdin ?? process.stdin) === process.stdin && stdinIsFile()) return openSource({ ...source, path: '/dev/stdin' }, options);
    if (range !== undefined) throw new NotSeekableError(`${source.display}: standard input cannot be read from an offset`);
    return openStream(options.stdin ?? process.stdin, source, options);
  }
  // Looked at before opening: opening a device can have effects of its own (a tape rewinds).
  const info = await stat(source.path);
  const refused = refusedFileKind(info);
  if (refused !== null) throw new Error(refusedFileMessage(refused));
  if (info.isFIFO()) {
    if (range !== undefined) throw new NotSeekableError(`${source.display}: a pipe cannot be read from an offset`);
    return openStream(createReadStream(source.path), source, options);
  }
  const handle = await open(source.path, 'r');
  try {
    const sample = Buffer.alloc(ENCODING_SAMPLE);
    const head = sample.subarray(0, (await handle.read(sample, 0, sample.length, 0)).bytesRead);
    if (isGzipMagic(head)) {
      if (range !== undefined) throw new NotSeekableError(`${source.display}: gzip data cannot be read from an offset`);
      await handle.close();
      return decodeText(new GzipFileReader(source, options));
    }
    const encoding = textEncoding(head);
    if (isUtf16(encoding)) {
      if (range !== undefined) throw new NotSeekableError(`${source.display}: UTF-16 text cannot be read from an offset`);
      return new Utf16Reader(new PlainFileReader(handle, 0, null), encoding);
    }
    // Offsets skip a byte order mark, so that ranges are offsets in what was delivered.
    const skip = bomLength(encoding);
    const end = range?.end ?? null;
    return new PlainFileReader(handle, skip + (range?.start ?? 0), end === null ? null : skip + end);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Yields decompressed chunks of a source. Each is its own Buffer, safe to keep; with `recycle`,
 * a chunk's memory is reused three chunks later (a consumer that copies each chunk before asking
 * for the one after next saves a fresh, page-faulting allocation per chunk).
 */
export async function* readSourceChunks(
  source: SourceFile,
  options: OpenOptions & { chunkSize?: number; recycle?: boolean } = {},
): AsyncGenerator<Buffer> {
  const reader = await openSource(source, options);
  const size = options.chunkSize ?? 256 * 1024;
  const ring = options.recycle === true ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : null;
  try {
    for (let i = 0; ; i++) {
      const chunk = ring === null ? Buffer.allocUnsafe(size) : ring[i % ring.length]!;
      const n = await reader.read(chunk, 0, size);
      if (n === 0) return;
      yield n === size ? chunk : chunk.subarray(0, n);
    }
  } finally {
    await reader.close();
  }
}

/**
 * Positional reads from `position` up to `end` (null: the end of the file). Reads are
 * synchronous: from the page cache a 1 MiB read takes a fraction of a millisecond, while a
 * round trip through libuv's thread pool for each read left the search waiting more than half
 * its time (measured: 1 GiB in 0.29 s with readSync, 0.67 s with FileHandle.read).
 */
class PlainFileReader implements ByteReader {
  readonly gzip = false;
  readonly seekable = true;
  consumed = 0;
  constructor(private readonly handle: FileHandle, private position: number, private readonly end: number | null) {}

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    const wanted = this.end === null ? length : Math.min(length, this.end - this.position);
    if (wanted <= 0) return 0;
    const bytesRead = readSync(this.handle.fd, target, offset, wanted, this.position);
    this.position += bytesRead;
    this.consumed += bytesRead;
    return bytesRead;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** A stream source (stdin, pipe): gzip when its first bytes say so. */
async function openStream(stream: Readable, source: SourceFile, options: OpenOptions): Promise<ByteReader> {
  const peeked = await peekStream(stream, 2);
  if (peeked.head !== null && isGzipMagic(peeked.head)) return decodeText(new GzipReader(peeked.stream, source, options, null));
  return decodeText(new PlainStreamReader(peeked.stream));
}

/**
 * Waits for the first `n` bytes of a stream (or its end) and puts them back (head null when it is
 * empty); rejects with the stream's error (a pipe that cannot be opened) when it fails first.
 */
async function peekStream(stream: Readable, n: number): Promise<{ head: Buffer | null; stream: Readable }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const chunk = stream.read() as Buffer | string | null;
    if (chunk !== null) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      parts.push(bytes);
      length += bytes.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        stream.off('error', failed);
        resolve();
      };
      const failed = (error: Error): void => {
        done();
        reject(error);
      };
      stream.on('readable', done);
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', failed);
    });
  }
  if (stream.errored !== null) {
    stream.on('error', () => undefined); // its event may be still to come; the rejection reports it
    throw stream.errored;
  }
  if (length === 0) return { head: null, stream };
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  // A stream that has ended takes nothing back: its few bytes become a stream of their own.
  if (stream.readableEnded) return { head, stream: Readable.from([head], { objectMode: false }) };
  stream.unshift(head);
  return { head, stream };
}

class PlainStreamReader implements ByteReader {
  readonly gzip = false;
  readonly seekable = false;
  consumed = 0;
  readonly #puller: StreamPuller;

  constructor(stream: Readable) {
    this.#puller = new StreamPuller(stream);
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    const n = await this.#puller.read(target, offset, length);
    this.consumed += n;
    return n;
  }

  async close(): Promise<void> {
    this.#puller.destroy();
  }
}
