import t from 'tap';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followFiles, type FollowEvent } from '../../src/sources/follow.js';

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
  const events = await collectUntil(it, hasData('n1\n'));
  t.equal(dataOf(events), 'r2\nr3 written after the rename\nn1\n', 'old tail, then the new file');
  const reopen = events.findIndex((e) => e.kind === 'reopen');
  t.match(events[reopen], { kind: 'reopen', reason: 'rotated' });
  t.ok(dataOf(events.slice(0, reopen)).includes('r3'), 'old file drained before the switch');
  t.equal(dataOf(events.slice(reopen)), 'n1\n');
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
