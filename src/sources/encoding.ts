/**
 * Text encodings other than plain UTF-8, told from a source's first bytes. UTF-16 (Windows and
 * PowerShell write it, with a byte order mark or without) is re-encoded to UTF-8 as it is read,
 * and a UTF-8 byte order mark is dropped, so that the first line starts with its timestamp.
 */
import { TextDecoder } from 'node:util';
import type { ByteReader } from './read.js';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];
const BOMS = [UTF8_BOM, UTF16LE_BOM, UTF16BE_BOM];

/** Bytes of a source's start looked at to tell its encoding. */
export const ENCODING_SAMPLE = 1024;
/** Share of the sample's 2-byte units that must be a Latin-1 character (a NUL high byte) to take text for UTF-16 without a BOM. */
const LATIN_UNIT_SHARE = 0.9;
/** Fewest 2-byte units that tell UTF-16 without a BOM: a few bytes with NULs between prove nothing. */
const MIN_UNITS = 16;

/** The encoding a source's first bytes show (a byte order mark, or ASCII text with every other byte NUL). */
export function textEncoding(head: Uint8Array): TextEncoding {
  if (startsWith(head, UTF8_BOM)) return 'utf-8-bom';
  if (startsWith(head, UTF16LE_BOM)) return 'utf-16le';
  if (startsWith(head, UTF16BE_BOM)) return 'utf-16be';
  if (isNulInterleaved(head, 1)) return 'utf-16le';
  if (isNulInterleaved(head, 0)) return 'utf-16be';
  return 'utf-8';
}

/** Bytes a UTF-8 byte order mark takes at the start of a source of that encoding. */
export function bomLength(encoding: TextEncoding): number {
  return encoding === 'utf-8-bom' ? UTF8_BOM.length : 0;
}

export function isUtf16(encoding: TextEncoding): encoding is 'utf-16le' | 'utf-16be' {
  return encoding === 'utf-16le' || encoding === 'utf-16be';
}

function startsWith(bytes: ArrayLike<number>, prefix: ArrayLike<number>): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** Whether the sample's 2-byte units are nearly all a NUL at `nulAt` (1: little-endian) beside a character byte. */
function isNulInterleaved(head: Uint8Array, nulAt: 0 | 1): boolean {
  const units = Math.floor(Math.min(head.length, ENCODING_SAMPLE) / 2);
  if (units < MIN_UNITS) return false;
  let latin = 0;
  for (let i = 0; i < units; i++) {
    if (head[2 * i + nulAt] === 0 && head[2 * i + 1 - nulAt] !== 0) latin++;
  }
  return latin >= units * LATIN_UNIT_SHARE;
}

/**
 * Reads the first bytes of a reader that cannot seek (a stream, gzip data) and returns a reader of
 * its text as UTF-8 from the start (closing it when that read fails). A stream's first bytes may
 * come alone: it reads on while they could still begin a byte order mark.
 */
export async function decodeText(reader: ByteReader): Promise<ByteReader> {
  let head = Buffer.alloc(0);
  try {
    do {
      const more = Buffer.allocUnsafe(ENCODING_SAMPLE);
      const n = await reader.read(more, 0, more.length);
      if (n === 0) break;
      head = Buffer.concat([head, more.subarray(0, n)]);
    } while (BOMS.some((bom) => head.length < bom.length && startsWith(bom, head)));
  } catch (error) {
    await reader.close().catch(() => undefined);
    throw error;
  }
  if (head.length === 0) return reader;
  const encoding = textEncoding(head);
  const rest = new PrefixedReader(head.subarray(bomLength(encoding)), reader);
  return isUtf16(encoding) ? new Utf16Reader(rest, encoding) : rest;
}

/** A reader whose first bytes were read already (to look at them): those first, then the rest. */
class PrefixedReader implements ByteReader {
  #head: Buffer | null;

  constructor(head: Buffer, private readonly inner: ByteReader) {
    this.#head = head.length > 0 ? head : null;
  }

  get consumed(): number { return this.inner.consumed; }
  get gzip(): boolean { return this.inner.gzip; }
  get seekable(): boolean { return this.inner.seekable; }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    const head = this.#head;
    if (head === null) return this.inner.read(target, offset, length);
    const n = head.copy(target, offset, 0, Math.min(length, head.length));
    this.#head = n === head.length ? null : head.subarray(n);
    return n;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** UTF-16 text re-encoded as UTF-8 while it is read; its offsets are the UTF-8 ones, so it cannot seek. */
export class Utf16Reader implements ByteReader {
  readonly seekable = false;
  /** Not fatal: a bad unit becomes U+FFFD; in stream mode a unit or surrogate pair cut by a read waits for the next. */
  readonly #decoder: TextDecoder;
  #raw = Buffer.alloc(0);
  #pending = Buffer.alloc(0);
  #ended = false;

  constructor(private readonly inner: ByteReader, encoding: 'utf-16le' | 'utf-16be') {
    this.#decoder = new TextDecoder(encoding);
  }

  get consumed(): number { return this.inner.consumed; }
  get gzip(): boolean { return this.inner.gzip; }

  async read(target: Buffer, offset: number, length: number): Promise<number> {
    while (this.#pending.length === 0) {
      if (this.#ended) return 0;
      // Twice the length: ASCII text halves in UTF-8.
      const wanted = 2 * length;
      if (this.#raw.length < wanted) this.#raw = Buffer.allocUnsafe(wanted);
      const n = await this.inner.read(this.#raw, 0, wanted);
      this.#ended = n === 0;
      const text = n === 0 ? this.#decoder.decode() : this.#decoder.decode(this.#raw.subarray(0, n), { stream: true });
      this.#pending = Buffer.from(text, 'utf8');
    }
    const n = this.#pending.copy(target, offset, 0, Math.min(length, this.#pending.length));
    this.#pending = this.#pending.subarray(n);
    return n;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
