/**
 * The store answers as the files do: the fixtures' cloud and the loghub corpus ingested into a
 * real ClickHouse, then every instance traced from the files and from the store, record for
 * record (JSON, summary, text, and the flags that change the answer). Re-ingest adds nothing
 * (a grown, rotated or rewritten file: test/store/ingest.test.ts).
 */
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain } from '../cli/fixture/run.js';
import { count, dropDatabase, storeUrl } from './fixture.js';

const CLOUD = 'fixtures/cloud';
const LOGHUB = '../shared/corpora/loghub-openstack/collected';

function instancesIn(dir: string): string[] {
  const ids = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (!e.name.endsWith('.gz')) for (const m of readFileSync(full, 'utf8').matchAll(/instance: ([0-9a-f-]{36})/g)) ids.add(m[1]!);
    }
  };
  walk(dir);
  return [...ids].sort();
}

async function same(t: Test, url: string, dir: string, id: string, flags: string[]): Promise<void> {
  const files = await runMain([id, dir, ...flags]);
  const store = await runMain([id, '--store', url, ...flags]);
  t.equal(store.stderr, '', `${id} ${flags.join(' ')}: nothing on stderr`);
  t.equal(store.status, files.status, `${id} ${flags.join(' ')}: same status`);
  t.equal(store.stdout, files.stdout, `${id} ${flags.join(' ')}: same output`);
}

for (const [name, dir] of [['cloud', CLOUD], ['loghub', LOGHUB]] as const) {
  t.test(`${name}: file trace and store trace identical`, async (t) => {
    const url = storeUrl(`trace_${name}`);
    t.teardown(() => dropDatabase(url));
    const init = await runMain(['store', 'init', '--store', url]);
    t.equal(init.status, 0, init.stderr);
    const first = await runMain(['ingest', dir, '--store', url]);
    t.equal(first.status, 0, first.stderr);
    t.match(first.stderr, /^instance-trace: ingest: [1-9]\d* records, /);
    const stored = await count(url);
    t.ok(stored > 0);

    const again = await runMain(['ingest', dir, '--store', url]);
    t.equal(again.status, 0);
    t.match(again.stderr, /ingest: 0 records, .* sources? already stored/);
    t.equal(await count(url), stored, 're-ingest adds nothing');

    const ids = instancesIn(dir);
    t.ok(ids.length >= 2);
    for (const id of ids) {
      await same(t, url, dir, id, ['--json']);
      await same(t, url, dir, id, ['--summary', '--json']);
    }
    const id = ids[0]!;
    await same(t, url, dir, id, []);
    await same(t, url, dir, id, ['--no-requests']);
    await same(t, url, dir, id, ['--no-cache', '--summary']);
    await same(t, url, dir, id, ['--since', '2000-01-01', '--until', '2100-01-01', '--json']);
    await same(t, url, dir, '00000000-0000-4000-8000-000000000000', ['--json']);
  });
}

/** One host's compute log of `lines` in a temporary folder, ingested into a fresh store. */
async function oneHostStore(t: Test, name: string, lines: readonly string[]): Promise<{ dir: string; url: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), `it-${name}-`));
  const url = storeUrl(name);
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(url);
  });
  mkdirSync(path.join(dir, 'cp-1'));
  writeFileSync(path.join(dir, 'cp-1', 'nova-compute.log'), lines.join('\n') + '\n');
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  t.equal((await runMain(['ingest', dir, '--store', url])).status, 0);
  return { dir, url };
}

t.test('a request with more records than one instance writes: counted in the store, shared as in the files', async (t) => {
  const id = '7a7a7a7a-0000-4000-8000-000000000001';
  const big = 'req-7a7a7a7a-0000-4000-8000-0000000000b1';
  const own = 'req-7a7a7a7a-0000-4000-8000-0000000000b2';
  const lines = [
    `2026-03-01 10:00:00.000 7 INFO nova.compute.manager [${big} - - - - -] [instance: ${id}] Running periodic task`,
    `2026-03-01 10:00:00.500 7 INFO nova.compute.manager [${own} - - - - -] [instance: ${id}] Claim successful`,
    `2026-03-01 10:00:00.600 7 INFO nova.scheduler [${own} - - - - -] Selected host cp-1`,
  ];
  for (let i = 0; i < 5100; i++) lines.push(`2026-03-01 10:00:01.${String(i % 1000).padStart(3, '0')} 7 DEBUG nova.compute.manager [${big} - - - - -] tick ${i}`);
  const { dir, url } = await oneHostStore(t, 'bigreq', lines);
  await same(t, url, dir, id, ['--json']);
  const summary = await runMain([id, '--store', url, '--summary', '--json']);
  t.match(summary.stdout, big, 'the big request is named, as shared');
  const records = (await runMain([id, '--store', url, '--json'])).stdout.trimEnd().split('\n');
  t.equal(records.length, 3, 'its 5100 other records are not in the trace');
});

t.test('a big request among more candidate requests than one query of sizes asks: counted all the same', async (t) => {
  const id = '7a7a7a7a-0000-4000-8000-000000000002';
  const big = 'req-7a7a7a7a-0000-4000-8000-0000000000c1';
  const lines: string[] = [];
  // 70 requests of its own first (more than one query's 64), the big one last.
  for (let i = 0; i < 70; i++) {
    const own = `req-7a7a7a7a-0000-4000-8000-${String(i).padStart(12, '0')}`;
    lines.push(`2026-03-01 10:00:${String(i % 60).padStart(2, '0')}.000 7 INFO nova.compute.manager [${own} - - - - -] [instance: ${id}] step ${i}`);
  }
  lines.push(`2026-03-01 10:01:10.000 7 INFO nova.compute.manager [${big} - - - - -] [instance: ${id}] Running periodic task`);
  for (let i = 0; i < 5100; i++) lines.push(`2026-03-01 10:01:11.${String(i % 1000).padStart(3, '0')} 7 DEBUG nova.compute.manager [${big} - - - - -] tick ${i}`);
  const { dir, url } = await oneHostStore(t, 'manyreq', lines);
  await same(t, url, dir, id, ['--json']);
  const records = (await runMain([id, '--store', url, '--json'])).stdout.trimEnd().split('\n');
  t.equal(records.length, 71, 'the big request\'s 5100 other records are not in the trace');
  // Known shared from its size, it is never fetched: no lookup reads its thousands of records.
  const { StoreClient } = await import('../../src/store/client.js');
  const { parseStoreUrl } = await import('../../src/store/url.js');
  const { checkSchema } = await import('../../src/store/schema.js');
  const { traceStore } = await import('../../src/store/trace.js');
  const client = new StoreClient(parseStoreUrl(url));
  t.teardown(() => client.close());
  const fetched: number[] = [];
  const tsv = client.tsv.bind(client);
  client.tsv = async (sql, settings) => {
    const rows = await tsv(sql, settings);
    fetched.push(rows.length);
    return rows;
  };
  const result = await traceStore(client, await checkSchema(client), { instanceId: id });
  t.equal(result.records.length, 71);
  t.ok(fetched.length > 0 && Math.max(...fetched) < 100, `no lookup fetched the big request's records (rows a lookup: ${fetched.join(', ')})`);
});
