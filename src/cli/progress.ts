/**
 * A progress line on stderr for long traces: only on a terminal and only for inputs large enough
 * to take a while, redrawn at most ten times a second and erased at the end.
 */
import { formatBytes } from '../sources/report.js';
import type { CliIO } from './io.js';

/** Inputs smaller than this finish before progress would help. */
export const PROGRESS_MIN_BYTES = 256 * 1024 * 1024;

export interface Progress {
  update(done: number, total: number): void;
  done(): void;
}

const SILENT: Progress = { update: () => undefined, done: () => undefined };

export function createProgress(io: CliIO, inputBytes: number): Progress {
  if (io.stderr.isTTY !== true || inputBytes < PROGRESS_MIN_BYTES) return SILENT;
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = io.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const pass = done * 2 < total ? 1 : 2;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      io.stderr.write(`\r\u001b[Kinstance-trace: pass ${pass}/2, ${pct}% of ${formatBytes(total / 2)} read twice`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}
