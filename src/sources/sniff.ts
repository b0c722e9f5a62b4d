/**
 * Cheap look at a file's first bytes: gzip by magic, and files that are never logs by their magic
 * numbers (an executable, an image, an archive, a database, a compression format we cannot read).
 * Nothing else makes a file "binary": crashed writers leave NUL-filled holes and stretches of
 * garbage in real logs, and the records around them are framed and counted by the search.
 */
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { isGzipMagic } from './read.js';

/** Magic numbers of files that are never logs: what to tell the operator, the bytes, and their offset. */
const BINARY_MAGIC: ReadonlyArray<readonly [string, number[], number]> = [
  ['an ELF executable', [0x7f, 0x45, 0x4c, 0x46], 0],
  ['a Mach-O executable', [0xcf, 0xfa, 0xed, 0xfe], 0],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47], 0],
  ['a JPEG image', [0xff, 0xd8, 0xff], 0],
  ['a GIF image', [...Buffer.from('GIF8')], 0],
  ['a PDF document', [...Buffer.from('%PDF-')], 0],
  ['a zip archive', [0x50, 0x4b, 0x03, 0x04], 0],
  ['a 7z archive', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 0],
  ['a RAR archive', [...Buffer.from('Rar!\x1a\x07')], 0],
  ['a tar archive', [...Buffer.from('ustar')], 257],
  ['bzip2-compressed (decompress it first)', [0x42, 0x5a, 0x68], 0],
  ['xz-compressed (decompress it first)', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 0],
  ['zstd-compressed (decompress it first)', [0x28, 0xb5, 0x2f, 0xfd], 0],
  ['lz4-compressed (decompress it first)', [0x04, 0x22, 0x4d, 0x18], 0],
  ['an SQLite database', [...Buffer.from('SQLite format 3\0')], 0],
  ['a systemd journal (read it with journalctl)', [...Buffer.from('LPKSHHRH')], 0],
];

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
  for (const [name, magic, at] of BINARY_MAGIC) {
    if (bytes.length >= at + magic.length && magic.every((byte, i) => bytes[at + i] === byte)) return name;
  }
  return null;
}
