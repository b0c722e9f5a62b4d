/**
 * A trace reads its inputs twice (the instance id, then its requests and base files), but stdin
 * and pipes can be read once. Such inputs are copied to a private temporary file first; the
 * copy keeps the input's name for display and is removed when the trace ends. The private
 * temporary folder is also where pass 1 spools gzip sources' decompressed bytes (src/trace/run.ts).
 */
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
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

/** The temporary folders not yet cleaned up, removed on SIGINT/SIGTERM too (copies can be GiBs). */
const liveDirs = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
  for (const s of SIGNALS) process.off(s, onSignal);
  // Then die of the signal as without this handler, unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** A private temporary folder for the trace's copies; removed by cleanup(), or on SIGINT/SIGTERM. */
export async function makeTempDir(): Promise<TempDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'instance-trace-'));
  if (liveDirs.size === 0) for (const s of SIGNALS) process.on(s, onSignal);
  liveDirs.add(dir);
  return {
    dir,
    cleanup: async () => {
      if (liveDirs.delete(dir) && liveDirs.size === 0) for (const s of SIGNALS) process.off(s, onSignal);
      await rm(dir, { recursive: true, force: true });
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
