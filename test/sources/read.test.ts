import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createWriteStream, type Stats, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { openSource, readSourceChunks, refusedFileKind, type OpenOptions } from '../../src/sources/read.js';
import type { SourceFile, SourceWarning } from '../../src/sources/source.js';
import { fileSource, tempDir } from './fixtures/helpers.js';

async function readAll(source: SourceFile, options: OpenOptions = {}): Promise<{ bytes: Buffer; warnings: SourceWarning[] }> {
  const warnings: SourceWarning[] = [];
  const parts: Buffer[] = [];
  for await (const chunk of readSourceChunks(source, { ...options, chunkSize: 1000, onWarning: (w) => warnings.push(w) })) parts.push(chunk);
  return { bytes: Buffer.concat(parts), warnings };
}

/** Lines that do not compress to nothing, so damage lands in the middle of real data. */
function logText(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `2024-01-01 10:00:${String(i % 60).padStart(2, '0')}.000 ${1000 + (i * 7919) % 9000} INFO nova.compute.manager [req-${(i * 2654435761) % 4294967296}] line ${i}\n`).join('');
}

const STDIN: SourceFile = { path: '-', display: '-', host: null, service: null, gzip: false, size: null };

t.test('plain and gzip files, multi-member gzip (rotated and concatenated)', async (t) => {
  const dir = tempDir(t);
  const text = logText(3000);
  writeFileSync(path.join(dir, 'plain.log'), text);
  writeFileSync(path.join(dir, 'one.log.gz'), gzipSync(text));
  writeFileSync(path.join(dir, 'multi'), Buffer.concat([gzipSync(text.slice(0, 1000)), gzipSync(text.slice(1000)), gzipSync('')]));
  for (const name of ['plain.log', 'one.log.gz', 'multi']) {
    const { bytes, warnings } = await readAll(fileSource(path.join(dir, name)));
    t.equal(bytes.toString(), text, name);
    t.same(warnings, [], name);
  }
  const reader = await openSource(fileSource(path.join(dir, 'multi')));
  t.equal(reader.gzip, true, 'gzip found by magic bytes, whatever the name');
  await reader.close();
});

t.test('truncated gzip: everything before the end is kept, one warning naming the file', async (t) => {
  const dir = tempDir(t);
  const text = logText(20000);
  const gz = gzipSync(text);
  const file = path.join(dir, 'cut.log.gz');
  writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const { bytes, warnings } = await readAll(fileSource(file, 'logs/cut.log.gz'));
  t.ok(bytes.length > text.length * 0.55, `kept ${bytes.length} of ${text.length}`);
  t.ok(text.startsWith(bytes.toString()), 'exactly the bytes before the damage');
  t.same(warnings.map((w) => [w.file, w.kind]), [['logs/cut.log.gz', 'truncated-gzip']]);
  const recoverable = gunzipSync(gz.subarray(0, Math.floor(gz.length * 0.6)), { finishFlush: constants.Z_SYNC_FLUSH }).length;
  t.equal(bytes.length, recoverable, 'all zlib can decode up to the cut');
});

t.test('corrupt gzip: data before the damage kept, one warning', async (t) => {
  const dir = tempDir(t);
  const text = logText(20000);
  const gz = Buffer.from(gzipSync(text));
  const at = Math.floor(gz.length * 0.5);
  for (let i = 0; i < 64; i++) gz[at + i] = (gz[at + i]! ^ 0x5a) & 0xff;
  const file = path.join(dir, 'bad.log.gz');
  writeFileSync(file, gz);
  const { bytes, warnings } = await readAll(fileSource(file));
  t.ok(bytes.length > text.length * 0.4, `kept ${bytes.length} of ${text.length}`);
  t.ok(text.startsWith(bytes.toString('latin1').slice(0, Math.floor(text.length * 0.4))), 'the good part is intact');
  t.equal(warnings.length, 1);
  t.match(warnings[0]!.kind, /corrupt-gzip|truncated-gzip/);

  const trailing = path.join(dir, 'garbage.log.gz');
  writeFileSync(trailing, Buffer.concat([gzipSync(text), Buffer.from('this is not gzip')]));
  const after = await readAll(fileSource(trailing));
  t.equal(after.bytes.toString(), text, 'garbage after the last member: every byte of the member kept');
  t.same(after.warnings.map((w) => [w.kind, w.message]), [['corrupt-gzip', 'trailing garbage after the gzip data ignored']]);
});

t.test('stdin: plain, gzip, and gzip cut short', async (t) => {
  const text = logText(500);
  const plain = await readAll(STDIN, { stdin: Readable.from([Buffer.from(text.slice(0, 1)), Buffer.from(text.slice(1))]) });
  t.equal(plain.bytes.toString(), text);
  const gz = gzipSync(text);
  const zipped = await readAll(STDIN, { stdin: Readable.from([gz.subarray(0, 1), gz.subarray(1, 100), gz.subarray(100)]) });
  t.equal(zipped.bytes.toString(), text);
  const cut = await readAll(STDIN, { stdin: Readable.from([gz.subarray(0, gz.length - 30)]) });
  t.ok(text.startsWith(cut.bytes.toString()));
  t.same(cut.warnings.map((w) => [w.file, w.kind]), [['-', 'truncated-gzip']]);
  const empty = await readAll(STDIN, { stdin: Readable.from([]) });
  t.equal(empty.bytes.length, 0);
  const one = await readAll(STDIN, { stdin: Readable.from([Buffer.from('x')]) });
  t.equal(one.bytes.toString(), 'x', 'a one-byte input');
});

t.test('a slow stream is pulled as it comes; a failing stream is an error the caller sees', async (t) => {
  const stream = new PassThrough();
  const reader = await (async () => {
    const opening = openSource(STDIN, { stdin: stream });
    stream.write('ab');
    return opening;
  })();
  const target = Buffer.alloc(10);
  t.equal(await reader.read(target, 0, 10), 2);
  setTimeout(() => stream.end('cd'), 10);
  t.equal(await reader.read(target, 2, 10 - 2), 2);
  t.equal(await reader.read(target, 4, 6), 0);
  t.equal(target.toString('utf8', 0, 4), 'abcd');
  await reader.close();

  const failing = new PassThrough();
  const broken = openSource(STDIN, { stdin: failing });
  failing.write('xy');
  const r = await broken;
  failing.destroy(new Error('boom'));
  t.equal(await r.read(target, 0, 10), 2, 'what came before the error');
  await t.rejects(r.read(target, 0, 10), /boom/);
});

t.test('a missing file is an error with its code; a folder or a device is refused in one line', async (t) => {
  const dir = tempDir(t);
  await t.rejects(openSource(fileSource(path.join(dir, 'missing.log'))), { code: 'ENOENT' });
  await t.rejects(openSource(fileSource(dir)), { message: 'not a regular file or pipe (directory)' });
  // /dev/zero and /dev/urandom would never end.
  for (const device of ['/dev/zero', '/dev/urandom', '/dev/null']) {
    await t.rejects(openSource(fileSource(device)), { message: 'not a regular file or pipe (character device)' }, device);
  }
});

t.test('kinds of file refused', async (t) => {
  const kinds = ['File', 'FIFO', 'CharacterDevice', 'BlockDevice', 'Socket', 'Directory', 'SymbolicLink'];
  const stats = (kind: string): Stats => Object.fromEntries(kinds.map((k) => [`is${k}`, () => k === kind])) as unknown as Stats;
  t.same(kinds.map((kind) => refusedFileKind(stats(kind))), [null, null, 'character device', 'block device', 'socket', 'directory', 'special file']);
});

t.test('a stream that fails before its first bytes is an error, not a crash or a hang', async (t) => {
  const early = new PassThrough();
  early.destroy(new Error('gone before'));
  await t.rejects(readAll(STDIN, { stdin: early }), /gone before/);
  const later = new PassThrough();
  setTimeout(() => later.destroy(new Error('gone while waiting')), 10);
  await t.rejects(readAll(STDIN, { stdin: later }), /gone while waiting/);
  const zipped = new PassThrough();
  zipped.write(gzipSync(logText(10)).subarray(0, 2));
  setTimeout(() => zipped.destroy(new Error('gone in the header')), 10);
  await t.rejects(readAll(STDIN, { stdin: zipped }), /gone in the header/);
});

t.test('a named pipe is read as a stream, gzip or not; it has no offsets', async (t) => {
  const dir = tempDir(t);
  const text = logText(2000);
  for (const [name, bytes] of [['plain.fifo', Buffer.from(text)], ['zipped.fifo', gzipSync(text)]] as const) {
    const fifo = path.join(dir, name);
    t.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // The writer's open waits for the reader's, as with `cmd > fifo`.
    createWriteStream(fifo).end(bytes);
    const { bytes: read, warnings } = await readAll(fileSource(fifo));
    t.equal(read.toString(), text, name);
    t.same(warnings, []);
  }
  await t.rejects(openSource(fileSource(path.join(dir, 'plain.fifo')), { range: { start: 10, end: null } }), { name: 'NotSeekableError' });
});
