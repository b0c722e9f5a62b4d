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
   * How long a file rotated away must have been quiet before the follower switches to the new
   * file under its path (ms, default 1000): a daemon writes on to its open descriptor until it is
   * told to reopen. Meanwhile the new file is held open and waits; its bytes follow the switch.
   */
  rotationGraceMs?: number;
  /** Stops following; the generator then returns. */
  signal?: AbortSignal;
}

/**
 * - `data`: new bytes of `path`, in order; one file's bytes at a time (never two files mixed).
 * - `reopen`: what follows is a new file under `path` (rotated away, truncated, or it appeared);
 *   a consumer ends the record it was holding for `path` and counts lines from 1 again. After a
 *   rotation it comes once the old file has been quiet for `rotationGraceMs`.
 * - `gone`: `path` cannot be read now (missing, no permission); reported once until it returns.
 */
export type FollowEvent =
  | { kind: 'data'; path: string; chunk: Buffer }
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
  /** The open file was replaced or removed under `path`; read on until it is quiet, then switch. */
  draining: boolean;
  /** While draining: the file now under `path`, opened so that it cannot slip away before the switch. */
  successor: FileHandle | null;
  /** performance.now() of the latest of: the open file's last growth, the start of draining, the successor's appearance. */
  lastNews: number;
  /** A `gone` event was sent and the file has not come back since. */
  reportedGone: boolean;
  /** Opened once already (a later opening is a reopen). */
  seen: boolean;
  /** When the path was first found missing since it was last there (ms), or null. */
  missingSince: number | null;
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
    path, handle: null, dev: 0, ino: 0, pos: 0, draining: false, successor: null, lastNews: 0, reportedGone: false, seen: false, missingSince: null,
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
        for (const event of await refresh(file, first && options.fromEnd === true, goneAfterMs, graceMs)) yield event;
        const chunk = await readMore(file, readBytes);
        if (chunk) {
          readSomething = true;
          yield { kind: 'data', path: file.path, chunk };
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
    await Promise.all(files.flatMap((f) => [f.handle, f.successor]).map((h) => h?.close().catch(() => undefined)));
  }
}

/** Notices rotation, truncation, disappearance and (re)appearance of one file. */
async function refresh(file: FollowedFile, startAtEnd: boolean, goneAfterMs: number, graceMs: number): Promise<FollowEvent[]> {
  let current: Stats | null;
  let problem = '';
  try {
    current = await stat(file.path);
  } catch (err) {
    current = null;
    problem = describeError(err);
  }
  if (file.handle) {
    if (!file.draining) {
      if (current && current.ino === file.ino && current.dev === file.dev) {
        if (current.size >= file.pos) return [];
        file.pos = 0;
        return [{ kind: 'reopen', path: file.path, reason: 'truncated' }];
      }
      file.draining = true;
      file.lastNews = performance.now();
    }
    if (current?.isFile()) await holdSuccessor(file);
    if (!(await quiet(file, file.handle, graceMs))) return [];
    await closeHandle(file);
    const successor = file.successor;
    if (successor) {
      file.successor = null;
      const opened = await successor.stat().catch(() => null);
      if (opened) return adopt(file, successor, opened, false);
      await successor.close().catch(() => undefined);
    }
    // Removed rather than replaced: whatever comes later under the path merely appeared.
    if (!current) file.draining = false;
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
  return adopt(file, handle, await handle.stat(), startAtEnd);
}

/** Follows `handle` (with its stats `opened`) from now on, as the file under the path. */
function adopt(file: FollowedFile, handle: FileHandle, opened: Stats, startAtEnd: boolean): FollowEvent[] {
  file.missingSince = null;
  file.handle = handle;
  file.dev = opened.dev;
  file.ino = opened.ino;
  file.pos = startAtEnd && !file.seen ? opened.size : 0;
  file.reportedGone = false;
  const events: FollowEvent[] = [];
  if (file.seen) events.push({ kind: 'reopen', path: file.path, reason: file.draining ? 'rotated' : 'appeared' });
  file.draining = false;
  file.seen = true;
  return events;
}

/**
 * Opens the file that replaced the draining one under the path, once: held open, it is read
 * after the switch even if it is rotated away itself meanwhile. Not held (cannot be opened now):
 * whatever is under the path at the switch is opened then.
 */
async function holdSuccessor(file: FollowedFile): Promise<void> {
  if (file.successor) return;
  const handle = await open(file.path, 'r').catch(() => null);
  if (!handle) return;
  const opened = await handle.stat().catch(() => null);
  // Renamed back meanwhile, or not a plain file: nothing new to hold.
  if (!opened?.isFile() || (opened.ino === file.ino && opened.dev === file.dev)) {
    await handle.close().catch(() => undefined);
    return;
  }
  file.successor = handle;
  // The old file's quiet time counts from the new one's appearance, when the writer may still be on the old one.
  file.lastNews = performance.now();
}

/**
 * The draining file is read to its end and has not grown for `graceMs`: a writer that kept
 * its descriptor across the rename has been told to reopen by now. A file that cannot be
 * asked any more is as done as it will get.
 */
async function quiet(file: FollowedFile, handle: FileHandle, graceMs: number): Promise<boolean> {
  const old = await handle.stat().catch(() => null);
  if (!old) return true;
  if (old.size > file.pos) return false;
  return performance.now() - file.lastNews >= graceMs;
}

/** Reads what was appended since the last read, at most `limit` bytes; null when nothing new. */
async function readMore(file: FollowedFile, limit: number): Promise<Buffer | null> {
  if (!file.handle) return null;
  let size: number;
  try {
    size = (await file.handle.stat()).size;
  } catch {
    return null;
  }
  const want = Math.min(limit, size - file.pos);
  if (want <= 0) return null;
  // A fresh buffer each time: the consumer may keep slices of it (a pending record).
  const buffer = Buffer.allocUnsafe(want);
  let got: number;
  try {
    ({ bytesRead: got } = await file.handle.read(buffer, 0, want, file.pos));
  } catch {
    return null;
  }
  if (got <= 0) return null;
  file.pos += got;
  file.lastNews = performance.now();
  return got === want ? buffer : buffer.subarray(0, got);
}

async function closeHandle(file: FollowedFile): Promise<void> {
  const handle = file.handle;
  file.handle = null;
  await handle?.close().catch(() => undefined);
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
