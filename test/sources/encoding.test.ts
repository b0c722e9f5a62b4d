import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { textEncoding } from '../../src/sources/encoding.js';
import { NotSeekableError, openSource, readSourceChunks, type OpenOptions } from '../../src/sources/read.js';
import type { SourceFile, SourceWarning } from '../../src/sources/source.js';
import { fileSource, tempDir } from './fixtures/helpers.js';

const STDIN: SourceFile = { path: '-', display: '-', host: null, service: null, gzip: false, size: null };

/** Log text with Latin-1, CJK and astral characters (surrogate pairs in UTF-16), so reads cut units and pairs. */
const TEXT = Array.from({ length: 1000 }, (_, i) =>
  `2024-01-01 10:00:${String(i % 60).padStart(2, '0')}.000 4242 INFO nova.compute.manager [req-${i}] café ${i} 日本語 😀 ok\r\n`).join('');

function utf16be(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1]!, bytes[i]!];
  return bytes;
}

const ENCODED: Array<[string, Buffer]> = [
  ['utf-16le with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')])],
  ['utf-16be with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)])],
  ['utf-16le without a BOM', Buffer.from(TEXT, 'utf16le')],
  ['utf-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)])],
];

async function readAll(source: SourceFile, options: OpenOptions & { chunkSize?: number } = {}): Promise<{ text: string; warnings: SourceWarning[] }> {
  const warnings: SourceWarning[] = [];
  const parts: Buffer[] = [];
  for await (const chunk of readSourceChunks(source, { chunkSize: 997, ...options, onWarning: (w) => warnings.push(w) })) parts.push(chunk);
  return { text: Buffer.concat(parts).toString('utf8'), warnings };
}

/** A stream of `bytes` in pieces of the given sizes, in turn. */
function pieces(bytes: Buffer, sizes: number[]): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; at += sizes[i++ % sizes.length]!) parts.push(bytes.subarray(at, at + sizes[i % sizes.length]!));
  return Readable.from(parts);
}

t.test('encodings told from the first bytes', async (t) => {
  t.equal(textEncoding(Buffer.from('2024-01-01 plain')), 'utf-8');
  t.equal(textEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41])), 'utf-8-bom');
  t.equal(textEncoding(Buffer.from([0xff, 0xfe])), 'utf-16le');
  t.equal(textEncoding(Buffer.from([0xfe, 0xff])), 'utf-16be');
  t.equal(textEncoding(Buffer.from('2024-01-01 10:00:00.000 1 INFO', 'utf16le')), 'utf-16le');
  t.equal(textEncoding(utf16be('2024-01-01 10:00:00.000 1 INFO')), 'utf-16be');
  t.equal(textEncoding(Buffer.from('a\0')), 'utf-8', 'one unit is too little to tell');
  t.equal(textEncoding(Buffer.from('\0a\0b\0a\0b')), 'utf-8', 'so are a few');
  t.equal(textEncoding(Buffer.from('2024-01-01 10:0', 'utf16le')), 'utf-8', 'fifteen units are too few');
  t.equal(textEncoding(Buffer.from('2024-01-01 10:00', 'utf16le')), 'utf-16le', 'sixteen are enough');
  t.equal(textEncoding(Buffer.alloc(4096)), 'utf-8', 'a NUL-filled hole is not UTF-16');
  t.equal(textEncoding(Buffer.concat([Buffer.from('2024-01-01 10:00:00 x\n'), Buffer.alloc(100)])), 'utf-8');
});

t.test('UTF-16 and a UTF-8 BOM: files, gzip files, streams and gzip streams give the UTF-8 text', async (t) => {
  const dir = tempDir(t);
  for (const [name, bytes] of ENCODED) {
    const plain = path.join(dir, `${name}.log`);
    const zipped = path.join(dir, `${name}.log.gz`);
    writeFileSync(plain, bytes);
    writeFileSync(zipped, gzipSync(bytes));
    const reads = [
      ['file', await readAll(fileSource(plain))],
      ['gzip file', await readAll(fileSource(zipped))],
      ['stream in odd pieces', await readAll(STDIN, { stdin: pieces(bytes, [1, 2, 3, 1001, 7]) })],
      ['gzip stream', await readAll(STDIN, { stdin: pieces(gzipSync(bytes), [1, 500]) })],
      ['file in 5-byte reads', await readAll(fileSource(plain), { chunkSize: 5 })],
    ] as const;
    for (const [how, read] of reads) {
      t.ok(read.text === TEXT, `${name}, ${how}: the text (${read.text.length} of ${TEXT.length} characters)`);
      t.same(read.warnings, [], `${name}, ${how}: nothing to report`);
    }
  }
});

t.test('a decoded file cannot be read from an offset; a UTF-8 BOM file can, in offsets after the BOM', async (t) => {
  const dir = tempDir(t);
  const [, utf16] = ENCODED[0]!;
  const file = path.join(dir, 'windows.log');
  writeFileSync(file, utf16);
  const reader = await openSource(fileSource(file));
  t.equal(reader.seekable, false, 'offsets are those of the UTF-8, not of the file');
  t.equal(reader.gzip, false);
  const target = Buffer.alloc(100);
  t.equal(await reader.read(target, 0, 100), 100, 'ASCII text fills a read');
  t.ok(reader.consumed > 0);
  await reader.close();
  await t.rejects(openSource(fileSource(file), { range: { start: 10, end: null } }), NotSeekableError);

  const bom = path.join(dir, 'bom.log');
  writeFileSync(bom, ENCODED[3]![1]);
  const whole = await openSource(fileSource(bom));
  t.equal(whole.seekable, true);
  await whole.close();
  const offset = Buffer.byteLength(TEXT.slice(0, 5000));
  const ranged = await readAll(fileSource(bom), { range: { start: offset, end: offset + 300 } });
  t.equal(ranged.text, Buffer.from(TEXT).subarray(offset, offset + 300).toString(), 'a range is taken in the delivered bytes');
});

t.test('a stream whose first bytes come alone: a BOM cut after its first byte, a tiny input', async (t) => {
  const bom = ENCODED[3]![1];
  t.equal((await readAll(STDIN, { stdin: pieces(bom, [1, 1, 50]) })).text, TEXT, 'a UTF-8 BOM in three pieces');
  t.equal((await readAll(STDIN, { stdin: Readable.from([Buffer.from([0xef])]) })).text, '\ufffd', 'a lone first BOM byte is text');
  t.equal((await readAll(STDIN, { stdin: Readable.from([Buffer.from([0xff, 0xfe, 0x41])]) })).text, '\ufffd', 'UTF-16 with half a unit');
  t.equal((await readAll(STDIN, { stdin: Readable.from([Buffer.from([0xff, 0xfe])]) })).text, '', 'a BOM alone');
});
