import t from 'tap';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followFiles, type FollowEvent } from '../../src/sources/follow.js';
import { DAEMON_LINE, followFilter, recordNumbers, spawnScript } from '../faults/fixtures/followed-filter.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Pulls events until `done` holds for what was seen; returns every event seen. */
async function collectUntil(it: AsyncIterator<FollowEvent>, done: (seen: FollowEvent[]) => boolean): Promise<FollowEvent[]> {
  const seen: FollowEvent[] = [];
  while (!done(seen)) {
    const r = await it.next();
    if (r.done) break;
    seen.push(r.value);
  }
  return seen;
}

function dataOf(events: FollowEvent[], path?: string): string {
  return events.filter((e) => e.kind === 'data' && (!path || e.path === path))
    .map((e) => (e.kind === 'data' ? e.chunk.toString() : '')).join('');
}

/** The bytes of one stream: the file under the path now (`rotated` undefined), or the n-th rotated away. */
function streamOf(events: FollowEvent[], rotated?: number): string {
  return events.map((e) => (e.kind === 'data' && e.rotated === rotated ? e.chunk.toString() : '')).join('');
}

const drained = (n: number) => (seen: FollowEvent[]) => seen.some((e) => e.kind === 'drained' && e.rotated === n);

function hasData(text: string, path?: string) {
  return (seen: FollowEvent[]) => dataOf(seen, path).includes(text);
}

t.test('reads what is there, then what is appended', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.log');
  writeFileSync(file, 'one\n');
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 20, signal: ac.signal });
  t.equal(dataOf(await collectUntil(it, hasData('one\n'))), 'one\n');
  appendFileSync(file, 'two\nthr');
  appendFileSync(file, 'ee\n');
  const later = await collectUntil(it, hasData('three\n'));
  t.equal(dataOf(later), 'two\nthree\n');
  ac.abort();
  t.equal((await it.next()).done, true, 'abort ends the generator');
});

t.test('survives rename-and-recreate rotation without losing the old file\'s tail', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'nova-compute.log');
  writeFileSync(file, 'r1\n');
  // The writer keeps its descriptor across the rename, as a logger does until it reopens.
  const writer = openSync(file, 'a');
  t.teardown(() => closeSync(writer));
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 20, signal: ac.signal });
  await collectUntil(it, hasData('r1\n'));
  writeSync(writer, 'r2\n');
  renameSync(file, `${file}.1`);
  writeSync(writer, 'r3 written after the rename\n');
  writeFileSync(file, 'n1\n');
  const events = await collectUntil(it, (seen) => hasData('n1\n')(seen) && drained(1)(seen));
  t.equal(streamOf(events, 1), 'r2\nr3 written after the rename\n', 'the old file\'s tail, as its own stream');
  t.equal(streamOf(events), 'n1\n', 'the new file from its start');
  const reopen = events.findIndex((e) => e.kind === 'reopen');
  t.match(events[reopen], { kind: 'reopen', reason: 'rotated' });
  t.equal(streamOf(events.slice(0, reopen)), '', 'nothing of the new file before its reopen');
  const end = events.findIndex((e) => e.kind === 'drained');
  t.equal(streamOf(events.slice(end), 1), '', 'nothing of the old file after it was drained');
  appendFileSync(file, 'n2\n');
  t.equal(dataOf(await collectUntil(it, hasData('n2\n'))), 'n2\n');
  ac.abort();
  await it.return?.(undefined);
});

t.test('notices truncation and reads the file again from its start', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a.log');
  writeFileSync(file, 'a long first line\nand a second one\n');
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 20, signal: ac.signal });
  await collectUntil(it, hasData('second one\n'));
  truncateSync(file, 0);
  appendFileSync(file, 'x\n');
  const events = await collectUntil(it, hasData('x\n'));
  t.same(events.map((e) => e.kind), ['reopen', 'data']);
  t.match(events[0], { reason: 'truncated' });
  t.equal(dataOf(events), 'x\n');
  ac.abort();
  await it.return?.(undefined);
});

t.test('a missing file is reported once, then followed when it appears', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'late.log');
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 20, goneAfterMs: 100, signal: ac.signal });
  const first = await it.next();
  t.match(first.value, { kind: 'gone', path: file, message: 'no such file' });
  writeFileSync(file, 'hello\n');
  const events = await collectUntil(it, hasData('hello\n'));
  t.equal(events.filter((e) => e.kind === 'gone').length, 0, 'no repeated warning while missing');
  t.equal(dataOf(events), 'hello\n');
  // Removed for good, then back: a second `gone`, then the new file from its start.
  unlinkSync(file);
  const gone = await collectUntil(it, (s) => s.some((e) => e.kind === 'gone'));
  t.equal(gone.at(-1)?.kind, 'gone');
  writeFileSync(file, 'back\n');
  const back = await collectUntil(it, hasData('back\n'));
  t.match(back[0], { kind: 'reopen', reason: 'appeared' });
  ac.abort();
  await it.return?.(undefined);
});

t.test('follows several files, each in its own order', async (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.log');
  const b = join(dir, 'sub', 'b.log');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(a, 'a1\n');
  writeFileSync(b, 'b1\n');
  const ac = new AbortController();
  const it = followFiles([a, b, a], { pollMs: 20, signal: ac.signal });
  let events = await collectUntil(it, (s) => dataOf(s, a) === 'a1\n' && dataOf(s, b) === 'b1\n');
  appendFileSync(b, 'b2\n');
  appendFileSync(a, 'a2\n');
  events = events.concat(await collectUntil(it, (s) => dataOf(s, a).includes('a2') && dataOf(s, b).includes('b2')));
  t.equal(dataOf(events, a), 'a1\na2\n', 'a file named twice is followed once');
  t.equal(dataOf(events, b), 'b1\nb2\n');
  ac.abort();
  await it.return?.(undefined);
});

t.test('reads a large file in bounded chunks', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'big.log');
  writeFileSync(file, Buffer.alloc(100_000, 'x'));
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 20, readBytes: 16_384, signal: ac.signal });
  const events = await collectUntil(it, (s) => dataOf(s).length === 100_000);
  const sizes = events.map((e) => (e.kind === 'data' ? e.chunk.length : 0));
  t.ok(Math.max(...sizes) <= 16_384, 'no chunk above readBytes');
  t.equal(sizes.reduce((x, y) => x + y, 0), 100_000);
  ac.abort();
  await it.return?.(undefined);
});

t.test('fromEnd skips what exists at start but reads files created later from their start', async (t) => {
  const dir = tempDir(t);
  const old = join(dir, 'old.log');
  const fresh = join(dir, 'fresh.log');
  writeFileSync(old, 'history\n');
  const ac = new AbortController();
  const it = followFiles([old, fresh], { pollMs: 20, fromEnd: true, signal: ac.signal });
  t.match((await it.next()).value, { kind: 'gone', path: fresh });
  appendFileSync(old, 'new\n');
  writeFileSync(fresh, 'f1\n');
  const events = await collectUntil(it, (s) => dataOf(s, old).includes('new') && dataOf(s, fresh).includes('f1'));
  t.equal(dataOf(events, old), 'new\n');
  t.equal(dataOf(events, fresh), 'f1\n');
  ac.abort();
  await it.return?.(undefined);
});

t.test('a folder is reported as not a regular file', async (t) => {
  const dir = tempDir(t);
  const ac = new AbortController();
  const it = followFiles([dir], { pollMs: 20, signal: ac.signal });
  t.match((await it.next()).value, { kind: 'gone', message: 'not a regular file' });
  ac.abort();
  await it.return?.(undefined);
});

t.test('a file missing for a moment (rotation between rename and create) is no news; missing for long is', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'rotating.log');
  writeFileSync(file, 'one\n');
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 10, goneAfterMs: 400, signal: ac.signal });
  await collectUntil(it, hasData('one\n'));
  unlinkSync(file);
  // Several polls see it missing, within the grace period.
  await new Promise((resolve) => setTimeout(resolve, 100));
  writeFileSync(file, 'two\n');
  const back = await collectUntil(it, hasData('two\n'));
  t.equal(back.filter((e) => e.kind === 'gone').length, 0, 'no warning for a gap shorter than goneAfterMs');
  unlinkSync(file);
  const started = Date.now();
  const gone = await collectUntil(it, (s) => s.some((e) => e.kind === 'gone'));
  t.equal(gone.at(-1)?.kind, 'gone', 'still missing after the grace: reported');
  t.ok(Date.now() - started >= 350, 'not before the grace period is over');
  ac.abort();
  await it.return?.(undefined);
});

/**
 * A followed file `o1` whose writer keeps its descriptor while the file is renamed away (to
 * `.1`) and a new one with `n1` created, as a daemon's log before it is told to reopen.
 */
async function rotatedWithWriter(t: Parameters<typeof tempDir>[0], rotationGraceMs: number) {
  const file = join(tempDir(t), 'nova-compute.log');
  writeFileSync(file, 'o1\n');
  const writer = openSync(file, 'a');
  t.teardown(() => closeSync(writer));
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 10, rotationGraceMs, signal: ac.signal });
  await collectUntil(it, hasData('o1\n'));
  renameSync(file, `${file}.1`);
  writeFileSync(file, 'n1\n');
  return { file, writer, ac, it };
}

t.test('a rotated file written on through its old descriptor (until the daemon reopens) is read to its quiet end', async (t) => {
  const { writer, ac, it } = await rotatedWithWriter(t, 500);
  // Pulled meanwhile: the follower catches up with the old file while the writer is still on it.
  const collected = collectUntil(it, drained(1));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let last = 0;
  for (let i = 2; i <= 6; i++) {
    await pause(30);
    writeSync(writer, `o${i}\n`);
    last = performance.now();
  }
  const events = await collected;
  t.match(events.find((e) => e.kind === 'reopen'), { kind: 'reopen', reason: 'rotated' });
  t.equal(streamOf(events, 1), 'o2\no3\no4\no5\no6\n', 'every write to the old descriptor');
  t.equal(streamOf(events), 'n1\n', 'and the new file from its start');
  t.ok(performance.now() - last >= 480, 'the old file was read on until quiet');
  ac.abort();
  await it.return?.(undefined);
});

t.test('while the rotated file is read on, the new one is read as its bytes come: both streams interleave, neither waits for the grace', async (t) => {
  // A grace far longer than the exchange below: every step waits for the follower, never for the clock.
  const { file, writer, ac, it } = await rotatedWithWriter(t, 60_000);
  const events: FollowEvent[] = [];
  events.push(...await collectUntil(it, (seen) => streamOf(seen) === 'n1\n'));
  for (let i = 2; i <= 4; i++) {
    writeSync(writer, `o${i}\n`);
    events.push(...await collectUntil(it, (seen) => streamOf(seen, 1) === `o${i}\n`));
    appendFileSync(file, `n${i}\n`);
    events.push(...await collectUntil(it, (seen) => streamOf(seen) === `n${i}\n`));
  }
  t.same(events.filter((e) => e.kind === 'data').map((e) => (e.kind === 'data' ? e.chunk.toString() : '')),
    ['n1\n', 'o2\n', 'n2\n', 'o3\n', 'n3\n', 'o4\n', 'n4\n'], 'each write seen as it came, from either file');
  t.notOk(events.some((e) => e.kind === 'drained'), 'the old file is still read on');
  ac.abort();
  await it.return?.(undefined);
});

t.test('a new file rotated away itself soon after is read too: each rotated file a stream of its own', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'nova-compute.log');
  writeFileSync(file, 'o1\n');
  const ac = new AbortController();
  const it = followFiles([file], { pollMs: 10, rotationGraceMs: 300, signal: ac.signal });
  await collectUntil(it, hasData('o1\n'));
  const oldWriter = openSync(file, 'a');
  t.teardown(() => closeSync(oldWriter));
  renameSync(file, `${file}.2`);
  writeFileSync(file, 'n1\n');
  const first = await collectUntil(it, hasData('n1\n'));
  const newWriter = openSync(file, 'a');
  t.teardown(() => closeSync(newWriter));
  renameSync(file, `${file}.1`);
  writeFileSync(file, 'm1\n');
  writeSync(oldWriter, 'o2\n');
  writeSync(newWriter, 'n2\n');
  const rest = await collectUntil(it, (seen) => hasData('m1\n')(seen) && drained(1)(seen) && drained(2)(seen));
  const events = [...first, ...rest];
  t.equal(streamOf(events), 'n1\nm1\n', 'the files under the path, each from its start');
  t.equal(streamOf(events, 1), 'o2\n', 'the first rotated away, read on');
  t.equal(streamOf(events, 2), 'n2\n', 'the second rotated away, read on');
  t.equal(events.filter((e) => e.kind === 'reopen').length, 2);
  ac.abort();
  await it.return?.(undefined);
});

/**
 * The whole stage (bin/instance-trace, built dist/) against a daemon's rotation: rename, create,
 * write on through the old descriptor for half a second, then reopen.
 */
const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const RECORDS = 300;

/**
 * Writes record 1, waits for a line on stdin, then records 2..300 one each 5 ms: 101..200 go to
 * the old descriptor after the file was renamed away and a new one created, 201..300 to the new one.
 */
const DAEMON = `
const fs = require('node:fs');
const [file, id, total] = process.argv.slice(1);
${DAEMON_LINE}
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
let fd = fs.openSync(file, 'a');
fs.writeSync(fd, line(1));
process.stdin.once('data', async () => {
  for (let n = 2; n <= Number(total); n++) {
    if (n === 101) { fs.renameSync(file, file + '.1'); fs.closeSync(fs.openSync(file, 'a')); }
    if (n === 201) { fs.closeSync(fd); fd = fs.openSync(file, 'a'); }
    fs.writeSync(fd, line(n));
    await pause();
  }
  fs.closeSync(fd);
  process.exit(0);
});
`;

t.test('filter --follow: records written to the rotated file before the daemon reopens are all passed on, whole, once', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'nova-compute.log');
  const filter = followFilter(['--idle-flush', '100', '-i', ID, file]);
  const daemon = spawnScript(DAEMON, [file, ID, String(RECORDS)]);
  t.teardown(() => { filter.child.kill('SIGKILL'); daemon.kill('SIGKILL'); });
  // The rotation comes only once the filter follows the file (record 1 is through).
  await filter.waitFor(`record 1 of ${RECORDS}\n`);
  daemon.stdin!.write('go\n');
  // The last of each file: the old one's (200) is passed on once it is quiet or drained.
  await filter.waitFor(`record ${RECORDS} of ${RECORDS}\n`);
  await filter.waitFor(`record 200 of ${RECORDS}\n`);
  const { lines, numbers } = recordNumbers(filter.out);
  const missing = Array.from({ length: RECORDS }, (_, i) => i + 1).filter((n) => !numbers.includes(n));
  t.same(missing, [], `no record lost (${missing.length} of ${RECORDS} missing)`);
  t.equal(lines.length, RECORDS, 'none twice, none split');
  const oldFile = numbers.filter((n) => n <= 200);
  const newFile = numbers.filter((n) => n > 200);
  t.same(oldFile, [...oldFile].sort((a, b) => a - b), 'the old file\'s records in the order written');
  t.same(newFile, [...newFile].sort((a, b) => a - b), 'the new file\'s records in the order written');
  t.ok(lines.every((l) => l.startsWith('2017-05-16 00:00:') && l.includes(`[instance: ${ID}] record `)), 'each record whole');
  filter.child.kill('SIGTERM');
  t.equal(await filter.exited, 0);
  t.equal(filter.err, '');
});
