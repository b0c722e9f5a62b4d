#!/usr/bin/env node
// The fleet corpus: one cloud's logs as an operator collects them — one plain, unrotated file per
// host, oslo text throughout — and the same files gzipped as rotated ones.
//
//   node bench/fleet.js [--scale 1] [--seed 42] [--out bench/corpus/fleet-563MiB]
//
// Layout (scale 1, 563 MiB in all):
//   <out>/logs/api-1/nova-api.log                 84 MiB
//   <out>/logs/cp-N/nova-compute.log              24 hosts × 19.96 MiB (20.9 MB)
//   <out>/logs.gz/<host>/<service>.log.1.gz       each of the above, gzip -6
//   <out>/manifest.json                           shape, files, the traced instance
// The background is generate.js's simulated cloud (same wordings, same line format); each file
// stops taking lines once it reaches its size, and generation ends when every file has. The
// traced instance's story is written here from generate.js's NOVA wordings so that its id is in
// exactly TRACED_LINES lines: 5 in the API log, the rest on three compute hosts (built on one,
// live-migrated twice, deleted on the third). Deterministic: the same flags give identical files.

import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import {
  Corpus, EventQueue, GENERATOR_VERSION, HOUR, MIN, NOVA, SEC, START, Service, makeCloud, makeRng, say,
} from './generate.js';

/** Bumped whenever the fleet's output changes, so run.js regenerates a cached fleet. */
export const FLEET_VERSION = 1;

const MiB = 2 ** 20;
/** The shape at scale 1: a real cloud's collected logs (nova-api and 24 nova-compute hosts). */
export const FLEET_SHAPE = { totalBytes: 563 * MiB, apiBytes: 84 * MiB, computes: 24 };
export const TRACED_LINES = 25;

/**
 * How often the API is polled and instances are created (simulated ms): chosen so that the API log
 * and the compute logs reach their sizes at about the same simulated time (little is generated
 * only to be dropped), and the run covers a few simulated days.
 */
const RATES = { apiPollMs: [1300, 4000], newInstanceMs: [2 * SEC, 20 * SEC] };

/**
 * The traced story starts when this share of the bytes is written and ends (deletion) about
 * STORY_SPAN of the run later, so that no file it touches is full before it ends.
 */
const STORY_AT = 0.35;
const STORY_SPAN = 0.3;

/** Folder of a fleet of this scale under bench/corpus. */
export function fleetDir(scale, root = join(fileURLToPath(new URL('.', import.meta.url)), 'corpus')) {
  return join(root, `fleet-${Math.round(FLEET_SHAPE.totalBytes * scale / MiB)}MiB`);
}

/** A Corpus without rotation in which each file stops taking lines at its own size. */
class CappedCorpus extends Corpus {
  constructor(out, clock) {
    super(out, Infinity);
    this.clock = clock;
    this.open = 0;
  }
  segment() { return 0; }
  cap(w, bytes) {
    w.cap = bytes;
    w.written = 0;
    this.open++;
  }
  write(w, text) {
    if (w.written >= w.cap) return;
    super.write(w, text);
    w.written += text.length;
    if (w.written >= w.cap) { this.open--; w.filledAt = this.clock.now; }
  }
}

/** Where the lines of the services this fleet does not collect (scheduler, conductor) go. */
const uncollected = { log() {} };

/**
 * Queues the traced instance's 25 lines from `t0`: booted on hostA, live-migrated to hostB, then
 * to hostC, deleted there. Also the lines that share its requests without naming it (the POST,
 * the image fetch on each host), so that request expansion has something to find.
 */
function queueStory(cloud, api, rng, t0, span) {
  const [a, b, c] = pickDistinct(rng, cloud.computes, 3);
  const I = rng.uuid();
  const image = rng.pick(cloud.images);
  const project = cloud.project;
  const boot = cloud.userCtx(cloud.newReq());
  const q = api.clock.queue;

  say(api, t0, NOVA.postServers, boot, null, [project, '0.5128140']);
  say(api, t0 + 570, NOVA.getServer, cloud.userCtx(cloud.newReq()), null, [project, I, '0.1917260']);
  let t = t0 + 1000;
  say(a.svc, t, NOVA.claimAttempt, boot, I);
  say(a.svc, t + 35, NOVA.claimSuccessful, boot, I);
  say(a.svc, t + 600, NOVA.creatingImage, boot, I);
  cloud.fetchBase(a, t + 610, boot, I, image);
  const life = { req: a.lifecycleReq, user: null, project: null };
  say(a.svc, t + 12000, NOVA.vmStarted, life, I);
  const events = cloud.svcCtx(cloud.newReq());
  say(api, t + 19000, NOVA.vifPluggedEvent, events, null, [rng.uuid(), I]);
  say(api, t + 19005, NOVA.externalEventsPosted, events, null, [events.project]);
  say(a.svc, t + 19108, NOVA.spawned, null, I);
  say(a.svc, t + 19250, NOVA.built, boot, I, ['18.25']);
  say(a.svc, t + 10 * MIN, NOVA.triggeringSync, cloud.adminCtx(a.periodicReq), null, [I]);

  // live migration: API action, image on the destination, progress, completion
  const migrate = (tm, src, dst, progress) => {
    const ctx = cloud.userCtx(cloud.newReq());
    const secs = progress.length * 5 + 2;
    say(api, tm, NOVA.serverAction, ctx, null, [project, I]);
    cloud.fetchBase(dst, tm + 400, ctx, I, image);
    say(dst.svc, tm + 4700, NOVA.creatingImage, ctx, I);
    for (const s of progress) say(src.svc, tm + 5000 + s * 1000, NOVA.migrationRunning, ctx, I, [s, secs]);
    const te = tm + 5000 + secs * 1000;
    say(src.svc, te + 300, NOVA.migrationCompleted, ctx, I);
    say(dst.svc, te + 900, NOVA.postMigration, ctx, I);
    say(src.svc, te + 1600, NOVA.migrated, ctx, I, [dst.name]);
    q.push(te + 1600, (tt) => cloud.releaseBase(src, tt, I, image));
  };
  migrate(t0 + Math.max(HOUR, span * 0.3), a, b, [5, 10]);
  migrate(t0 + Math.max(2 * HOUR, span * 0.6), b, c, [5]);

  const tDel = t0 + Math.max(3 * HOUR, span);
  const del = cloud.userCtx(cloud.newReq());
  say(api, tDel, NOVA.deleteServer, del, null, [project, I]);
  say(c.svc, tDel + 36, NOVA.terminating, del, I);
  say(c.svc, tDel + 1010, NOVA.deletingFiles, del, I, [I]);
  q.push(tDel + 1010, (tt) => cloud.releaseBase(c, tt, I, image));
  return { id: I, image: image.id, baseFile: image.base, hosts: ['api-1', a.name, b.name, c.name], endsAt: tDel + 1010 };
}

function pickDistinct(rng, items, n) {
  const pool = [...items];
  const out = [];
  while (out.length < n) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]);
  return out;
}

/** Lines of `file` containing `needle` (bytes), counted without reading the file as text. */
function countLinesWith(file, needle) {
  const buf = readFileSync(file);
  const pat = Buffer.from(needle);
  let n = 0;
  for (let i = buf.indexOf(pat); i !== -1;) {
    n++;
    const eol = buf.indexOf(10, i);
    if (eol === -1) break;
    i = buf.indexOf(pat, eol + 1);
  }
  return n;
}

/** Generates the fleet into `out` (replacing it); resolves its manifest. */
export async function generateFleet({ scale = 1, seed = 42, out = fleetDir(scale), quiet = false }) {
  if (!(scale > 0 && scale <= 4)) throw new Error(`--scale must be in (0, 4], not ${scale}`);
  const started = process.hrtime.bigint();
  const logs = join(out, 'logs');
  const gz = join(out, 'logs.gz');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });

  const apiBytes = Math.round(FLEET_SHAPE.apiBytes * scale);
  const computeBytes = Math.round((FLEET_SHAPE.totalBytes - FLEET_SHAPE.apiBytes) * scale / FLEET_SHAPE.computes);
  const rng = makeRng(seed);
  const q = new EventQueue();
  const clock = { now: START, queue: q };
  const corpus = new CappedCorpus(logs, clock);
  const api = new Service(corpus, clock, 'api-1', 'nova-api', 'oslo', 25746);
  corpus.cap(api.w, apiBytes);
  const computeServices = Array.from({ length: FLEET_SHAPE.computes }, (_, i) => {
    const svc = new Service(corpus, clock, `cp-${i + 1}`, 'nova-compute', 'oslo', 2900 + i * 17);
    corpus.cap(svc.w, computeBytes);
    return svc;
  });
  const cloud = makeCloud({ rng, clock, api, meta: api, scheduler: uncollected, conductor: uncollected, computeServices, rates: RATES });
  cloud.start();

  const total = apiBytes + computeBytes * FLEET_SHAPE.computes;
  let traced = null;
  while (corpus.open > 0 && q.size > 0) {
    const [t, fn] = q.pop();
    clock.now = t;
    fn(t);
    if (!traced && corpus.bytes >= total * STORY_AT) {
      const duration = (t - START) / STORY_AT; // expected, at the rate so far
      traced = queueStory(cloud, api, rng, t, duration * STORY_SPAN);
    }
  }
  await corpus.close();

  // The story's lines are only written if no file it touches filled before it ended: check.
  const writers = [...corpus.writers.values()].sort((x, y) => x.host.localeCompare(y.host, 'en', { numeric: true }));
  const files = writers.map((w) => `${w.host}/${w.service}.log`);
  let named = 0;
  for (const f of files) named += countLinesWith(join(logs, f), traced.id);
  if (named !== TRACED_LINES) {
    const early = writers.filter((w) => w.filledAt < traced.endsAt).map((w) => `${w.host} at ${new Date(w.filledAt).toISOString()}`);
    throw new Error(`the traced instance is named in ${named} lines, not ${TRACED_LINES}: its story ran until ${new Date(traced.endsAt).toISOString()} but ${early.join(', ') || 'no file'} filled before (retune RATES or STORY_AT)`);
  }

  // The gzip set: the same files, each compressed as logrotate would its first rotation.
  await Promise.all(files.map(async (f) => {
    mkdirSync(join(gz, f.split('/')[0]), { recursive: true });
    await pipeline(createReadStream(join(logs, f), { highWaterMark: MiB }), createGzip({ level: 6 }), createWriteStream(join(gz, `${f}.1.gz`)));
  }));

  const fileRows = writers.map((w, i) => {
    const f = files[i];
    return { path: f, bytes: statSync(join(logs, f)).size, gzPath: `${f}.1.gz`, gzBytes: statSync(join(gz, `${f}.1.gz`)).size, until: new Date(w.filledAt).toISOString() };
  });
  const manifest = {
    fleetVersion: FLEET_VERSION, generatorVersion: GENERATOR_VERSION, seed, scale, out,
    shape: { apiBytes, computeBytes, computes: FLEET_SHAPE.computes },
    plain: 'logs', gz: 'logs.gz',
    uncompressedBytes: fileRows.reduce((s, f) => s + f.bytes, 0),
    gzBytes: fileRows.reduce((s, f) => s + f.gzBytes, 0),
    instancesCreated: cloud.created,
    simulated: { from: new Date(START).toISOString(), to: new Date(clock.now).toISOString() },
    traced: { ...traced, endsAt: new Date(traced.endsAt).toISOString(), lines: TRACED_LINES },
    files: fileRows,
    generateSeconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!quiet) process.stderr.write(`generated fleet: ${(manifest.uncompressedBytes / MiB).toFixed(1)} MiB in ${files.length} files (${(manifest.gzBytes / MiB).toFixed(1)} MiB gzipped) in ${manifest.generateSeconds.toFixed(1)} s → ${out}\n`);
  return manifest;
}

/** The fleet of this scale and seed: the cached one when its manifest and files match, else a new one. */
export async function ensureFleet({ scale = 1, seed = 42, out = fleetDir(scale), quiet = false }) {
  const mf = join(out, 'manifest.json');
  if (existsSync(mf)) {
    try {
      const m = JSON.parse(readFileSync(mf, 'utf8'));
      const intact = m.files.every((f) => statSync(join(out, m.plain, f.path)).size === f.bytes && statSync(join(out, m.gz, f.gzPath)).size === f.gzBytes);
      if (m.fleetVersion === FLEET_VERSION && m.generatorVersion === GENERATOR_VERSION && m.seed === seed && m.scale === scale && intact) return { ...m, out };
    } catch { /* regenerate */ }
  }
  return generateFleet({ scale, seed, out, quiet });
}

// ---------------------------------------------------------------- CLI

function parseArgs(argv) {
  const o = { scale: 1, seed: 42, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    if (k === '--scale') o.scale = Number(val());
    else if (k === '--seed') o.seed = Number(val());
    else if (k === '--out') o.out = val();
    else if (k === '--help' || k === '-h') {
      process.stdout.write('usage: node bench/fleet.js [--scale 1] [--seed 42] [--out bench/corpus/fleet-563MiB]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer');
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const o = parseArgs(process.argv.slice(2));
    const { files, ...summary } = await generateFleet({ scale: o.scale, seed: o.seed, out: o.out ?? fleetDir(o.scale) });
    process.stdout.write(JSON.stringify({ ...summary, files: files.length }, null, 2) + '\n');
  } catch (err) {
    process.stderr.write(`fleet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
