// The floor under `instance-trace images`: what reading the logs and finding the image cache
// cues costs in Node on this machine, before framing, parsing or the inventory. Each file is read
// whole — plain files by positional 1 MiB reads (what the sources layer does), gzip files
// inflated in one synchronous call (faster than any streaming reader) — and searched with the
// scanning engine's multi-needle search (src/sources/needles.ts) for the same cues as the command
// (CACHE_SCAN_CUES and BUILD_CUES). With --threads N, the files are shared by size between N
// worker threads. Prints the hits and the bytes searched as one JSON line.
//
//   node bench/images-floor.js [--threads N] <dir|file>…

import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

function filesOf(paths) {
  const out = [];
  const walk = (path) => {
    const info = statSync(path);
    if (info.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
    else if (info.isFile()) out.push({ path, size: info.size });
  };
  for (const path of paths) walk(path);
  return out;
}

async function search(paths) {
  const { NeedleSet } = await import('../dist/sources/needles.js');
  const { CACHE_SCAN_CUES } = await import('../dist/records/index.js');
  const { BUILD_CUES } = await import('../dist/images/scan-job.js');
  const needles = new NeedleSet([...CACHE_SCAN_CUES, ...BUILD_CUES]);
  const buffer = Buffer.allocUnsafe(1 << 20);
  let hits = 0;
  let bytes = 0;
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(2);
      if (readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b) {
        const text = gunzipSync(readFileSync(fd));
        hits += needles.all(text, 0, text.length).length;
        bytes += text.length;
        continue;
      }
      for (let at = 0, n; (n = readSync(fd, buffer, 0, buffer.length, at)) > 0; at += n) {
        hits += needles.all(buffer, 0, n).length;
        bytes += n;
      }
    } finally {
      closeSync(fd);
    }
  }
  return { hits, bytes };
}

if (isMainThread) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--threads');
  const threads = at === -1 ? 0 : Number(args.splice(at, 2)[1]);
  const files = filesOf(args);
  if (threads <= 1) {
    process.stdout.write(`${JSON.stringify(await search(files.map((f) => f.path)))}\n`);
  } else {
    // Largest first to the least loaded thread; a gzip file counts for its inflated size (about 10×).
    const groups = Array.from({ length: threads }, () => ({ weight: 0, paths: [] }));
    const weight = (f) => f.size * (f.path.endsWith('.gz') ? 10 : 1);
    for (const f of [...files].sort((a, b) => weight(b) - weight(a))) {
      const g = groups.reduce((a, b) => (a.weight <= b.weight ? a : b));
      g.paths.push(f.path);
      g.weight += weight(f);
    }
    const results = await Promise.all(groups.map((g) => new Promise((resolve, reject) => {
      new Worker(new URL(import.meta.url), { workerData: g.paths }).once('message', resolve).once('error', reject);
    })));
    const sum = results.reduce((a, r) => ({ hits: a.hits + r.hits, bytes: a.bytes + r.bytes }), { hits: 0, bytes: 0 });
    process.stdout.write(`${JSON.stringify(sum)}\n`);
  }
} else {
  parentPort.postMessage(await search(workerData));
}
