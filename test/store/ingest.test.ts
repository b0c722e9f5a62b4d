/**
 * Ingest's bookkeeping against a real ClickHouse, with real files: a grown file adds only its
 * tail; a source is known by its head, not its name, through logrotate's moves (rename, then
 * gzip), a new file under a stored name, and copytruncate; a file cut short in place is refused.
 * Each step ends with every line written stored exactly once. And the same through the pool's
 * worker threads.
 */
import t, { type Test } from 'tap';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain } from '../cli/fixture/run.js';
import { count, dropDatabase, query, storeUrl } from './fixture.js';
import { parseStoreUrl } from '../../src/store/url.js';
import { StoreClient } from '../../src/store/client.js';
import { checkSchema } from '../../src/store/schema.js';
import { ingestSources } from '../../src/store/ingest.js';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import { generationName, splitGeneration } from '../../src/store/rows.js';
import { sourceOrder } from '../../src/store/trace.js';

const CLOUD = 'fixtures/cloud';
const ID = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';

/** `n` oslo lines of a source named `tag`, each saying which line of it it is. */
function lines(tag: string, from: number, n: number): string {
  let out = '';
  for (let i = from; i < from + n; i++) {
    const s = String(i % 60).padStart(2, '0');
    out += `2026-03-01 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${s}.000 7 INFO nova.compute.manager [req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee - - - - -] [instance: ${ID}] ${tag} line ${i}\n`;
  }
  return out;
}

/** Each `<tag> line <i>` stored, how many times; and the store's sources. */
async function stored(url: string): Promise<{ marks: Map<string, number>; sources: string[]; total: number }> {
  const db = parseStoreUrl(url).database;
  const rows = await query<{ mark: string; n: string }>(url, `SELECT extract(text, '[A-Z] line [0-9]+$') AS mark, count() AS n FROM ${db}.records GROUP BY mark`);
  const sources = await query<{ source: string }>(url, `SELECT DISTINCT source FROM ${db}.records ORDER BY source`);
  const marks = new Map(rows.map((r) => [r.mark, Number(r.n)]));
  return { marks, sources: sources.map((s) => path.basename(s.source)), total: [...marks.values()].reduce((a, b) => a + b, 0) };
}

/** Every line of `expected` (tag → count of lines written) stored once, nothing else. */
async function exactlyOnce(t: Test, url: string, expected: Record<string, number>, what: string): Promise<string[]> {
  const { marks, sources, total } = await stored(url);
  const want = Object.values(expected).reduce((a, b) => a + b, 0);
  t.equal(total, want, `${what}: ${want} records`);
  const twice = [...marks].filter(([, n]) => n !== 1).map(([m]) => m);
  t.same(twice, [], `${what}: none twice`);
  for (const [tag, n] of Object.entries(expected)) {
    for (const i of [0, n - 1]) t.ok(marks.has(`${tag} line ${i}`), `${what}: ${tag} line ${i} stored`);
  }
  return sources;
}

const dirs: string[] = [];
t.teardown(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function folder(name: string): { logs: string; file: (n: string) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), `it-${name}-`));
  dirs.push(dir);
  const logs = path.join(dir, 'logs');
  mkdirSync(path.join(logs, 'cp-1'), { recursive: true });
  return { logs, file: (n) => path.join(logs, 'cp-1', n) };
}

/** A folder of two hosts' files (`cp-1/nova-compute.log`, `cp-2/<second>`), a database, and a client on it. */
async function twoHosts(t: Test, name: string, first: string, second: string, secondName = 'nova-compute.log') {
  const url = storeUrl(name);
  t.teardown(() => dropDatabase(url));
  const { logs, file } = folder(name);
  writeFileSync(file('nova-compute.log'), first);
  mkdirSync(path.join(logs, 'cp-2'));
  writeFileSync(path.join(logs, 'cp-2', secondName), second);
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const client = new StoreClient(parseStoreUrl(url));
  t.teardown(() => client.close());
  const layout = await checkSchema(client);
  const { sources } = await discoverSources([logs]);
  return { url, logs, client, layout, sources };
}

async function ingest(t: Test, logs: string, url: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const r = await runMain(['ingest', logs, '--store', url], { env });
  t.equal(r.status, 0, r.stderr);
  return r.stderr;
}

t.test('a grown file adds only its tail; half then tail = whole', async (t) => {
  const url = storeUrl('grow');
  t.teardown(() => dropDatabase(url));
  const { logs, file } = folder('grow');
  const text = readFileSync(path.join(CLOUD, 'cp-1', 'nova-compute.log'), 'utf8');
  const all = text.split('\n');
  const cut = Math.floor(all.length / 2);
  writeFileSync(file('nova-compute.log'), all.slice(0, cut).join('\n') + '\n');
  await ingest(t, logs, url);
  const half = await count(url);
  appendFileSync(file('nova-compute.log'), all.slice(cut).join('\n'));
  await ingest(t, logs, url);
  const whole = await count(url);
  t.ok(whole > half, 'the tail went in');
  const other = storeUrl('grow_whole');
  t.teardown(() => dropDatabase(other));
  const copy = folder('grow-copy');
  copyFileSync(file('nova-compute.log'), copy.file('nova-compute.log'));
  await ingest(t, copy.logs, other);
  t.equal(whole, await count(other), 'half then tail = whole, no record twice');
  for (const id of new Set([...text.matchAll(/instance: ([0-9a-f-]{36})/g)].map((m) => m[1]!))) {
    const files = await runMain([id, logs, '--json']);
    const store = await runMain([id, '--store', url, '--json']);
    t.equal(store.stdout, files.stdout, `${id}: the store answers as the file`);
  }

  // Cut short in place, its head intact: refused, one line, nothing added.
  writeFileSync(file('nova-compute.log'), text.slice(0, text.length - 300));
  const shrunk = await runMain(['ingest', logs, '--store', url]);
  t.equal(shrunk.status, 2);
  t.match(shrunk.stderr, /nova-compute\.log: it is shorter \(\d+ bytes\) than what was ingested of it \(\d+ bytes\) though it begins the same: truncated in place\? not ingested/);
  t.equal(await count(url), whole);
});

for (const workers of ['1', '2']) {
  t.test(`logrotate: renamed, gzipped, a new file under the old name (${workers === '1' ? 'main thread' : 'worker threads'})`, async (t) => {
    const url = storeUrl(`rotate_${workers}`);
    t.teardown(() => dropDatabase(url));
    const env = { INSTANCE_TRACE_WORKERS: workers };
    const { logs, file } = folder('rotate');
    // Day 1: A has 300 lines when ingested.
    writeFileSync(file('nova-compute.log'), lines('A', 0, 300));
    await ingest(t, logs, url, env);
    await exactlyOnce(t, url, { A: 300 }, 'day 1');
    // A gains 50 lines, then is rotated: renamed to .1; a new x.log (B) begins.
    appendFileSync(file('nova-compute.log'), lines('A', 300, 50));
    renameSync(file('nova-compute.log'), file('nova-compute.log.1'));
    writeFileSync(file('nova-compute.log'), lines('B', 0, 200));
    const day2 = await ingest(t, logs, url, env);
    t.match(day2, /ingest: 250 records/, 'A\'s tail and B');
    const names = await exactlyOnce(t, url, { A: 350, B: 200 }, 'day 2');
    t.equal(names.length, 2);
    t.ok(names.includes('nova-compute.log'), 'A keeps the name it was first stored under');
    t.equal(names.find((n) => n !== 'nova-compute.log'), 'nova-compute.log@2', 'B, a new source under a name taken, is its second generation');
    // Day 3: .1 gzipped to .2.gz, B (grown) to .1, C new.
    writeFileSync(file('nova-compute.log.2.gz'), gzipSync(readFileSync(file('nova-compute.log.1'))));
    rmSync(file('nova-compute.log.1'));
    appendFileSync(file('nova-compute.log'), lines('B', 200, 30));
    renameSync(file('nova-compute.log'), file('nova-compute.log.1'));
    writeFileSync(file('nova-compute.log'), lines('C', 0, 10));
    const day3 = await ingest(t, logs, url, env);
    t.match(day3, /ingest: 40 records, .* 1 source already stored/, 'B\'s tail and C; the gzip member adds nothing');
    const day3names = await exactlyOnce(t, url, { A: 350, B: 230, C: 10 }, 'day 3');
    t.same([...day3names].sort(), ['nova-compute.log', 'nova-compute.log@2', 'nova-compute.log@3'], 'C, the third source of the name');
    const again = await ingest(t, logs, url, env);
    t.match(again, /ingest: 0 records, .* 3 sources already stored/);
    await exactlyOnce(t, url, { A: 350, B: 230, C: 10 }, 'again');
    // The trace from the store holds every record of the instance once.
    const traced = await runMain([ID, '--store', url, '--json']);
    t.equal(traced.stdout.trimEnd().split('\n').length, 590);

  });
}

t.test('copytruncate: the copy goes on where the file was, the file begun again is a new source', async (t) => {
  const url = storeUrl('copytruncate');
  t.teardown(() => dropDatabase(url));
  const { logs, file } = folder('copytruncate');
  writeFileSync(file('nova-compute.log'), lines('D', 0, 100));
  await ingest(t, logs, url);
  appendFileSync(file('nova-compute.log'), lines('D', 100, 20));
  copyFileSync(file('nova-compute.log'), file('nova-compute.log.1'));
  truncateSync(file('nova-compute.log'), 0);
  appendFileSync(file('nova-compute.log'), lines('E', 0, 5));
  const after = await ingest(t, logs, url);
  t.match(after, /ingest: 25 records/);
  await exactlyOnce(t, url, { D: 120, E: 5 }, 'after copytruncate');
  // E grows past the size of its head when first stored: still the same source.
  appendFileSync(file('nova-compute.log'), lines('E', 5, 100));
  await ingest(t, logs, url);
  const names = await exactlyOnce(t, url, { D: 120, E: 105 }, 'E grown');
  t.equal(names.length, 2);
  // Truncated to nothing: nothing to store, nothing refused.
  truncateSync(file('nova-compute.log'), 0);
  const empty = await ingest(t, logs, url);
  t.match(empty, /ingest: 0 records/);
  await exactlyOnce(t, url, { D: 120, E: 105 }, 'emptied');
});

t.test('untimed records and times of 1970 go in: every DateTime is sent as ten digits', async (t) => {
  // ClickHouse 18.16 reads a DateTime whose fifth character is not a digit as 19 characters of
  // text: an untimed record's `0` followed by an ids row beginning with a letter failed the insert.
  const url = storeUrl('datetime');
  t.teardown(() => dropDatabase(url));
  const { logs, file } = folder('datetime');
  const sha1 = 'e3564012647a2a6b3ef2a309e6e6456c1ccdeabe';
  writeFileSync(file('nova-compute.log'), [
    `a line of no known format naming req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee and ${sha1}`,
    `another naming ${sha1} and req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee`,
    '1970-01-01 00:00:05.250 7 INFO nova.compute.manager [req-bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee - - - - -] five seconds after the epoch',
    `2026-03-01 10:00:00.000 7 INFO nova.compute.manager [req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee - - - - -] [instance: ${ID}] a timed line`,
    '',
  ].join('\n'));
  await ingest(t, logs, url);
  const db = parseStoreUrl(url).database;
  const rows = await query<{ line: string; t: string; ms: string; has_time: string }>(url, `SELECT line, toUInt32(time) AS t, ms, has_time FROM ${db}.records ORDER BY line`);
  t.same(rows.map((r) => [Number(r.line), Number(r.t), Number(r.ms), Number(r.has_time)]),
    [[1, 0, 0, 0], [2, 0, 0, 0], [3, 5, 250, 1], [4, Date.UTC(2026, 2, 1, 10) / 1000, 0, 1]]);
  const ids = await query<{ id: string; n: string; timed: string }>(url, `SELECT id, count() AS n, sum(has_time) AS timed FROM ${db}.ids WHERE id IN ('${sha1}', 'req-bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee') GROUP BY id ORDER BY id`);
  t.same(ids.map((r) => [r.id, Number(r.n), Number(r.timed)]), [[sha1, 2, 0], ['req-bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee', 1, 1]], 'ids rows of untimed and 1970 records');
});

t.test('the same file twice in one ingest is stored once', async (t) => {
  const { url, logs } = await twoHosts(t, 'twice', lines('F', 0, 40), lines('F', 0, 60), 'copy.log');
  await ingest(t, logs, url);
  await exactlyOnce(t, url, { F: 60 }, 'a copy and its longer copy');
});

t.test('a gzip member whose trailer says all of it is stored is not inflated; one that holds more is read', async (t) => {
  const url = storeUrl('gzip_trailer');
  t.teardown(() => dropDatabase(url));
  const { logs, file } = folder('gzip-trailer');
  const a = lines('G', 0, 400);
  writeFileSync(file('nova-compute.log'), a);
  await ingest(t, logs, url);
  // Rotated and gzipped, then damaged past its head: a read would meet the damage.
  const gz = gzipSync(Buffer.from(a), { level: 0 });
  const at = Math.floor(gz.length * 0.8);
  gz[at] = gz[at]! ^ 0xff;
  rmSync(file('nova-compute.log'));
  writeFileSync(file('nova-compute.log.1.gz'), gz);
  const skipped = await runMain(['ingest', logs, '--store', url]);
  t.equal(skipped.status, 0, skipped.stderr);
  t.match(skipped.stderr, /ingest: 0 records, .* 1 source already stored/);
  t.notMatch(skipped.stderr, /corrupt|damaged|truncated|skipped/, 'not inflated');
  // Two members (the file went on before it was gzipped): the trailer is the last member's, so it is read.
  writeFileSync(file('nova-compute.log.1.gz'), Buffer.concat([gzipSync(Buffer.from(a)), gzipSync(Buffer.from(lines('G', 400, 7)))]));
  const read = await ingest(t, logs, url);
  t.match(read, /ingest: 7 records/);
  await exactlyOnce(t, url, { G: 407 }, 'two members');
});

t.test('stopped while worker threads read: what was handed over is stored, the rest on the next run, each once', async (t) => {
  const { url, client, layout, sources } = await twoHosts(t, 'stop_workers', lines('H', 0, 30_000), lines('I', 0, 30_000));
  const abort = new AbortController();
  const stopped = await ingestSources(client, layout, sources, {
    report: new SourceReport(), workers: 2, signal: abort.signal, batchRecords: 1000,
    onProgress: (bytes) => { if (bytes > 2 * 1024 * 1024) abort.abort(); },
  });
  t.equal(stopped.stopped, true);
  const part = await count(url);
  t.ok(part > 0 && part < 60_000, `${part} records before the stop`);
  const again = await ingestSources(client, layout, sources, { report: new SourceReport(), workers: 2 });
  t.equal(again.stopped, false);
  await exactlyOnce(t, url, { H: 30_000, I: 30_000 }, 'after the stop and a second run');
});

t.test('the store failing while worker threads read: its one error, the pool stopped', async (t) => {
  const found = await twoHosts(t, 'fail_workers', lines('J', 0, 20_000), lines('K', 0, 20_000));
  const { client, sources } = found;
  const layout = { ...found.layout, records: 'gone' };
  await t.rejects(ingestSources(client, layout, sources, { report: new SourceReport(), workers: 2, batchRecords: 1000 }),
    { name: 'StoreError', message: /has no trace tables: run `instance-trace store init` first/ });
});

t.test('a name\'s later sources order after it by generation, as a rotated set\'s files by age', async (t) => {
  t.equal(generationName('cp-1/nova-compute.log', 1), 'cp-1/nova-compute.log');
  t.equal(generationName('cp-1/nova-compute.log', 12), 'cp-1/nova-compute.log@12');
  t.same(splitGeneration('cp-1/nova-compute.log@12'), { name: 'cp-1/nova-compute.log', generation: 12 });
  t.same(splitGeneration('cp-1/a@b.log'), { name: 'cp-1/a@b.log', generation: 1 });
  const names = ['cp-1/nova-compute.log@10', 'cp-2/nova-compute.log', 'cp-1/nova-compute.log@2', 'cp-1/nova-compute.log', 'cp-1/nova-compute.log.1', 'cp-1/nova-api.log'];
  const order = sourceOrder(names);
  t.same([...names].sort((a, b) => order.get(a)! - order.get(b)!), [
    'cp-1/nova-api.log', 'cp-1/nova-compute.log.1', 'cp-1/nova-compute.log', 'cp-1/nova-compute.log@2', 'cp-1/nova-compute.log@10', 'cp-2/nova-compute.log',
  ]);
});
