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
  /** Stops following; the generator then returns. */
  signal?: AbortSignal;
}

/**
 * - `data`: new bytes of `path`, in order.
 * - `reopen`: what follows is a new file under `path` (rotated away, truncated, or it appeared);
 *   a consumer ends the record it was holding for `path` and counts lines from 1 again.
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
  /** The open file was replaced under `path`; finish reading it, then switch. */
  draining: boolean;
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

export async function* followFiles(paths: readonly string[], options: FollowOptions = {}): AsyncGenerator<FollowEvent> {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const readBytes = options.readBytes ?? DEFAULT_READ_BYTES;
  const signal = options.signal;
  const files: FollowedFile[] = [...new Set(paths)].map((path) => ({
    path, handle: null, dev: 0, ino: 0, pos: 0, draining: false, reportedGone: false, seen: false, missingSince: null,
  }));
  const goneAfterMs = options.goneAfterMs ?? DEFAULT_GONE_AFTER_MS;
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
    await Promise.all(files.map((f) => f.handle?.close().catch(() => undefined)));
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
  if (file.handle) {
    if (file.draining) {
      // Switch to the new file only once the old one has nothing left to give.
      const old = await file.handle.stat().catch(() => null);
      if (old && old.size > file.pos) return [];
      await closeHandle(file);
      // Removed rather than replaced: whatever comes later under the path merely appeared.
      if (!current) file.draining = false;
    } else if (!current || current.ino !== file.ino || current.dev !== file.dev) {
      file.draining = true;
      return [];
    } else if (current.size < file.pos) {
      file.pos = 0;
      return [{ kind: 'reopen', path: file.path, reason: 'truncated' }];
    } else {
      return [];
    }
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
  file.missingSince = null;
  const opened = await handle.stat();
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
