/**
 * The tee (src/sources/tee.ts): a gzip source searched whole leaves a spool holding exactly its
 * decompressed bytes, whatever the chunk sizes and line lengths; past the budget, on damage or on
 * a failed open the spool is dropped (no file left) and the search is unchanged.
 */
import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { searchSource, type SearchOptions } from '../../src/sources/search.js';
import { spoolBudget, TeeReader, type SpoolBudget } from '../../src/sources/tee.js';
import type { ByteReader } from '../../src/sources/read.js';
import type { LineBlock, SourceWarning } from '../../src/sources/source.js';
import { fileSource, simpleRecordStart, tempDir } from './fixtures/helpers.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';

async function search(file: string, options: Partial<SearchOptions> = {}) {
  const blocks: LineBlock[] = [];
  const warnings: SourceWarning[] = [];
  const stats = await searchSource(fileSource(file), {
    needles: [ID], isRecordStart: simpleRecordStart, onWarning: (w) => warnings.push(w), ...options,
  }, (b) => blocks.push(b));
  return { blocks: blocks.map((b) => ({ firstLine: b.firstLine, lines: b.lines })), warnings, stats };
}

/** A reader over fixed bytes handing out at most `sizes[i]` bytes per read, in turn. */
class ChunkedReader implements ByteReader {
  readonly gzip = true;
  readonly seekable = false;
  consumed = 0;
  #at = 0;
  #turn = 0;
  constructor(private readonly bytes: Buffer, private readonly sizes: number[]) {}
  async read(target: Buffer, offset: number, length: number): Promise<number> {
    const n = Math.min(length, this.sizes[this.#turn++ % this.sizes.length]!, this.bytes.length - this.#at);
    this.bytes.copy(target, offset, this.#at, this.#at + n);
    this.#at += n;
    this.consumed = this.#at;
    return n;
  }
  async close(): Promise<void> {}
}

const reserved = (budget: SpoolBudget): bigint => Atomics.load(budget, 0);

t.test('the tee writes exactly the bytes read, however they are chunked, even when the caller reuses its buffer', async (t) => {
  const dir = tempDir(t);
  let n = 0;
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ maxLength: 5000 }),
    fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 }),
    fc.integer({ min: 1, max: 900 }),
    async (bytes, sizes, asked) => {
      const input = Buffer.from(bytes);
      const spool = path.join(dir, `spool-${n++}`);
      const budget = spoolBudget(1 << 20);
      const tee = new TeeReader(new ChunkedReader(input, sizes), { path: spool, budget });
      const buf = Buffer.alloc(asked);
      const seen: Buffer[] = [];
      for (;;) {
        const got = await tee.read(buf, 0, asked);
        if (got === 0) break;
        seen.push(Buffer.from(buf.subarray(0, got)));
        buf.fill(0x2a); // the caller overwrites its window at once: the spool must not care
      }
      await tee.close();
      const result = tee.result();
      assert.deepEqual(result, { path: spool, bytes: input.length });
      assert.ok(readFileSync(spool).equals(input));
      assert.ok(Buffer.concat(seen).equals(input), 'the reader still delivers its bytes');
      assert.equal(reserved(budget), BigInt(input.length));
      assert.deepEqual([tee.gzip, tee.seekable, tee.consumed], [true, false, input.length], 'the inner reader\'s state shows through');
    },
  ), { numRuns: 60 });
  t.pass('property held');
});

/** Lines of a log: record starts, some naming ID, continuation lines, and one very long line. */
function logText(records: number, longLine: number): string {
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    lines.push(`2024-01-01 10:00:${String(i % 60).padStart(2, '0')}.000 1 INFO nova ${i % 7 === 0 ? ID : 'other'} record ${i}`);
    if (i % 5 === 0) lines.push(`  continuation ${i} ${'é'.repeat(i % 13)}`);
    if (i === Math.floor(records / 2)) lines.push(`2024-01-01 10:00:00.000 1 INFO nova long ${ID} ${'x'.repeat(longLine)}`);
  }
  return lines.join('\n') + '\n';
}

t.test('searching a gzip file whole spools its decompressed bytes exactly, with small chunks and a long line', async (t) => {
  const dir = tempDir(t);
  const text = Buffer.from(logText(400, 3 * 1024 * 1024) + 'last line without newline');
  const file = path.join(dir, 'a.log.gz');
  writeFileSync(file, gzipSync(text));
  const plain = await search(file, { chunkSize: 4096, maxLineBytes: 1000, retainBytes: 8192 });
  for (const [chunkSize, gzipChunkSize] of [[4096, 1024], [1000, 16 * 1024], [64 * 1024, 3000]] as const) {
    const spool = path.join(dir, `spool-${chunkSize}`);
    const budget = spoolBudget(1 << 30);
    const teed = await search(file, { chunkSize, gzipChunkSize, maxLineBytes: 1000, retainBytes: 8192, spool: { path: spool, budget } });
    t.same(teed.stats.spooled, { path: spool, bytes: text.length }, `chunks of ${chunkSize}`);
    t.ok(readFileSync(spool).equals(text), 'the spool is the decompressed file');
    t.same(teed.blocks, plain.blocks, 'the search finds the same');
    t.same(teed.warnings, plain.warnings);
  }
  t.equal(plain.stats.spooled, null, 'no spool unless asked');
});

t.test('the budget is shared: a source that would pass it is not spooled, its partial spool removed and its bytes given back', async (t) => {
  const dir = tempDir(t);
  const small = path.join(dir, 'small.log.gz');
  const big = path.join(dir, 'big.log.gz');
  const smallText = logText(50, 10);
  const bigText = logText(2000, 10);
  writeFileSync(small, gzipSync(smallText));
  writeFileSync(big, gzipSync(bigText));
  const budget = spoolBudget(Buffer.byteLength(smallText) + 1000);
  const first = await search(small, { chunkSize: 512, spool: { path: path.join(dir, 's1'), budget } });
  t.same(first.stats.spooled, { path: path.join(dir, 's1'), bytes: Buffer.byteLength(smallText) });
  const over = await search(big, { chunkSize: 512, spool: { path: path.join(dir, 's2'), budget } });
  t.equal(over.stats.spooled, null);
  t.notOk(existsSync(path.join(dir, 's2')), 'partial spool removed');
  t.equal(reserved(budget), BigInt(Buffer.byteLength(smallText)), 'only the complete spool counts');
  t.same(over.blocks, (await search(big, { chunkSize: 512 })).blocks, 'the search is unchanged');
  const none = await search(small, { spool: { path: path.join(dir, 's3'), budget: spoolBudget(0) } });
  t.equal(none.stats.spooled, null, 'a zero budget spools nothing');
  t.notOk(existsSync(path.join(dir, 's3')));
});

t.test('no spool for damaged gzip, an unwritable spool, plain files or ranges', async (t) => {
  const dir = tempDir(t);
  const text = logText(500, 10);
  const gz = gzipSync(text);
  const truncated = path.join(dir, 'cut.log.gz');
  writeFileSync(truncated, gz.subarray(0, gz.length - 100));
  const cut = await search(truncated, { spool: { path: path.join(dir, 'cut'), budget: spoolBudget(1 << 30) } });
  t.equal(cut.stats.spooled, null);
  t.equal(cut.warnings[0]?.kind, 'truncated-gzip');
  t.notOk(existsSync(path.join(dir, 'cut')), 'damaged input: spool removed');

  const whole = path.join(dir, 'ok.log.gz');
  writeFileSync(whole, gz);
  const budget = spoolBudget(1 << 30);
  const unwritable = await search(whole, { spool: { path: path.join(dir, 'missing-dir', 'x'), budget } });
  t.equal(unwritable.stats.spooled, null, 'the spool cannot be created: searched anyway');
  t.ok(unwritable.blocks.length > 0);
  t.equal(reserved(budget), 0n);
  writeFileSync(path.join(dir, 'taken'), 'someone else\'s file');
  const taken = await search(whole, { spool: { path: path.join(dir, 'taken'), budget } });
  t.equal(taken.stats.spooled, null, 'an existing file is never overwritten');
  t.equal(readFileSync(path.join(dir, 'taken'), 'utf8'), 'someone else\'s file');

  const plainFile = path.join(dir, 'plain.log');
  writeFileSync(plainFile, text);
  const plain = await search(plainFile, { spool: { path: path.join(dir, 'plain'), budget } });
  t.equal(plain.stats.spooled, null);
  t.notOk(existsSync(path.join(dir, 'plain')), 'plain files are seekable already');
  const ranged = await search(plainFile, { range: { offset: 0, line: 1, end: 100 }, spool: { path: path.join(dir, 'ranged'), budget } });
  t.equal(ranged.stats.spooled, null);
  t.notOk(existsSync(path.join(dir, 'ranged')));
});

t.test('a write or close error (ENOSPC…) drops the spool silently; a reader not read to its end leaves none', async (t) => {
  const dir = tempDir(t);
  const fs = await import('node:fs');
  const enospc = (): never => { throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }); };
  let writes = 0;
  const { TeeReader: FullDiskTee } = await t.mockImport<typeof import('../../src/sources/tee.js')>('../../src/sources/tee.js', {
    'node:fs': { ...fs, writeSync: (...args: Parameters<typeof fs.writeSync>) => (++writes > 2 ? enospc() : fs.writeSync(...args)) },
  });
  const input = Buffer.from(logText(300, 10));
  const budget = spoolBudget(1 << 30);
  const full = new FullDiskTee(new ChunkedReader(input, [1000]), { path: path.join(dir, 'full'), budget });
  const buf = Buffer.alloc(1000);
  const seen: Buffer[] = [];
  for (let n; (n = await full.read(buf, 0, buf.length)) > 0;) seen.push(Buffer.from(buf.subarray(0, n)));
  await full.close();
  t.ok(Buffer.concat(seen).equals(input), 'reading goes on after the write error');
  t.equal(full.result(), null);
  t.notOk(existsSync(path.join(dir, 'full')), 'partial spool removed');
  t.equal(reserved(budget), 0n, 'its bytes given back');

  const { TeeReader: BadCloseTee } = await t.mockImport<typeof import('../../src/sources/tee.js')>('../../src/sources/tee.js', {
    'node:fs': { ...fs, closeSync: (fd: number) => { fs.closeSync(fd); throw Object.assign(new Error('EIO: i/o error, close'), { code: 'EIO' }); } },
  });
  const badClose = new BadCloseTee(new ChunkedReader(input, [input.length]), { path: path.join(dir, 'eio'), budget });
  while (await badClose.read(Buffer.alloc(input.length), 0, input.length) > 0);
  await badClose.close();
  t.equal(badClose.result(), null, 'a close error drops the spool');
  t.notOk(existsSync(path.join(dir, 'eio')));

  const early = new TeeReader(new ChunkedReader(input, [100]), { path: path.join(dir, 'early'), budget });
  await early.read(Buffer.alloc(100), 0, 100);
  await early.close();
  t.equal(early.result(), null, 'stopped before the end: incomplete');
  t.notOk(existsSync(path.join(dir, 'early')));
  t.equal(reserved(budget), 0n);
});
