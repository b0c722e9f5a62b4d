/**
 * A trace reads its inputs twice (the instance id, then its requests and base files), but stdin
 * and pipes can be read once. Such inputs are copied to a private temporary file first; the
 * copy keeps the input's name for display and is removed when the trace ends.
 */
import { createWriteStream } from 'node:fs';
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

export async function spoolOnceOnlySources(sources: readonly SourceFile[], stdin: Readable = process.stdin): Promise<Spooled> {
  if (sources.every(rereadable)) return { sources: [...sources], cleanup: async () => undefined };
  const dir = await mkdtemp(path.join(tmpdir(), 'instance-trace-'));
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
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { sources: out, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
