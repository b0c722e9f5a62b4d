/**
 * What the crash handlers do to a pino.destination (SonicBoom) so that it can never keep a process
 * alive: a destination that fails is retired with one line on stderr, and a drain after a signal or
 * crash is bounded in memory and cut cleanly (at a line boundary) when its time is up.
 *
 * Why retire: SonicBoom's flushSync retries a write that fails with anything but EAGAIN forever
 * (100 ms sleeps: /dev/full hangs pino's exit hook), a file whose folder cannot be created never
 * opens (its end() waits for an open that never comes), and each later write fails again.
 * The SonicBoom fields read here (`fd`, `_writing`, `_bufs`, `_lens`, `_len`, `_writingBuf`) are
 * those of sonic-boom 4; a sink without them is left alone.
 */
import { thrownText } from './describe.js';
import { escapeLineText } from './escape.js';
import { destinationPathSym } from './symbols.js';

export type Sink = Record<string | symbol, unknown> & {
  write?: (data: string) => boolean;
  flushSync?: () => void;
  end?: () => void;
  on?: (event: string, listener: (...args: unknown[]) => void) => void;
  once?: (event: string, listener: (...args: unknown[]) => void) => void;
  removeListener?: (event: string, listener: (...args: unknown[]) => void) => void;
};

/** Bytes a destination may take in after a drain starts, on top of what it already holds. */
export const DRAIN_EXTRA_BYTES = 8 * 1024 * 1024;

const guarded = new WeakSet<object>();
const retired = new WeakSet<object>();

/** A pino.destination (SonicBoom): the sinks whose internals this module knows. */
export function isSonicBoom(sink: Sink): boolean {
  return typeof sink['fd'] === 'number' && Array.isArray(sink['_bufs']) && typeof sink['_len'] === 'number'
    && typeof sink.on === 'function';
}

/** Every leaf sink under `sink` (a pino.multistream's streams, else the sink itself). */
export function leafSinks(sink: Sink): Sink[] {
  const streams = sink['streams'];
  if (!Array.isArray(streams)) return [sink];
  return streams.flatMap((entry) => leafSinks((entry as { stream: Sink }).stream));
}

function describeDestination(sink: Sink): string {
  const file = sink[destinationPathSym] ?? sink['file'];
  if (typeof file === 'string') return file;
  return sink['fd'] === -1 ? 'a log file that never opened' : `file descriptor ${String(sink['fd'])}`;
}

/** A destination retired after failing (it takes and holds nothing). */
export function isRetired(sink: Sink): boolean {
  return retired.has(sink);
}

/** Drops everything the sink holds and everything written to it from now on. */
function retire(sink: Sink): void {
  retired.add(sink);
  sink['_bufs'] = [];
  sink['_lens'] = [];
  sink['_len'] = 0;
  sink['destroyed'] = true; // pino's exit hook skips a destroyed destination
  sink.write = () => true;
  sink.flushSync = () => undefined;
  sink['flush'] = (cb?: (err?: Error | null) => void) => { cb?.(); };
  sink.end = () => undefined;
}

/** On the sink's first error: one line on stderr saying which destination and why, then retire it. */
export function retireOnError(sink: Sink): void {
  if (!isSonicBoom(sink) || guarded.has(sink)) return;
  guarded.add(sink);
  let reported = false;
  sink.on!('error', (error: unknown) => {
    if (reported) return;
    reported = true;
    retire(sink);
    // A reader that went away (`| head`): pino stops writing silently, and so do we.
    if ((error as { code?: unknown } | null)?.code === 'EPIPE') return;
    const why = error instanceof Error ? error.message : thrownText(error);
    process.stderr.write(`instance-trace logger: cannot write to ${escapeLineText(`${describeDestination(sink)} (${why})`)}; `
      + 'its records are dropped from now on\n');
  });
}

/**
 * From now on the sink takes at most DRAIN_EXTRA_BYTES more; the first record that does not fit
 * is dropped and so is every later one, so what is written stays a prefix of what was logged.
 */
export function capIntake(sink: Sink): void {
  if (!isSonicBoom(sink)) return;
  sink['maxLength'] = (sink['_len'] as number) + DRAIN_EXTRA_BYTES;
  sink.once!('drop', () => { sink['maxLength'] = 1; });
}

/**
 * Time is up: drops what is queued but not yet handed to the OS, and calls `done` once the write
 * in flight (at most one SonicBoom chunk, whole lines) is written, so no half line is left. No
 * fsync is waited for (SonicBoom's close and pino's exit hook both fsync; on a big file just
 * written that can take seconds): what write() took in, the kernel keeps.
 */
export function cutQueue(sink: Sink, done: () => void): void {
  if (!isSonicBoom(sink) || retired.has(sink)) { done(); return; }
  sink['maxLength'] = 1;
  sink['_bufs'] = [];
  sink['_lens'] = [];
  sink.flushSync = () => undefined;
  const inFlight = sink['_writingBuf'] as string | Uint8Array | undefined;
  let left = typeof inFlight === 'string' ? Buffer.byteLength(inFlight) : inFlight?.length ?? 0;
  if (sink['_writing'] !== true || (sink['fd'] as number) < 0) {
    sink['_len'] = 0;
    done();
    return;
  }
  sink['_len'] = left;
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    sink.removeListener?.('write', onWrite);
    for (const event of ['drain', 'close', 'error']) sink.removeListener?.(event, finish);
    done();
  };
  const onWrite = (written: unknown) => {
    left -= typeof written === 'number' ? written : 0;
    if (left <= 0) finish();
  };
  sink.on!('write', onWrite);
  for (const event of ['drain', 'close', 'error']) sink.once!(event, finish);
}
