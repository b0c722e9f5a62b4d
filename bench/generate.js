#!/usr/bin/env node
// Deterministic, seeded generator of a multi-host Nova log corpus for the benchmarks.
//
//   node bench/generate.js --size 256MiB [--seed 42] [--out bench/corpus/256MiB] [--hosts 6]
//
// Layout: <out>/<host>/<service>.log (newest), <service>.log.1, <service>.log.2.gz (oldest), one
// folder per host: compute hosts cp-1..cp-N, api-1 (nova-api), ctl-1 (nova-scheduler,
// nova-conductor). Formats cycle over the compute hosts: oslo text, our logger's pino JSON,
// oslo.log JSONFormatter, syslog-wrapped oslo text (journald/rsyslog style). The wording imitates
// /work/shared/corpora/loghub-openstack (real Nova lines). `--size` counts uncompressed bytes.
// Prints a JSON manifest (also written to <out>/manifest.json) naming a traced instance that was
// rescheduled after a failed build (traceback), then live-migrated, then deleted.
//
// fleet.js builds its corpus from the same pieces: makeCloud (the simulation), Service (the line
// formats) and NOVA (the wordings of an instance's life, written once for both).

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, openSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** Bumped whenever the output changes, so run.js regenerates cached corpora. */
export const GENERATOR_VERSION = 2;

// ---------------------------------------------------------------- options

/** Parses `1GiB`, `256MiB`, `64KiB`, `1G`, `500M`, or a byte count. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`bad --size ${JSON.stringify(text)}: use e.g. 64MiB, 1GiB`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const mult = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
  return Math.round(Number(m[1]) * mult);
}

function parseArgs(argv) {
  const opts = { size: '64MiB', seed: 42, out: null, hosts: 6, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    if (k === '--size') opts.size = val();
    else if (k === '--seed') opts.seed = Number(val());
    else if (k === '--out') opts.out = val();
    else if (k === '--hosts') opts.hosts = Number(val());
    else if (k === '--quiet') opts.quiet = true;
    else if (k === '--help' || k === '-h') {
      process.stdout.write('usage: node bench/generate.js --size 1GiB [--seed N] [--out DIR] [--hosts N]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(opts.seed)) throw new Error('--seed must be an integer');
  if (!Number.isInteger(opts.hosts) || opts.hosts < 2) throw new Error('--hosts must be an integer ≥ 2');
  return opts;
}

// ---------------------------------------------------------------- deterministic randomness

/** sfc32: small, fast, good-enough PRNG; all randomness flows from the seed. */
export function makeRng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = (seed >>> 0) ^ 0xdeadbeef;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 20; i++) next();
  const float = () => next() / 4294967296;
  const hex8 = () => next().toString(16).padStart(8, '0');
  return {
    float,
    int: (lo, hi) => lo + Math.floor(float() * (hi - lo + 1)),
    chance: (p) => float() < p,
    pick: (arr) => arr[Math.floor(float() * arr.length)],
    hex32: () => hex8() + hex8() + hex8() + hex8(),
    uuid: () => {
      const h = hex8() + hex8() + hex8() + hex8();
      const v = ((parseInt(h[16], 16) & 3) | 8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

// ---------------------------------------------------------------- time text (cached per second)

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let cachedSec = -1, cachedDay = '', cachedHms = '', cachedSyslog = '';
function refreshSecond(sec) {
  if (sec === cachedSec) return;
  cachedSec = sec;
  const iso = new Date(sec * 1000).toISOString();
  cachedDay = iso.slice(0, 10);
  cachedHms = iso.slice(11, 19);
  const day = Number(iso.slice(8, 10));
  cachedSyslog = `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${day < 10 ? ' ' + day : day} ${cachedHms}`;
}
const ms3 = (t) => String(t % 1000).padStart(3, '0');
/** oslo.log text time: `2017-05-16 00:00:31.092`. */
export function osloTime(t) { refreshSecond(Math.floor(t / 1000)); return `${cachedDay} ${cachedHms}.${ms3(t)}`; }
/** oslo.log JSONFormatter asctime: `2017-05-16 00:00:31,092`. */
function asciiTime(t) { refreshSecond(Math.floor(t / 1000)); return `${cachedDay} ${cachedHms},${ms3(t)}`; }
function syslogTime(t) { refreshSecond(Math.floor(t / 1000)); return cachedSyslog; }

// ---------------------------------------------------------------- output files

const GZ_FRACTION = 0.10;   // oldest 10 % of the bytes go to <service>.log.2.gz
const ROTATE1_FRACTION = 0.40; // next 30 % to <service>.log.1, the rest to <service>.log
const FLUSH_BYTES = 1 << 20;

export class Corpus {
  constructor(out, targetBytes) {
    this.out = out;
    this.target = targetBytes;
    this.bytes = 0;
    this.writers = new Map();
    this.toGzip = [];
    this.files = [];
  }
  segment() {
    if (this.bytes < this.target * GZ_FRACTION) return 2;
    if (this.bytes < this.target * ROTATE1_FRACTION) return 1;
    return 0;
  }
  writer(host, service) {
    const key = `${host}/${service}`;
    let w = this.writers.get(key);
    if (!w) {
      mkdirSync(join(this.out, host), { recursive: true });
      w = { host, service, seg: -1, fd: -1, buf: [], bufBytes: 0, path: '', lastT: 0 };
      this.writers.set(key, w);
    }
    return w;
  }
  /** Appends physical lines (each without '\n'); rotates by the corpus-wide byte count. */
  write(w, text) {
    const seg = this.segment();
    if (seg !== w.seg) this.reopen(w, seg);
    w.buf.push(text);
    w.bufBytes += text.length;
    this.bytes += text.length;
    if (w.bufBytes >= FLUSH_BYTES) this.flush(w);
  }
  flush(w) {
    if (w.bufBytes === 0) return;
    writeSync(w.fd, w.buf.join(''));
    w.buf = [];
    w.bufBytes = 0;
  }
  reopen(w, seg) {
    if (w.fd >= 0) { this.flush(w); closeSync(w.fd); }
    const base = join(this.out, w.host, `${w.service}.log`);
    const path = seg === 0 ? base : seg === 1 ? `${base}.1` : `${base}.2.tmp`;
    w.fd = openSync(path, 'w');
    w.seg = seg;
    w.path = path;
    if (seg === 2) this.toGzip.push({ tmp: path, gz: `${base}.2.gz` });
  }
  async close() {
    for (const w of this.writers.values()) { this.flush(w); if (w.fd >= 0) closeSync(w.fd); }
    // Compress the oldest segments in parallel (zlib runs on the libuv thread pool).
    await Promise.all(this.toGzip.map(async ({ tmp, gz }) => {
      await pipeline(createReadStream(tmp, { highWaterMark: 1 << 20 }), createGzip({ level: 6 }), createWriteStream(gz));
      unlinkSync(tmp);
    }));
  }
}

// ---------------------------------------------------------------- line formats

const sha1 = (s) => createHash('sha1').update(s).digest('hex');
const BASE_DIR = '/var/lib/nova/instances/_base';
const OSLO_LEVEL = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };
const LEVELNO = { debug: 10, info: 20, warn: 30, error: 40 };
const PINO_LEVEL = { debug: 20, info: 30, warn: 40, error: 50 };
const PY = '/usr/lib/python2.7/dist-packages';

/**
 * A service on a host writing in one format. `log(t, level, logger, ctx, instance, msg, extra)`:
 * ctx = { req, user, project } or null (oslo `[-]`); extra = { traceback, cont, image, cache, baseFile, where }.
 */
export class Service {
  constructor(corpus, clock, host, service, format, pid) {
    this.corpus = corpus;
    this.clock = clock;
    this.w = corpus.writer(host, service);
    this.host = host;
    this.service = service;
    this.format = format;
    this.pid = pid;
  }
  log(t, level, logger, ctx, instance, msg, extra) {
    t = Math.round(t);
    // A line stamped in the future waits in the event queue, so every file stays in time order.
    if (t > this.clock.now) { this.clock.queue.push(t, () => this.log(t, level, logger, ctx, instance, msg, extra)); return; }
    if (t < this.w.lastT) t = this.w.lastT;
    this.w.lastT = t;
    let text;
    switch (this.format) {
      case 'oslo': text = this.oslo(t, level, logger, ctx, instance, msg, extra, ''); break;
      case 'syslog': text = this.oslo(t, level, logger, ctx, instance, msg, extra, `${syslogTime(t)} ${this.host} ${this.service}[${this.pid}]: `); break;
      case 'oslo-json': text = this.osloJson(t, level, logger, ctx, instance, msg, extra); break;
      default: text = this.pino(t, level, logger, ctx, instance, msg, extra);
    }
    this.corpus.write(this.w, text);
  }
  oslo(t, level, logger, ctx, instance, msg, extra, sys) {
    const ts = osloTime(t);
    const block = ctx ? `${ctx.req} ${ctx.user ?? '-'} ${ctx.project ?? '-'} - - -` : '-';
    const tag = instance ? `[instance: ${instance}] ` : '';
    // oslo.log's logging_debug_format_suffix: ' %(funcName)s %(pathname)s:%(lineno)d'
    const suffix = level === 'debug' ? ` ${codeWhere(logger, extra).join(' ')}` : '';
    let s = `${sys}${ts} ${this.pid} ${OSLO_LEVEL[level]} ${logger} [${block}] ${tag}${msg}`;
    if (extra?.cont) for (const c of extra.cont) s += `\n${sys}${c}`;
    s += `${suffix}\n`;
    if (extra?.traceback) {
      // oslo.log's logging_exception_prefix: '%(asctime)s.%(msecs)03d %(process)d ERROR %(name)s %(instance)s'
      const prefix = `${sys}${ts} ${this.pid} ERROR ${logger} ${tag}`;
      for (const l of extra.traceback) s += `${prefix}${l}\n`;
    }
    return s;
  }
  osloJson(t, level, logger, ctx, instance, msg, extra) {
    const full = extra?.cont ? `${msg}\n${extra.cont.join('\n')}` : msg;
    const where = extra?.where ?? ['manager.py', 'manager', 1234, '_do_work'];
    const path = codeWhere(logger, extra)[1].replace(/:\d+$/, '');
    const context = ctx
      ? `{"user_name": null, "project_name": null, "domain_name": null, "user_domain_name": null, "project_domain_name": null, "user": ${JSON.stringify(ctx.user ?? null)}, "project_id": ${JSON.stringify(ctx.project ?? null)}, "system_scope": null, "project": ${JSON.stringify(ctx.project ?? null)}, "domain": null, "user_domain": null, "project_domain": null, "is_admin": ${ctx.user ? 'false' : 'true'}, "read_only": false, "show_deleted": false, "auth_token": null, "request_id": "${ctx.req}", "global_request_id": null, "resource_uuid": null, "roles": [${ctx.user ? '"member", "reader"' : '"admin"'}], "user_identity": "${ctx.user ?? '-'} ${ctx.project ?? '-'} - - -", "is_admin_project": true}`
      : '{}';
    const inst = instance
      ? (extra?.byUuid ? `"instance_uuid": "${instance}", ` : `"instance": {"uuid": "${instance}"}, `)
      : '';
    const created = t / 1000;
    const tb = extra?.traceback ? JSON.stringify(['Traceback (most recent call last):', ...extra.traceback.slice(1)]) : 'null';
    const summary = extra?.traceback ? JSON.stringify(extra.traceback[extra.traceback.length - 1]) : '""';
    const m = JSON.stringify(full);
    return `{"message": ${m}, "asctime": "${asciiTime(t)}", "name": "${logger}", "msg": ${m}, "args": [], "levelname": "${OSLO_LEVEL[level]}", "levelno": ${LEVELNO[level]}, "pathname": "${path}", "filename": "${where[0]}", "module": "${where[1]}", "lineno": ${where[2]}, "funcname": "${where[3]}", "created": ${created}, "msecs": ${(t % 1000).toFixed(1)}, "relative_created": ${(t % 86400000) + 0.5}, "thread": 140297018172096, "thread_name": "GreenThread-${(t >>> 3) % 97}", "process_name": "MainProcess", "process": ${this.pid}, "traceback": ${tb}, "hostname": "${this.host}", "error_summary": ${summary}, "context": ${context}, "extra": {${inst}"project": ${JSON.stringify(ctx?.project ?? 'unknown')}, "version": "17.0.13"}}\n`;
  }
  pino(t, level, logger, ctx, instance, msg, extra) {
    // Our logger's JSON: pino's own keys first, then bindings and fields, msg last.
    let s = `{"level":${PINO_LEVEL[level]},"time":${t},"pid":${this.pid},"hostname":"${this.host}","name":"${logger}"`;
    if (ctx) s += `,"request_id":"${ctx.req}"`;
    if (instance) s += `,"instance_uuid":"${instance}"`;
    if (extra?.image) s += `,"image_id":"${extra.image}"`;
    if (extra?.cache) s += `,"cache_action":"${extra.cache}"`;
    if (extra?.baseFile) s += `,"base_file":"${extra.baseFile}"`;
    if (extra?.traceback) {
      const last = extra.traceback[extra.traceback.length - 1];
      const colon = last.indexOf(':');
      s += `,"err":{"type":${JSON.stringify(colon > 0 ? last.slice(0, colon) : 'Error')},"message":${JSON.stringify(colon > 0 ? last.slice(colon + 2) : last)},"stack":${JSON.stringify(extra.traceback.join('\n'))}}`;
    }
    const full = extra?.cont ? `${msg}\n${extra.cont.join('\n')}` : msg;
    return `${s},"msg":${JSON.stringify(full)}}\n`;
  }
}

/** [funcName, 'pathname:lineno'] of a logging call, from `extra.where` = [file, module, line, func]. */
function codeWhere(logger, extra) {
  const where = extra?.where ?? [`${logger.slice(logger.lastIndexOf('.') + 1)}.py`, '', 1000, '_log'];
  const dir = logger.includes('.') ? logger.slice(0, logger.lastIndexOf('.')).replace(/\./g, '/') : logger;
  return [where[3], `${PY}/${dir}/${where[0]}:${where[2]}`];
}

// ---------------------------------------------------------------- Nova's wordings

const WSGI = 'nova.osapi_compute.wsgi.server', MANAGER = 'nova.compute.manager', DRIVER = 'nova.virt.libvirt.driver';

/**
 * The lines of an instance's life that both the cloud below and fleet.js's traced story write:
 * level, logger, code location (DEBUG lines' suffix) and wording, once. `text` takes the line's
 * variable parts.
 */
export const NOVA = {
  postServers: { level: 'info', logger: WSGI, text: (project, time) => `10.11.10.1 "POST /v2/${project}/servers HTTP/1.1" status: 202 len: 733 time: ${time}` },
  getServer: { level: 'info', logger: WSGI, text: (project, id, time) => `10.11.10.1 "GET /v2/${project}/servers/${id} HTTP/1.1" status: 200 len: 1708 time: ${time}` },
  serverAction: { level: 'info', logger: WSGI, text: (project, id) => `10.11.10.1 "POST /v2/${project}/servers/${id}/action HTTP/1.1" status: 202 len: 186 time: 0.2261639` },
  deleteServer: { level: 'info', logger: WSGI, text: (project, id) => `10.11.10.1 "DELETE /v2/${project}/servers/${id} HTTP/1.1" status: 204 len: 203 time: 0.2604880` },
  vifPluggedEvent: { level: 'info', logger: 'nova.api.openstack.compute.server_external_events', text: (port, id) => `Creating event network-vif-plugged:${port} for instance ${id}` },
  externalEventsPosted: { level: 'info', logger: WSGI, text: (project) => `10.11.10.1 "POST /v2/${project}/os-server-external-events HTTP/1.1" status: 200 len: 380 time: 0.0913219` },
  claimAttempt: { level: 'info', logger: 'nova.compute.claims', text: () => 'Attempting claim: memory 2048 MB, disk 20 GB, vcpus 1 CPU' },
  claimSuccessful: { level: 'info', logger: 'nova.compute.claims', text: () => 'Claim successful' },
  creatingImage: { level: 'info', logger: DRIVER, text: () => 'Creating image' },
  failedToSpawn: { level: 'error', logger: MANAGER, where: ['manager.py', 'manager', 2195, '_build_resources'], text: () => 'Instance failed to spawn' },
  destroyed: { level: 'info', logger: DRIVER, text: () => 'Instance destroyed successfully.' },
  rescheduled: { level: 'debug', logger: MANAGER, where: ['manager.py', 'manager', 1867, '_do_build_and_run_instance'], text: (id, reason) => `Build of instance ${id} was re-scheduled: ${reason}` },
  vmStarted: { level: 'info', logger: MANAGER, text: () => 'VM Started (Lifecycle Event)' },
  spawned: { level: 'info', logger: DRIVER, text: () => 'Instance spawned successfully.' },
  built: { level: 'info', logger: MANAGER, text: (seconds) => `Took ${seconds} seconds to build instance.` },
  triggeringSync: { level: 'debug', logger: MANAGER, where: ['manager.py', 'manager', 6815, '_sync_power_states'], text: (id) => `Triggering sync for uuid ${id}` },
  migrationRunning: { level: 'info', logger: DRIVER, text: (s, secs) => `Migration running for ${s} secs, memory ${Math.max(1, 100 - Math.round(s * 100 / secs))}% remaining; (bytes processed=${s * 91234567}, remaining=${(secs - s) * 91234567}, total=2164260864)` },
  migrationCompleted: { level: 'info', logger: DRIVER, text: () => 'Migration operation has completed' },
  postMigration: { level: 'info', logger: MANAGER, text: () => 'Post operation of migration started' },
  migrated: { level: 'info', logger: MANAGER, text: (dest) => `Migrating instance to ${dest} finished successfully.` },
  terminating: { level: 'info', logger: MANAGER, text: () => 'Terminating instance' },
  deletingFiles: { level: 'info', logger: DRIVER, text: (id) => `Deleting instance files /var/lib/nova/instances/${id}_del` },
};

/** Writes one NOVA line through a service; `args` fill its wording, `extra` as for Service.log. */
export function say(svc, t, line, ctx, instance, args = [], extra = undefined) {
  svc.log(t, line.level, line.logger, ctx, instance, line.text(...args), line.where ? { where: line.where, ...extra } : extra);
}

// ---------------------------------------------------------------- the event queue

export class EventQueue {
  constructor() { this.t = []; this.f = []; this.s = []; this.seq = 0; }
  get size() { return this.t.length; }
  less(i, j) { return this.t[i] < this.t[j] || (this.t[i] === this.t[j] && this.s[i] < this.s[j]); }
  swap(i, j) {
    [this.t[i], this.t[j]] = [this.t[j], this.t[i]];
    [this.f[i], this.f[j]] = [this.f[j], this.f[i]];
    [this.s[i], this.s[j]] = [this.s[j], this.s[i]];
  }
  push(t, fn) {
    this.t.push(Math.round(t)); this.f.push(fn); this.s.push(this.seq++);
    let i = this.t.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (!this.less(i, p)) break; this.swap(i, p); i = p; }
  }
  pop() {
    const t = this.t[0], fn = this.f[0];
    const lt = this.t.pop(), lf = this.f.pop(), ls = this.s.pop();
    if (this.t.length > 0) {
      this.t[0] = lt; this.f[0] = lf; this.s[0] = ls;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < this.t.length && this.less(l, m)) m = l;
        if (r < this.t.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m); i = m;
      }
    }
    return [t, fn];
  }
}

// ---------------------------------------------------------------- the cloud

export const START = Date.UTC(2017, 4, 16, 0, 0, 0);
const FORMATS = ['oslo', 'pino', 'oslo-json', 'syslog'];
export const SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN;

/**
 * The simulated cloud: instances scheduled, built (some failing, re-scheduled), live-migrated and
 * deleted; API polling; each compute host's periodic tasks — written through the services given.
 * Used by generate() below and by fleet.js, which drive its event queue (`clock.queue`) until their
 * files are full. `traced` ({ due(), times(t) → { migrateAt, deleteAt } }) picks the one instance
 * whose story is spread over the rotations; `rates` sets how often the API is polled and instances
 * are created, in simulated ms ([lo, hi], uniform).
 */
export function makeCloud({ rng, clock, api, meta, scheduler, conductor, computeServices, traced: tracedPlan = null, rates = {} }) {
  const q = clock.queue;
  const { apiPollMs = [200, 900], newInstanceMs = [5 * SEC, 60 * SEC] } = rates;

  const project = rng.hex32(), user = rng.hex32();
  const svcProject = rng.hex32(), svcUser = rng.hex32(); // neutron's service user posting events
  const userCtx = (req) => ({ req, user, project });
  const svcCtx = (req) => ({ req, user: svcUser, project: svcProject });
  const adminCtx = (req) => ({ req, user: null, project: null });
  const newReq = () => `req-${rng.uuid()}`;

  const images = Array.from({ length: 10 }, () => {
    const id = rng.uuid();
    return { id, base: `${BASE_DIR}/${sha1(id)}` };
  });

  const computes = computeServices.map((svc) => {
    const name = svc.host;
    return {
      name, svc, fqdn: `${name}.slowvm1.tcloud-pg0.utah.cloudlab.us`,
      periodicReq: newReq(), lifecycleReq: newReq(),
      instances: new Set(), bases: new Map(), // sha1 path → { image, users: Set, unusedSince }
    };
  });
  const hostByName = new Map(computes.map((h) => [h.name, h]));
  const instances = new Map();
  let created = 0;
  let traced = null;

  // -- helpers for one compute host
  const clog = (h, t, level, logger, ctx, inst, msg, extra) => h.svc.log(t, level, logger, ctx, inst, msg, extra);

  function fetchBase(h, t, ctx, inst, image) {
    let b = h.bases.get(image.base);
    const name = image.base.slice(BASE_DIR.length + 1);
    if (!b) {
      b = { image, users: new Set(), unusedSince: null };
      h.bases.set(image.base, b);
      clog(h, t, 'debug', 'oslo_concurrency.lockutils', ctx, null, `Lock "${name}" acquired by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: waited 0.000s`, { where: ['lockutils.py', 'lockutils', 327, 'inner'] });
      if (h.svc.format === 'pino') {
        clog(h, t + 2, 'info', 'nova.virt.libvirt.imagecache', ctx, inst, `Fetching image ${image.id} to ${image.base}`, { image: image.id, cache: 'fetch', baseFile: image.base });
      }
      clog(h, t + 2300, 'debug', 'oslo_concurrency.processutils', ctx, null, `Running cmd (subprocess): qemu-img convert -t none -O raw -f qcow2 ${image.base}.part ${image.base}.converted`, { where: ['processutils.py', 'processutils', 379, 'execute'] });
      clog(h, t + 4100, 'debug', 'oslo_concurrency.processutils', ctx, null, `CMD "qemu-img convert -t none -O raw -f qcow2 ${image.base}.part ${image.base}.converted" returned: 0 in 1.812s`, { where: ['processutils.py', 'processutils', 416, 'execute'] });
      if (h.svc.format === 'pino') {
        clog(h, t + 4102, 'info', 'nova.virt.libvirt.imagecache', ctx, inst, `Converted ${image.base}.part to raw`, { image: image.id, cache: 'convert', baseFile: image.base });
      }
      clog(h, t + 4150, 'debug', 'oslo_concurrency.lockutils', ctx, null, `Lock "${name}" released by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: held 4.150s`, { where: ['lockutils.py', 'lockutils', 339, 'inner'] });
    }
    b.users.add(inst);
    b.unusedSince = null;
    return b;
  }
  function releaseBase(h, t, inst, image) {
    const b = h.bases.get(image.base);
    if (!b) return;
    b.users.delete(inst);
    if (b.users.size === 0) b.unusedSince = t;
  }

  function domainXml(inst, t) {
    return [
      `<domain type="kvm">`,
      `  <uuid>${inst.id}</uuid>`,
      `  <name>instance-${inst.seq.toString(16).padStart(8, '0')}</name>`,
      `  <memory>2097152</memory>`,
      `  <vcpu>1</vcpu>`,
      `  <metadata>`,
      `    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.0">`,
      `      <nova:package version="17.0.13"/>`,
      `      <nova:name>vm-${inst.seq}</nova:name>`,
      `      <nova:creationTime>${osloTime(t).slice(0, 19)}</nova:creationTime>`,
      `      <nova:root type="image" uuid="${inst.image.id}"/>`,
      `    </nova:instance>`,
      `  </metadata>`,
      `  <devices>`,
      `    <disk type="file" device="disk">`,
      `      <driver name="qemu" type="qcow2" cache="none"/>`,
      `      <source file="/var/lib/nova/instances/${inst.id}/disk"/>`,
      `      <target bus="virtio" dev="vda"/>`,
      `    </disk>`,
      `  </devices>`,
      `</domain>`,
    ];
  }

  function spawnTraceback(inst) {
    const err = rng.pick([
      `libvirtError: internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: -chardev pty,id=charserial0: char device redirected to /dev/pts/${rng.int(1, 9)} (label charserial0)`,
      `libvirtError: Unable to write to '/sys/fs/cgroup/cpuset/machine.slice/cpuset.cpus': Permission denied`,
      `ProcessExecutionError: Unexpected error while running command.`,
    ]);
    return [
      'Traceback (most recent call last):',
      `  File "${PY}/nova/compute/manager.py", line 2192, in _build_resources`,
      '    yield resources',
      `  File "${PY}/nova/compute/manager.py", line 2007, in _build_and_run_instance`,
      '    block_device_info=block_device_info)',
      `  File "${PY}/nova/virt/libvirt/driver.py", line 2802, in spawn`,
      '    destroy_disks_on_failure=True)',
      `  File "${PY}/nova/virt/libvirt/driver.py", line 5254, in _create_domain_and_network`,
      '    destroy_disks_on_failure)',
      `  File "${PY}/oslo_utils/excutils.py", line 220, in __exit__`,
      '    self.force_reraise()',
      `  File "${PY}/oslo_utils/excutils.py", line 196, in force_reraise`,
      '    six.reraise(self.type_, self.value, self.tb)',
      `  File "${PY}/nova/virt/libvirt/driver.py", line 5224, in _create_domain_and_network`,
      '    post_xml_callback=post_xml_callback)',
      `  File "${PY}/nova/virt/libvirt/guest.py", line 144, in launch`,
      '    self._encoded_xml, errors=\'ignore\')',
      `  File "${PY}/libvirt.py", line 1099, in createWithFlags`,
      "    if ret == -1: raise libvirtError ('virDomainCreateWithFlags() failed', dom=self)",
      err,
    ];
  }

  function pickHost(exclude) {
    const pool = computes.filter((h) => h !== exclude);
    return rng.pick(pool);
  }

  function schedule(t, inst, ctx, exclude) {
    const h = pickHost(exclude);
    scheduler.log(t, 'debug', 'nova.scheduler.filter_scheduler', ctx, null, `Starting to schedule for instances: ['${inst.id}']`, { where: ['filter_scheduler.py', 'filter_scheduler', 59, 'select_destinations'] });
    scheduler.log(t + 31, 'debug', 'nova.scheduler.filter_scheduler', ctx, null, `Selected host: WeighedHost [host: (${h.name}, ${h.fqdn}) ram: ${61612 - h.instances.size * 2048}MB disk: ${15360 - h.instances.size * 20}MB io_ops: 0 instances: ${h.instances.size}]`, { where: ['filter_scheduler.py', 'filter_scheduler', 127, '_schedule'] });
    return h;
  }

  function build(t, inst, ctx, h) {
    inst.host = h;
    h.instances.add(inst);
    const I = inst.id;
    const u = h.instances.size;
    say(h.svc, t, NOVA.claimAttempt, ctx, I);
    clog(h, t + 1, 'info', 'nova.compute.claims', ctx, I, `Total memory: 64172 MB, used: ${(512 + (u - 1) * 2048).toFixed(2)} MB`);
    clog(h, t + 1, 'info', 'nova.compute.claims', ctx, I, `memory limit: 96258.00 MB, free: ${(96258 - 512 - (u - 1) * 2048).toFixed(2)} MB`);
    clog(h, t + 2, 'info', 'nova.compute.claims', ctx, I, `Total disk: 15 GB, used: ${((u - 1) * 20).toFixed(2)} GB`);
    clog(h, t + 2, 'info', 'nova.compute.claims', ctx, I, 'disk limit not specified, defaulting to unlimited');
    clog(h, t + 3, 'info', 'nova.compute.claims', ctx, I, `Total vcpu: 16 VCPU, used: ${(u - 1).toFixed(2)} VCPU`);
    clog(h, t + 3, 'info', 'nova.compute.claims', ctx, I, 'vcpu limit not specified, defaulting to unlimited');
    say(h.svc, t + 35, NOVA.claimSuccessful, ctx, I);
    say(h.svc, t + 600, NOVA.creatingImage, ctx, I, [], { image: h.svc.format === 'pino' ? inst.image.id : undefined });
    fetchBase(h, t + 610, ctx, I, inst.image);
    const xml = domainXml(inst, t);
    clog(h, t + 4800, 'debug', 'nova.virt.libvirt.driver', ctx, I, `End _get_guest_xml xml=${xml[0]}`, { cont: xml.slice(1), where: ['driver.py', 'driver', 5103, '_get_guest_xml'] });
    return t + 5000;
  }

  function failBuild(t, inst, ctx, h) {
    const tb = spawnTraceback(inst);
    say(h.svc, t, NOVA.failedToSpawn, ctx, inst.id, [], { traceback: tb });
    say(h.svc, t + 40, NOVA.destroyed, null, inst.id);
    clog(h, t + 700, 'info', 'nova.compute.manager', ctx, inst.id, `Took ${(rng.float() * 2).toFixed(2)} seconds to deallocate network for instance.`);
    say(h.svc, t + 720, NOVA.rescheduled, ctx, inst.id, [inst.id, tb[tb.length - 1].replace(/^\w+: /, '')]);
    conductor.log(t + 760, 'warn', 'nova.scheduler.utils', ctx, inst.id, `Rescheduling instance ${inst.id} from host ${h.name} after failed build`, { byUuid: true, where: ['utils.py', 'utils', 572, 'build_request_spec'] });
    h.instances.delete(inst);
    releaseBase(h, t + 800, inst.id, inst.image);
    inst.rescheduled = (inst.rescheduled ?? 0) + 1;
  }

  function finishBuild(t, inst, ctx, h) {
    const life = { req: h.lifecycleReq, user: null, project: null };
    const I = inst.id;
    const spawnS = 6 + rng.float() * 18;
    say(h.svc, t, NOVA.vmStarted, life, I);
    clog(h, t + 60, 'info', 'nova.compute.manager', life, I, 'VM Paused (Lifecycle Event)');
    clog(h, t + 180, 'info', 'nova.compute.manager', life, I, 'During sync_power_state the instance has a pending task (spawning). Skip.');
    const port = rng.uuid();
    const evReq = newReq();
    say(api, t + 7000, NOVA.vifPluggedEvent, svcCtx(evReq), null, [port, I]);
    say(api, t + 7005, NOVA.externalEventsPosted, svcCtx(evReq), null, [svcProject]);
    clog(h, t + 7100, 'info', 'nova.compute.manager', life, I, 'VM Resumed (Lifecycle Event)');
    say(h.svc, t + 7108, NOVA.spawned, null, I);
    clog(h, t + 7109, 'info', 'nova.compute.manager', ctx, I, `Took ${spawnS.toFixed(2)} seconds to spawn the instance on the hypervisor.`);
    say(h.svc, t + 7250, NOVA.built, ctx, I, [(spawnS + 0.75).toFixed(2)]);
    inst.state = 'active';
  }

  /** Create → schedule → (fail → reschedule)* → active → (migrate)? → delete. */
  function startInstance(t, forced) {
    const inst = { id: rng.uuid(), seq: ++created, image: rng.pick(images), host: null, state: 'building', migrated: 0 };
    instances.set(inst.id, inst);
    const req = newReq();
    const ctx = userCtx(req);
    say(api, t, NOVA.postServers, ctx, null, [project, (0.4 + rng.float() * 0.4).toFixed(7)]);
    say(api, t + 570, NOVA.getServer, userCtx(newReq()), null, [project, inst.id, '0.1917260']);
    const fail = forced ? 1 : rng.chance(0.06) ? (rng.chance(0.2) ? 2 : 1) : 0;
    let tt = t + 300;
    let h = schedule(tt, inst, ctx, null);
    for (let i = 0; i < fail; i++) {
      tt = build(tt + 40, inst, ctx, h) + 400;
      failBuild(tt, inst, ctx, h);
      tt += 900;
      const prev = h;
      h = schedule(tt, inst, ctx, prev);
    }
    tt = build(tt + 40, inst, ctx, h);
    finishBuild(tt + 6000, inst, ctx, h);
    return inst;
  }

  function migrate(t, inst) {
    if (inst.state !== 'active') return;
    const src = inst.host, dst = pickHost(src);
    const req = newReq(), ctx = userCtx(req), I = inst.id;
    say(api, t, NOVA.serverAction, ctx, null, [project, I]);
    conductor.log(t + 90, 'info', 'nova.conductor.tasks.live_migrate', ctx, I, `Live migration of instance ${I} from ${src.name} to ${dst.name} requested`, { byUuid: true, where: ['live_migrate.py', 'live_migrate', 88, '_execute'] });
    dst.instances.add(inst);
    fetchBase(dst, t + 400, ctx, I, inst.image);
    say(dst.svc, t + 4700, NOVA.creatingImage, ctx, I, [], { image: dst.svc.format === 'pino' ? inst.image.id : undefined });
    const secs = rng.int(5, 40);
    for (let s = 5; s < secs; s += 5) {
      say(src.svc, t + 5000 + s * 1000, NOVA.migrationRunning, ctx, I, [s, secs]);
    }
    const te = t + 5000 + secs * 1000;
    clog(src, te, 'info', 'nova.compute.manager', { req: src.lifecycleReq, user: null, project: null }, I, 'VM Paused (Lifecycle Event)');
    say(src.svc, te + 300, NOVA.migrationCompleted, ctx, I);
    clog(src, te + 301, 'info', 'nova.compute.manager', ctx, I, '_post_live_migration() is started..');
    say(dst.svc, te + 900, NOVA.postMigration, ctx, I);
    clog(dst, te + 1200, 'info', 'nova.compute.manager', { req: dst.lifecycleReq, user: null, project: null }, I, 'VM Resumed (Lifecycle Event)');
    say(src.svc, te + 1600, NOVA.migrated, ctx, I, [dst.name]);
    clog(src, te + 1700, 'info', 'nova.compute.manager', { req: src.lifecycleReq, user: null, project: null }, I, 'VM Stopped (Lifecycle Event)');
    clog(dst, te + 2100, 'info', 'nova.compute.manager', { req: dst.lifecycleReq, user: null, project: null }, I, `During the sync_power process the instance has moved from host ${src.name} to host ${dst.name}`);
    src.instances.delete(inst);
    releaseBase(src, te + 1600, I, inst.image);
    inst.host = dst;
    inst.migrated++;
  }

  function remove(t, inst) {
    if (inst.state !== 'active') return;
    const h = inst.host, I = inst.id;
    const req = newReq(), ctx = userCtx(req);
    say(api, t, NOVA.deleteServer, ctx, null, [project, I]);
    say(h.svc, t + 36, NOVA.terminating, ctx, I);
    say(h.svc, t + 330, NOVA.destroyed, null, I);
    say(h.svc, t + 1010, NOVA.deletingFiles, ctx, I, [I]);
    clog(h, t + 1012, 'info', 'nova.virt.libvirt.driver', ctx, I, `Deletion of /var/lib/nova/instances/${I}_del complete`);
    clog(h, t + 1150, 'info', 'nova.compute.manager', ctx, I, `Took ${(0.8 + rng.float()).toFixed(2)} seconds to destroy the instance on the hypervisor.`);
    clog(h, t + 1670, 'info', 'nova.compute.manager', ctx, I, `Took ${(0.3 + rng.float() * 0.5).toFixed(2)} seconds to deallocate network for instance.`);
    clog(h, t + 15300, 'info', 'nova.compute.manager', null, I, 'VM Stopped (Lifecycle Event)');
    h.instances.delete(inst);
    releaseBase(h, t + 1010, I, inst.image);
    inst.state = 'deleted';
    instances.delete(I);
  }

  // -- periodic work
  function apiPoll(t) {
    const r = rng.float();
    if (r < 0.82) {
      api.log(t, 'info', 'nova.osapi_compute.wsgi.server', userCtx(newReq()), null, `10.11.10.1 "GET /v2/${project}/servers/detail HTTP/1.1" status: 200 len: ${1800 + rng.int(0, 200)} time: 0.${rng.int(2000000, 4300000)}`);
    } else if (r < 0.95) {
      const path = rng.pick(['/openstack/2012-08-10/meta_data.json', '/openstack/2013-10-17', '/openstack/2013-10-17/vendor_data.json', '/openstack/2013-10-17/user_data', '/latest/meta-data/']);
      meta.log(t, 'info', 'nova.metadata.wsgi.server', rng.chance(0.5) ? adminCtx(newReq()) : null, null, `10.11.21.${rng.int(2, 250)},10.11.10.1 "GET ${path} HTTP/1.1" status: 200 len: ${rng.int(120, 970)} time: 0.2${rng.int(100000, 999999)}`);
    } else {
      // a GET naming a live instance (the request never tags it)
      const live = Array.from(instances.values());
      const inst = live.length ? live[rng.int(0, Math.min(live.length - 1, 50))] : null;
      if (inst) say(api, t, NOVA.getServer, userCtx(newReq()), null, [project, inst.id, `0.1${rng.int(100000, 999999)}`]);
    }
    q.push(t + rng.int(apiPollMs[0], apiPollMs[1]), apiPoll);
  }

  function schedulerSync(t) {
    for (const h of computes) {
      scheduler.log(t, 'info', 'nova.scheduler.host_manager', adminCtx(newReq()), null, rng.chance(0.5)
        ? `Successfully synced instances from host '${h.fqdn}'.`
        : `The instance sync for host '${h.fqdn}' did not match. Re-created its InstanceList.`);
      t += rng.int(5, 40);
    }
    q.push(t + 2 * MIN, schedulerSync);
  }

  function resourceAudit(h) {
    return (t) => {
      const ctx = adminCtx(h.periodicReq);
      const n = h.instances.size;
      clog(h, t, 'info', 'nova.compute.resource_tracker', ctx, null, `Auditing locally available compute resources for node ${h.fqdn}`);
      clog(h, t + 400, 'info', 'nova.compute.resource_tracker', ctx, null, `Total usable vcpus: 16, total allocated vcpus: ${n}`);
      clog(h, t + 401, 'info', 'nova.compute.resource_tracker', ctx, null, `Final resource view: name=${h.fqdn} phys_ram=64172MB used_ram=${512 + n * 2048}MB phys_disk=15GB used_disk=${n * 20}GB total_vcpus=16 used_vcpus=${n} pci_stats=[]`);
      clog(h, t + 480, 'info', 'nova.compute.resource_tracker', ctx, null, `Compute_service record updated for ${h.fqdn}:${h.fqdn}`);
      q.push(t + MIN + rng.int(0, 999), resourceAudit(h));
    };
  }

  function syncPowerStates(h) {
    return (t) => {
      const ctx = adminCtx(h.periodicReq);
      const list = Array.from(h.instances);
      if (list.length) {
        clog(h, t, 'warn', 'nova.compute.manager', ctx, null, `While synchronizing instance power states, found ${list.length} instances in the database and ${list.length} instances on the hypervisor.`);
        // one request id, many instances: what `request` expansion must never follow
        for (const inst of list) say(h.svc, t + 2, NOVA.triggeringSync, ctx, null, [inst.id]);
      }
      q.push(t + 10 * MIN + rng.int(0, 999), syncPowerStates(h));
    };
  }

  function imageCachePass(h) {
    return (t) => {
      const ctx = adminCtx(h.periodicReq);
      const active = [], removable = [];
      let tt = t;
      for (const [base, b] of h.bases) {
        const extra = h.svc.format === 'pino' ? { image: b.image.id, baseFile: base } : undefined;
        clog(h, tt, 'info', 'nova.virt.libvirt.imagecache', ctx, null, `image ${b.image.id} at (${base}): checking`, extra && { ...extra, cache: 'check' });
        if (b.users.size > 0) {
          clog(h, tt + 1, 'info', 'nova.virt.libvirt.imagecache', ctx, null, `image ${b.image.id} at (${base}): in use: on this node ${b.users.size} local, 0 on other nodes sharing this instance storage`, extra && { ...extra, cache: 'in_use' });
          active.push(base);
        } else {
          removable.push(base);
        }
        tt += 3;
      }
      if (active.length) clog(h, tt + 180, 'info', 'nova.virt.libvirt.imagecache', ctx, null, `Active base files: ${active.join(' ')}`, h.svc.format === 'pino' ? { cache: 'active', baseFile: active[0] } : undefined);
      if (removable.length) {
        for (const base of removable) {
          clog(h, tt + 181, 'warn', 'nova.virt.libvirt.imagecache', ctx, null, `Unknown base file: ${base}`, h.svc.format === 'pino' ? { cache: 'unused', image: h.bases.get(base).image.id, baseFile: base } : undefined);
        }
        clog(h, tt + 182, 'info', 'nova.virt.libvirt.imagecache', ctx, null, `Removable base files: ${removable.join(' ')}`, h.svc.format === 'pino' ? { cache: 'unused', baseFile: removable[0] } : undefined);
        for (const base of removable) {
          const b = h.bases.get(base);
          const extra = h.svc.format === 'pino' ? { image: b.image.id, baseFile: base } : undefined;
          if (t - b.unusedSince < 40 * MIN) {
            clog(h, tt + 185, 'info', 'nova.virt.libvirt.imagecache', ctx, null, `Base or swap file too young to remove: ${base}`, extra && { ...extra, cache: 'too_young' });
          } else {
            clog(h, tt + 185, 'info', 'nova.virt.libvirt.imagecache', ctx, null, `Removing base or swap file: ${base}`, extra && { ...extra, cache: 'remove' });
            h.bases.delete(base);
          }
        }
      }
      q.push(t + 20 * MIN + rng.int(0, 999), imageCachePass(h));
    };
  }

  function usageAudit(h) {
    return (t) => {
      const hour = Math.floor(t / HOUR) * HOUR;
      clog(h, t, 'info', 'nova.compute.manager', adminCtx(h.periodicReq), null, `Running instance usage audit for host ${h.fqdn} from ${osloTime(hour - HOUR).slice(0, 19)} to ${osloTime(hour).slice(0, 19)}. ${created} instances.`);
      q.push(hour + HOUR + rng.int(0, 5 * MIN), usageAudit(h));
    };
  }

  function resourceError(h) {
    // a periodic-task traceback that names no instance
    return (t) => {
      clog(h, t, 'error', 'nova.compute.manager', adminCtx(h.periodicReq), null, `Error updating resources for node ${h.fqdn}.`, {
        traceback: [
          'Traceback (most recent call last):',
          `  File "${PY}/nova/compute/manager.py", line 7254, in update_available_resource_for_node`,
          '    rt.update_available_resource(context, nodename)',
          `  File "${PY}/nova/compute/resource_tracker.py", line 664, in update_available_resource`,
          '    resources = self.driver.get_available_resource(nodename)',
          "libvirtError: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Connection refused",
        ],
      });
      q.push(t + rng.int(6 * HOUR, 30 * HOUR), resourceError(h));
    };
  }

  function newInstances(t) {
    const forced = !traced && tracedPlan !== null && tracedPlan.due();
    const inst = startInstance(t, forced);
    const life = forced ? null : rng.chance(0.05) ? null : rng.int(2 * MIN, 2 * HOUR);
    if (forced) {
      traced = inst;
      const { migrateAt, deleteAt } = tracedPlan.times(t);
      q.push(migrateAt, (tm) => migrate(tm, inst));
      q.push(deleteAt, (td) => remove(td, inst));
    } else {
      if (rng.chance(0.3)) {
        const end = life ?? 12 * HOUR;
        q.push(t + rng.int(30 * SEC, Math.max(60 * SEC, end - MIN)), (tm) => migrate(tm, inst));
      }
      if (life !== null) q.push(t + life, (td) => remove(td, inst));
    }
    q.push(t + rng.int(newInstanceMs[0], newInstanceMs[1]), newInstances);
  }

  /** Queues the first of every recurring event; the driver then pops the queue. */
  function start() {
    q.push(START, apiPoll);
    q.push(START + 57 * SEC, schedulerSync);
    q.push(START + 2 * SEC, newInstances);
    for (const h of computes) {
      q.push(START + rng.int(0, 59) * SEC, resourceAudit(h));
      q.push(START + rng.int(0, 600) * SEC, syncPowerStates(h));
      q.push(START + rng.int(1, 1200) * SEC, imageCachePass(h));
      q.push(START + HOUR + rng.int(0, 300) * SEC, usageAudit(h));
      q.push(START + rng.int(1, 20) * HOUR, resourceError(h));
    }
  }

  return {
    start, computes, images, project, newReq, userCtx, svcCtx, adminCtx, fetchBase, releaseBase,
    get created() { return created; },
    get traced() { return traced; },
  };
}

export async function generate({ size, seed = 42, out, hosts = 6, quiet = false }) {
  const target = typeof size === 'number' ? size : parseSize(size);
  const rng = makeRng(seed);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const corpus = new Corpus(out, target);
  const q = new EventQueue();
  const clock = { now: START, queue: q };
  const started = process.hrtime.bigint();

  const api = new Service(corpus, clock, 'api-1', 'nova-api', 'oslo', 25746);
  const scheduler = new Service(corpus, clock, 'ctl-1', 'nova-scheduler', 'oslo', 25998);
  const conductor = new Service(corpus, clock, 'ctl-1', 'nova-conductor', 'oslo-json', 26011);
  const computeServices = Array.from({ length: hosts }, (_, i) => new Service(corpus, clock, `cp-${i + 1}`, 'nova-compute', FORMATS[i % FORMATS.length], 2900 + i * 17));
  const cloud = makeCloud({
    rng, clock, api, meta: api /* the metadata API logs to the same file */, scheduler, conductor, computeServices,
    traced: {
      due: () => corpus.bytes >= target * 0.06,
      // Spread the traced instance over the rotated files: migrate near 30 %, delete near 70 %.
      times: (t) => {
        const rate = corpus.bytes / Math.max(1, t - START); // bytes per simulated ms so far
        return {
          migrateAt: t + Math.max(10 * MIN, (target * 0.30 - corpus.bytes) / rate),
          deleteAt: t + Math.max(20 * MIN, (target * 0.70 - corpus.bytes) / rate),
        };
      },
    },
  });
  cloud.start();
  const { computes } = cloud;

  let simT = START;
  while (corpus.bytes < target && q.size > 0) {
    const [t, fn] = q.pop();
    simT = t;
    clock.now = t;
    fn(t);
  }
  await corpus.close();

  // -- manifest
  const files = [];
  let diskBytes = 0;
  for (const w of corpus.writers.values()) {
    const base = join(out, w.host, `${w.service}.log`);
    for (const p of [base, `${base}.1`, `${base}.2.gz`]) {
      try { const st = statSync(p); files.push({ path: p.slice(out.length + 1), bytes: st.size }); diskBytes += st.size; } catch { /* segment never reached */ }
    }
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const traced = cloud.traced;
  const manifest = {
    generatorVersion: GENERATOR_VERSION, seed, sizeRequested: target, uncompressedBytes: corpus.bytes, diskBytes,
    out, hosts: ['api-1', 'ctl-1', ...computes.map((h) => h.name)],
    formats: Object.fromEntries(computes.map((h) => [h.name, h.svc.format]).concat([['api-1', 'oslo'], ['ctl-1/nova-scheduler', 'oslo'], ['ctl-1/nova-conductor', 'oslo-json']])),
    instancesCreated: cloud.created,
    simulated: { from: new Date(START).toISOString(), to: new Date(simT).toISOString() },
    traced: traced && {
      id: traced.id, image: traced.image.id, baseFile: traced.image.base,
      rescheduled: traced.rescheduled ?? 0, migrated: traced.migrated, state: traced.state,
    },
    files,
    generateSeconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!quiet) process.stderr.write(`generated ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB (${(diskBytes / 2 ** 20).toFixed(1)} MiB on disk) in ${manifest.generateSeconds.toFixed(1)} s → ${out}\n`);
  return manifest;
}

// ---------------------------------------------------------------- CLI

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const size = parseSize(opts.size);
    const label = String(opts.size).replace(/\s+/g, '');
    const out = opts.out ?? join(fileURLToPath(new URL('.', import.meta.url)), 'corpus', label);
    const manifest = await generate({ size, seed: opts.seed, out, hosts: opts.hosts, quiet: opts.quiet });
    const { files, ...summary } = manifest;
    process.stdout.write(JSON.stringify({ ...summary, files: files.length }, null, 2) + '\n');
  } catch (err) {
    process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
