/**
 * Turns the paths an operator gives into sources, in a deterministic order: folders walked
 * recursively (names in code-unit order, a folder's files before its subfolders), each rotated
 * set oldest first, `-` as stdin, a named pipe given by name as a stream. What cannot be read (a
 * device, a socket) is a warning, never the end of the run.
 */
import type { Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SourceFile, SourceWarning } from './source.js';
import { compareRotation, hostFromLayout, parseRotationName, podLogName, serviceFromFileName } from './names.js';
import { sniffBytes } from './sniff.js';
import { refusedFileKind, refusedFileMessage } from './read.js';

export interface DiscoverOptions {
  /** Bytes read from the start of each file to detect gzip and binary data (default 8 KiB). */
  sniffBytes?: number;
}

export interface Discovery {
  sources: SourceFile[];
  warnings: SourceWarning[];
}

const STDIN_SOURCE: SourceFile = { path: '-', display: '-', host: null, service: null, gzip: false, size: null };

export async function discoverSources(paths: string[], options: DiscoverOptions = {}): Promise<Discovery> {
  const found = new Discovered(options.sniffBytes ?? 8192);
  for (const given of paths) {
    if (given === '-') {
      found.sources.push({ ...STDIN_SOURCE });
      continue;
    }
    const info = await statOrWarn(given, given, found.warnings);
    if (info === null) continue;
    if (info.isDirectory()) {
      const rootName = path.basename(path.resolve(given));
      await walkFolder(given, given, rootName, [], found);
    } else if (!found.refuse(given, info)) {
      await found.addFile(given, given, null, info.isFile() ? Number(info.size) : null, info.isFIFO());
    }
  }
  return { sources: found.sources, warnings: found.warnings };
}

class Discovered {
  readonly sources: SourceFile[] = [];
  readonly warnings: SourceWarning[] = [];
  /** Real paths already listed: a file given twice (or under two given folders) is read once. */
  readonly #seen = new Set<string>();

  constructor(private readonly sniffSize: number) {}

  /** Warns about a device or socket (reading /dev/zero would never end); true when it is one. */
  refuse(display: string, info: Stats): boolean {
    const kind = refusedFileKind(info);
    if (kind !== null) this.warnings.push({ file: display, kind: 'not-a-file', message: `skipped: ${refusedFileMessage(kind)}` });
    return kind !== null;
  }

  async addFile(filePath: string, display: string, host: string | null, size: number | null, stream: boolean): Promise<void> {
    const real = await realpath(filePath).catch(() => path.resolve(filePath));
    if (this.#seen.has(real)) return;
    this.#seen.add(real);
    // A container log: its pod stands for the host, its container for the service.
    const pod = podLogName(path.resolve(filePath));
    const service = pod?.container ?? serviceFromFileName(path.basename(filePath));
    if (pod !== null) host = pod.pod;
    if (stream) {
      // A named pipe: reading a sample would consume it; gzip is detected when read.
      this.sources.push({ path: filePath, display, host, service, gzip: false, size: null });
      return;
    }
    const head = await readHead(filePath, this.sniffSize).catch((error: NodeJS.ErrnoException) => {
      this.warnings.push(unreadable(display, error));
      return null;
    });
    if (head === null) return;
    if (head.length === 0 && /\.gz$/i.test(filePath)) {
      // Not a gzip stream at all (gzip -dc: unexpected end of file): a compression that never
      // happened, whose log is lost. Read as an empty text file it would pass unnoticed.
      this.warnings.push({ file: display, kind: 'unreadable', message: 'cannot read: empty gzip file (0 bytes, not even a gzip header)' });
      return;
    }
    const sniffed = sniffBytes(head);
    if (sniffed.binary !== null) {
      this.warnings.push({ file: display, kind: 'binary', message: `skipped: ${sniffed.binary}` });
      return;
    }
    this.sources.push({ path: filePath, display, host, service, gzip: sniffed.gzip, size });
  }
}

async function readHead(filePath: string, size: number): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  try {
    const head = Buffer.alloc(size);
    const { bytesRead } = await handle.read(head, 0, size, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function statOrWarn(filePath: string, display: string, warnings: SourceWarning[]): Promise<Stats | null> {
  try {
    return await stat(filePath);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
      warnings.push({ file: display, kind: 'missing', message: 'no such file or folder' });
    } else {
      warnings.push(unreadable(display, e));
    }
    return null;
  }
}

function unreadable(display: string, error: NodeJS.ErrnoException): SourceWarning {
  const reason = error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : (error.code ?? error.message);
  return { file: display, kind: 'unreadable', message: `cannot read: ${reason}` };
}

/** Walks a folder; `relative` is the path of `folder` below the given root, as parts. */
async function walkFolder(folder: string, root: string, rootName: string, relative: string[], found: Discovered, visited = new Set<string>()): Promise<void> {
  const real = await realpath(folder).catch(() => folder);
  if (visited.has(real)) return; // a symlink loop
  visited.add(real);
  let names: string[];
  try {
    names = (await readdir(folder)).sort(byCodeUnits);
  } catch (error) {
    found.warnings.push(unreadable(path.join(root, ...relative), error as NodeJS.ErrnoException));
    return;
  }
  const files: Array<{ name: string; size: number | null; stream: boolean }> = [];
  const folders: string[] = [];
  for (const name of names) {
    const display = path.join(root, ...relative, name);
    const info = await statOrWarn(path.join(folder, name), display, found.warnings);
    if (info === null) continue;
    if (info.isDirectory()) folders.push(name);
    else if (info.isFile()) files.push({ name, size: Number(info.size), stream: false });
    // A named pipe inside a folder is left alone (reading it would wait for a writer); devices are refused.
    else if (!info.isFIFO()) found.refuse(display, info);
  }
  for (const file of orderRotatedSets(files)) {
    const parts = [...relative, file.name];
    await found.addFile(path.join(folder, file.name), path.join(root, ...parts), hostFromLayout(rootName, parts), file.size, file.stream);
  }
  for (const name of folders) await walkFolder(path.join(folder, name), root, rootName, [...relative, name], found, visited);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders a folder's files by rotated set (set name order), each set oldest first. */
export function orderRotatedSets<T extends { name: string }>(files: readonly T[]): T[] {
  const keyed = files.map((file) => ({ file, rotation: parseRotationName(file.name) }));
  keyed.sort((a, b) => byCodeUnits(a.rotation.base, b.rotation.base) || compareRotation(a.rotation, b.rotation) || byCodeUnits(a.file.name, b.file.name));
  return keyed.map((k) => k.file);
}
