/**
 * Copies every decompressed byte a reader delivers to a spool file, so a source that can only
 * be read from its beginning (gzip) can later be read in parts like a plain file. Spooling is
 * best effort: past a byte budget shared by all spools of a run (workers included: it lives in
 * shared memory) or on a write error, the partial spool is removed and reading goes on unaffected.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { ByteReader } from './read.js';

/** Bytes all spools of a run may hold together, shared across threads (see spoolBudget). */
export type SpoolBudget = BigInt64Array;

/** A budget of `limit` bytes; [0] holds the bytes reserved, [1] the limit. Clones share it. */
export function spoolBudget(limit: number): SpoolBudget {
  const budget = new BigInt64Array(new SharedArrayBuffer(16));
  budget[1] = BigInt(Math.max(0, Math.floor(limit)));
  return budget;
}

export interface SpoolTarget {
  /** File to create (exclusively, mode 0600) for the decompressed bytes. */
  path: string;
  budget: SpoolBudget;
}

/** A complete spool: every byte the reader delivered up to its end. */
export interface SpoolResult {
  path: string;
  bytes: number;
}

export class TeeReader implements ByteReader {
  #fd: number | null = null;
  #written = 0;
  #ended = false;
  #failed = false;

  constructor(private readonly inner: ByteReader, private readonly target: SpoolTarget) {
    if (target.budget[1]! <= 0n) {
      this.#failed = true;
      return;
    }
    try {
      this.#fd = openSync(target.path, 'wx', 0o600);
    } catch {
      this.#failed = true;
    }
  }

  get consumed(): number { return this.inner.consumed; }
  get gzip(): boolean { return this.inner.gzip; }
  get seekable(): boolean { return this.inner.seekable; }

  /** Reads, then copies the bytes read before the caller can touch them. */
  async read(target: Buffer, offset: number, length: number): Promise<number> {
    const n = await this.inner.read(target, offset, length);
    if (n === 0) this.#ended = true;
    else if (this.#fd !== null) this.#write(target, offset, n);
    return n;
  }

  #write(bytes: Buffer, offset: number, n: number): void {
    const budget = this.target.budget;
    if (Atomics.add(budget, 0, BigInt(n)) + BigInt(n) > budget[1]!) {
      Atomics.sub(budget, 0, BigInt(n));
      this.#abandon();
      return;
    }
    this.#written += n;
    try {
      let done = 0;
      while (done < n) done += writeSync(this.#fd!, bytes, offset + done, n - done);
    } catch {
      this.#abandon(); // ENOSPC and the like: reading goes on without the spool
    }
  }

  /** Stops spooling: removes the partial file and gives its bytes back to the budget. */
  #abandon(): void {
    this.#failed = true;
    if (this.#fd !== null) {
      try { closeSync(this.#fd); } catch { /* already unusable */ }
      this.#fd = null;
    }
    rmSync(this.target.path, { force: true });
    Atomics.sub(this.target.budget, 0, BigInt(this.#written));
    this.#written = 0;
  }

  /** The spool when the input was read to its end without a failure, else null (and no file is left). */
  result(): SpoolResult | null {
    if (this.#failed) return null;
    if (!this.#ended) {
      this.#abandon();
      return null;
    }
    return { path: this.target.path, bytes: this.#written };
  }

  /** Marks the spool unusable (the caller saw the input damaged or cut short). */
  discard(): void {
    if (!this.#failed) this.#abandon();
  }

  async close(): Promise<void> {
    if (this.#fd !== null) {
      try {
        closeSync(this.#fd);
        this.#fd = null;
      } catch {
        this.#fd = null;
        this.#abandon();
      }
    }
    await this.inner.close();
  }
}
