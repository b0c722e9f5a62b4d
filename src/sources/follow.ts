/**
 * `tail -F` for several files at once: yields each file's new bytes as they are written, and
 * survives rename-and-recreate rotation, truncation, and files that vanish and come back.
 *
 * Pull-based on purpose: nothing is read until the consumer asks for the next event, so a slow
 * consumer throttles the reads and memory stays at one chunk per file.
 */
import { describeError } from './errors.js';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface FollowOptions {
  /** How often files are checked when fs.watch says nothing (it is only a hint), in ms. */
  pollMs?: number;
  /** Most bytes read from one file in one go. */
  readBytes?: number;
  /** Start files that exist at start at their end (`tail -F -n0`) instead of their beginning. */
  fromEnd?: boolean;
  /**
   * How long a file that was there may be missing before `gone` is sent (ms, default 2000):
   * rotation renames a file away and creates it anew, and a poll between the two is no news.
   */
  goneAfterMs?: number;
  /**
   * How long a file rotated away is read on after it was last seen to grow (ms, default 1000): a
   * daemon writes on to its open descriptor until it is told to reopen. The new file under the
   * path is read meanwhile too, as its bytes come (a `rotated` stream beside it).
   */
  rotationGraceMs?: number;
  /** Stops following; the generator then returns. */
  signal?: AbortSignal;
}

/**
 * - `data`: new bytes of `path`, in order. Without `rotated`: of the file under the path now.
 *   With `rotated: n`: of the n-th file rotated away from the path, still read while its writer
 *   may be on it; a stream of its own, its bytes in order, never mixed with another's.
 * - `drained`: the rotated file `rotated` has been quiet for `rotationGraceMs` and is read to
 *   its end: a consumer ends the record it was holding for that stream.
 * - `reopen`: what follows is a new file under `path` (rotated away, truncated, or it appeared);
 *   a consumer ends the record it was holding for `path` and counts lines from 1 again. After a
 *   rotation the old file's remaining bytes come as its `rotated` stream.
 * - `gone`: `path` cannot be read now (missing, no permission); reported once until it returns.
 */
export type FollowEvent =
  | { kind: 'data'; path: string; chunk: Buffer; rotated?: number }
  | { kind: 'drained'; path: string; rotated: number }
  | { kind: 'reopen'; path: string; reason: 'rotated' | 'truncated' | 'appeared' }
  | { kind: 'gone'; path: string; message: string };

interface FollowedFile {
  path: string;
  handle: FileHandle | null;
  /** Identity of the open file, to notice a new file renamed into place. */
  dev: number;
  ino: number;
  /** Next byte to read from the open file. */
  pos: number;
  /** Files rotated away from `path` (replaced or removed), read on until each is quiet. */
  rotated: Drain[];
  /** How many files were rotated away from `path` so far (numbers the `rotated` streams). */
  rotations: number;
  /** A `gone` event was sent and the file has not come back since. */
  reportedGone: boolean;
  /** Opened once already (a later opening is a reopen). */
  seen: boolean;
  /** When the path was first found missing since it was last there (ms), or null. */
  missingSince: number | null;
}

/** A file rotated away, read on through its own descriptor until it has been quiet for the grace. */
interface Drain {
  id: number;
  handle: FileHandle;
  pos: number;
  /** performance.now() of its last growth, or of its rotation. */
  lastNews: number;
}

const DEFAULT_POLL_MS = 200;
const DEFAULT_READ_BYTES = 1 << 20;
const DEFAULT_GONE_AFTER_MS = 2000;
const DEFAULT_ROTATION_GRACE_MS = 1000;

export async function* followFiles(paths: readonly string[], options: FollowOptions = {}): AsyncGenerator<FollowEvent> {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const readBytes = options.readBytes ?? DEFAULT_READ_BYTES;
  const signal = options.signal;
  const files: FollowedFile[] = [...new Set(paths)].map((path) => ({
    path, handle: null, dev: 0, ino: 0, pos: 0, rotated: [], rotations: 0, reportedGone: false, seen: false, missingSince: null,
  }));
  const goneAfterMs = options.goneAfterMs ?? DEFAULT_GONE_AFTER_MS;
  const graceMs = options.rotationGraceMs ?? DEFAULT_ROTATION_GRACE_MS;
  const waker = new Waker();
  const watchers = watchDirectories(files.map((f) => f.path), () => waker.wake());
  const onAbort = (): void => waker.wake();
  signal?.addEventListener('abort', onAbort);
  try {
    let first = true;
    while (!signal?.aborted) {
      let readSomething = false;
      for (const file of files) {
        if (signal?.aborted) break;
        for (const event of await refresh(file, first && options.fromEnd === true, goneAfterMs)) yield event;
        const chunk = file.handle ? await readMore(file.handle, file, readBytes) : null;
        if (chunk) {
          readSomething = true;
          yield { kind: 'data', path: file.path, chunk };
        }
        for (const drain of [...file.rotated]) {
          const old = await readMore(drain.handle, drain, readBytes);
          if (old) {
            readSomething = true;
            yield { kind: 'data', path: file.path, chunk: old, rotated: drain.id };
          } else if (performance.now() - drain.lastNews >= graceMs) {
            // Read to its end and quiet: a writer that kept its descriptor has been told to reopen by now.
            file.rotated.splice(file.rotated.indexOf(drain), 1);
            await drain.handle.close().catch(() => undefined);
            yield { kind: 'drained', path: file.path, rotated: drain.id };
          }
        }
      }
      first = false;
      // Only sleep when every file is caught up; otherwise read on at full speed.
      if (!readSomething) await waker.sleep(pollMs);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    waker.wake();
    for (const w of watchers) w.close();
    await Promise.all(files.flatMap((f) => [f.handle, ...f.rotated.map((d) => d.handle)]).map((h) => h?.close().catch(() => undefined)));
  }
}

/** Notices rotation, truncation, disappearance and (re)appearance of one file. */
async function refresh(file: FollowedFile, startAtEnd: boolean, goneAfterMs: number): Promise<FollowEvent[]> {
  let current: Stats | null;
  let problem = '';
  try {
    current = await stat(file.path);
  } catch (err) {
    current = null;
    problem = describeError(err);
  }
  let reason: 'rotated' | 'appeared' = 'appeared';
  if (file.handle) {
    if (current && current.ino === file.ino && current.dev === file.dev) {
      if (current.size >= file.pos) return [];
      file.pos = 0;
      return [{ kind: 'reopen', path: file.path, reason: 'truncated' }];
    }
    // Replaced or removed: read on through the old descriptor beside whatever comes under the path.
    file.rotated.push({ id: ++file.rotations, handle: file.handle, pos: file.pos, lastNews: performance.now() });
    file.handle = null;
    reason = 'rotated';
  }
  // No open file: open the one now under the path, if any.
  if (!current) {
    if (file.reportedGone) return [];
    // A file that was there: missing for a moment is rotation under way, not yet news.
    if (file.seen) {
      const now = Date.now();
      file.missingSince ??= now;
      if (now - file.missingSince < goneAfterMs) return [];
    }
    file.reportedGone = true;
    return [{ kind: 'gone', path: file.path, message: problem }];
  }
  if (!current.isFile()) {
    if (file.reportedGone) return [];
    file.reportedGone = true;
    return [{ kind: 'gone', path: file.path, message: 'not a regular file' }];
  }
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch (err) {
    if (file.reportedGone) return [];
    file.reportedGone = true;
    return [{ kind: 'gone', path: file.path, message: describeError(err) }];
  }
  return adopt(file, handle, await handle.stat(), startAtEnd, reason);
}

/** Follows `handle` (with its stats `opened`) from now on, as the file under the path. */
function adopt(file: FollowedFile, handle: FileHandle, opened: Stats, startAtEnd: boolean, reason: 'rotated' | 'appeared'): FollowEvent[] {
  file.missingSince = null;
  file.handle = handle;
  file.dev = opened.dev;
  file.ino = opened.ino;
  file.pos = startAtEnd && !file.seen ? opened.size : 0;
  file.reportedGone = false;
  const events: FollowEvent[] = [];
  if (file.seen) events.push({ kind: 'reopen', path: file.path, reason });
  file.seen = true;
  return events;
}

/** Reads what was appended since the last read, at most `limit` bytes; null when nothing new. */
async function readMore(handle: FileHandle, file: { pos: number; lastNews?: number }, limit: number): Promise<Buffer | null> {
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch {
    return null;
  }
  const want = Math.min(limit, size - file.pos);
  if (want <= 0) return null;
  // A fresh buffer each time: the consumer may keep slices of it (a pending record).
  const buffer = Buffer.allocUnsafe(want);
  let got: number;
  try {
    ({ bytesRead: got } = await handle.read(buffer, 0, want, file.pos));
  } catch {
    return null;
  }
  if (got <= 0) return null;
  file.pos += got;
  if (file.lastNews !== undefined) file.lastNews = performance.now();
  return got === want ? buffer : buffer.subarray(0, got);
}



/**
 * Watches the folders (not the files: a watch on a file is lost when it is renamed away), only
 * to wake up sooner; the periodic check works without it (NFS, some containers).
 */
function watchDirectories(paths: readonly string[], onChange: () => void): FSWatcher[] {
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(paths.map((p) => dirname(p)))) {
    try {
      const watcher = watch(dir, { persistent: false }, onChange);
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Polling alone still follows the files.
    }
  }
  return watchers;
}

/** A sleep that an outside event can cut short; an event between sleeps skips the next one. */
class Waker {
  private pending: (() => void) | null = null;
  private woken = false;

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.pending === done) self.pending = null;
        resolve();
      }
      this.pending = done;
    });
  }

  wake(): void {
    if (this.pending) this.pending();
    else this.woken = true;
  }
}
