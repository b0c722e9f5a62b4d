/**
 * `instance-trace images`: the image cache view over the loghub corpus (real Nova logs with a
 * thrashing cache), a generated cloud with every anomaly, and bad input; in-process through
 * main(), and through the built launcher.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain, ensureBuilt } from './fixture/run.js';
import { BASE_A, BASE_B, HOSTILE_ERROR, IMAGE_A, IMAGE_B, INSTANCE, writeImagesCloud } from '../images/fixture/cloud.js';

const LOGHUB = 'fixtures/loghub-openstack/collected';
const LOGHUB_IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const LOGHUB_BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const BIN = fileURLToPath(new URL('../../bin/instance-trace', import.meta.url));
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** The launcher in a child process (tap's loaders cleared from NODE_OPTIONS, as a user has none). */
function launch(args: string[], input?: string) {
  return spawnSync('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', process.execPath, BIN, ...args], { input, env: ENV, encoding: 'utf8', timeout: 60_000 });
}

const ndjson = (text: string): Array<Record<string, any>> => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);

const cloud = writeImagesCloud();
t.teardown(() => rmSync(cloud, { recursive: true, force: true }));

t.test('loghub: cp-1 thrashes its one base file — refetched', async (t) => {
  const text = await runMain(['images', LOGHUB]);
  t.equal(text.status, 0, text.stderr);
  t.match(text.stdout, /^cp-1  1 base file: 1 present/m);
  t.match(text.stdout, new RegExp(`! refetched  image ${LOGHUB_IMAGE} _base/a489c868f0c3…: fetched 21 times \\(21 inferred`));
  t.match(text.stdout, /! unknown_base/);
  t.ok(text.stdout.indexOf('! refetched') < text.stdout.indexOf(`  present  ${LOGHUB_IMAGE}`), 'anomalies first');

  const json = await runMain(['images', LOGHUB, '--json']);
  const objects = ndjson(json.stdout);
  const refetched = objects.find((o) => o.kind === 'anomaly' && o.type === 'refetched');
  t.match(refetched, { host: 'cp-1', image_id: LOGHUB_IMAGE, instances: [] });
  t.match(refetched!.detail, `${LOGHUB_BASE}: fetched 21 times`);
  t.same(Object.keys(refetched!), ['kind', 'type', 'host', 'image_id', 'instances', 'detail', 'source']);
  t.match(refetched!.source[0], { file: `${LOGHUB}/cp-1/nova-compute.log`, line: 31, time: '2017-05-16T00:00:20.349Z', text: `Removing base or swap file: ${LOGHUB_BASE}` });
  const file = objects.find((o) => o.kind === 'base_file');
  t.same(file, {
    kind: 'base_file', host: 'cp-1', image_id: LOGHUB_IMAGE, base_file: LOGHUB_BASE, state: 'present',
    first_seen: '2017-05-16T00:00:05.185Z', last_seen: file!.last_seen, removed_at: null, fetches: 21, instances: [],
  });
});

t.test('a generated cloud: every anomaly, state and pre-cache outcome', async (t) => {
  const r = await runMain(['images', cloud, '--json']);
  t.equal(r.status, 0, r.stderr);
  const objects = ndjson(r.stdout);
  const anomalies = objects.filter((o) => o.kind === 'anomaly').map((o) => `${o.host} ${o.type}`);
  t.same(anomalies, ['cp-1 refetched', 'cp-1 unknown_base', 'cp-2 removed_in_use', 'cp-2 removal_failed', 'cp-3 precache_failed']);
  const byHost = (host: string, image: string) => objects.find((o) => o.kind === 'base_file' && o.host === host && o.image_id === image);
  t.match(byHost('cp-1', IMAGE_A), { state: 'present', fetches: 2, base_file: BASE_A, first_seen: '2026-03-02T09:00:01.750Z' });
  t.match(byHost('cp-2', IMAGE_A), { state: 'removed', removed_at: '2026-03-02T10:30:00.100Z', instances: [INSTANCE], first_seen: '2026-03-02T09:10:00.000Z' },
    'the rotated .gz hour read first');
  t.match(byHost('cp-3', IMAGE_B), { state: 'absent', first_seen: null });
  t.match(byHost('cp-2', IMAGE_B), { state: 'present' });
  const inUse = objects.find((o) => o.type === 'removed_in_use');
  t.match(inUse, { image_id: IMAGE_A, instances: [INSTANCE], detail: `${BASE_A}: instance ${INSTANCE} still used it after its removal` });
  t.same(inUse!.source.map((s: { line: number }) => s.line), [1, 2]);
  t.match(objects.find((o) => o.type === 'removal_failed'), { image_id: IMAGE_B, detail: `${BASE_B}: ${HOSTILE_ERROR}` });
  t.notOk(r.stdout.includes('\u001b'), 'JSON escapes control characters');
  t.same(objects.filter((o) => o.kind === 'precache'), [
    { kind: 'precache', image_id: IMAGE_B, cached: ['cp-1'], existing: ['cp-2'], failed: ['cp-3'], skipped: ['cp-4'], unsupported: [], time: '2026-03-02T12:00:00.000Z' },
  ]);
  t.equal(objects.filter((o) => o.kind === 'plan').length, 0, 'no plan unless asked');
});

t.test('text: per host, anomalies first, log text neutralised, colour only when asked', async (t) => {
  const r = await runMain(['images', cloud]);
  t.equal(r.status, 0);
  t.notOk(r.stdout.includes('\u001b'), 'no raw escape from the log');
  t.match(r.stdout, /error was \[Errno 16\] Device or resource busy \\x1b\]0;owned\\x07 \\u202e/);
  t.match(r.stdout, /^image cache: 3 hosts, 6 base files \(4 present \(1 removable\), 1 removed, 1 absent\), 5 anomalies; times UTC$/m);
  t.match(r.stdout, /pre-cache operations:\n  2026-03-02 12:00:00\.000  image c2f1e9a4-6b1d-4e0f-9a57-2d8e3b4c5f60  cached: cp-1  existing: cp-2  failed: cp-3  skipped: cp-4  \(completed 2026-03-02 12:00:03\.000\)/);
  const cp2 = r.stdout.slice(r.stdout.indexOf('\ncp-2 '), r.stdout.indexOf('\ncp-3 '));
  t.ok(cp2.indexOf('! removed_in_use') < cp2.indexOf('! removal_failed') && cp2.indexOf('! removal_failed') < cp2.indexOf('  removed '), 'costliest anomaly first, then base files');
  t.match(r.stdout, /present\* c2f1e9a4/, 'removable marked');
  const colour = await runMain(['images', cloud, '--color=always']);
  t.match(colour.stdout, /\u001b\[31m! removed_in_use/);
  t.notOk((await runMain(['images', cloud], { tty: true, env: { NO_COLOR: '1' } })).stdout.includes('\u001b['), 'NO_COLOR honoured');
});

t.test('--image, --host, --offset, --tz', async (t) => {
  const image = ndjson((await runMain(['images', cloud, '--json', '--image', IMAGE_B.toUpperCase()])).stdout);
  t.same([...new Set(image.map((o) => o.image_id))], [IMAGE_B]);
  t.same(image.filter((o) => o.kind === 'base_file').map((o) => `${o.host} ${o.state}`), ['cp-1 present', 'cp-2 present', 'cp-3 absent']);
  // Since its last fetch: cp-1 fetched image A again after removing it.
  const where = await runMain(['images', cloud, '--image', IMAGE_A]);
  t.match(where.stdout, `image ${IMAGE_A}: cached on cp-1 since 2026-03-02 09:45:00.500; removed from cp-2 at 2026-03-02 10:30:00.100\n`);
  t.match((await runMain(['images', cloud, '--image', IMAGE_B])).stdout, `image ${IMAGE_B}: cached on cp-1 since 2026-03-02 12:00:01.000, cp-2 since 2026-03-02 12:00:01.500; failed to pre-cache on cp-3\n`);
  t.match((await runMain(['images', cloud, '--image', INSTANCE])).stdout, `image ${INSTANCE}: in no cache-manager line\n`);
  const host = ndjson((await runMain(['images', cloud, '--json', '--host', 'cp-2'])).stdout);
  t.same([...new Set(host.filter((o) => o.kind !== 'precache').map((o) => o.host))], ['cp-2']);
  const shifted = ndjson((await runMain(['images', cloud, '--json', '--host', 'cp-2', '--offset', 'cp-2=-10s'])).stdout);
  t.match(shifted.find((o) => o.kind === 'base_file' && o.image_id === IMAGE_A), { removed_at: '2026-03-02T10:29:50.100Z' });
  const zoned = ndjson((await runMain(['images', LOGHUB, '--json', '--tz', '+02:00'])).stdout);
  t.match(zoned.find((o) => o.kind === 'base_file'), { first_seen: '2017-05-15T22:00:05.185Z' });
});

t.test('--precache: the hosts that lack each image and the command', async (t) => {
  const r = await runMain(['images', cloud, '--precache', `${IMAGE_A},${IMAGE_B}`, '--json']);
  const plans = ndjson(r.stdout).filter((o) => o.kind === 'plan');
  t.same(plans, [
    { kind: 'plan', image_id: IMAGE_A, missing_on: ['cp-2', 'cp-3'], command: `openstack --os-compute-api-version 2.81 aggregate cache image <aggregate> ${IMAGE_A}` },
    { kind: 'plan', image_id: IMAGE_B, missing_on: ['cp-3'], command: `openstack --os-compute-api-version 2.81 aggregate cache image <aggregate> ${IMAGE_B}` },
  ]);
  const given = await runMain(['images', cloud, '--precache', IMAGE_A, '--hosts', 'cp-1,cp-9', '--aggregate', 'fast-boot']);
  t.equal(given.status, 0);
  t.match(given.stdout, `pre-cache plan:\n  image ${IMAGE_A}: missing on cp-9\n    openstack --os-compute-api-version 2.81 aggregate cache image fast-boot ${IMAGE_A}\n`);
  const shown = ndjson((await runMain(['images', cloud, '--json', '--host', 'cp-3', '--precache', IMAGE_A])).stdout).filter((o) => o.kind === 'plan');
  t.same(shown.map((o) => o.missing_on), [['cp-3']], 'without --hosts, the hosts --host shows');
  const none = await runMain(['images', cloud, '--precache', IMAGE_B, '--hosts', 'cp-1']);
  t.match(none.stdout, `image ${IMAGE_B}: every host holds it; nothing to do`);
});

t.test('exit status: 1 with no cache-manager line, 2 for bad flags and input', async (t) => {
  const nothing = await runMain(['images', 'fixtures/cloud/controller/nova-api.log']);
  t.same([nothing.status, nothing.stdout], [1, '']);
  t.match(nothing.stderr, 'instance-trace: no image cache manager line found');
  for (const [args, message] of [
    [['--image', 'nope'], 'not an image id for --image: "nope"'],
    [['--precache', `${IMAGE_A},x`], 'not an image id for --precache: "x"'],
    [['--precache', ','], '--precache needs image ids'],
    [['--hosts', 'cp-1'], '--hosts and --aggregate go with --precache'],
    [['--precache', IMAGE_A, '--aggregate', ' '], '--aggregate needs a name or id'],
    [['--color=pink'], 'bad --color value'],
    [['--tz', 'Mars/Olympus'], 'bad --tz'],
    [['--offset', 'cp-1'], 'bad --offset'],
  ] as Array<[string[], string]>) {
    const r = await runMain(['images', cloud, ...args]);
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, message);
    t.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  const empty = mkdtempSync(join(tmpdir(), 'images-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  t.same(await runMain(['images', empty]), { status: 2, stdout: '', stderr: `instance-trace: no readable input in ${JSON.stringify(empty)}\n` });
  const missing = await runMain(['images', '/no/such/dir']);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /\/no\/such\/dir/);
  const tty = await runMain(['images']);
  t.same([tty.status, tty.stderr], [2, 'instance-trace: no input: give log files or folders, or - to read standard input\n']);
});

t.test('standard input, and the built launcher', async (t) => {
  ensureBuilt();
  const log = readFileSync(`${LOGHUB}/cp-1/nova-compute.log`, 'utf8');
  const piped = await runMain(['images', '-', '--json'], { stdin: log });
  t.equal(piped.status, 0);
  t.match(ndjson(piped.stdout).find((o) => o.type === 'refetched'), { host: '(unknown host)', image_id: LOGHUB_IMAGE });
  const launched = launch(['images', LOGHUB, '--image', LOGHUB_IMAGE]);
  t.equal(launched.status, 0, launched.stderr);
  t.match(launched.stdout, /! refetched/);
  const stdin = launch(['images', '--json'], log);
  t.equal(stdin.status, 0, stdin.stderr);
  t.match(stdin.stdout, /"type":"refetched"/);
  const help = launch(['images', '--help']);
  t.equal(help.status, 0);
  for (const text of ['--precache', '--aggregate', '--hosts', 'instance-trace images fixtures/cloud', 'removed_in_use', 'Exit status: 0 answered']) t.match(help.stdout, text);
});
