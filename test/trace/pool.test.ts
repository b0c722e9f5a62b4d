/**
 * The search pool (pass 1 in parallel): the trace finds the same answer with or without worker
 * threads, whatever order the jobs complete in; a worker that fails ends the trace with one clear
 * line, never a hang.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTrace, type RunOptions } from '../../src/trace/run.js';
import { parseTimeZone } from '../../src/records/index.js';
import { writeRotatedCloud } from './fixture/build.js';
import { SearchPool } from '../../src/trace/search-pool.js';
import type { SearchJob } from '../../src/trace/search-job.js';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import type { SourceFile } from '../../src/sources/source.js';
import type { TraceResult } from '../../src/trace/correlate.js';
import { CLOUD, ID as CLOUD_ID, runMain } from '../cli/fixture/run.js';

const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const uuid = (n: number): string => `${n.toString(16).padStart(8, '0')}-1111-4222-8333-${n.toString(16).padStart(12, '0')}`;

function stamp(seconds: number): string {
  return new Date(Date.UTC(2026, 2, 2) + seconds * 1000).toISOString().replace('T', ' ').replace('Z', '');
}

function osloLine(seconds: number, request: string, instance: string | null, message: string, logger = 'nova.compute.manager'): string {
  return `${stamp(seconds)} 4242 INFO ${logger} [${request} - - - - -] ${instance === null ? '' : `[instance: ${instance}] `}${message}`;
}

/**
 * Four hosts, each with a log rotated twice (`.log.2.gz`, `.log.1`, `.log`): other instances'
 * records every 4 s; on each compute host a periodic request of its own that also tags the
 * instance once (so it is followed, then found shared); the instance built on cp-1 (a traceback
 * with it), moved to cp-2 and cp-3; image cache lines; an own request whose records are spread
 * over every file of a host.
 */
function writeCloud(root: string): void {
  const hosts = ['api-1', 'cp-1', 'cp-2', 'cp-3'];
  const lines = new Map<string, Array<[number, string]>>(hosts.map((h) => [h, []]));
  const add = (host: string, seconds: number, line: string): void => { lines.get(host)!.push([seconds, line]); };
  const start = 3600;
  const end = 9 * 3600;
  const periodic = (host: string): string => `req-${uuid(0xa000 + hosts.indexOf(host))}`;
  for (let s = start, n = 0; s < end; s += 4, n++) {
    for (const host of hosts) add(host, s, osloLine(s, `req-${uuid(0x100000 + n)}`, uuid(0x5000 + (n % 89)), `Filler record ${n} ${'.'.repeat(60)}`));
    if (n % 45 === 0) {
      for (const host of hosts.slice(1)) add(host, s + 1, osloLine(s + 1, periodic(host), uuid(0x5000 + (n % 89)), 'Periodic power state sync'));
    }
    if (n % 300 === 0) {
      for (const host of hosts.slice(1)) add(host, s + 2, osloLine(s + 2, `req-${uuid(0x9000 + n)}`, null, `image ${IMAGE} at (${BASE}): checking`, 'nova.virt.libvirt.imagecache'));
    }
  }
  const build = 2 * 3600;
  const reqBuild = `req-${uuid(0xb1)}`;
  add('api-1', build, osloLine(build, reqBuild, null, '10.0.0.1 "POST /v2/p/servers HTTP/1.1" status: 202 len: 733 time: 0.79', 'nova.osapi_compute.wsgi.server'));
  add('cp-1', build + 2, osloLine(build + 2, reqBuild, ID, 'Attempting claim: memory 2048 MB'));
  add('cp-1', build + 3, osloLine(build + 3, reqBuild, null, `Fetching image ${IMAGE} to ${BASE}`, 'nova.virt.libvirt.imagecache'));
  add('cp-1', build + 5, [
    osloLine(build + 5, reqBuild, ID, 'Instance failed to spawn'),
    'Traceback (most recent call last):',
    '  File "/usr/lib/python3/dist-packages/nova/compute/manager.py", line 2615, in _build_resources',
    'nova.exception.RescheduledException: Build of instance was re-scheduled',
  ].join('\n'));
  add('cp-1', build + 40, osloLine(build + 40, reqBuild, ID, 'Took 38.00 seconds to build instance.'));
  for (const host of hosts.slice(1)) add(host, 3 * 3600 + 1, osloLine(3 * 3600 + 1, periodic(host), ID, 'Periodic power state sync'));
  const moves: Array<[string, string, number]> = [['cp-1', 'cp-2', 4 * 3600 + 7], ['cp-2', 'cp-3', 6 * 3600 + 11]];
  moves.forEach(([from, to, at], i) => {
    const req = `req-${uuid(0xc1 + i)}`;
    add('api-1', at, osloLine(at, req, null, `10.0.0.1 "POST /v2/p/servers/${ID}/action HTTP/1.1" status: 202 len: 186 time: 0.22`, 'nova.osapi_compute.wsgi.server'));
    add(from, at + 3, osloLine(at + 3, req, null, 'Preparing to migrate'));
    add(to, at + 9, osloLine(at + 9, req, ID, `Migrating instance to ${to} finished`));
    add(to, at + 60, osloLine(at + 60, req, ID, 'Instance running'));
  });
  // An own request with records in every rotated file of cp-3 (the instance named once, at the end).
  const reqLong = `req-${uuid(0xd1)}`;
  for (const at of [1.5 * 3600, 4.5 * 3600, 8.5 * 3600]) add('cp-3', at, osloLine(at, reqLong, null, 'Long-running resize step'));
  add('cp-3', 8.5 * 3600 + 1, osloLine(8.5 * 3600 + 1, reqLong, ID, 'Resize confirmed'));
  writeRotatedCloud(root, lines);
}

async function trace(root: string, extra: Partial<RunOptions>): Promise<{ result: TraceResult; report: SourceReport; progress: number[] }> {
  const { sources } = await discoverSources([root]);
  const report = new SourceReport();
  const progress: number[] = [];
  const result = await runTrace(sources, {
    instanceId: ID, report, checkpointBytes: 16 * 1024, onProgress: (done) => progress.push(done), ...extra,
  });
  return { result, report, progress };
}

const root = mkdtempSync(path.join(tmpdir(), 'it-pool-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
writeCloud(root);

t.test('on many rotated files the pool finds what the main thread alone finds, in the same order', async (t) => {
  const alone = await trace(root, { workers: 0 });
  t.ok(alone.result.records.length > 10, 'the generated cloud has a trace');
  t.ok(alone.result.sharedRequestIds.length >= 3, 'periodic requests were followed and found shared');
  t.ok(alone.result.records.some((r) => r.why === 'request' && r.record.message === 'Long-running resize step'), 'an own request across rotated files');
  for (const workers of [2, 3]) {
    const pooled = await trace(root, { workers });
    t.same(pooled.result, alone.result, `${workers} searchers`);
    t.same(pooled.report.summaryLines(), alone.report.summaryLines(), 'same counts and warnings');
    t.equal(pooled.progress.at(-1), alone.progress.at(-1), 'progress reaches the total');
  }
  // Without pruning every stretch is searched with every needle: the correlator still drops the shared requests alike.
  const whole = await trace(root, { workers: 0, requestWindowMs: Infinity });
  t.same((await trace(root, { workers: 2, requestWindowMs: Infinity })).result, whole.result, 'whole files');
  t.same((await trace(root, { workers: 2, requests: false })).result, (await trace(root, { workers: 0, requests: false })).result, '--no-requests');
  // A parsed zone goes to a worker by name, and is read again there.
  const berlin = { tz: parseTimeZone('Europe/Berlin') };
  const zoned = await trace(root, { workers: 0, parse: berlin });
  t.not(zoned.result.records[0]!.record.time, alone.result.records[0]!.record.time, 'the zone moves the times');
  t.same((await trace(root, { workers: 2, parse: berlin })).result, zoned.result, 'the same zone on the workers');
});

t.test('the shipped fixtures and the loghub corpus trace the same with the pool', async (t) => {
  const cases: Array<[string, string, Partial<RunOptions>]> = [
    [CLOUD, CLOUD_ID, { parse: { offsets: new Map([['cp-3', -4000]]) } }],
    ['fixtures/loghub-openstack/collected', '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4', {}],
  ];
  for (const [dir, id, extra] of cases) {
    const { sources } = await discoverSources([dir]);
    const run = (workers: number) => runTrace(sources, { instanceId: id, report: new SourceReport(), workers, ...extra });
    const alone = await run(0);
    t.ok(alone.records.length > 0, dir);
    t.same(await run(2), alone, `${dir}, pooled`);
  }
});

t.test('the CLI uses INSTANCE_TRACE_WORKERS and prints the same', async (t) => {
  const alone = await runMain([CLOUD_ID, CLOUD, '--json'], { env: { INSTANCE_TRACE_WORKERS: '0' } });
  const pooled = await runMain([CLOUD_ID, CLOUD, '--json'], { env: { INSTANCE_TRACE_WORKERS: '2' } });
  t.equal(pooled.status, 0);
  t.equal(pooled.stdout, alone.stdout);
  t.equal(pooled.stderr, alone.stderr);
});

t.test('a worker that fails ends the trace with one line, never a hang', async (t) => {
  const failing: Array<[string, RegExp]> = [
    ['worker-throws-at-load.mjs', /^a search worker failed: cannot load the search code$/],
    ['worker-exits.mjs', /^a search worker stopped \(exit code 3\)$/],
    ['worker-replies-error.mjs', /^a search worker failed: search of .+ failed$/],
  ];
  for (const [file, message] of failing) {
    const workerUrl = new URL(`./fixture/${file}`, import.meta.url);
    await t.rejects(trace(root, { workers: 2, workerUrl }), { message }, file);
  }
});

t.test('the pool runs jobs on the main thread and its workers and fails them once closed', async (t) => {
  const { sources } = await discoverSources([root]);
  const job = (source: SourceFile): SearchJob => ({
    source, searches: [{ range: { offset: 0, line: 1, end: null }, needles: [ID] }], firstPass: true, parse: { tz: 'UTC' },
  });
  const pool = new SearchPool(3);
  t.teardown(() => pool.close());
  const progressed: number[] = [];
  const results = await Promise.all(sources.map((source) => pool.submit(job(source), (bytes) => progressed.push(bytes))));
  t.equal(results.length, sources.length);
  t.ok(results.some((r) => r.records.length > 0), 'the instance was found');
  t.ok(results.every((r, i) => r.counts.length === 1 && r.counts[0]!.bytes > 0 && r.times !== null && r.records.every((f) => f.record.source.file === sources[i]!.display)), 'each source searched whole, checkpoints noted');
  t.ok(progressed.length > 0, 'progress told');
  await pool.close();
  await t.rejects(pool.submit(job(sources[0]!)), { message: 'the search pool is closed' });
});
