#!/usr/bin/env node
// Parse bench (run by run.js in its own process): records/s and MiB/s of the records layer alone
// — RecordAssembler.push/flush over lines already read and split, per format of the corpus.
//
//   node bench/parse-bench.js <corpus-dir> [runs=3] [max MiB per format=64] [format]
// Prints JSON { formats: [{ format, bytes, lines, records, seconds }] }; exits 2 with a one-line
// message when dist/records is not built.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [dir, runsArg = '3', maxArg = '64', onlyFormat] = process.argv.slice(2);
const runs = Number(runsArg);
const maxBytes = Number(maxArg) * 2 ** 20;
const dist = fileURLToPath(new URL('../dist/records/index.js', import.meta.url));
if (!dir) { process.stderr.write('usage: parse-bench.js <corpus-dir> [runs] [maxMiB]\n'); process.exit(2); }
if (!existsSync(dist)) { process.stderr.write('dist/records/index.js missing — records layer not built yet\n'); process.exit(2); }
const records = await import(dist);
if (typeof records.RecordAssembler !== 'function') { process.stderr.write('dist/records/index.js exports no RecordAssembler\n'); process.exit(2); }

const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
/** Format of a corpus file from the manifest (`cp-2` or `ctl-1/nova-conductor` keys). */
function formatOf(path) {
  const [host, file] = path.split('/');
  const svc = file.replace(/\.log.*$/, '');
  return manifest.formats[`${host}/${svc}`] ?? manifest.formats[host] ?? 'oslo';
}

// Plain (uncompressed) files only: this measures parsing, not gunzip.
const byFormat = new Map();
for (const f of manifest.files) {
  if (f.path.endsWith('.gz')) continue;
  const fmt = formatOf(f.path);
  if (onlyFormat && fmt !== onlyFormat) continue;
  const g = byFormat.get(fmt) ?? { format: fmt, bytes: 0, inputs: [] };
  if (g.bytes >= maxBytes) continue;
  let text = readFileSync(join(dir, f.path), 'latin1'); // generated corpus is ASCII
  if (g.bytes + text.length > maxBytes) text = text.slice(0, text.lastIndexOf('\n', maxBytes - g.bytes) + 1);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const [host, file] = f.path.split('/');
  g.inputs.push({ origin: { file: join(dir, f.path), host, service: file.replace(/\.log.*$/, '') }, lines, bytes: text.length });
  g.bytes += text.length;
  byFormat.set(fmt, g);
}

function parseAll(g) {
  let n = 0;
  for (const input of g.inputs) {
    const a = new records.RecordAssembler(input.origin, {});
    const lines = input.lines;
    for (let i = 0; i < lines.length; i++) if (a.push(lines[i], i + 1) !== null) n++;
    if (a.flush() !== null) n++;
  }
  return n;
}

const out = [];
for (const g of byFormat.values()) {
  parseAll(g); // warm-up (JIT)
  const times = [];
  let recs = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    recs = parseAll(g);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  const med = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  out.push({ format: g.format, bytes: g.bytes, lines: g.inputs.reduce((s, i) => s + i.lines.length, 0), records: recs, seconds: med });
}
process.stdout.write(JSON.stringify({ formats: out }) + '\n');
