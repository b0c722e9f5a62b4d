/**
 * Custom oslo.log layouts and container logs through the CLI: real oslo.log output in a site's
 * layout (test/records/oslo_layout_writer.py), wrapped as kubelet keeps it, traced and filtered
 * with --oslo-config or the format flags; format errors are one line and exit 2.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runMain, spawnCli } from './fixture/run.js';
import { writeLayout } from '../records/oslo-layout-writer.js';
import { wrapCri, wrapDocker } from '../records/container-writer.js';

const INSTANCE = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const POD = 'nova-compute-default-x7k2p';
const UID = '0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

interface JsonLine { host: string; service: string; message: string; traceback: string[]; request_id: string | null; source: { lines: number } }
const parseJson = (stdout: string): JsonLine[] => stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonLine);

t.test('trace: the large operator layout from nova.conf, in CRI and Docker pod logs', async (t) => {
  const dir = t.testdir();
  const { lines, calls, conf } = writeLayout('operator', path.join(dir));
  const pods = path.join(dir, 'pods');
  const criDir = path.join(pods, `openstack_${POD}_${UID}`, 'nova-compute');
  mkdirSync(criDir, { recursive: true });
  writeFileSync(path.join(criDir, '0.log'), wrapCri(lines, calls[0]!.ms).join('\n') + '\n');
  const containers = path.join(dir, 'containers');
  mkdirSync(containers);
  writeFileSync(path.join(containers, `nova-api-osapi-5d9f_openstack_nova-osapi-${'a'.repeat(64)}.log`), wrapDocker(lines, calls[0]!.ms).join('\n') + '\n');

  const r = await runMain([INSTANCE, pods, containers, '--json', '--oslo-config', conf]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
  const records = parseJson(r.stdout);
  t.same([...new Set(records.map((l) => l.host))].sort(), ['nova-api-osapi-5d9f', POD], 'hosts from the pod paths');
  t.same([...new Set(records.map((l) => l.service))].sort(), ['nova-compute', 'nova-osapi'], 'services from the container names');
  const failed = records.filter((l) => l.message === 'Instance failed to spawn: OSError: [Errno 28] No space left on device: \'/var/lib/nova/instances/9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11/disk\'');
  t.equal(failed.length, 2, 'once per file');
  for (const f of failed) {
    t.equal(f.traceback[0], 'Traceback (most recent call last):', 'traceback whole across wrapped lines');
    t.match(f.traceback.at(-1), /^OSError/);
  }
  const long = records.filter((l) => l.message.startsWith('Long line '));
  t.equal(long.length, 2);
  t.ok(long.every((l) => l.message.length === 'Long line  end'.length + 40000 && l.source.lines === 3), 'pieces joined');

  // The search pool's workers compile the layout from the same plain data: the same answer.
  const pooled = await runMain([INSTANCE, pods, containers, '--json', '--oslo-config', conf], { env: { INSTANCE_TRACE_WORKERS: '2' } });
  t.equal(pooled.stdout, r.stdout, 'the same records with two searchers');

  // Through the built CLI too, with the format given as flags.
  const spawned = spawnCli([INSTANCE, pods, '--summary', '--oslo-format', '%(asctime)s.%(msecs)03d %(levelname)s %(name)s [%(request_id)s g%(global_request_id)s %(user_identity)s] %(instance)s%(message)s', '--oslo-exception-prefix', '%(asctime)s.%(msecs)03d TRACE %(name)s %(instance)s']);
  t.equal(spawned.status, 0, spawned.stderr);
  t.match(spawned.stdout, POD);
  t.match(spawned.stdout, 'Instance failed to spawn');
});

t.test('filter: a CRI log with the hostname layout', async (t) => {
  const dir = t.testdir();
  const { lines, calls, conf } = writeLayout('hostname', dir);
  const file = path.join(dir, 'nova.cri.log');
  writeFileSync(file, wrapCri(lines, calls[0]!.ms).join('\n') + '\n');
  const r = await runMain(['filter', '-i', INSTANCE, '--json', '--oslo-config', conf, file]);
  t.equal(r.status, 0, r.stderr);
  const records = parseJson(r.stdout);
  t.ok(records.length >= 5);
  t.ok(records.every((l) => l.host === 'cp-7.example.org'), 'host from the line');
  const failed = records.find((l) => l.message.startsWith('Instance failed to spawn'));
  t.equal(failed?.traceback.filter((l) => l.startsWith('  File ')).length, 3);
  const raw = await runMain(['filter', '-i', INSTANCE, '--oslo-config', conf, file]);
  t.match(raw.stdout, / stderr F .*TRACE|ERROR nova.compute.manager \[instance/, 'raw lines pass unchanged');
  t.ok(raw.stdout.split('\n').some((l) => / stderr P /.test(l)), 'partial pieces kept with their record');
});

t.test('format errors: one line, exit 2; unknown fields are a note', async (t) => {
  const dir = t.testdir({ 'a.log': '2026-04-14 10:42:57.072 1 INFO nova.x [-] hello\n', 'nova.conf': '[DEFAULT]\nlogging_context_format_string = %(asctime)s %(levelname) %(message)s\n', 'empty.conf': '[DEFAULT]\ndebug = True\n' });
  const log = path.join(dir, 'a.log');
  const cases: Array<[string[], RegExp]> = [
    [['--oslo-format', '%(asctime)s %(levelname) %(name)s %(message)s'], /bad --oslo-format: %\(levelname\) at character 13 has no conversion type \(write it %\(levelname\)s\)/],
    [['--oslo-format', '%(asctime)s %s %(message)s'], /bad --oslo-format: "%s " at character 13 names no field/],
    [['--oslo-format', '%(asctime)s %(name'], /is not closed with "\)"/],
    [['--oslo-format', '%(asctime)s %(name)s'], /no %\(message\)s field/],
    [['--oslo-format', '%(levelname)s %(message)s'], /no time field/],
    [['--oslo-exception-prefix', '%()s'], /bad --oslo-exception-prefix: %\(\) at character 1 names no field/],
    [['--oslo-config', path.join(dir, 'nova.conf')], /bad .*nova\.conf: logging_context_format_string: %\(levelname\) at character 13 has no conversion type/],
    [['--oslo-config', path.join(dir, 'missing.conf')], /cannot read --oslo-config .*missing\.conf: no such file/],
    [['--oslo-config', dir], /cannot read --oslo-config .*: a folder, not a file/],
  ];
  for (const [flags, message] of cases) {
    for (const argv of [[INSTANCE, log, ...flags], ['filter', '-i', INSTANCE, log, ...flags]]) {
      const r = await runMain(argv);
      t.equal(r.status, 2, argv.join(' '));
      t.match(r.stderr, message);
      t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
  }
  const unknown = await runMain([INSTANCE, log, '--oslo-format', '%(asctime)s %(flavor)s %(levelname)s %(message)s']);
  t.match(unknown.stderr, 'note: --oslo-format: %(flavor)s is not a field instance-trace reads; its text is skipped');
  t.equal(unknown.status, 1, 'a note, not an error');
  const none = await runMain([INSTANCE, log, '--oslo-config', path.join(dir, 'empty.conf')]);
  t.match(none.stderr, /sets no oslo.log format in \[DEFAULT\]/);
});

t.test("filter: oslo.log's JSONFormatter in Docker pieces frames as the plain file does", async (t) => {
  const dir = t.testdir();
  execFileSync('/usr/bin/python3', [path.join(import.meta.dirname, '../records/oslo_writer.py'), 'json', dir], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const plainFile = path.join(dir, 'nova.json');
  const lines = readFileSync(plainFile, 'utf8').trimEnd().split('\n');
  const dockerFile = path.join(dir, 'docker.log');
  writeFileSync(dockerFile, wrapDocker(lines, 0, 'stdout', 100).join('\n') + '\n');
  const pick = (stdout: string) => parseJson(stdout).map((l) => JSON.stringify([l.message, l.traceback, l.request_id]));
  // --enrich alone frames every record: all of them, whole, as in the plain file.
  const plainAll = await runMain(['filter', '--enrich', '--json', plainFile]);
  const dockerAll = await runMain(['filter', '--enrich', '--json', dockerFile]);
  t.equal(dockerAll.status, 0, dockerAll.stderr);
  t.equal(parseJson(plainAll.stdout).length, 9);
  t.same(pick(dockerAll.stdout), pick(plainAll.stdout), 'the same records, whole');
  // With an id: each record found is whole. (An id cut in two by the runtime's split is not seen
  // by the byte search; these 100-byte pieces cut some, kubelet's 16 KiB ones rarely.)
  const plain = pick((await runMain(['filter', '-i', INSTANCE, '--json', plainFile])).stdout);
  const docker = pick((await runMain(['filter', '-i', INSTANCE, '--json', dockerFile])).stdout);
  t.ok(docker.length >= 2);
  t.ok(docker.every((r) => plain.includes(r)), 'every record found is whole');
  const raw = await runMain(['filter', '-i', INSTANCE, dockerFile]);
  t.equal(raw.stdout.split('\n').filter((l) => l.includes('Compute service starting')).length, 0, 'a record without the id is not passed on with its neighbour');
});

t.test('images: real oslo.log in a site layout is read with --oslo-config, by the pool too', async (t) => {
  const dir = t.testdir();
  writeLayout('nomsecs', dir);
  const log = path.join(dir, 'nova.log');
  const conf = path.join(dir, 'nova.conf');
  const unread = await runMain(['images', log, '--json']);
  t.equal(unread.status, 1, 'the layout unknown, no cache manager line is recognised');
  const r = await runMain(['images', log, '--json', '--oslo-config', conf]);
  t.equal(r.status, 0, r.stderr);
  const files = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { kind: string; image_id: string; state: string; first_seen: string });
  t.match(files, [{ kind: 'base_file', image_id: '0673dd71-34c5-4fbb-86c4-40623fbe45b4', state: 'present' }]);
  t.match(files[0]!.first_seen, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/, 'its time read from the layout');
  // Two copies: the pool scans one on a worker, which compiles the layout from the same plain data.
  const copy = path.join(dir, 'nova.log.1');
  writeFileSync(copy, readFileSync(log));
  const alone = await runMain(['images', copy, log, '--json', '--oslo-config', conf], { env: { INSTANCE_TRACE_WORKERS: '0' } });
  const pooled = await runMain(['images', copy, log, '--json', '--oslo-config', conf], { env: { INSTANCE_TRACE_WORKERS: '2' } });
  t.equal(pooled.status, 0, pooled.stderr);
  t.equal(pooled.stdout, alone.stdout);
  t.equal(await runMain(['images', '--store', 'clickhouse://127.0.0.1:1/x', '--oslo-config', conf]).then((x) => x.stderr.trim()), 'instance-trace: the --oslo-* flags say how to read files: give none with --store');
});
