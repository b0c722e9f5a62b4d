/**
 * Gzip input as decompressed bytes. A file is read by zlib's own gunzip, members and CRCs
 * included, in its thread pool (the fast path, also for writers that append a member per flush,
 * thousands to a file); on any damage it is read again from its start by a GzipReader, past the
 * bytes delivered already, so that nothing is lost to zlib's habit of dropping the output of the
 * call that fails. A stream, which cannot be read again, is read by a GzipReader from the start.
 *
 * GzipReader reads members (headers, trailers) itself and sends only the deflate data through
 * zlib (raw inflate): a bad CRC or length, garbage after the last member and a cut input (ended
 * with a sync flush) then lose nothing `gzip -dc` keeps. Only damage inside the deflate data
 * fails a zlib call; a file is then inflated again up to it (see gzip-salvage.ts), while a
 * stream loses that call's output.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { constants, crc32, createGunzip, createInflateRaw, inflateRawSync, type InflateRaw } from 'node:zlib';
import { salvageMember, writeTo } from './gzip-salvage.js';
import type { ByteReader, OpenOptions } from './read.js';
import type { SourceFile } from './source.js';
import { StreamPuller } from './stream-puller.js';

/**
 * zlib's output chunk: each chunk is a round trip to the thread pool, and 256 KiB inflates at
 * twice the speed of 32 KiB (measured on the bench corpus: 102 MiB in 0.13 s against 0.29 s).
 */
const DEFAULT_GZIP_CHUNK = 256 * 1024;
/** Read size of a gzip file. */
const FILE_READ = 256 * 1024;
/** Members (judged by the one before) up to this size are inflated at once when they lie whole in the bytes read. */
const SMALL_MEMBER = 1024 * 1024;
/** A header longer than this (name and comment fields have no limit) is taken for damage. */
const MAX_HEADER = 1024 * 1024;

const FLAG_HCRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const FLAGS_RESERVED = 0xe0;

export function isGzipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A gzip file: zlib's gunzip, and a GzipReader from the start when that fails. */
export class GzipFileReader implements ByteReader {
  readonly gzip = true;
  readonly seekable = false;
  readonly #input: ReadStream;
  readonly #output: StreamPuller;
  #delivered = 0;
  #careful: GzipReader | null = null;

  constructor(private readonly source: SourceFile, private readonly options: OpenOptions) {
    this.#input = createReadStream(source.path, { highWaterMark: FILE_READ });
    const gunzip = createGunzip({ chunkSize: options.gzipChunkSize ?? DEFAULT_GZIP_CHUNK });
    this.#input.on('error', (error) => gunzip.destroy(error));
    this.#input.pipe(gunzip);
    this.#output = new StreamPuller(gunzip);
  }

  get consumed(): number {
    // The second reading starts from 0 again; progress should not go back.
    return Math.max(this.#input.bytesRead, this.#careful?.consumed ?? 0);
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    if (this.#careful !== null) return this.#careful.read(target, offset, length);
    try {
      const n = await this.#output.read(target, offset, length);
      this.#delivered += n;
      return n;
    } catch (error) {
      if (!isZlibError(error)) throw error;
      this.#input.destroy();
      this.#careful = new GzipReader(createReadStream(this.source.path, { highWaterMark: FILE_READ }), this.source, this.options, this.source.path);
      await this.#careful.skip(this.#delivered);
      return this.#careful.read(target, offset, length);
    }
  }

  async close(): Promise<void> {
    this.#input.destroy();
    this.#output.destroy();
    await this.#careful?.close();
  }
}

/** One member's deflate data on its way through zlib. */
interface Member {
  inflater: InflateRaw;
  output: StreamPuller;
  /** True when the deflate data ended (zlib stopped taking input), false when the input ended first. */
  fed: Promise<boolean>;
  /** Input offset of the deflate data. */
  dataStart: number;
  crc: number;
  size: number;
}

export class GzipReader implements ByteReader {
  readonly gzip = true;
  readonly seekable = false;
  readonly #input: CompressedInput;
  readonly #chunkSize: number;
  #member: Member | null = null;
  #members = 0;
  /** The last member read whole: its bytes and its deflate data's; null before the first. */
  #lastMember: { size: number; stored: number } | null = null;
  #delivered = 0;
  /** Bytes inflated at once (a small member, a salvage), delivered before going on. */
  #ready: Buffer | null = null;
  #done = false;

  /** `filePath`: the file the input is read from, inflated again on damage; null for a stream. */
  constructor(
    input: Readable,
    private readonly source: SourceFile,
    private readonly options: OpenOptions,
    private readonly filePath: string | null,
  ) {
    this.#input = new CompressedInput(input);
    this.#chunkSize = options.gzipChunkSize ?? DEFAULT_GZIP_CHUNK;
  }

  get consumed(): number {
    return this.#input.bytesRead;
  }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    for (;;) {
      if (this.#ready !== null) return this.#readReady(target, offset, length);
      if (this.#done) return 0;
      if (this.#member === null) {
        await this.#nextMember();
        continue;
      }
      const n = await this.#readMember(this.#member, target, offset, length);
      if (n > 0) return n;
    }
  }

  async close(): Promise<void> {
    this.#done = true;
    this.#input.destroy();
    this.#member?.inflater.destroy();
  }

  /** Reads past the first `bytes` bytes (delivered already by an earlier reading). */
  async skip(bytes: number): Promise<void> {
    const scratch = Buffer.allocUnsafe(Math.min(bytes, DEFAULT_GZIP_CHUNK));
    for (let left = bytes; left > 0;) {
      const n = await this.read(scratch, 0, Math.min(left, scratch.length));
      if (n === 0) return;
      left -= n;
    }
  }

  /** Starts the next member, or ends: at the end of the input, zero padding (ignored, as gzip does) or garbage. */
  async #nextMember(): Promise<void> {
    if (this.#members > 0) {
      const next = await this.#input.take(2);
      if (!isGzipMagic(next)) {
        if (!(await this.#input.onlyZeros(next))) this.#warnDamage('corrupt-gzip', 'trailing garbage after the gzip data ignored');
        this.#done = true;
        return;
      }
      this.#input.unread(next);
    }
    if (!(await this.#readHeader())) return;
    this.#members++;
    if (await this.#inflateBuffered()) return;
    const dataStart = this.#input.offset;
    const inflater = createInflateRaw({ chunkSize: this.#chunkSize, finishFlush: constants.Z_SYNC_FLUSH });
    const fed = this.#feed(inflater).catch((error: Error) => {
      inflater.destroy(error);
      return false;
    });
    this.#member = { inflater, output: new StreamPuller(inflater), fed, dataStart, crc: 0, size: 0 };
  }

  /**
   * Inflates a small member (judged by the last one) at once when it lies whole in the bytes read
   * already: a zlib stream costs more to set up than inflating a member of a few KiB (measured on
   * 100 MiB in 5,300 members: 0.3 s and more with a stream each, 0.2 s so). False, with nothing
   * taken, when it is not whole there, is larger or damaged: it is then streamed, damage and all.
   */
  async #inflateBuffered(): Promise<boolean> {
    const buffered = this.#input.buffered();
    const last = this.#lastMember;
    if (last === null || last.size > SMALL_MEMBER || 2 * last.stored > buffered.length) return false;
    let inflated: { buffer: Buffer; engine: InflateRaw };
    try {
      inflated = inflateRawSync(buffered, { info: true, finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 2 * SMALL_MEMBER }) as unknown as typeof inflated;
    } catch {
      return false;
    }
    const used = inflated.engine.bytesWritten;
    if (used >= buffered.length) return false; // the data may go on past what was read
    await this.#input.take(used);
    const output = inflated.buffer;
    if (output.length > 0) this.#ready = output;
    this.#delivered += output.length;
    await this.#endMember(output.length, used, crc32(output));
    return true;
  }

  /** Reads past a member's header; false (after a warning) when it is damaged or cut. */
  async #readHeader(): Promise<boolean> {
    let head = await this.#input.take(10);
    for (;;) {
      const length = headerLength(head);
      if (typeof length === 'string') return this.#damage('corrupt-gzip', length);
      if (length > 0) {
        this.#input.unread(head.subarray(length));
        return true;
      }
      if (head.length > MAX_HEADER) return this.#damage('corrupt-gzip', 'header too long');
      const more = await this.#input.next();
      if (more === null) return this.#damage('truncated-gzip', null);
      head = Buffer.concat([head, more]);
    }
  }

  /** Writes the input to a member's inflater until zlib stops taking it (true) or the input ends (false). */
  async #feed(inflater: InflateRaw): Promise<boolean> {
    let written = 0;
    for (;;) {
      const chunk = await this.#input.next();
      if (chunk === null || inflater.destroyed) {
        if (!inflater.destroyed) inflater.end();
        return false;
      }
      if (!(await writeTo(inflater, chunk))) return false;
      written += chunk.length;
      const unused = written - inflater.bytesWritten;
      if (unused > 0) {
        this.#input.unread(chunk.subarray(chunk.length - unused));
        return true;
      }
    }
  }

  async #readMember(member: Member, target: Buffer, offset: number, length: number): Promise<number> {
    let n: number;
    try {
      n = await member.output.read(target, offset, length);
    } catch (error) {
      if (!isZlibError(error)) throw error;
      await this.#salvage(member, error as Error);
      return 0;
    }
    if (n > 0) {
      member.crc = crc32(target.subarray(offset, offset + n), member.crc);
      member.size += n;
      this.#delivered += n;
      return n;
    }
    const complete = await member.fed;
    member.inflater.destroy();
    this.#member = null;
    if (complete) await this.#endMember(member.size, member.inflater.bytesWritten, member.crc);
    else this.#damage('truncated-gzip', null);
    return 0;
  }

  /** Checks a member's trailer against what its deflate data (`stored` bytes) gave. */
  async #endMember(size: number, stored: number, crc: number): Promise<void> {
    this.#lastMember = { size, stored };
    const trailer = await this.#input.take(8);
    if (trailer.length < 8) this.#damage('truncated-gzip', null);
    else if (trailer.readUInt32LE(0) !== crc) this.#damage('corrupt-gzip', 'incorrect data check');
    else if (trailer.readUInt32LE(4) !== size % 2 ** 32) this.#damage('corrupt-gzip', 'incorrect length check');
  }

  /** zlib failed inside the deflate data: a file is inflated again to recover what the failing call dropped. */
  async #salvage(member: Member, error: Error): Promise<void> {
    const failedAt = member.inflater.bytesWritten;
    member.inflater.destroy();
    this.#member = null;
    if (this.filePath !== null) {
      const recovered = await salvageMember(this.filePath, member.dataStart, failedAt, member.size, this.#chunkSize)
        .catch(() => Buffer.alloc(0));
      if (recovered.length > 0) this.#ready = recovered;
      this.#delivered += recovered.length;
    }
    this.#damage('corrupt-gzip', error.message);
  }

  #readReady(target: Buffer, offset: number, length: number): number {
    const ready = this.#ready!;
    const n = ready.copy(target, offset, 0, Math.min(length, ready.length));
    this.#ready = n === ready.length ? null : ready.subarray(n);
    return n;
  }

  /** Ends the reading at damage with one warning; false, for the callers that report failure. */
  #damage(kind: 'truncated-gzip' | 'corrupt-gzip', reason: string | null): false {
    const where = `after ${this.#delivered} bytes; kept everything before it`;
    this.#warnDamage(kind, kind === 'truncated-gzip' ? `gzip data is truncated ${where}` : `gzip data is corrupt (${reason}) ${where}`);
    return false;
  }

  #warnDamage(kind: 'truncated-gzip' | 'corrupt-gzip', message: string): void {
    this.#done = true;
    this.#input.destroy();
    this.options.onWarning?.({ file: this.source.display, kind, message });
  }
}

/**
 * Length of the gzip member header at the start of `head` (RFC 1952), 0 while more bytes are
 * needed, or zlib's words for what is wrong with it.
 */
function headerLength(head: Buffer): number | string {
  if (head.length >= 2 && !isGzipMagic(head)) return 'incorrect header check';
  if (head.length >= 3 && head[2] !== 8) return 'unknown compression method';
  if (head.length >= 4 && (head[3]! & FLAGS_RESERVED) !== 0) return 'unknown header flags set';
  if (head.length < 10) return 0;
  const flags = head[3]!;
  let at = 10;
  if ((flags & FLAG_EXTRA) !== 0) {
    if (head.length < at + 2) return 0;
    at += 2 + head.readUInt16LE(at);
  }
  for (const flag of [FLAG_NAME, FLAG_COMMENT]) {
    if ((flags & flag) === 0) continue;
    const end = at < head.length ? head.indexOf(0, at) : -1;
    if (end === -1) return 0;
    at = end + 1;
  }
  if ((flags & FLAG_HCRC) === 0) return head.length >= at ? at : 0;
  if (head.length < at + 2) return 0;
  if (head.readUInt16LE(at) !== (crc32(head.subarray(0, at)) & 0xffff)) return 'header crc mismatch';
  return at + 2;
}

/** The compressed input, pulled chunk by chunk; bytes a header or zlib did not use are handed back. */
class CompressedInput {
  readonly #chunks: AsyncIterator<Buffer | string>;
  #back: Buffer | null = null;
  /** Bytes read from the stream. */
  bytesRead = 0;
  /** Input offset of the next byte `next` returns. */
  offset = 0;

  constructor(private readonly stream: Readable) {
    this.#chunks = stream[Symbol.asyncIterator]();
  }

  /** The next bytes of the input; null at its end. */
  async next(): Promise<Buffer | null> {
    let chunk = this.#back;
    this.#back = null;
    if (chunk === null) {
      const step = await this.#chunks.next();
      if (step.done === true) return null;
      chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
      this.bytesRead += chunk.length;
    }
    this.offset += chunk.length;
    return chunk;
  }

  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const back = this.#back;
    if (back === null) this.#back = bytes;
    // Handed back just before the rest of its chunk (the usual case): one view, no copy.
    else if (bytes.buffer === back.buffer && bytes.byteOffset + bytes.length === back.byteOffset) this.#back = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length + back.length);
    else this.#back = Buffer.concat([bytes, back]);
    this.offset -= bytes.length;
  }

  /** The bytes read from the stream and not yet taken (none, or the rest of a chunk). */
  buffered(): Buffer {
    return this.#back ?? Buffer.alloc(0);
  }

  /** The next `n` bytes (fewer at the end of the input). */
  async take(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let length = 0;
    while (length < n) {
      const chunk = await this.next();
      if (chunk === null) break;
      parts.push(chunk);
      length += chunk.length;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.unread(bytes.subarray(n));
    return bytes.subarray(0, n);
  }

  /** Whether `first` and the rest of the input hold only zero bytes. */
  async onlyZeros(first: Buffer): Promise<boolean> {
    for (let chunk: Buffer | null = first; chunk !== null; chunk = await this.next()) {
      if (chunk.some((byte) => byte !== 0)) return false;
    }
    return true;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
