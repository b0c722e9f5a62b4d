/**
 * Crash and signal handling: an uncaught exception or unhandled rejection is logged as `fatal`
 * (stack, time, and the instance/request of the async scope it was thrown in), every record is
 * flushed, then the process exits non-zero; SIGTERM/SIGINT flush and exit too.
 *
 * Flushing is synchronous whenever the destination allows it. It cannot be for a pino.destination
 * file that is still opening (plain pino's exit flush throws "sonic boom is not ready yet" and the
 * lines are lost) or has an async write in flight (flushSync would write later lines first); such
 * a destination is ended instead, and the process exits when it has closed. A pino.destination
 * is always ended (its flushSync retries a failing write forever). The drain is bounded: in memory
 * (capIntake) and in time (flushTimeoutMs, default 2 s; the queue is cut cleanly just before), and
 * a destination that fails is reported once on stderr and retired (see destination-faults.ts).
 */
import { constants } from 'node:os';
import { pino } from 'pino';
import { currentScope, runWithScope, scopeOfError } from './context.js';
import { thrownText } from './describe.js';
import { escapeLineText } from './escape.js';
import { capIntake, cutQueue, isRetired, isSonicBoom, leafSinks, retireOnError, type Sink } from './destination-faults.js';
import { sinkSym } from './symbols.js';

export interface CrashHandlerOptions {
  /** Exit status after a crash (default 1). Signals exit with 128 + the signal number. */
  exitCode?: number;
  /** Longest wait for an asynchronous flush before exiting anyway (default 2000 ms). */
  flushTimeoutMs?: number;
  /** Signals to flush and exit on (default SIGTERM and SIGINT). */
  signals?: readonly NodeJS.Signals[];
}

interface Registration {
  logger: pino.Logger;
  options: Required<CrashHandlerOptions>;
}

/** One registration per logger; installing again for a logger replaces its options. */
const registrations = new Map<pino.Logger, Registration>();
let exiting = false;

const DEFAULT_FLUSH_TIMEOUT_MS = 2000;

function sinkOf(logger: pino.Logger): Sink {
  const record = logger as unknown as Record<symbol, unknown>;
  return (record[sinkSym] ?? record[pino.symbols.streamSym]) as Sink;
}

/** Writes out everything `sink` holds; `done` runs once it is written (maybe synchronously). */
export function drainSink(sink: Sink, done: () => void): void {
  const streams = sink['streams'];
  if (Array.isArray(streams)) { // pino.multistream
    let pending = streams.length + 1;
    const one = () => { if (--pending === 0) done(); };
    for (const entry of streams) drainSink((entry as { stream: Sink }).stream, one);
    one();
    return;
  }
  if (isRetired(sink)) { done(); return; }
  const opening = typeof sink['fd'] === 'number' && (sink['fd'] as number) < 0;
  const writing = sink['_writing'] === true; // SonicBoom: an async write is in flight
  if (typeof sink.flushSync === 'function' && !opening && !writing && !isSonicBoom(sink)) {
    try {
      sink.flushSync();
      done();
      return;
    } catch { /* fall through to ending it */ }
  }
  const isStdio = sink === (process.stdout as unknown) || sink === (process.stderr as unknown);
  if (!isStdio && typeof sink.end === 'function' && typeof sink.once === 'function') {
    let called = false;
    const once = () => { if (!called) { called = true; done(); } };
    sink.once('close', once);
    sink.once('finish', once);
    sink.once('error', once);
    sink.end();
    return;
  }
  done();
}

/** Drains every registered logger's sink, then exits with `code` (after `timeoutMs` at the latest). */
function flushAllAndExit(code: number, timeoutMs: number): void {
  process.exitCode = code;
  let pending = registrations.size + 1;
  let exited = false;
  const sinks = [...registrations.keys()].flatMap((logger) => leafSinks(sinkOf(logger)));
  for (const sink of sinks) capIntake(sink);
  const exit = () => {
    if (exited) return;
    exited = true;
    clearTimeout(timer);
    clearTimeout(cut);
    process.exit(code);
  };
  const timer = setTimeout(exit, timeoutMs).unref();
  // Just before the deadline, stop writing at a line boundary rather than be cut mid-line.
  const cut = setTimeout(() => {
    let left = sinks.length + 1;
    const cutDone = () => { if (--left === 0) exit(); };
    for (const sink of sinks) cutQueue(sink, cutDone);
    cutDone();
  }, timeoutMs - Math.min(250, timeoutMs / 4)).unref();
  const one = () => { if (--pending === 0) exit(); };
  for (const logger of registrations.keys()) {
    try { drainSink(sinkOf(logger), one); } catch { one(); }
  }
  one();
}

function firstOptions(): Required<CrashHandlerOptions> {
  for (const registration of registrations.values()) return registration.options;
  return { exitCode: 1, flushTimeoutMs: DEFAULT_FLUSH_TIMEOUT_MS, signals: ['SIGTERM', 'SIGINT'] };
}

/**
 * Runs `logFatal` with pino's eager flush disabled: pino's fatal() calls the stream's flushSync(),
 * which on an async SonicBoom with a write in flight (often started by that very record) writes
 * the later buffers first, so lines land out of order. drainSink flushes safely instead.
 */
function withoutEagerFlush(logger: pino.Logger, logFatal: () => void): void {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as Record<string, unknown> | undefined;
  if (stream === undefined || typeof stream['flushSync'] !== 'function') {
    logFatal();
    return;
  }
  const own = Object.prototype.hasOwnProperty.call(stream, 'flushSync');
  const original = stream['flushSync'];
  stream['flushSync'] = () => undefined;
  try {
    logFatal();
  } finally {
    if (own) stream['flushSync'] = original;
    else delete stream['flushSync'];
  }
}

function reportCrash(thrown: unknown, origin: string): void {
  const scope = scopeOfError(thrown) ?? currentScope();
  const what = origin === 'unhandledRejection' ? 'unhandled promise rejection' : 'uncaught exception';
  for (const logger of registrations.keys()) {
    try {
      runWithScope(scope, () => withoutEagerFlush(logger, () => logger.fatal({ err: thrown, crash: origin }, `${what}: ${thrownText(thrown)}`)));
    } catch { /* a broken logger must not stop the others */ }
  }
  if (!exiting) {
    exiting = true;
    const options = firstOptions();
    // The log may be a file nobody watches: the terminal or the service manager hears of it too.
    process.stderr.write(`instance-trace logger: ${escapeLineText(`${what}: ${thrownText(thrown)}`)} `
      + `(logged as fatal; exiting with status ${options.exitCode})\n`);
    flushAllAndExit(options.exitCode, options.flushTimeoutMs);
  }
}

function onUncaughtException(error: unknown, origin: string): void {
  reportCrash(error, origin);
}

function onUnhandledRejection(reason: unknown): void {
  reportCrash(reason, 'unhandledRejection');
}

function onSignal(signal: NodeJS.Signals): void {
  for (const logger of registrations.keys()) {
    try { logger.info({ signal }, `received ${signal}: flushing logs and exiting`); } catch { /* keep going */ }
  }
  if (!exiting) {
    exiting = true;
    flushAllAndExit(128 + (constants.signals[signal] ?? 0), firstOptions().flushTimeoutMs);
  }
}

let installedSignals: readonly NodeJS.Signals[] = [];

/**
 * Logs uncaught exceptions and unhandled rejections through `logger` as `fatal` records, flushes
 * every registered logger, and exits non-zero; flushes and exits on SIGTERM/SIGINT. Several loggers
 * may be registered; the process-wide handlers are installed once. Returns an uninstaller (installing
 * again for the same logger replaces the earlier registration).
 */
export function installCrashHandlers(logger: pino.Logger, options: CrashHandlerOptions = {}): () => void {
  const registration: Registration = {
    logger,
    options: {
      exitCode: options.exitCode ?? 1,
      flushTimeoutMs: options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS,
      signals: options.signals ?? ['SIGTERM', 'SIGINT'],
    },
  };
  if (registrations.size === 0) {
    process.on('uncaughtException', onUncaughtException);
    process.on('unhandledRejection', onUnhandledRejection);
    installedSignals = registration.options.signals;
    for (const signal of installedSignals) process.on(signal, onSignal);
  }
  registrations.set(logger, registration);
  for (const sink of leafSinks(sinkOf(logger))) retireOnError(sink);
  return () => {
    if (registrations.get(logger) !== registration) return;
    registrations.delete(logger);
    if (registrations.size > 0) return;
    process.removeListener('uncaughtException', onUncaughtException);
    process.removeListener('unhandledRejection', onUnhandledRejection);
    for (const signal of installedSignals) process.removeListener(signal, onSignal);
    installedSignals = [];
    exiting = false;
  };
}
