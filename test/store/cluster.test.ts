/**
 * A 2-shard cluster (two servers of scripts/test-services.sh, cluster `it_two` in their
 * remote_servers config): store init makes local and Distributed tables on each shard; ingest
 * through either shard spreads records over both; the trace from either shard equals the file trace.
 */
import t from 'tap';
import { runMain } from '../cli/fixture/run.js';
import { CLUSTER, count, dropDatabase, storeUrl } from './fixture.js';

const one = storeUrl('cluster');
const two = storeUrl('cluster', true);
t.teardown(async () => {
  await dropDatabase(one);
  await dropDatabase(two);
});

const DIRS = ['fixtures/cloud', '../shared/corpora/loghub-openstack/collected'];
const IDS: Record<string, string[]> = {
  'fixtures/cloud': ['9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11'],
  '../shared/corpora/loghub-openstack/collected': ['bf8c824d-f099-4433-a41e-e3da7578262e', 'd96a117b-0193-4549-bdcc-63b917273d1d'],
};

t.test('init on both shards, ingest, trace from either shard', async (t) => {
  const init = await runMain(['store', 'init', '--store', one, '--cluster', CLUSTER, '--shard', two]);
  t.equal(init.status, 0, init.stderr);
  t.equal(init.stderr.trimEnd().split('\n').length, 2, 'both shards ready');
  // One corpus through each shard: a Distributed insert places rows by source, whatever shard takes it.
  t.equal((await runMain(['ingest', DIRS[0]!, '--store', one])).status, 0);
  t.equal((await runMain(['ingest', DIRS[1]!, '--store', two])).status, 0);
  const total = await count(one);
  t.equal(await count(two), total, 'both shards see every record');
  const local1 = await count(one, 'records_local');
  const local2 = await count(two, 'records_local');
  t.equal(local1 + local2, total, 'each record on one shard');
  t.ok(local1 > 0 && local2 > 0, `spread over both shards (${local1} + ${local2})`);
  const again = await runMain(['ingest', ...DIRS, '--store', two]);
  t.match(again.stderr, /ingest: 0 records/);
  t.equal(await count(one), total, 're-ingest through the other shard adds nothing');

  for (const dir of DIRS) {
    for (const id of IDS[dir]!) {
      const files = await runMain([id, dir, '--json']);
      for (const url of [one, two]) {
        const store = await runMain([id, '--store', url, '--json']);
        t.equal(store.stderr, '');
        t.equal(store.stdout, files.stdout, `${id} from ${url.includes(String(process.pid)) ? 'a shard' : url}: as from files`);
      }
    }
  }
});

t.test('a cluster the servers do not know: one line', async (t) => {
  const r = await runMain(['store', 'init', '--store', storeUrl('cluster_bad'), '--cluster', 'no_such_cluster']);
  t.equal(r.status, 2);
  t.match(r.stderr, /has no cluster "no_such_cluster" in its remote_servers config/);
  await dropDatabase(storeUrl('cluster_bad'));
});
