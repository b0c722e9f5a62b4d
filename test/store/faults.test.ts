/**
 * Store faults: each one clear line and a non-zero exit, never the password; and a hostile
 * message (quotes, backslashes, NUL, 1 MB) stored and traced as the files trace it.
 */
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain } from '../cli/fixture/run.js';
import { command, count, dropDatabase, SECRET, storeUrl } from './fixture.js';
import { parseStoreUrl } from '../../src/store/url.js';

const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const url = storeUrl('faults');
const db = parseStoreUrl(url).database;
t.teardown(() => dropDatabase(url));

const oneLine = (t: Test, stderr: string, pattern: RegExp): void => {
  t.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`);
  t.match(stderr.trimEnd(), pattern);
};

t.test('store down: one line naming it, exit 2', async (t) => {
  for (const argv of [['ingest', 'fixtures/cloud'], [ID], ['store', 'init']]) {
    const r = await runMain([...argv, '--store', 'clickhouse://127.0.0.1:1/nowhere']);
    t.equal(r.status, 2);
    oneLine(t, r.stderr, /^instance-trace: cannot reach the store at clickhouse:\/\/default@127\.0\.0\.1:1\/nowhere \(ECONNREFUSED\)$/);
  }
});

t.test('wrong credentials: one line, the password never shown; the right ones work from the environment', async (t) => {
  const base = new URL(url.replace('clickhouse:', 'http:'));
  const wrong = `clickhouse://tracer:${encodeURIComponent('hunter2-wrong')}@${base.host}/${db}`;
  const r = await runMain([ID, '--store', wrong]);
  t.equal(r.status, 2);
  oneLine(t, r.stderr, /refused user "tracer": wrong user or password/);
  t.notMatch(r.stderr, /hunter2/);
  const right = `clickhouse://tracer:${encodeURIComponent(SECRET)}@${base.host}/${db}`;
  const init = await runMain(['store', 'init'], { env: { INSTANCE_TRACE_STORE: right } });
  t.equal(init.status, 0, init.stderr);
  t.notOk(init.stderr.includes(SECRET), 'the password is not printed');
  t.match(init.stderr, /store ready: clickhouse:\/\/tracer@/);
  // From a file, so that it is not on the command line (ps) either.
  const dir = mkdtempSync(path.join(tmpdir(), 'it-cred-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'store'), `${right}\n`);
  const traced = await runMain([ID, '--store', path.join(dir, 'store')]);
  t.equal(traced.status, 1, traced.stderr);
  t.equal(traced.stderr, '');
});

t.test('no database: say to run store init; no tables: ingest creates them, trace says init', async (t) => {
  const missing = storeUrl('faults_missing');
  t.teardown(() => dropDatabase(missing));
  for (const argv of [['ingest', 'fixtures/cloud'], [ID]]) {
    const r = await runMain([...argv, '--store', missing]);
    t.equal(r.status, 2);
    oneLine(t, r.stderr, /has no database it_faults_missing_\d+: run `instance-trace store init` first/);
  }
  await command(missing, `CREATE DATABASE ${parseStoreUrl(missing).database}`);
  const trace = await runMain([ID, '--store', missing]);
  t.equal(trace.status, 2);
  oneLine(t, trace.stderr, /has no trace tables: run `instance-trace store init` first/);
  const ingest = await runMain(['ingest', 'fixtures/cloud', '--store', missing]);
  t.equal(ingest.status, 0, 'the schema is made on first ingest');
  t.ok(await count(missing) > 0);
});

t.test('a table of another schema: one line, nothing written', async (t) => {
  const other = storeUrl('faults_other');
  t.teardown(() => dropDatabase(other));
  const odb = parseStoreUrl(other).database;
  await command(other, `CREATE DATABASE ${odb}`);
  await command(other, `CREATE TABLE ${odb}.records (source String, line UInt32) ENGINE = MergeTree ORDER BY source`);
  await command(other, `CREATE TABLE ${odb}.ids (id String) ENGINE = MergeTree ORDER BY id`);
  for (const argv of [['ingest', 'fixtures/cloud'], [ID], ['store', 'init']]) {
    const r = await runMain([...argv, '--store', other]);
    t.equal(r.status, 2);
    oneLine(t, r.stderr, /has a table it_faults_other_\d+\.records of another schema/);
  }
  t.equal(await count(other), 0);
});

/** Tables of earlier versions, each refused with the one line of another schema. */
const EARLIER_SCHEMAS: Array<{ name: string; what: string; records: string; ids: string }> = [
  {
    name: 'faults_old', what: 'the version before `cluster` (records ordered by source, line)',
    records: 'source String, line UInt32, lines UInt32, end_offset UInt64, identity String, source_host String, source_host_known UInt8, source_service String, host String, service String, time DateTime, ms UInt16, has_time UInt8, level String, request_id String, instance_id String, text String, record String) ENGINE = MergeTree ORDER BY (source, line) SETTINGS index_granularity = 1024',
    ids: 'id String, source String, line UInt32) ENGINE = MergeTree ORDER BY (id, source, line)',
  },
  {
    name: 'faults_json', what: 'the version that stored each parsed record as JSON (`record`)',
    records: 'source String, line UInt32, lines UInt32, end_offset UInt64, identity String, source_host String, source_host_known UInt8, source_service String, host String, service String, time DateTime, ms UInt16, has_time UInt8, level String, request_id String, instance_id String, text String, record String, cluster String) ENGINE = MergeTree ORDER BY (source, cluster, line) SETTINGS index_granularity = 128',
    ids: 'id String, source String, line UInt32, cluster String, carried UInt8, source_host String, source_host_known UInt8) ENGINE = MergeTree ORDER BY (id, source, line)',
  },
];

for (const earlier of EARLIER_SCHEMAS) {
  t.test(`the tables of ${earlier.what}: refused with the same line`, async (t) => {
    const old = storeUrl(earlier.name);
    t.teardown(() => dropDatabase(old));
    const odb = parseStoreUrl(old).database;
    await command(old, `CREATE DATABASE ${odb}`);
    await command(old, `CREATE TABLE ${odb}.records (${earlier.records}`);
    await command(old, `CREATE TABLE ${odb}.ids (${earlier.ids}`);
    for (const argv of [['ingest', 'fixtures/cloud'], [ID], ['store', 'init']]) {
      const r = await runMain([...argv, '--store', old]);
      t.equal(r.status, 2);
      oneLine(t, r.stderr, new RegExp(`has a table it_${earlier.name}_\\d+\\.records of another schema \\(not made by instance-trace store init, or by another version\\)`));
    }
    t.equal(await count(old), 0);
  });
}

t.test('usage: no store, a bad URL, paths with --store, --tz with --store, --shard without --cluster', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['ingest', 'fixtures/cloud'], /no store: give --store or set INSTANCE_TRACE_STORE/],
    [['ingest', 'fixtures/cloud', '--store', 'clickhouse://u:hunter2@h'], /not a store URL/],
    [[ID, 'fixtures/cloud', '--store', url], /give no paths with it/],
    [[ID, '--store', url, '--tz', 'UTC'], /give --tz and --offset to instance-trace ingest/],
    [['store', 'init', '--store', url, '--shard', url], /--shard needs --cluster/],
    [['store', 'init', '--store', url, '--cluster', 'a b'], /bad --cluster name/],
    [['store', 'init', '--store', url, '--cluster', 'c', '--shard', 'nope'], /--shard: not a store URL/],
    [['store', 'init', '--store', url, '--cluster', 'c', '--shard', 'clickhouse://h/otherdb'], /not the database of --store/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await runMain(argv);
    t.equal(r.status, 2, argv.join(' '));
    oneLine(t, r.stderr, pattern);
    t.notMatch(r.stderr, /hunter2/);
  }
});

t.test('a hostile 1 MB message round-trips and traces as from the file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'it-hostile-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const logs = path.join(dir, 'logs');
  mkdirSync(path.join(logs, 'cp-9'), { recursive: true });
  const id = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
  const body = `'\\"\0\t;DROP TABLE x;--\\N\\0`.repeat(40_000).slice(0, 1024 * 1024);
  writeFileSync(path.join(logs, 'cp-9', 'nova-compute.log'), [
    `2026-03-01 10:00:00.000 7 INFO nova.compute.manager [req-11111111-2222-4333-8444-555555555555 - - - - -] [instance: ${id}] hostile ${body}`,
    `2026-03-01 10:00:01.000 7 WARNING nova.compute.manager [req-11111111-2222-4333-8444-555555555555 - - - - -] [instance: ${id}] quote ' backslash \\ end`,
    '',
  ].join('\n'));
  const hostile = storeUrl('faults_hostile');
  t.teardown(() => dropDatabase(hostile));
  t.equal((await runMain(['store', 'init', '--store', hostile])).status, 0);
  const ingest = await runMain(['ingest', logs, '--store', hostile]);
  t.equal(ingest.status, 0, ingest.stderr);
  const files = await runMain([id, logs, '--json']);
  const store = await runMain([id, '--store', hostile, '--json']);
  t.equal(store.status, 0);
  t.equal(store.stdout, files.stdout, 'identical, 1 MB message included');
  // The trace cuts a line past 64 KiB (as from files); what it keeps holds the hostile bytes.
  t.ok(store.stdout.length > 64 * 1024);
  t.ok(store.stdout.includes(JSON.stringify(`'\\"\0\t;DROP TABLE x;--\\N\\0`).slice(1, -1)), 'quotes, backslashes, NUL kept');
  t.match(store.stdout, /quote ' backslash \\\\ end/);
});
