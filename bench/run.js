#!/usr/bin/env node
// The benchmark: `npm run bench` (build, then this) or `npm run bench -- --quick`.
//
// One run, one table. Every goal is a ratio to a reference measured in the same run on the same
// files (grep -F, bare pino), because the machines are shared and noisy. Each case: one untimed
// warm-up (also warms the page cache), then the median of --runs timed runs, interleaved with its
// reference so that noise hits both alike. Sections whose piece is not built yet are skipped with
// a message. See bench/README.md for what each row means.
//
// Options: --quick (small corpora, finishes in about a minute), --sizes 128MiB,1GiB (trace corpora),
// --filter-size 256MiB, --store-size 4GiB (the store's corpus, about 11 million records), --fleet-scale 1, --runs N, --only trace,images,filter,fleet,lnav,startup,parse,logger,store,
// --seed N, --json (also print the results as JSON).

import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { ensureFleet } from './fleet.js';
import { generate, GENERATOR_VERSION, parseSize } from './generate.js';
import { median, rssMethod, runCommand, which } from './lib/measure.js';
import { verifyCorpus } from './verify.js';
import { benchStore } from './store.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(BENCH, '..');
const BIN = join(ROOT, 'bin', 'instance-trace');
const OUT = join(BENCH, 'out');
const MiB = 2 ** 20;
const NODE = process.execPath;
const SECTIONS = ['trace', 'images', 'filter', 'fleet', 'lnav', 'startup', 'parse', 'logger', 'report', 'store'];
/** The instance the fixtures under fixtures/cloud trace (as `npm run demo` does). */
const FIXTURE_INSTANCE = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { quick: false, sizes: null, filterSize: null, storeSize: null, fleetScale: null, runs: 3, only: null, seed: 42, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    if (k === '--quick') o.quick = true;
    else if (k === '--sizes') o.sizes = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (k === '--filter-size') o.filterSize = val().trim();
    else if (k === '--store-size') o.storeSize = val().trim();
    else if (k === '--fleet-scale') o.fleetScale = Number(val());
    else if (k === '--runs') o.runs = Number(val());
    else if (k === '--only') o.only = new Set(val().split(',').map((s) => s.trim()).filter(Boolean));
    else if (k === '--seed') o.seed = Number(val());
    else if (k === '--json') o.json = true;
    else if (k === '--help' || k === '-h') {
      process.stdout.write(`usage: node bench/run.js [--quick] [--sizes 128MiB,1GiB] [--filter-size 256MiB] [--store-size 4GiB] [--fleet-scale 1] [--runs 3] [--only ${SECTIONS.join(',')}] [--seed 42] [--json]\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  o.sizes ??= o.quick ? ['16MiB', '64MiB'] : ['128MiB', '1GiB'];
  o.filterSize ??= o.quick ? '64MiB' : '256MiB';
  // The store's goals are set on a store of at least 10 million records: 4 GiB of the generator's logs hold about 11 million.
  o.storeSize ??= o.quick ? '64MiB' : '4GiB';
  o.fleetScale ??= o.quick ? 1 / 16 : 1;
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  if (!(o.fleetScale > 0 && o.fleetScale <= 4)) throw new Error('--fleet-scale must be in (0, 4]');
  for (const s of [...o.sizes, o.filterSize, o.storeSize]) parseSize(s);
  const unknown = [...(o.only ?? [])].filter((s) => !SECTIONS.includes(s));
  if (unknown.length) throw new Error(`--only: no section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
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
  const lnav = which('lnav') ? spawnSync('lnav', ['-V'], { encoding: 'utf8' }).stdout.trim() : null;
  return {
    cores: c.length, cpu: c[0]?.model.trim() ?? 'unknown', node: process.version,
    memGiB: Math.round(totalmem() / 2 ** 30), grep: grepV, rg, lnav,
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
 * One run of a case. `c.setup()`, when given, prepares each run apart (e.g. a fresh HOME) and
 * returns { env, cleanup }; neither it nor the cleanup is timed.
 */
async function runCase(c, method) {
  const fresh = c.setup?.();
  const env = c.env || fresh ? { ...process.env, ...c.env, ...fresh?.env } : process.env;
  try {
    return await runCommand(c.argv, { outFile: c.outFile, inFile: c.inFile, method, env });
  } finally {
    fresh?.cleanup();
  }
}

/**
 * Runs each case once untimed, then `runs` rounds interleaving the cases; returns per case the
 * median wall, max peak RSS, last status and stderr. A case whose warm-up fails is marked skipped.
 */
async function compare(cases, runs, method) {
  const res = new Map();
  for (const c of cases) {
    const w = await runCase(c, method);
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
      const m = await runCase(c, method);
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
        row.result = `time ${timeOk}; RSS ${rssOk}${x.warning ? ` (${x.warning})` : ''}${answerOf(c.outFile)}`;
        perSize.push({ label, bytes, rssKiB: x.rssKiB, ratio });
      }
      rows.push(row);
    }
  }
  if (perSize.length >= 2) rows.push(growthRow('trace', perSize));
  facts.traceCaveat = 'grep -F -r and rg (without -z) read the .gz files as compressed bytes and cannot find the id inside them; instance-trace decompresses them. `grep+zcat` and `rg -z` are the like-for-like references.';
}

/**
 * `instance-trace images <dirs>` (every host's image cache, from the cache managers' lines)
 * against `grep -F -r _base/` over the same files, both writing to a file. Goal: ≤ 2× grep.
 * grep reads the .gz files as compressed bytes; `grep+zcat` is the like-for-like reference.
 */
const IMAGES_LABEL = {
  'grep _base/': '`grep -F -r _base/`', images: '`instance-trace images`',
  'grep+zcat _base/': '`grep -F -r _base/` + `zcat *.gz | grep -F _base/`',
  'floor 1': 'floor: read, inflate, find the cues (bench/images-floor.js), 1 thread',
  'floor 2': 'floor: the same on 2 threads',
};

async function benchImages(corpora, opts, method, rows) {
  if (!cliBuilt()) { rows.push(skipRow('images', 'dist/cli/main.js missing — run `npm run build`')); return; }
  const perSize = [];
  for (const m of corpora) {
    const dirs = hostDirs(m);
    const label = m.label;
    const out = (n) => join(OUT, `images-${label}-${n}.out`);
    const cases = [
      { name: 'grep _base/', argv: ['grep', '-F', '-r', '_base/', ...dirs], outFile: out('grep') },
      { name: 'images', argv: [process.execPath, BIN, 'images', ...dirs], outFile: out('images'), env: { NO_COLOR: '1' } },
      { name: 'grep+zcat _base/', argv: ['sh', '-c', `grep -F -r --exclude='*.gz' _base/ "$@"; find "$@" -name '*.gz' -exec zcat {} + | grep -F _base/`, 'sh', ...dirs], outFile: out('grepz') },
      // What reading and searching alone cost in Node, before any record is framed or parsed.
      { name: 'floor 1', argv: [process.execPath, join(ROOT, 'bench', 'images-floor.js'), ...dirs], outFile: out('floor1') },
      { name: 'floor 2', argv: [process.execPath, join(ROOT, 'bench', 'images-floor.js'), '--threads', '2', ...dirs], outFile: out('floor2') },
    ];
    note(`images ${label}: ${cases.map((c) => c.name).join(', ')} × ${opts.runs} …`);
    const r = await compare(cases, opts.runs, method);
    const grep = r.get('grep _base/');
    const input = `${label} (${m.hosts.length} hosts, ${m.files.length} files)`;
    for (const c of cases) {
      const x = r.get(c.name);
      if (x.skipped) { rows.push(skipRow('images', `${c.name} on ${label}: ${x.skipped}`)); continue; }
      const ratio = x.wall / grep.wall;
      const row = {
        bench: 'images', case: IMAGES_LABEL[c.name],
        input, seconds: x.wall, throughput: fmtMBs(m.uncompressedBytes, x.wall),
        ratio: c === cases[0] ? '1.00× (ref)' : `${ratio.toFixed(2)}× grep`, rss: fmtMiB(x.rssKiB), goal: '', result: '', lines: countLines(c.outFile),
      };
      if (c.name === 'images') {
        row.goal = 'time ≤ 2.0× grep';
        const head = /image cache: ([^;]*);/.exec(readFileSync(c.outFile, 'utf8').slice(0, 400));
        row.result = `${judge(ratio, { max: 2.0 })}${x.warning ? ` (${x.warning})` : ''}${head ? `; answer: ${head[1]}` : ''}`;
        perSize.push({ label, bytes: m.uncompressedBytes, rssKiB: x.rssKiB, ratio });
      }
      rows.push(row);
    }
  }
  if (perSize.length >= 2) rows.push(growthRow('images', perSize));
}

/** "; answer: N records (…)" from the head of a trace's text output, or '' when it has none. */
function answerOf(file) {
  const head = /: (\d+) records? \(([^)]*)\)/.exec(readFileSync(file, 'latin1').slice(0, 400));
  return head ? `; answer: ${head[1]} records (${head[2]})` : '';
}

function caseLabel(name) {
  return {
    grep: '`grep -F -r`', trace: '`instance-trace <id>`', 'grep+zcat': '`grep -F -r` + `zcat *.gz | grep -F`',
    rg: '`rg -F`', 'rg -z': '`rg -F -z`',
    'filter <': '`instance-trace filter -i <id> < file`', 'grep-filter <': '`grep -F <id> < file`',
    'filter |': '`cat file | instance-trace filter -i <id>`', 'grep-filter |': '`cat file | grep -F <id>`',
    'zcat|grep': '`find … -name *.gz -exec zcat {} + | grep -F`', lnav: "`lnav -n -c ':filter-in <id>'`",
    'node -e 0': '`node -e 0`', '--version': '`instance-trace --version`', 'small trace': '`instance-trace <id> <small file>`',
  }[name] ?? name;
}

/**
 * `instance-trace filter -i <id>` against `grep -F <id>` on one file of `--filter-size` holding a
 * whole corpus, reading it both ways a stage does: stdin redirected from the file (`< file`) and
 * through a pipe (`cat file |`). At the largest trace size too (pipe only), for the memory row.
 */
async function benchFilter(filterCorpus, largest, opts, method, rows) {
  if (!cliBuilt()) { rows.push(skipRow('filter', 'dist/cli/main.js missing — run `npm run build`')); return; }
  const perSize = [];
  for (const m of largest.label === filterCorpus.label ? [filterCorpus] : [filterCorpus, largest]) {
    const file = await concatenated(m);
    const id = m.traced.id;
    const out = (n) => join(OUT, `filter-${m.label}-${n}.out`);
    const modes = m === filterCorpus ? ['file', 'pipe'] : ['pipe'];
    const cases = [];
    for (const mode of modes) {
      if (mode === 'file') {
        cases.push({ name: 'grep-filter <', mode, argv: ['grep', '-F', id], inFile: file, outFile: out('grep-file') });
        cases.push({ name: 'filter <', mode, argv: [NODE, BIN, 'filter', '-i', id], inFile: file, outFile: out('filter-file') });
      } else {
        // Wall time covers the whole pipeline, cat included, for both.
        cases.push({ name: 'grep-filter |', mode, argv: ['sh', '-c', 'cat "$1" | grep -F "$0"', id, file], outFile: out('grep-pipe') });
        cases.push({ name: 'filter |', mode, argv: ['sh', '-c', 'cat "$1" | "$2" "$3" filter -i "$0"', id, file, NODE, BIN], outFile: out('filter-pipe') });
      }
    }
    note(`filter ${m.label}: ${cases.map((c) => c.name).join(', ')} × ${opts.runs} …`);
    const r = await compare(cases, opts.runs, method);
    for (const mode of modes) {
      const [g, f] = cases.filter((c) => c.mode === mode);
      const grep = r.get(g.name);
      const input = `${m.label} file (all formats), ${mode === 'file' ? '`< file`' : '`cat file |`'}`;
      for (const c of [g, f]) {
        const x = r.get(c.name);
        if (x.skipped) { rows.push(skipRow('filter', `${caseLabel(c.name)} on ${m.label}: ${x.skipped}`)); continue; }
        const isRef = c === g;
        const ratio = grep.wall / x.wall; // throughput ratio
        if (!isRef && mode === 'pipe') perSize.push({ label: m.label, bytes: m.uncompressedBytes, rssKiB: x.rssKiB });
        rows.push({
          bench: 'filter', case: caseLabel(c.name), input, seconds: x.wall, throughput: fmtMBs(m.uncompressedBytes, x.wall),
          ratio: isRef ? '1.00× (ref)' : `${ratio.toFixed(2)}× grep's MiB/s`, rss: fmtMiB(x.rssKiB),
          goal: isRef ? '' : '≥ 0.33× grep',
          result: isRef ? `${countLines(c.outFile)} lines` : `${judge(ratio, { min: 1 / 3 })}; ${countLines(c.outFile)} lines${x.warning ? ` (${x.warning})` : ''}`,
          lines: countLines(c.outFile),
        });
      }
    }
  }
  if (perSize.length >= 2) rows.push(growthRow('filter', perSize));
}

/** "N lines" for a reference's output, flagged when it is not the count the corpus promises. */
function linesCheck(file, expected) {
  const n = countLines(file);
  return n === expected ? `${n} lines (= the corpus's ${expected})` : `⚠ ${n} lines, the corpus says ${expected}`;
}

/**
 * The fleet (bench/fleet.js): one cloud's collected logs, 25 plain files, and the same as .gz.
 * `instance-trace <id> <root>` against `grep -F -r` on the plain set (goal ≤ 2×) and against
 * `zcat`-then-`grep -F` on the gzip set (goal ≤ 1.5×); rg (-z) for information.
 */
async function benchFleet(fleet, opts, method, rows) {
  if (!cliBuilt()) { rows.push(skipRow('fleet', 'dist/cli/main.js missing — run `npm run build`')); return; }
  const id = fleet.traced.id;
  const plain = join(fleet.out, fleet.plain);
  const gz = join(fleet.out, fleet.gz);
  const out = (n) => join(OUT, `${fleet.label}-${n}.out`);
  const rg = which('rg');
  const cases = [
    { name: 'grep', set: 'plain', argv: ['grep', '-F', '-r', id, plain], outFile: out('grep') },
    { name: 'trace', set: 'plain', argv: [NODE, BIN, id, plain], outFile: out('trace'), env: { NO_COLOR: '1' } },
    { name: 'zcat|grep', set: 'gz', argv: ['sh', '-c', 'find "$1" -type f -name "*.gz" -exec zcat {} + | grep -F "$0"', id, gz], outFile: out('zcat-grep') },
    { name: 'trace', set: 'gz', argv: [NODE, BIN, id, gz], outFile: out('trace-gz'), env: { NO_COLOR: '1' } },
  ];
  if (rg) {
    // --no-ignore: bench/corpus is git-ignored and rg would skip it.
    cases.push({ name: 'rg', set: 'plain', argv: ['rg', '-F', '--no-ignore', '--hidden', id, plain], outFile: out('rg') });
    cases.push({ name: 'rg -z', set: 'gz', argv: ['rg', '-F', '-z', '--no-ignore', '--hidden', id, gz], outFile: out('rg-z') });
  } else {
    rows.push(skipRow('fleet', 'rg not installed (`apt-get install ripgrep`): its information rows are left out'));
  }
  for (const c of cases) c.key = `${c.name} ${c.set}`;
  note(`fleet ${fleet.label}: ${cases.map((c) => c.key).join(', ')} × ${opts.runs} …`);
  const r = await compare(cases.map((c) => ({ ...c, name: c.key })), opts.runs, method);
  const bytes = fleet.uncompressedBytes;
  const mib = (n) => `${(n / MiB).toFixed(0)} MiB`;
  const sets = {
    plain: { ref: 'grep plain', goal: 2.0, input: `${fleet.label}: ${fleet.files.length} plain files, ${mib(bytes)}` },
    gz: { ref: 'zcat|grep gz', goal: 1.5, input: `${fleet.label}: ${fleet.files.length} .gz files, ${mib(fleet.gzBytes)} (${mib(bytes)} inflated)` },
  };
  for (const [set, { ref, goal, input }] of Object.entries(sets)) {
    const refRes = r.get(ref);
    const refName = ref.split(' ')[0];
    for (const c of cases.filter((k) => k.set === set)) {
      const x = r.get(c.key);
      if (x.skipped) { rows.push(skipRow('fleet', `${caseLabel(c.name)} on the ${set} set: ${x.skipped}`)); continue; }
      if (refRes.skipped) continue;
      const isRef = c.key === ref;
      const ratio = x.wall / refRes.wall;
      const row = {
        bench: 'fleet', case: `${caseLabel(c.name)}${set === 'gz' && c.name === 'trace' ? ' on .gz' : ''}`, input,
        seconds: x.wall, throughput: fmtMBs(bytes, x.wall), ratio: isRef ? '1.00× (ref)' : `${ratio.toFixed(2)}× ${refName}`,
        rss: fmtMiB(x.rssKiB), goal: '', result: '', lines: countLines(c.outFile),
      };
      if (isRef) row.result = linesCheck(c.outFile, fleet.traced.lines);
      else if (c.name === 'trace') {
        row.goal = `time ≤ ${goal.toFixed(1)}× ${refName}`;
        row.result = `${judge(ratio, { max: goal })}${x.warning ? ` (${x.warning})` : ''}${answerOf(c.outFile)}`;
      } else row.result = linesCheck(c.outFile, fleet.traced.lines);
      rows.push(row);
    }
  }
}

/** A HOME of its own for one lnav run: lnav keeps formats, sessions and indexes under it. */
function freshHome() {
  const home = mkdtempSync(join(tmpdir(), 'it-bench-lnav-'));
  return { env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config') }, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/**
 * lnav headless on the fleet's plain files, `:filter-in <id>`, against instance-trace on the same
 * root. Goal: instance-trace ≥ 10× faster. Every lnav run starts from an empty HOME (no state
 * from the last run). lnav's output must be grep's lines exactly, or it did not read and filter
 * every file and the time means nothing.
 */
async function benchLnav(fleet, opts, method, rows) {
  if (!which('lnav')) { rows.push(skipRow('lnav', 'lnav not installed (`apt-get install lnav`): row left out')); return; }
  if (!cliBuilt()) { rows.push(skipRow('lnav', 'dist/cli/main.js missing — run `npm run build`')); return; }
  const id = fleet.traced.id;
  const plain = join(fleet.out, fleet.plain);
  const out = (n) => join(OUT, `${fleet.label}-${n}.out`);
  const cases = [
    { name: 'trace', argv: [NODE, BIN, id, plain], outFile: out('trace-vs-lnav'), env: { NO_COLOR: '1' } },
    // Headless (-n): load every file, run the command, print the view (the kept lines) and exit.
    { name: 'lnav', argv: ['lnav', '-n', '-c', `:filter-in ${id}`, ...fleet.files.map((f) => join(plain, f.path))], outFile: out('lnav'), setup: freshHome },
  ];
  note(`lnav ${fleet.label}: ${cases.map((c) => c.name).join(', ')} × ${opts.runs} …`);
  const r = await compare(cases, opts.runs, method);
  const trace = r.get('trace');
  const lnav = r.get('lnav');
  const input = `${fleet.label}: ${fleet.files.length} plain files, ${(fleet.uncompressedBytes / MiB).toFixed(0)} MiB`;
  if (trace.skipped) { rows.push(skipRow('lnav', `instance-trace: ${trace.skipped}`)); return; }
  rows.push({
    bench: 'lnav', case: caseLabel('trace'), input, seconds: trace.wall, throughput: fmtMBs(fleet.uncompressedBytes, trace.wall),
    ratio: '1.00× (ref)', rss: fmtMiB(trace.rssKiB), goal: '', result: answerOf(cases[0].outFile).replace(/^; /, ''),
  });
  if (lnav.skipped) { rows.push(skipRow('lnav', `lnav: ${lnav.skipped}`)); return; }
  const sorted = (text) => text.split('\n').filter(Boolean).sort().join('\n');
  const grepped = spawnSync('grep', ['-F', '-r', '-h', id, plain], { encoding: 'latin1', maxBuffer: 64 * MiB }).stdout ?? '';
  const same = sorted(readFileSync(cases[1].outFile, 'latin1')) === sorted(grepped);
  const n = countLines(cases[1].outFile);
  const expected = grepped.split('\n').filter(Boolean).length;
  const speedup = lnav.wall / trace.wall;
  rows.push({
    bench: 'lnav', case: caseLabel('lnav'), input: `${input}, fresh HOME each run`, seconds: lnav.wall,
    throughput: fmtMBs(fleet.uncompressedBytes, lnav.wall), ratio: `takes ${speedup.toFixed(2)}× instance-trace's time`,
    rss: fmtMiB(lnav.rssKiB), goal: 'instance-trace ≥ 10× faster',
    result: same
      ? `${judge(speedup, { min: 10 })}; output = grep's ${n} lines${lnav.warning ? ` (${lnav.warning})` : ''}`
      : `not judged: lnav wrote ${n} lines, not grep's ${expected} — it did not read or filter every file`,
  });
}

/**
 * Start-up cost: `instance-trace --version`, and a trace of one small file, against `node -e 0`
 * (a bare Node start). More runs than elsewhere: each takes tens of ms.
 */
async function benchStartup(opts, method, rows) {
  if (!cliBuilt()) { rows.push(skipRow('startup', 'dist/cli/main.js missing — run `npm run build`')); return; }
  const runs = Math.max(opts.runs, opts.quick ? 10 : 20);
  const small = join(ROOT, 'fixtures', 'cloud', 'cp-1');
  const out = (n) => join(OUT, `startup-${n}.out`);
  const cases = [
    { name: 'node -e 0', argv: [NODE, '-e', '0'], outFile: out('node') },
    { name: '--version', argv: [NODE, BIN, '--version'], outFile: out('version'), goal: 1.5 },
  ];
  if (existsSync(small)) cases.push({ name: 'small trace', argv: [NODE, BIN, FIXTURE_INSTANCE, small], outFile: out('small'), env: { NO_COLOR: '1' }, goal: 2.5 });
  else rows.push(skipRow('startup', 'fixtures/cloud/cp-1 missing: the small-trace row is left out'));
  note(`startup: ${cases.map((c) => c.name).join(', ')} × ${runs} …`);
  const r = await compare(cases, runs, method);
  const ref = r.get('node -e 0');
  for (const c of cases) {
    const x = r.get(c.name);
    if (x.skipped) { rows.push(skipRow('startup', `${caseLabel(c.name)}: ${x.skipped}`)); continue; }
    const ratio = x.wall / ref.wall;
    rows.push({
      bench: 'startup', case: caseLabel(c.name), input: c.name === 'small trace' ? `fixtures/cloud/cp-1, median of ${runs}` : `median of ${runs}`,
      seconds: x.wall, throughput: '', ratio: c.goal ? `${ratio.toFixed(2)}× node -e 0` : '1.00× (ref)', rss: fmtMiB(x.rssKiB),
      goal: c.goal ? `≤ ${c.goal}× node -e 0` : '', result: c.goal ? `${judge(ratio, { max: c.goal })}${x.warning ? ` (${x.warning})` : ''}` : '',
    });
  }
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

function benchReport(opts, rows) {
  note('report (--html in headless Chromium) …');
  const res = runHelper('report-bench.js', [String(Math.max(3, opts.runs)), '10000']);
  if (res.skipped) { rows.push(skipRow('report', res.skipped)); return; }
  rows.push({
    bench: 'report', case: 'open → interactive', input: `${res.records} records, ${(res.bytes / MiB).toFixed(1)} MiB page (written in ${(res.writeMs / 1000).toFixed(2)} s)`,
    seconds: res.readyMs / 1000, throughput: `all listed ${(res.listedMs / 1000).toFixed(2)} s, click→select ${res.clickMs.toFixed(0)} ms`, ratio: `max ${(res.readyMax / 1000).toFixed(2)} s`, rss: '',
    goal: '< 2 s', result: judge(res.readyMs / 1000, { max: 2 }),
  });
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
  if (want('trace') || want('images') || want('filter') || want('parse')) {
    for (const label of opts.sizes) {
      const m = await ensureCorpus(label, opts.seed);
      corpora.push({ ...m, label });
    }
    // Realism check on the smallest corpus: the traced instance's story must be there.
    const v = await verifyCorpus(corpora[0]);
    facts.verify = v;
    note(`corpus check (${corpora[0].label}): ${v.summary}`);
  }
  let fleet = null;
  if (want('fleet') || want('lnav')) {
    note(`fleet (scale ${opts.fleetScale}): reusing bench/corpus/fleet-* when its manifest matches, else generating (~1 min at scale 1) …`);
    const m = await ensureFleet({ scale: opts.fleetScale, seed: opts.seed, quiet: true });
    fleet = { ...m, label: basename(m.out) };
    facts.fleet = `${fleet.label}: api-1/nova-api.log ${(fleet.shape.apiBytes / MiB).toFixed(1)} MiB + ${fleet.shape.computes} × cp-N/nova-compute.log ${(fleet.shape.computeBytes / MiB).toFixed(2)} MiB, oslo text, ${fleet.instancesCreated} instances over ${fleet.simulated.from.slice(0, 10)} → ${fleet.simulated.to.slice(0, 10)}; traced ${fleet.traced.id} named in ${fleet.traced.lines} lines on ${fleet.traced.hosts.join(', ')}; the .gz set is the same files gzipped (-6) as <service>.log.1.gz.`;
  }

  // Each section's wall time goes to stderr and the JSON: what to trim when a run gets long.
  facts.sectionSeconds = {};
  const section = async (name, fn) => {
    if (!want(name)) return;
    const t0 = Date.now();
    await fn();
    facts.sectionSeconds[name] = (Date.now() - t0) / 1000;
    note(`${name} took ${facts.sectionSeconds[name].toFixed(0)} s`);
  };
  await section('trace', () => benchTrace(corpora, opts, method, rows, facts));
  await section('images', () => benchImages(corpora, opts, method, rows));
  await section('filter', async () => {
    const filterCorpus = corpora.find((m) => m.label === opts.filterSize) ?? { ...(await ensureCorpus(opts.filterSize, opts.seed)), label: opts.filterSize };
    const largest = corpora.reduce((a, b) => (b.uncompressedBytes > a.uncompressedBytes ? b : a));
    await benchFilter(filterCorpus, largest.uncompressedBytes > filterCorpus.uncompressedBytes ? largest : filterCorpus, opts, method, rows);
  });
  await section('fleet', () => benchFleet(fleet, opts, method, rows));
  await section('lnav', async () => {
    await benchLnav(fleet, opts, method, rows);
    facts.lnav = 'lnav runs headless (`lnav -n -c \':filter-in <id>\' <the 25 files>`, its kept lines printed to the output file) with HOME and XDG_CONFIG_HOME set to a new empty folder for every run, removed after it (untimed): lnav keeps its formats, session state and file indexes there, so every run starts cold the same way; the file contents are in the page cache for it as for the others.';
  });
  await section('startup', () => benchStartup(opts, method, rows));
  await section('parse', async () => benchParse(corpora, opts, rows));
  await section('logger', async () => benchLogger(opts, rows));
  await section('report', async () => benchReport(opts, rows));
  await section('store', async () => {
    const storeCorpus = { ...(await ensureCorpus(opts.storeSize, opts.seed)), label: opts.storeSize };
    await benchStore(storeCorpus, { bin: BIN, out: OUT, runs: opts.runs, method, note, skipRow, judge, fmtMiB }, rows, facts);
  });

  const machineLine = `Machine: ${mach.cores} cores, ${mach.cpu}, ${mach.memGiB} GiB RAM, Node ${mach.node}, ${mach.grep}${mach.rg ? `, ${mach.rg}` : ', rg not installed'}${mach.lnav ? `, ${mach.lnav}` : ', lnav not installed'}; peak RSS via ${method === 'gnu-time' ? 'GNU time %M (ru_maxrss)' : '/proc/<pid>/status VmHWM polling'}; median of ${opts.runs} runs after one warm-up (start-up rows: of the count shown), ratios from the same run; load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (other jobs share the cores); ${new Date().toISOString().slice(0, 16)}Z.`;
  const md = [table(rows), '', machineLine];
  if (facts.traceCaveat) md.push('', `Note: ${facts.traceCaveat}`);
  if (facts.fleet) md.push('', `Fleet: ${facts.fleet}`);
  if (facts.lnav) md.push('', `lnav: ${facts.lnav}`);
  if (facts.store) md.push('', `Store: ${facts.store}`);
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
