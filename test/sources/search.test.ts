import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeFileSync, readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { searchSource, type SearchOptions } from '../../src/sources/search.js';
import type { LineBlock, SourceWarning } from '../../src/sources/source.js';
import { cutMarker } from '../../src/sources/lines.js';
import { isRecordStart as realRecordStart } from '../../src/records/detect.js';
import { fileSource, naiveSearch, simpleRecordStart, tempDir } from './fixtures/helpers.js';

type Found = Array<{ firstLine: number; lines: string[] }>;

async function search(file: string, options: Partial<SearchOptions> & { needles: string[] }) {
  const blocks: LineBlock[] = [];
  const warnings: SourceWarning[] = [];
  const stats = await searchSource(fileSource(file), { isRecordStart: simpleRecordStart, onWarning: (w) => warnings.push(w), ...options }, (b) => blocks.push(b));
  return { blocks: blocks.map((b): Found[number] => ({ firstLine: b.firstLine, lines: b.lines })), warnings, stats };
}

const A = '2024-01-01 10:00:00.000 1 INFO nova.compute.manager';
const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const OTHER = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';

t.test('multi-line records are framed whole, one block each; line numbers exact', async (t) => {
  const dir = tempDir(t);
  const text = [
    `${A} [instance: ${OTHER}] start`, // 1
    `${A} [instance: ${ID}] Traceback follows`, // 2
    `2024-01-01 10:00:00.000 1 TRACE nova Traceback (most recent call last):`, // 3
    '  File "x.py", line 1', // 4
    `${A} next record mentions ${ID}`, // 5
    '<domain>', // 6
    `${A} unrelated`, // 7
    `${A} unrelated`, // 8
    `  continuation with ${ID} inside`, // 9
    `${A} tail`, // 10
  ].join('\n') + '\n';
  const file = path.join(dir, 'a.log');
  writeFileSync(file, text);
  const { blocks, stats, warnings } = await search(file, { needles: [ID] });
  t.same(blocks, [
    { firstLine: 2, lines: text.split('\n').slice(1, 4) },
    { firstLine: 5, lines: text.split('\n').slice(4, 6) },
    { firstLine: 8, lines: text.split('\n').slice(7, 9) },
  ]);
  t.equal(stats.blocks, 3);
  t.equal(stats.hits, 3);
  t.equal(stats.bytes, Buffer.byteLength(text));
  t.same(warnings, []);
});

t.test('edge inputs: empty file, last line without newline, invalid UTF-8 and NUL bytes', async (t) => {
  const dir = tempDir(t);
  const empty = path.join(dir, 'empty.log');
  writeFileSync(empty, '');
  const none = await search(empty, { needles: [ID] });
  t.same(none.blocks, []);
  t.equal(none.stats.bytes, 0);
  const odd = path.join(dir, 'odd.log');
  writeFileSync(odd, Buffer.concat([Buffer.from(`${A} a\n${A} bad \xff\xfe bytes \0 nul `, 'latin1'), Buffer.from(ID)]));
  const found = await search(odd, { needles: [ID] });
  t.same(found.blocks, [{ firstLine: 2, lines: [`${A} bad \ufffd\ufffd bytes \0 nul ${ID}`] }], 'a lone NUL and invalid UTF-8 are text, kept');
});

t.test('hits across chunk boundaries, at every chunk size', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'a.log');
  const text = Array.from({ length: 40 }, (_, i) => `${A} line ${i}${i % 7 === 3 ? ` ${ID}` : ''}\n  cont ${i}`).join('\n') + '\n';
  writeFileSync(file, text);
  const expected = naiveSearch(Buffer.from(text), [ID], simpleRecordStart, 65536);
  t.equal(expected.length, 6);
  for (const chunkSize of [1, 2, 3, 7, 35, 36, 37, 100, 4096]) {
    const { blocks } = await search(file, { needles: [ID], chunkSize, retainBytes: 1 << 16 });
    t.same(blocks, expected, `chunkSize ${chunkSize}`);
  }
});

t.test('random inputs and chunkings match a naive search (property)', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'p.log');
  // No NUL here: damage (NUL-led) has its own properties in scanner.test.ts.
  const piece = fc.constantFrom('R', 'x', 'ab', 'a', 'b', '\n', '\n', '\n', '\xff', '\x01', 'é', '€');
  const input = fc.array(piece, { maxLength: 300 }).map((parts) => Buffer.from(parts.join(''), 'utf8'));
  const isStart = (line: string): boolean => line.startsWith('R');
  await fc.assert(fc.asyncProperty(input, fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 30 }), fc.constantFrom<string[]>(['ab'], ['ab', 'xR'], ['b']),
    async (bytes, chunkSize, maxLineBytes, needles) => {
      writeFileSync(file, bytes);
      const { blocks, stats } = await search(file, { needles, isRecordStart: isStart, chunkSize, maxLineBytes, retainBytes: 1 << 20 });
      assert.deepStrictEqual(blocks, naiveSearch(bytes, needles, isStart, maxLineBytes));
      assert.strictEqual(stats.bytes, bytes.length);
    }), { numRuns: 300 });
  t.pass('property holds');
});

t.test('a small window and long lines (long-line mode) still match the naive search when records fit (property)', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'w.log');
  const line = fc.tuple(fc.boolean(), fc.array(fc.constantFrom('x', 'ab', 'é', 'a', 'b'), { maxLength: 80 })).map(([start, parts]) => (start ? 'R' : '') + parts.join(''));
  const input = fc.array(line, { maxLength: 40 }).map((lines) => Buffer.from(lines.join('\n'), 'utf8'));
  let compared = 0;
  await fc.assert(fc.asyncProperty(input, fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 64 }),
    async (bytes, chunkSize, maxLineBytes, retainBytes) => {
      writeFileSync(file, bytes);
      const { blocks, warnings, stats } = await search(file, { needles: ['ab'], isRecordStart: (l) => l.startsWith('R'), chunkSize, maxLineBytes, retainBytes });
      const expected = naiveSearch(bytes, ['ab'], (l) => l.startsWith('R'), maxLineBytes);
      if (!warnings.some((w) => w.kind === 'long-record')) {
        compared++;
        assert.deepStrictEqual(blocks, expected);
      } else {
        assert.ok(stats.longRecords > 0);
        assert.strictEqual(blocks.length > 0, expected.length > 0, 'a cut record is still reported');
      }
    }), { numRuns: 300 });
  t.pass('property holds');
  t.ok(compared > 150, `compared ${compared} cases`);
});

t.test('a 50 MB line: a hit deep inside is found, the emitted text is capped, memory stays bounded', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'big.log');
  const fd = openSync(file, 'w');
  writeSync(fd, `${A} before\n${A} huge `);
  const block = Buffer.alloc(1024 * 1024, 'y');
  for (let i = 0; i < 50; i++) {
    writeSync(fd, block);
    if (i === 37) writeSync(fd, ID);
  }
  writeSync(fd, `\n  continuation\n${A} after ${OTHER}\n`);
  closeSync(fd);
  const before = process.memoryUsage().rss;
  const { blocks, stats, warnings } = await search(file, { needles: [ID, OTHER] });
  const grown = process.memoryUsage().rss - before;
  t.equal(blocks.length, 2, 'the huge record, then the next one');
  const [huge, cont] = blocks[0]!.lines;
  const [after] = blocks[1]!.lines;
  t.equal(blocks[0]!.firstLine, 2);
  const head = `${A} huge ` + 'y'.repeat(65536 - `${A} huge `.length);
  t.equal(huge, head + cutMarker(50 * 1024 * 1024 + ID.length + `${A} huge `.length, 65536), 'the first 64 KiB and the marker');
  t.equal(cont, '  continuation');
  t.equal(after, `${A} after ${OTHER}`);
  t.equal(stats.cutLines, 1);
  t.same(warnings.map((w) => w.kind), ['long-line']);
  t.ok(grown < 40 * 1024 * 1024, `rss grew ${grown} bytes`);
});

t.test('no newline at all, hit only in the last bytes', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'flat.log');
  writeFileSync(file, Buffer.concat([Buffer.alloc(300_000, 'z'), Buffer.from(ID)]));
  const { blocks, stats } = await search(file, { needles: [ID], chunkSize: 4096, maxLineBytes: 100, retainBytes: 1000 });
  t.equal(blocks.length, 1);
  t.equal(blocks[0]!.lines[0], 'z'.repeat(100) + cutMarker(300_000 + ID.length, 100));
  t.equal(stats.bytes, 300_000 + ID.length);
});

t.test('a record longer than the window is emitted from the window with one warning; huge records are cut', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'long.log');
  const text = `${A} head\n` + Array.from({ length: 500 }, (_, i) => `  frame ${i}`).join('\n') + `\n  hit ${ID}\n${A} next\n`;
  writeFileSync(file, text);
  const small = await search(file, { needles: [ID], chunkSize: 64, retainBytes: 200, maxLineBytes: 50, maxRecordBytes: 1000 });
  t.equal(small.blocks.length, 1);
  t.ok(small.blocks[0]!.firstLine > 2, 'starts inside the record');
  t.equal(small.blocks[0]!.lines.at(-1), `  hit ${ID}`);
  t.same(small.warnings.map((w) => w.kind), ['long-record']);
  t.equal(small.stats.longRecords, 1);

  const many = path.join(dir, 'many.log');
  writeFileSync(many, `${A} ${ID}\n` + Array.from({ length: 100 }, (_, i) => `  line ${i} ${i === 60 ? ID : ''}`).join('\n') + `\n${A} next\n`);
  const capped = await search(many, { needles: [ID], maxRecordLines: 20 });
  t.equal(capped.blocks[0]!.lines.length, 20);
  t.equal(capped.blocks[0]!.firstLine, 1);
  t.same(capped.blocks.map((b) => [b.firstLine, b.lines.length]), [[1, 20], [61, 20]], 'of the pieces after the cut, the one holding a hit');
  t.equal(capped.blocks[1]!.lines[1], `  line 60 ${ID}`);
  t.equal(capped.stats.longRecords, 1);
  t.same(capped.warnings.map((w) => w.kind), ['long-record']);
});

t.test('gzip, stdin, progress and a missing file', async (t) => {
  const dir = tempDir(t);
  const text = `${A} a\n${A} b ${ID}\n  tb\n${A} c\n`;
  const gz = path.join(dir, 'a.log.1');
  writeFileSync(gz, gzipSync(text));
  const progress: number[] = [];
  const fromGzip = await search(gz, { needles: [ID], onProgress: (n) => progress.push(n) });
  t.same(fromGzip.blocks, [{ firstLine: 2, lines: [`${A} b ${ID}`, '  tb'] }]);
  t.equal(progress.at(-1), readFileSync(gz).length, 'progress counts stored (compressed) bytes');

  const blocks: LineBlock[] = [];
  const stdin = Readable.from([Buffer.from(text.slice(0, 50)), Buffer.from(text.slice(50))]);
  await searchSource({ path: '-', display: '-', host: null, service: null, gzip: false, size: null }, { needles: [ID], isRecordStart: simpleRecordStart, stdin }, (b) => blocks.push(b));
  t.same(blocks.map((b) => b.lines), [[`${A} b ${ID}`, '  tb']]);

  const missing = await search(path.join(dir, 'nope.log'), { needles: [ID] });
  t.same(missing.blocks, []);
  t.same(missing.warnings.map((w) => [w.kind, w.message]), [['unreadable', 'cannot read: no such file']]);
});

t.test('with the records layer\'s own record-start test on the real loghub logs', async (t) => {
  const file = 'fixtures/loghub-openstack/collected/cp-1/nova-compute.log';
  const bytes = readFileSync(file);
  const { blocks, stats } = await search(file, { needles: [ID], isRecordStart: realRecordStart, chunkSize: 4096, retainBytes: 8192 });
  t.same(blocks, naiveSearch(bytes, [ID], realRecordStart, 65536));
  const grepped = bytes.toString('utf8').split('\n').filter((l) => l.includes(ID));
  t.same(blocks.flatMap((b) => b.lines).filter((l) => l.includes(ID)), grepped, 'every line grep finds');
  t.ok(stats.blocks > 0);
});
