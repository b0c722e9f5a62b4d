#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`) by self time per function, top N.
//   node bench/profile-summary.js <file.cpuprofile | dir (newest profile in it)> [N=25]

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [arg, nArg = '25'] = process.argv.slice(2);
if (!arg) { process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile|dir> [N]\n'); process.exit(2); }
let file = arg;
if (statSync(arg).isDirectory()) {
  const all = readdirSync(arg).filter((x) => x.endsWith('.cpuprofile')).map((x) => join(arg, x));
  if (all.length === 0) { process.stderr.write(`no .cpuprofile in ${arg}\n`); process.exit(2); }
  file = all.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const selfTime = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const n = byId.get(p.samples[i]);
  const cf = n.callFrame;
  const where = cf.url.replace(/^.*\/(node_modules|dist|bench)\//, '$1/').replace(/^file:\/\//, '');
  const key = `${cf.functionName || '(anonymous)'}  ${where}${where ? `:${cf.lineNumber + 1}` : ''}`;
  const dt = p.timeDeltas[i] ?? 0;
  selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
  total += dt;
}
process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
for (const [k, t] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg))) {
  process.stdout.write(`${(t / total * 100).toFixed(1).padStart(5)}%  ${(t / 1e3).toFixed(0).padStart(6)} ms  ${k}\n`);
}
