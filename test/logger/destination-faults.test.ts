import t from 'tap';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLogger, installCrashHandlers } from '../../src/index.js';
import { drainSink } from '../../src/logger/crash.js';
import { capIntake, cutQueue, DRAIN_EXTRA_BYTES, isRetired, leafSinks, retireOnError, type Sink } from '../../src/logger/destination-faults.js';
import { destinationPathSym } from '../../src/logger/symbols.js';

/** Runs `fn` with process.stderr.write recorded, not written. */
async function withStderr(fn: (lines: string[]) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  const real = process.stderr.write;
  process.stderr.write = ((chunk: string) => { lines.push(chunk); return true; }) as typeof process.stderr.write;
  try {
    await fn(lines);
  } finally {
    process.stderr.write = real;
  }
}

t.test('a failing destination is reported once, by name and cause, then takes and holds nothing', async (t) => {
  await withStderr(async (lines) => {
    const full = pino.destination({ dest: '/dev/full', sync: false }) as unknown as Sink;
    full[destinationPathSym] = '/dev/full';
    retireOnError(full);
    retireOnError(full); // guarding twice adds no second listener
    await once(full as never, 'ready');
    full.write!('first\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.ok(isRetired(full));
    t.same(lines.length, 1);
    t.match(lines[0], /^instance-trace logger: cannot write to \/dev\/full \(ENOSPC: no space left on device, write\); its records are dropped from now on\n$/);
    t.equal(full.write!('more\n'), true, 'writes are accepted and dropped');
    full.flushSync!();
    full.end!();
    let drained = false;
    drainSink(full, () => { drained = true; });
    t.ok(drained, 'drained at once');
    let cut = false;
    cutQueue(full, () => { cut = true; });
    t.ok(cut);
    t.equal(lines.length, 1, 'still one line');

    const unnamed = pino.destination({ dest: join(t.testdir(), 'plain'), sync: false }) as unknown as Sink;
    retireOnError(unnamed);
    await once(unnamed as never, 'ready');
    (unnamed as unknown as { emit(e: string, err: unknown): void }).emit('error', 'a string');
    t.match(lines[1], /cannot write to .*plain \(a string\)/, 'the opened file, and a thrown non-Error');
  });
});

t.test('a destination that never opened, and sinks that are not pino.destination', async (t) => {
  await withStderr(async (lines) => {
    const dir = t.testdir({ file: '' });
    const never = pino.destination({ dest: join(dir, 'file', 'sub', 'x.log'), mkdir: true, sync: false }) as unknown as Sink;
    retireOnError(never);
    await once(never as never, 'error');
    t.match(lines[0], /^instance-trace logger: cannot write to a log file that never opened \(ENOTDIR: /);
    const fd = pino.destination({ fd: 1, sync: false }) as unknown as Sink;
    retireOnError(fd);
    (fd as unknown as { emit(e: string, err: unknown): void }).emit('error', new Error('gone'));
    t.match(lines[1], /cannot write to file descriptor 1 \(gone\)/);
  });
  const plain: Sink = { write: () => true };
  retireOnError(plain);
  capIntake(plain);
  t.notOk(isRetired(plain));
  t.equal(plain['maxLength'], undefined, 'left alone');
  t.same(leafSinks({ streams: [{ stream: plain }, { stream: { streams: [{ stream: plain }] } }] }), [plain, plain]);
});

t.test('capIntake: at most DRAIN_EXTRA_BYTES more, and after the first drop nothing more (a prefix)', async (t) => {
  const file = join(t.testdir(), 'capped.log');
  const sink = pino.destination({ dest: file, sync: false, minLength: 4096 }) as unknown as Sink;
  await once(sink as never, 'ready');
  sink.write!('before\n');
  capIntake(sink);
  t.equal(sink['maxLength'], 7 + DRAIN_EXTRA_BYTES);
  sink.write!(`${'x'.repeat(DRAIN_EXTRA_BYTES)}\n`);
  sink.write!('small, after the drop\n');
  sink.flushSync!();
  t.equal(readFileSync(file, 'utf8'), 'before\n');
});

t.test('cutQueue: drops what is queued, lets the write in flight finish (whole lines)', async (t) => {
  const file = join(t.testdir(), 'cut.log');
  const sink = pino.destination({ dest: file, sync: false }) as unknown as Sink;
  await once(sink as never, 'ready');
  for (let i = 0; i < 20_000; i++) sink.write!(`line ${i} ${'y'.repeat(100)}\n`);
  t.equal(sink['_writing'], true, 'a write in flight');
  await new Promise<void>((resolve) => cutQueue(sink, resolve));
  const lines = readFileSync(file, 'utf8').split('\n');
  t.equal(lines.pop(), '', 'ends at a line boundary');
  t.ok(lines.length > 0 && lines.length < 20_000, `${lines.length} lines written`);
  t.ok(lines.every((line, i) => line.startsWith(`line ${i} `)), 'a prefix');
  sink.write!('after the cut\n');
  let done = false;
  cutQueue(sink, () => { done = true; });
  t.ok(done, 'nothing in flight: done at once');
  t.equal(readFileSync(file, 'utf8').split('\n').length - 1, lines.length, 'nothing written after the cut');
  cutQueue({ write: () => true }, () => { done = false; });
  t.notOk(done, 'any other sink: done at once');
});

t.test('a reader that went away (EPIPE) is retired silently, as pino does', async (t) => {
  await withStderr(async (lines) => {
    const piped = pino.destination({ fd: 1, sync: false }) as unknown as Sink;
    retireOnError(piped);
    (piped as unknown as { emit(e: string, err: unknown): void }).emit('error', Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' }));
    t.ok(isRetired(piped));
    t.same(lines, []);
  });
});

t.test('a failing destination beside a healthy one (multistream): the healthy one keeps every record', async (t) => {
  const file = join(t.testdir(), 'healthy.log');
  const healthy = pino.destination({ dest: file, sync: false });
  const full = pino.destination({ dest: '/dev/full', sync: false });
  await Promise.all([once(healthy, 'ready'), once(full, 'ready')]);
  await withStderr(async (lines) => {
    const log = createLogger({ destination: pino.multistream([{ stream: healthy }, { stream: full }]) });
    const off = installCrashHandlers(log);
    try {
      for (let i = 0; i < 3; i++) {
        log.info({ n: i }, 'tick');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      t.ok(isRetired(full as unknown as Sink));
      t.notOk(isRetired(healthy as unknown as Sink));
      t.equal(lines.length, 1, 'reported once');
    } finally {
      off();
    }
    healthy.flushSync();
    t.same(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { n: number }).n), [0, 1, 2]);
  });
});
