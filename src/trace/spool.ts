/**
 * A trace reads its inputs twice (the instance id, then its requests and base files), but stdin
 * and pipes can be read once. Such inputs are copied to a private temporary file first; the
 * copy keeps the input's name for display and is removed when the trace ends, or on any other
 * way out of the process (see liveDirs). The private temporary folder is also where pass 1
 * spools gzip sources' decompressed bytes (src/trace/run.ts).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { SourceFile } from '../sources/source.js';

export interface Spooled {
  sources: SourceFile[];
  /** Removes the temporary copies. */
  cleanup(): Promise<void>;
}

/** A source can be read twice when it is a regular file of known size. */
function rereadable(source: SourceFile): boolean {
  return source.path !== '-' && source.size !== null;
}

export interface TempDir {
  /** A folder only this user can read (mkdtemp makes it mode 0700). */
  dir: string;
  /** Removes the folder and all in it. */
  cleanup(): Promise<void>;
}

/**
 * The temporary folders not yet removed (copies can be GiBs). Every way out removes them:
 * cleanup() on the normal path; the 'exit' event, synchronously, for process.exit from anywhere
 * (a reader that left, `| head`), an uncaught exception or unhandled rejection; and the signals
 * below, whose default action ends the process without an 'exit' event.
 */
const liveDirs = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeLiveDirs(): void {
  for (const dir of liveDirs) {
    try {
      // Retries (10, backing off): a worker or a pending open may be creating a file in it while
      // the process goes down, and on a loaded machine that can take a while.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 10 });
    } catch {
      // Nothing more can be done on the way out; an error here must not hide the real one.
    }
  }
  liveDirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeLiveDirs();
  unwatchExits();
  // Then die of the signal as without this handler, unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchExits(): void {
  process.on('exit', removeLiveDirs);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unwatchExits(): void {
  process.off('exit', removeLiveDirs);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** A private temporary folder for the trace's copies; removed by cleanup() or on any way out. */
export async function makeTempDir(): Promise<TempDir> {
  // The signal handlers go in first: Node installs the process's handler only when a listener is
  // added, and a SIGTERM between mkdtemp and that would kill with the folder left behind. A
  // signal handled after this point runs on a later tick, once the folder is registered.
  if (liveDirs.size === 0) watchExits();
  let dir: string;
  try {
    dir = mkdtempSync(path.join(tmpdir(), 'instance-trace-'));
  } catch (error) {
    if (liveDirs.size === 0) unwatchExits();
    throw error;
  }
  liveDirs.add(dir);
  return {
    dir,
    cleanup: async () => {
      // Live until it is gone: an exit while rm() runs must still find it.
      await rm(dir, { recursive: true, force: true });
      if (liveDirs.delete(dir) && liveDirs.size === 0) unwatchExits();
    },
  };
}

export async function spoolOnceOnlySources(sources: readonly SourceFile[], stdin: Readable = process.stdin): Promise<Spooled> {
  if (sources.every(rereadable)) return { sources: [...sources], cleanup: async () => undefined };
  const { dir, cleanup } = await makeTempDir();
  const out: SourceFile[] = [];
  let n = 0;
  try {
    for (const source of sources) {
      if (rereadable(source)) {
        out.push(source);
        continue;
      }
      const copy = path.join(dir, `input-${n++}`);
      const input = source.path === '-' ? stdin : createReadStream(source.path);
      await pipeline(input, createWriteStream(copy, { mode: 0o600 }));
      out.push({ ...source, path: copy, size: (await stat(copy)).size });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { sources: out, cleanup };
}
