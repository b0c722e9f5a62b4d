import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { searchSource, type SearchOptions } from '../../src/sources/search.js';
import { NotSeekableError } from '../../src/sources/read.js';
import type { ByteRange, Checkpoint, LineBlock, SourceWarning } from '../../src/sources/source.js';
import { decodeLine } from '../../src/sources/lines.js';
import { fileSource, naiveSearch, splitRawLines, tempDir } from './fixtures/helpers.js';

type Found = Array<{ firstLine: number; lines: string[] }>;

async function search(file: string, options: Partial<SearchOptions> & { needles: string[] }) {
  const blocks: LineBlock[] = [];
  const warnings: SourceWarning[] = [];
  const stats = await searchSource(fileSource(file), { isRecordStart: isStart, onWarning: (w) => warnings.push(w), ...options }, (b) => blocks.push(b));
  return { blocks: blocks.map((b): Found[number] => ({ firstLine: b.firstLine, lines: b.lines })), warnings, stats };
}

/** Records start with `R`, followed by their time in digits (none: no time). */
const isStart = (line: string): boolean => line.startsWith('R');
function timeOf(line: string): number | null {
  const digits = /^R(\d+)/.exec(line);
  return digits === null ? null : Number(digits[1]);
}

/** The input's last record start, the slow obvious way. */
function naiveLastStart(bytes: Buffer, maxLineBytes: number): Checkpoint | null {
  let last: Checkpoint | null = null;
  let offset = 0;
  splitRawLines(bytes).forEach((raw, i) => {
    const text = decodeLine(raw, 0, raw.length, maxLineBytes);
    if (isStart(text)) last = { offset, line: i + 1, time: timeOf(text) };
    offset += raw.length + 1;
  });
  return last;
}

/** The checkpoints, computed the slow obvious way over all physical lines. */
function naiveCheckpoints(bytes: Buffer, every: number, maxLineBytes: number, seekLines = 1000): Checkpoint[] {
  const out: Checkpoint[] = [];
  let threshold = 0;
  let seen = 0;
  let offset = 0;
  splitRawLines(bytes).forEach((raw, i) => {
    const at = offset;
    offset += raw.length + 1;
    if (at < threshold) return;
    const text = decodeLine(raw, 0, raw.length, maxLineBytes);
    if (isStart(text)) {
      out.push({ offset: at, line: i + 1, time: timeOf(text) });
      threshold = at + every;
      seen = 0;
    } else if (++seen >= seekLines) {
      threshold = offset + every;
      seen = 0;
    }
  });
  return out;
}

const line = fc.tuple(fc.boolean(), fc.nat({ max: 999 }), fc.array(fc.constantFrom('x', 'ab', 'é', 'a', 'b', '\xff'), { maxLength: 60 }))
  .map(([start, time, parts]) => (start ? `R${time} ` : '') + parts.join(''));
const input = fc.tuple(fc.array(line, { maxLength: 60 }), fc.boolean())
  .map(([lines, trailingNewline]) => Buffer.from(lines.join('\n') + (trailingNewline && lines.length > 0 ? '\n' : ''), 'utf8'));

t.test('checkpoints are exact: a record start at or after each threshold, with its line number and time (property)', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'c.log');
  await fc.assert(fc.asyncProperty(input, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 64 }),
    async (bytes, chunkSize, every, maxLineBytes, retainBytes) => {
      writeFileSync(file, bytes);
      const { stats } = await search(file, { needles: ['ab'], chunkSize, maxLineBytes, retainBytes, checkpoints: { every, timeOf } });
      assert.deepStrictEqual(stats.checkpoints, naiveCheckpoints(bytes, every, maxLineBytes));
      // The last record start is found when the window still holds it; never a wrong one.
      if (stats.lastRecordStart !== null) assert.deepStrictEqual(stats.lastRecordStart, naiveLastStart(bytes, maxLineBytes));
      const whole = await search(file, { needles: ['ab'], chunkSize, maxLineBytes, retainBytes: 1 << 20, checkpoints: { every, timeOf } });
      assert.deepStrictEqual(whole.stats.lastRecordStart, naiveLastStart(bytes, maxLineBytes));
      for (const cp of stats.checkpoints) {
        // The offset is where the numbered line starts, and that line is a record start.
        assert.ok(cp.offset === 0 || bytes[cp.offset - 1] === 10);
        assert.strictEqual(bytes.subarray(0, cp.offset).toString('latin1').split('\n').length, cp.line);
        assert.strictEqual(bytes[cp.offset], 'R'.charCodeAt(0));
      }
    }), { numRuns: 400 });
  t.pass('property holds');
});

t.test('long lines cut in the window do not shift checkpoint offsets', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'long.log');
  const text = ['R1 a', `R2 ${'x'.repeat(5000)}`, 'cont', 'R3 b', `${'y'.repeat(3000)}`, 'R4 c', 'R5 ab'].join('\n') + '\n';
  writeFileSync(file, text);
  const bytes = Buffer.from(text);
  const { stats, blocks } = await search(file, { needles: ['ab'], chunkSize: 16, maxLineBytes: 20, retainBytes: 32, checkpoints: { every: 1, timeOf } });
  t.same(stats.checkpoints, naiveCheckpoints(bytes, 1, 20));
  t.same(stats.checkpoints.map((c) => c.time), [1, 2, 3, 4, 5]);
  t.same(stats.checkpoints.map((c) => c.offset), ['R1', 'R2', 'R3', 'R4', 'R5'].map((r) => text.indexOf(r)));
  t.same(stats.checkpoints.map((c) => c.line), [1, 2, 4, 6, 7]);
  t.same(blocks, [{ firstLine: 7, lines: ['R5 ab'] }]);
});

t.test('checkpoints are given up past 1000 lines without a record start, then looked for again', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'plain.log');
  const text = ['R1 a', ...Array.from({ length: 1500 }, () => 'plain'), 'R7 b', ...Array.from({ length: 20 }, () => 'z'), 'R9 c'].join('\n') + '\n';
  writeFileSync(file, text);
  const { stats } = await search(file, { needles: ['nothing'], checkpoints: { every: 10, timeOf } });
  t.same(stats.checkpoints, naiveCheckpoints(Buffer.from(text), 10, 64 * 1024));
  t.same(stats.checkpoints.map((c) => c.line), [1, 1502, 1523]);
});

t.test('a range search finds exactly what the whole-file search finds within it (property)', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'r.log');
  await fc.assert(fc.asyncProperty(input, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 30 }), fc.nat(), fc.nat(),
    async (bytes, chunkSize, every, maxLineBytes, pickA, pickB) => {
      writeFileSync(file, bytes);
      const whole = await search(file, { needles: ['ab'], chunkSize, maxLineBytes, retainBytes: 1 << 20, checkpoints: { every, timeOf } });
      const bounds: Array<{ offset: number; line: number }> = [{ offset: 0, line: 1 }, ...whole.stats.checkpoints];
      const ends = [...whole.stats.checkpoints.map((c) => c.offset), null];
      // One range: from a boundary to a later one; compared with a naive search of those bytes alone.
      const a = pickA % bounds.length;
      const endIndex = a + (pickB % (ends.length - a));
      const from = bounds[a]!;
      const range: ByteRange = { offset: from.offset, line: from.line, end: ends[endIndex]! };
      const part = await search(file, { needles: ['ab'], chunkSize, maxLineBytes, range });
      const slice = bytes.subarray(from.offset, range.end ?? bytes.length);
      const expected = naiveSearch(slice, ['ab'], isStart, maxLineBytes).map((b) => ({ ...b, firstLine: b.firstLine + from.line - 1 }));
      assert.deepStrictEqual(part.blocks, expected);
      // All the intervals together: the same lines as the whole-file search.
      const lines = new Map<number, string>();
      for (let i = 0; i < bounds.length; i++) {
        const r = await search(file, { needles: ['ab'], chunkSize, maxLineBytes, range: { ...bounds[i]!, end: ends[i]! } });
        for (const b of r.blocks) b.lines.forEach((text, k) => lines.set(b.firstLine + k, text));
      }
      const wholeLines = new Map<number, string>();
      for (const b of whole.blocks) b.lines.forEach((text, k) => wholeLines.set(b.firstLine + k, text));
      assert.deepStrictEqual([...lines].sort((x, y) => x[0] - y[0]), [...wholeLines].sort((x, y) => x[0] - y[0]));
    }), { numRuns: 250 });
  t.pass('property holds');
});

t.test('a range ends before the end offset; the bytes before a range are not read', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'r.log');
  const text = 'R1 ab\nR2 x\nR3 ab\n  cont ab\nR4 ab\n';
  writeFileSync(file, text);
  const start = text.indexOf('R2');
  const end = text.indexOf('R4');
  const { blocks, stats } = await search(file, { needles: ['ab'], range: { offset: start, line: 2, end } });
  t.same(blocks, [{ firstLine: 3, lines: ['R3 ab', '  cont ab'] }]);
  t.equal(stats.bytes, end - start);
  t.equal(stats.hits, 1, 'one framed hit: the record holds the needle twice');
});

t.test('gzip and stdin cannot be read from an offset: a range is refused, never searched whole', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'a.log.gz');
  writeFileSync(file, gzipSync('R1 ab\nR2 ab\n'));
  await t.rejects(search(file, { needles: ['ab'], range: { offset: 6, line: 2, end: null } }), NotSeekableError);
  await t.rejects(searchSource({ path: '-', display: '-', host: null, service: null, gzip: false, size: null },
    { needles: ['ab'], isRecordStart: isStart, range: { offset: 0, line: 1, end: null } }, () => undefined), NotSeekableError);
  // Whole, the same gzip file is searched and checkpointed as usual.
  const { blocks, stats } = await search(file, { needles: ['ab'], checkpoints: { every: 1, timeOf } });
  t.equal(blocks.length, 2);
  t.same(stats.checkpoints, [{ offset: 0, line: 1, time: 1 }, { offset: 6, line: 2, time: 2 }]);
});
