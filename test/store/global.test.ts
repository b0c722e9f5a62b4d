/**
 * Global request ids from the store: the cloud of test/trace/global-real.test.ts (real oslo.log
 * output of nova, placement, glance, neutron and cinder under a client's global id, a compute
 * request id as neutron's global id, a Heat stack's shared global id) ingested into a real
 * ClickHouse; the store trace equals the file trace for each instance, pass 3 included (the
 * neutron record that carries only its own request id).
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain } from '../cli/fixture/run.js';
import { writeOsloCloud } from '../trace/fixture/oslo-cloud.js';
import { GLOBAL_CLOUD, W, X, Y, Z } from '../trace/fixture/global-cloud.js';
import { CLUSTER, dropDatabase, storeUrl } from './fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'it-store-global-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeOsloCloud(dir, GLOBAL_CLOUD);

const PASS3 = 'Current status of the port';

for (const cluster of [false, true]) {
  t.test(`global request ids: file trace = store trace${cluster ? ' (2-shard cluster)' : ''}`, async (t) => {
    const url = storeUrl(cluster ? 'global_c' : 'global');
    const shard = storeUrl(cluster ? 'global_c' : 'global', true);
    t.teardown(async () => {
      await dropDatabase(url);
      if (cluster) await dropDatabase(shard);
    });
    const init = await runMain(['store', 'init', '--store', url, ...(cluster ? ['--cluster', CLUSTER, '--shard', shard] : [])]);
    t.equal(init.status, 0, init.stderr);
    const ingest = await runMain(['ingest', dir, '--store', url]);
    t.equal(ingest.status, 0, ingest.stderr);
    for (const id of [X, W, Y, Z]) {
      for (const flags of [['--json'], ['--summary', '--json'], [], ['--request-window', 'all', '--json'], ['--no-requests', '--json']]) {
        const files = await runMain([id, dir, ...flags]);
        const store = await runMain([id, '--store', url, ...flags]);
        t.equal(store.stderr, '', `${id} ${flags.join(' ')}: nothing on stderr`);
        t.equal(store.status, files.status, `${id} ${flags.join(' ')}: same status`);
        t.equal(store.stdout, files.stdout, `${id} ${flags.join(' ')}: same output`);
      }
    }
    // Pass 3 is what brings the neutron record without the global id.
    const x = await runMain([X, '--store', url]);
    t.match(x.stdout, PASS3, 'the record found by its own request id (pass 3)');
    t.notMatch((await runMain([X, '--store', url, '--no-requests'])).stdout, PASS3);
  });
}
