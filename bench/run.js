#!/usr/bin/env node
// The benchmark: `npm run bench` (build, then this) or `npm run bench -- --quick`.
//
// One run, one table. Every goal is a ratio to a reference measured in the same run on the same
// files (grep -F, bare pino), because the machines are shared and noisy. Each case: one untimed
// warm-up (also warms the page cache), then the median of --runs timed runs, interleaved with its
// reference so that noise hits both alike. Sections whose piece is not built yet are skipped with
// a message. See bench/README.md for what each row means.
//
// Options: --quick (16 and 64 MiB, finishes in under a minute), --sizes 256MiB,1GiB, --runs N,
// --only trace,filter,parse,logger, --seed N, --json (also print the results as JSON).

import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { generate, GENERATOR_VERSION, parseSize } from './generate.js';
import { median, rssMethod, runCommand, which } from './lib/measure.js';
import { verifyCorpus } from './verify.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(BENCH, '..');
const BIN = join(ROOT, 'bin', 'instance-trace');
const OUT = join(BENCH, 'out');
const MiB = 2 ** 20;

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { quick: false, sizes: null, runs: 3, only: null, seed: 42, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    if (k === '--quick') o.quick = true;
    else if (k === '--sizes') o.sizes = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (k === '--runs') o.runs = Number(val());
    else if (k === '--only') o.only = new Set(val().split(','));
    else if (k === '--seed') o.seed = Number(val());
    else if (k === '--json') o.json = true;
    else if (k === '--help' || k === '-h') {
      process.stdout.write('usage: node bench/run.js [--quick] [--sizes 256MiB,1GiB] [--runs 3] [--only trace,filter,parse,logger] [--seed 42] [--json]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  o.sizes ??= o.quick ? ['16MiB', '64MiB'] : ['256MiB', '1GiB'];
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  for (const s of o.sizes) parseSize(s);
  return o;
}

const note = (s) => process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------- formatting

const fmtS = (s) => (s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3));
const fmtMiB = (kib) => (kib ? `${(kib / 1024).toFixed(0)} MiB` : 'n/a');
function fmtRate(x, unit) {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M ${unit}`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)} k ${unit}`;
  return `${x.toFixed(0)} ${unit}`;
}
const fmtMBs = (bytes, s) => `${(bytes / MiB / s).toFixed(0)} MiB/s`;

/** A shortfall in percent: one decimal below 1 %, so a near miss never reads "missed by 0%". */
const fmtPct = (fraction) => (fraction * 100).toFixed(fraction < 0.01 ? 1 : 0);

/** "met" or "missed by …" for a goal `ratio ≤ max` or `ratio ≥ min`. */
function judge(value, { max, min }) {
  if (max !== undefined) {
    if (value <= max) return 'met';
    const over = value / max;
    return over >= 2 ? `missed: ${over.toFixed(1)}× the limit` : `missed by ${fmtPct(over - 1)}%`;
  }
  if (value >= min) return 'met';
  const short = min / value;
  return short >= 2 ? `missed: ${(1 / short * 100).toFixed(0)}% of the goal` : `missed by ${fmtPct(1 - value / min)}%`;
}

// ---------------------------------------------------------------- machine

function machine() {
  const c = cpus();
  const grepV = spawnSync('grep', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'grep ?';
  const rg = which('rg') ? spawnSync('rg', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : null;
  return {
    cores: c.length, cpu: c[0]?.model.trim() ?? 'unknown', node: process.version,
    memGiB: Math.round(totalmem() / 2 ** 30), grep: grepV, rg,
  };
}

// ---------------------------------------------------------------- corpora

async function ensureCorpus(label, seed) {
  const out = join(BENCH, 'corpus', label);
  const mf = join(out, 'manifest.json');
  const size = parseSize(label);
  if (existsSync(mf)) {
    try {
      const m = JSON.parse(readFileSync(mf, 'utf8'));
      if (m.generatorVersion === GENERATOR_VERSION && m.seed === seed && m.sizeRequested === size) return { ...m, out };
    } catch { /* regenerate */ }
  }
  note(`generating ${label} corpus (seed ${seed}) …`);
  return generate({ size, seed, out });
}

/** Host folders of a corpus: the paths given to instance-trace and grep alike (not manifest.json). */
function hostDirs(m) {
  return m.hosts.map((h) => join(m.out, h));
}

/** One plain file holding every file of the corpus, decompressed, oldest rotation first. */
async function concatenated(m) {
  const path = `${m.out}.all.log`;
  if (existsSync(path) && statSync(path).size === m.uncompressedBytes && statSync(path).mtimeMs >= statSync(join(m.out, 'manifest.json')).mtimeMs) return path;
  note(`writing ${path} for the filter bench …`);
  const order = (p) => (p.endsWith('.gz') ? 0 : p.endsWith('.1') ? 1 : 2);
  const files = [...m.files].sort((a, b) => a.path.split('/')[0].localeCompare(b.path.split('/')[0]) || a.path.replace(/\.log.*$/, '').localeCompare(b.path.replace(/\.log.*$/, '')) || order(a.path) - order(b.path));
  const out = createWriteStream(path);
  for (const f of files) {
    const src = createReadStream(join(m.out, f.path), { highWaterMark: MiB });
    for await (const chunk of f.path.endsWith('.gz') ? src.pipe(createGunzip()) : src) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  await new Promise((resolve, reject) => { out.on('error', reject); out.end(resolve); });
  return path;
}

// ---------------------------------------------------------------- measuring

/**
 * Runs each case once untimed, then `runs` rounds interleaving the cases; returns per case the
 * median wall, max peak RSS, last status and stderr. A case whose warm-up fails is marked skipped.
 */
async function compare(cases, runs, method) {
  const res = new Map();
  for (const c of cases) {
    const env = c.env ? { ...process.env, ...c.env } : process.env;
    const w = await runCommand(c.argv, { outFile: c.outFile, inFile: c.inFile, method, env });
    const ok = c.okStatus ? c.okStatus.includes(w.status) : w.status === 0;
    const firstErr = (w.stderr.trim().split('\n')[0] || '(no message)').slice(0, 140);
    // A command that wrote its answer but exited non-zero (e.g. a damaged input reported) is still
    // measured, with the status noted; one that wrote nothing is skipped.
    const wroteSomething = c.outFile && existsSync(c.outFile) && statSync(c.outFile).size > 0;
    res.set(c.name, {
      walls: [], rss: [], status: w.status,
      skipped: ok || wroteSomething ? null : `exit ${w.status}: ${firstErr}`,
      warning: ok ? null : `exit ${w.status}: ${firstErr}`,
    });
  }
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      const r = res.get(c.name);
      if (r.skipped) continue;
      const env = c.env ? { ...process.env, ...c.env } : process.env;
      const m = await runCommand(c.argv, { outFile: c.outFile, inFile: c.inFile, method, env });
      r.walls.push(m.wall);
      r.rss.push(m.rssKiB);
      r.status = m.status;
    }
  }
  for (const r of res.values()) { r.wall = median(r.walls); r.rssKiB = Math.max(0, ...r.rss); }
  return res;
}

const countLines = (file) => {
  try {
    const buf = readFileSync(file);
    let n = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
    return n;
  } catch { return 0; }
};

function cliBuilt() {
  return existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
}

// ---------------------------------------------------------------- sections

async function benchTrace(corpora, opts, method, rows, facts) {
  if (!cliBuilt()) { rows.push(skipRow('trace', 'dist/cli/main.js missing — run `npx tsc -p tsconfig.build.json`')); return; }
  const rg = which('rg');
  const perSize = [];
  for (const m of corpora) {
    const id = m.traced.id;
    const dirs = hostDirs(m);
    const label = m.label;
    const out = (n) => join(OUT, `trace-${label}-${n}.out`);
    const cases = [
      { name: 'grep', argv: ['grep', '-F', '-r', id, ...dirs], outFile: out('grep') },
      { name: 'trace', argv: [process.execPath, BIN, id, ...dirs], outFile: out('trace'), env: { NO_COLOR: '1' } },
      { name: 'grep+zcat', argv: ['sh', '-c', `grep -F -r --exclude='*.gz' "$0" "$@"; find "$@" -name '*.gz' -exec zcat {} + | grep -F "$0"`, id, ...dirs], outFile: out('grepz') },
    ];
    if (rg) {
      cases.push({ name: 'rg', argv: ['rg', '-F', '--no-ignore', '--hidden', id, ...dirs], outFile: out('rg'), okStatus: [0, 1] });
      cases.push({ name: 'rg -z', argv: ['rg', '-F', '-z', '--no-ignore', '--hidden', id, ...dirs], outFile: out('rgz') });
    }
    note(`trace ${label}: ${cases.map((c) => c.name).join(', ')} × ${opts.runs} …`);
    const r = await compare(cases, opts.runs, method);
    const grep = r.get('grep');
    const bytes = m.uncompressedBytes;
    const input = `${label} (${m.hosts.length} hosts, ${m.files.length} files)`;
    for (const c of cases) {
      const x = r.get(c.name);
      if (x.skipped) {
        rows.push(skipRow('trace', `${c.name === 'trace' ? 'instance-trace' : c.name} on ${label}: ${x.skipped}`));
        continue;
      }
      const ratio = x.wall / grep.wall;
      const row = {
        bench: 'trace', case: caseLabel(c.name), input, seconds: x.wall, throughput: fmtMBs(bytes, x.wall),
        ratio: c.name === 'grep' ? '1.00× (ref)' : `${ratio.toFixed(2)}× grep`, rss: fmtMiB(x.rssKiB),
        goal: '', result: '', lines: countLines(c.outFile),
      };
      if (c.name === 'trace') {
        row.goal = 'time ≤ 2.0× grep; RSS < 256 MiB';
        const timeOk = judge(ratio, { max: 2.0 });
        const rssOk = x.rssKiB ? judge(x.rssKiB / 1024, { max: 256 }) : 'RSS n/a';
        const head = /: (\d+) records? \(([^)]*)\)/.exec(readFileSync(c.outFile, 'latin1').slice(0, 400));
        row.result = `time ${timeOk}; RSS ${rssOk}${x.warning ? ` (${x.warning})` : ''}${head ? `; answer: ${head[1]} records (${head[2]})` : ''}`;
        perSize.push({ label, bytes, rssKiB: x.rssKiB, ratio });
      }
      rows.push(row);
    }
  }
  if (perSize.length >= 2) rows.push(growthRow('trace', perSize));
  facts.traceCaveat = 'grep -F -r and rg (without -z) read the .gz files as compressed bytes and cannot find the id inside them; instance-trace decompresses them. `grep+zcat` and `rg -z` are the like-for-like references.';
}

function caseLabel(name) {
  return {
    grep: '`grep -F -r`', trace: '`instance-trace <id>`', 'grep+zcat': '`grep -F -r` + `zcat *.gz | grep -F`',
    rg: '`rg -F`', 'rg -z': '`rg -F -z`', filter: '`instance-trace filter`', 'grep-filter': '`grep -F`',
  }[name] ?? name;
}

async function benchFilter(corpora, opts, method, rows) {
  if (!cliBuilt()) { rows.push(skipRow('filter', 'dist/cli/main.js missing')); return; }
  const perSize = [];
  for (const m of corpora) {
    const file = await concatenated(m);
    const id = m.traced.id;
    const out = (n) => join(OUT, `filter-${m.label}-${n}.out`);
    // Both read from cat through a pipe, as in a pipeline; wall time covers the whole pipeline.
    const cases = [
      { name: 'grep-filter', argv: ['sh', '-c', 'cat "$1" | grep -F "$0"', id, file], outFile: out('grep') },
      { name: 'filter', argv: ['sh', '-c', 'cat "$1" | "$2" "$3" filter --instance "$0"', id, file, process.execPath, BIN], outFile: out('filter') },
    ];
    note(`filter ${m.label}: ${cases.map((c) => c.name).join(', ')} × ${opts.runs} …`);
    const r = await compare(cases, opts.runs, method);
    const grep = r.get('grep-filter');
    const input = `${m.label} stream (one file, all formats)`;
    for (const c of cases) {
      const x = r.get(c.name);
      if (x.skipped) { rows.push(skipRow('filter', `${c.name} on ${m.label}: ${x.skipped}`)); continue; }
      const ratio = grep.wall / x.wall; // throughput ratio
      if (c.name === 'filter') perSize.push({ label: m.label, bytes: m.uncompressedBytes, rssKiB: x.rssKiB });
      rows.push({
        bench: 'filter', case: caseLabel(c.name), input, seconds: x.wall, throughput: fmtMBs(m.uncompressedBytes, x.wall),
        ratio: c.name === 'filter' ? `${ratio.toFixed(2)}× grep's MiB/s` : '1.00× (ref)', rss: fmtMiB(x.rssKiB),
        goal: c.name === 'filter' ? '≥ 0.33× grep' : '',
        result: c.name === 'filter' ? `${judge(ratio, { min: 1 / 3 })}${x.warning ? ` (${x.warning})` : ''}` : '',
        lines: countLines(c.outFile),
      });
    }
  }
  if (perSize.length >= 2) rows.push(growthRow('filter', perSize));
}

/** Peak RSS of the smallest vs the largest corpus: the "flat memory" goal. */
function growthRow(bench, perSize) {
  const [a, b] = [perSize[0], perSize[perSize.length - 1]];
  const growth = b.rssKiB / a.rssKiB;
  return {
    bench, case: 'peak RSS growth', input: `${a.label} → ${b.label} (${(b.bytes / a.bytes).toFixed(1)}× input)`,
    seconds: null, throughput: '', ratio: `${growth.toFixed(2)}×`, rss: `${fmtMiB(a.rssKiB)} → ${fmtMiB(b.rssKiB)}`,
    goal: 'flat (≤ 1.10×)', result: judge(growth, { max: 1.10 }),
  };
}

/** Runs a helper bench script in its own process (no JIT or heap cross-talk); returns its JSON. */
function runHelper(script, args) {
  const r = spawnSync(process.execPath, [join(BENCH, script), ...args], { encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) {
    const msg = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    return { skipped: msg };
  }
  return JSON.parse(r.stdout);
}

function benchParse(corpora, opts, rows) {
  const m = corpora[0];
  note(`parse ${m.label} …`);
  const res = runHelper('parse-bench.js', [m.out, String(opts.runs), opts.quick ? '16' : '64']);
  if (res.skipped) { rows.push(skipRow('parse', res.skipped)); return; }
  for (const f of res.formats) {
    rows.push({
      bench: 'parse', case: `records: ${f.format}`, input: `${(f.bytes / MiB).toFixed(0)} MiB, ${f.lines} lines`,
      seconds: f.seconds, throughput: `${fmtRate(f.records / f.seconds, 'rec/s')}, ${fmtMBs(f.bytes, f.seconds)}`,
      ratio: '', rss: '', goal: '', result: `${f.records} records`,
    });
  }
}

function benchLogger(opts, rows) {
  note('logger …');
  const res = runHelper('logger-bench.js', [String(opts.quick ? Math.max(3, opts.runs) : Math.max(5, opts.runs)), opts.quick ? '100000' : '300000']);
  if (res.skipped) { rows.push(skipRow('logger', res.skipped)); return; }
  const bare = res.cases.find((c) => c.name === 'bare-pino');
  const goals = { 'bare-pino': null, 'bare-pino-2': null, 'instance-dict': 0.85, 'with-instance': 0.85, oslo: 0.50 };
  const labels = {
    'bare-pino': 'bare pino, `instance_uuid` field',
    'bare-pino-2': 'bare pino, `instance_uuid` + `image_id` (info)', 'instance-dict': 'ours JSON, `{instance: dict}`',
    'with-instance': 'ours JSON, inside `withInstance`', oslo: 'ours oslo text, `{instance: dict}`',
  };
  for (const c of res.cases) {
    if (c.skipped) { rows.push(skipRow('logger', `${labels[c.name] ?? c.name}: ${c.skipped}`)); continue; }
    const ratio = c.opsPerSec / bare.opsPerSec;
    const goal = goals[c.name];
    rows.push({
      bench: 'logger', case: labels[c.name] ?? c.name, input: `${res.rounds} processes × best of 3 × ${res.iterations / 1000}k calls → /dev/null (sync)`,
      seconds: null, throughput: fmtRate(c.opsPerSec, 'ops/s'),
      ratio: c.name === 'bare-pino' ? '1.00× (ref)' : `${(ratio * 100).toFixed(0)}% of bare`, rss: '',
      goal: goal ? `≥ ${(goal * 100).toFixed(0)}%` : '', result: goal ? judge(ratio, { min: goal }) : '',
    });
  }
}

function skipRow(bench, why) {
  return { bench, case: 'skipped', input: '', seconds: null, throughput: '', ratio: '', rss: '', goal: '', result: why, skipped: true };
}

// ---------------------------------------------------------------- table

function table(rows) {
  const head = ['Bench', 'Case', 'Input', 'Median s', 'Throughput', 'vs reference', 'Peak RSS', 'Goal', 'Result'];
  const esc = (s) => String(s ?? '').replace(/\|/g, '\\|');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    lines.push(`| ${[r.bench, r.case, r.input, r.seconds == null ? '' : fmtS(r.seconds), r.throughput, r.ratio, r.rss, r.goal, r.result].map(esc).join(' | ')} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  mkdirSync(OUT, { recursive: true });
  const mach = machine();
  const loadBefore = loadavg()[0];
  const method = rssMethod();
  const want = (s) => !opts.only || opts.only.has(s);
  const rows = [];
  const facts = {};

  let corpora = [];
  if (want('trace') || want('filter') || want('parse')) {
    for (const label of opts.sizes) {
      const m = await ensureCorpus(label, opts.seed);
      corpora.push({ ...m, label });
    }
    // Realism check on the smallest corpus: the traced instance's story must be there.
    const v = await verifyCorpus(corpora[0]);
    facts.verify = v;
    note(`corpus check (${corpora[0].label}): ${v.summary}`);
  }
  if (want('trace')) await benchTrace(corpora, opts, method, rows, facts);
  if (want('filter')) await benchFilter(corpora, opts, method, rows);
  if (want('parse')) benchParse(corpora, opts, rows);
  if (want('logger')) benchLogger(opts, rows);

  const machineLine = `Machine: ${mach.cores} cores, ${mach.cpu}, ${mach.memGiB} GiB RAM, Node ${mach.node}, ${mach.grep}${mach.rg ? `, ${mach.rg}` : ', rg not installed'}; peak RSS via ${method === 'gnu-time' ? 'GNU time %M (ru_maxrss)' : '/proc/<pid>/status VmHWM polling'}; median of ${opts.runs} runs after one warm-up; load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (other jobs share the cores); ${new Date().toISOString().slice(0, 16)}Z.`;
  const md = [table(rows), '', machineLine];
  if (facts.traceCaveat) md.push('', `Note: ${facts.traceCaveat}`);
  if (facts.verify) md.push('', `Corpus check: ${facts.verify.summary}`);
  const text = md.join('\n');
  process.stdout.write(`${text}\n`);
  note(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(OUT, 'latest.md'), `${text}\n`);
  writeFileSync(join(OUT, `results-${stamp}.json`), JSON.stringify({ opts: { ...opts, only: opts.only && [...opts.only] }, machine: mach, rssMethod: method, rows, facts }, null, 2));
  if (opts.json) process.stdout.write(`${JSON.stringify({ machine: mach, rows }, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 2;
});
