import t from 'tap';
import { once, type EventEmitter } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLogger, installCrashHandlers, withInstance } from '../../src/index.js';
import { drainSink } from '../../src/logger/crash.js';
import { sinkSym } from '../../src/logger/symbols.js';
import { OsloTextStream } from '../../src/logger/text-streams.js';
import { capture, UUID } from './fixtures/capture.js';

type Listener = (...args: unknown[]) => void;
const emit = (event: string, ...args: unknown[]) => (process.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
const EVENTS = ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT'] as const;

/** Runs `fn` with only our handlers on the crash events and process.exit recorded, not run. */
async function isolated(fn: (exits: number[]) => Promise<void> | void): Promise<void> {
  const saved = new Map<string, Listener[]>(EVENTS.map((e) => [e, process.listeners(e as 'SIGTERM') as Listener[]]));
  for (const e of EVENTS) process.removeAllListeners(e);
  const realExit = process.exit;
  const realCode = process.exitCode;
  const exits: number[] = [];
  process.exit = ((code?: number) => { exits.push(code ?? 0); }) as typeof process.exit;
  try {
    await fn(exits);
  } finally {
    process.exit = realExit;
    process.exitCode = realCode;
    for (const e of EVENTS) {
      process.removeAllListeners(e);
      for (const l of saved.get(e) ?? []) process.on(e as 'SIGTERM', l);
    }
  }
}

t.test('handlers are installed once for several loggers and removed with the last', async (t) => {
  await isolated(() => {
    const a = createLogger({ destination: capture().stream });
    const b = createLogger({ destination: capture().stream });
    const offA = installCrashHandlers(a);
    const offB = installCrashHandlers(b, { exitCode: 3 });
    t.equal(process.listenerCount('uncaughtException'), 1);
    t.equal(process.listenerCount('SIGTERM'), 1);
    offA();
    offA();
    t.equal(process.listenerCount('uncaughtException'), 1, 'still there for b');
    offB();
    t.equal(process.listenerCount('uncaughtException'), 0);
    t.equal(process.listenerCount('unhandledRejection'), 0);
    t.equal(process.listenerCount('SIGINT'), 0);
  });
});

t.test('an uncaught exception: fatal record in every registered logger, with the scope; then exit', async (t) => {
  await isolated(async (exits) => {
    const outA = capture();
    const outB = capture();
    const a = createLogger({ destination: outA.stream, crashHandlers: true });
    const b = createLogger({ destination: outB.stream, format: 'oslo' });
    const offB = installCrashHandlers(b);
    const error = new Error('thrown out of the scope');
    t.throws(() => withInstance(UUID, () => { throw error; }));
    emit('uncaughtException', error, 'uncaughtException');
    emit('uncaughtException', new Error('a second one while exiting'), 'uncaughtException');
    await new Promise((resolve) => setImmediate(resolve));
    const fatal = outA.records().find((r) => r.level === 60);
    t.equal(fatal?.instance_uuid, UUID);
    t.equal(fatal?.msg, 'uncaught exception: Error: thrown out of the scope');
    t.match(outB.lines()[0], new RegExp(`CRITICAL instance-trace \\[-\\] \\[instance: ${UUID}\\] uncaught exception`));
    t.equal(outA.records().filter((r) => r.level === 60).length, 2, 'the second error is logged too');
    t.same(exits, [1], 'one exit, status 1');
    offB();
    installCrashHandlers(a)(); // replaces, then removes, the registration the option made
    t.equal(process.listenerCount('uncaughtException'), 0, 'all gone');
  });
});

t.test('unhandled rejection and signals', async (t) => {
  await isolated(async (exits) => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    const off = installCrashHandlers(log, { exitCode: 7, flushTimeoutMs: 50 });
    emit('unhandledRejection', 'a string reason', Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(out.records()[0]?.msg, 'unhandled promise rejection: a string reason');
    t.same(exits, [7]);
    off();
    const off2 = installCrashHandlers(log);
    emit('SIGTERM', 'SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    t.equal(out.records()[1]?.msg, 'received SIGTERM: flushing logs and exiting');
    t.equal(out.records()[1]?.signal, 'SIGTERM');
    t.same(exits, [7, 143]);
    off2();
  });
});

t.test('drainSink: synchronous when it can be, waits for opening files and in-flight writes', async (t) => {
  const dir = t.testdir();
  let flushed = 0;
  let done = 0;
  drainSink({ flushSync: () => { flushed++; } }, () => { done++; });
  t.equal(flushed, 1);
  t.equal(done, 1, 'synchronous');

  drainSink({ flushSync: () => { throw new Error('cannot'); } }, () => { done++; });
  t.equal(done, 2, 'a failing flushSync with nothing to end still completes');
  drainSink(process.stdout as never, () => { done++; });
  t.equal(done, 3, 'stdout is not ended');
  drainSink({ streams: [{ stream: { flushSync() { flushed++; } } }, { stream: { write() {} } }] } as never, () => { done++; });
  t.equal(done, 4, 'multistream: every stream');
  t.equal(flushed, 2);

  const opening = pino.destination({ dest: join(dir, 'opening.log'), sync: false });
  opening.write('first line\n');
  t.ok((opening as unknown as { fd: number }).fd < 0, 'still opening');
  await new Promise<void>((resolve) => drainSink(opening as never, resolve));
  t.equal(readFileSync(join(dir, 'opening.log'), 'utf8'), 'first line\n');

  const writable = createWriteStream(join(dir, 'writable.log'));
  writable.write('via a Writable\n');
  await new Promise<void>((resolve) => drainSink(writable as never, resolve));
  t.equal(readFileSync(join(dir, 'writable.log'), 'utf8'), 'via a Writable\n');

  const busy = pino.destination({ dest: join(dir, 'busy.log'), sync: false });
  await once(busy, 'ready');
  for (let i = 0; i < 1000; i++) busy.write(`line ${i}\n`);
  await new Promise<void>((resolve) => drainSink(busy as never, resolve));
  t.equal(readFileSync(join(dir, 'busy.log'), 'utf8').split('\n').length - 1, 1000, 'nothing lost or doubled');

  const text = createLogger({ destination: join(dir, 'oslo.log'), format: 'oslo' });
  text.info('through the oslo stream');
  const stream = (text as unknown as Record<symbol, { flushSync(): void; end(): void }>)[pino.symbols.streamSym]!;
  text.flush();
  await once((text as unknown as Record<symbol, EventEmitter>)[sinkSym]!, 'ready');
  stream.flushSync();
  t.match(readFileSync(join(dir, 'oslo.log'), 'utf8'), / INFO instance-trace \[-\] through the oslo stream\n$/, 'flushSync reaches the file');
  stream.end();
});

t.test('text streams over a bare destination: flush, flushSync and end are safe no-ops', async (t) => {
  const written: string[] = [];
  const stream = new OsloTextStream({ write: (s: string) => { written.push(s); } }, 'n', 1);
  stream.flushSync();
  stream.end();
  await new Promise<void>((resolve) => stream.flush(() => resolve()));
  t.same(written, []);
});

t.test('a drain that never finishes is cut before flushTimeoutMs and exits once', async (t) => {
  await isolated(async (exits) => {
    // A destination whose end() never closes.
    const stuck = { write() { return true; }, end() {}, once() {} };
    const log = createLogger({ destination: stuck as never });
    const off = installCrashHandlers(log, { flushTimeoutMs: 40 });
    emit('SIGTERM', 'SIGTERM');
    t.same(exits, [], 'waits for the drain');
    await new Promise((resolve) => setTimeout(resolve, 80));
    t.same(exits, [143], 'one exit, at the cut');
    off();
  });
});
