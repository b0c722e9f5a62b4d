/**
 * Salvage of a gzip file damaged inside its deflate data: zlib drops the output of the call that
 * fails, so the member is inflated again, in passes of ever smaller writes near the damage, to
 * recover all it can decode up to it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { constants, createInflateRaw, type InflateRaw } from 'node:zlib';

/** Input steps of the passes: each restarts at the member's start and ends one step nearer the damage. */
const SALVAGE_STEPS = [256, 1];
const SALVAGE_READ = 256 * 1024;

/** Writes to zlib and waits until it has taken the bytes; false when it failed or closed first. */
export function writeTo(inflater: InflateRaw, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const closed = (): void => resolve(false);
    inflater.once('close', closed);
    inflater.write(bytes, (error) => {
      inflater.off('close', closed);
      resolve(error == null);
    });
  });
}

/**
 * Inflates a damaged member of a file again to recover what zlib dropped with its failing call,
 * in passes of ever smaller writes near the damage. `failedAt`: deflate bytes taken before the
 * failing call; `known`: the member's bytes delivered already. Returns the bytes after those.
 */
export async function salvageMember(filePath: string, dataStart: number, failedAt: number, known: number, chunkSize: number): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  const recovered: Buffer[] = [];
  try {
    let reached = failedAt;
    let have = known;
    for (const step of SALVAGE_STEPS) {
      const pass = await inflateToDamage(handle, dataStart, reached, step, have, chunkSize);
      recovered.push(pass.output);
      have += pass.output.length;
      if (pass.failedAt === null) break;
      reached = pass.failedAt;
    }
  } finally {
    await handle.close();
  }
  return Buffer.concat(recovered);
}

/**
 * One salvage pass: the first `reached` bytes of the deflate data in large writes, then `step`
 * bytes a write until zlib fails or the data ends. Returns the output after the first `known`
 * bytes, and the bytes zlib had taken before the failing write (null when none failed).
 */
async function inflateToDamage(
  handle: FileHandle, dataStart: number, reached: number, step: number, known: number, chunkSize: number,
): Promise<{ output: Buffer; failedAt: number | null }> {
  const inflater = createInflateRaw({ chunkSize, finishFlush: constants.Z_SYNC_FLUSH });
  const output: Buffer[] = [];
  let produced = 0;
  let failed = false;
  inflater.on('data', (chunk: Buffer) => {
    const from = known - produced;
    if (from < chunk.length) output.push(from > 0 ? chunk.subarray(from) : chunk);
    produced += chunk.length;
  });
  inflater.on('error', () => { failed = true; });
  let position = 0;
  for (;;) {
    const size = position < reached ? Math.min(SALVAGE_READ, reached - position) : step;
    const bytes = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(bytes, 0, size, dataStart + position);
    if (bytesRead === 0 || !(await writeTo(inflater, bytes.subarray(0, bytesRead)))) break;
    position += bytesRead;
    if (inflater.bytesWritten < position) break; // the deflate data ended
  }
  const result = { output: Buffer.concat(output), failedAt: failed ? inflater.bytesWritten : null };
  inflater.destroy();
  return result;
}
