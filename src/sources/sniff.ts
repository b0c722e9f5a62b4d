/**
 * Cheap look at a file's first bytes: gzip by magic, and "obviously binary" (an executable, an
 * image, a compression format we cannot read, or a sample full of control bytes). NUL bytes alone
 * do not make a log binary: crashed writers leave NUL-filled holes in real logs.
 */
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { isGzipMagic } from './read.js';

/** Magic numbers of files that are never logs, with what to tell the operator. */
const BINARY_MAGIC: ReadonlyArray<readonly [string, number[]]> = [
  ['an ELF executable', [0x7f, 0x45, 0x4c, 0x46]],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a zip archive', [0x50, 0x4b, 0x03, 0x04]],
  ['bzip2-compressed (decompress it first)', [0x42, 0x5a, 0x68]],
  ['xz-compressed (decompress it first)', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd-compressed (decompress it first)', [0x28, 0xb5, 0x2f, 0xfd]],
  ['an SQLite database', [...Buffer.from('SQLite format 3\0')]],
  ['a systemd journal (read it with journalctl)', [...Buffer.from('LPKSHHRH')]],
];

/** Share of control bytes (other than tab, newlines, form feed, escape, NUL) above which text is binary. */
const CONTROL_SHARE = 0.05;

export interface SniffResult {
  gzip: boolean;
  /** Why the file is not a log, or null when it may be one. */
  binary: string | null;
}

/** Classifies a file from its first bytes (for gzip, from the start of its decompressed data). */
export function sniffBytes(head: Buffer): SniffResult {
  if (isGzipMagic(head)) {
    let inner: Buffer;
    try {
      inner = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      // Damage in the first bytes is reported when the file is read.
      return { gzip: true, binary: null };
    }
    return { gzip: true, binary: binaryKind(inner) };
  }
  return { gzip: false, binary: binaryKind(head) };
}

function binaryKind(bytes: Buffer): string | null {
  for (const [name, magic] of BINARY_MAGIC) {
    if (bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte)) return name;
  }
  if (bytes.length === 0) return null;
  let control = 0;
  for (const byte of bytes) {
    if (byte < 0x20 && byte !== 0 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) {
      control++;
    }
  }
  return control / bytes.length > CONTROL_SHARE ? 'binary data (many control bytes)' : null;
}
