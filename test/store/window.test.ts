/**
 * `--request-window` from the store: a compute log of several MiB over ten hours holds one record
 * of the instance's request eight hours after the instance's own records. The file trace with the
 * default window does not read that stretch (so does not show the record); with `all` it does.
 * The store answers as the file trace does, with each window.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain } from '../cli/fixture/run.js';
import { dropDatabase, storeUrl } from './fixture.js';

const ID = 'c0ffee00-0000-4000-8000-000000000001';
const REQ = 'req-c0ffee00-0000-4000-8000-00000000a001';
const LATE = 'refresh_cache-late';

const stamp = (seconds: number): string => {
  const d = new Date(Date.UTC(2026, 2, 1, 10, 0, 0) + Math.round(seconds * 1000));
  return d.toISOString().replace('T', ' ').replace('Z', '');
};

const dir = mkdtempSync(path.join(tmpdir(), 'it-store-window-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'api-1'));
mkdirSync(path.join(dir, 'cp-1'));
writeFileSync(path.join(dir, 'api-1', 'nova-api.log'), [
  `${stamp(-1)} 11 INFO nova.api.openstack.requestlog [${REQ} 5f1e - - - -] 10.0.0.9 "POST /v2.1/servers" status: 202 len: 412 microversion: 2.79 time: 0.431`,
  '',
].join('\n'));
const compute = [
  `${stamp(0)} 7 INFO nova.compute.claims [${REQ} 5f1e - - - -] [instance: ${ID}] Claim successful on node cp-1`,
  `${stamp(5)} 7 INFO nova.compute.manager [${REQ} 5f1e - - - -] [instance: ${ID}] Took 5.00 seconds to spawn the instance on the hypervisor.`,
  `${stamp(6)} 7 DEBUG oslo_concurrency.lockutils [${REQ} 5f1e - - - -] Lock "compute_resources" released by "nova.compute.resource_tracker.ResourceTracker.instance_claim" :: held 0.010s inner /usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:285`,
];
// Ten hours of the resource tracker (about 4 MiB), and the request's late record at eight hours.
const FILLER = 24_000;
for (let i = 0; i < FILLER; i++) {
  const seconds = 10 + (i * 36_000) / FILLER;
  compute.push(`${stamp(seconds)} 7 DEBUG nova.compute.resource_tracker [-] Auditing locally available compute resources for cp-1 (node: cp-1) update_available_resource /usr/lib/python3/dist-packages/nova/compute/resource_tracker.py:${700 + (i % 97)}`);
  if (i === (FILLER * 8) / 10) compute.push(`${stamp(seconds + 0.5)} 7 DEBUG oslo_concurrency.lockutils [${REQ} 5f1e - - - -] Lock "${LATE}" released :: held 0.002s inner /usr/lib/python3/dist-packages/oslo_concurrency/lockutils.py:285`);
}
writeFileSync(path.join(dir, 'cp-1', 'nova-compute.log'), compute.join('\n') + '\n');

t.test('the store honours --request-window as the file trace does', async (t) => {
  const url = storeUrl('window');
  t.teardown(() => dropDatabase(url));
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const ingest = await runMain(['ingest', dir, '--store', url]);
  t.equal(ingest.status, 0, ingest.stderr);

  const byDefault = await runMain([ID, dir, '--json']);
  const all = await runMain([ID, dir, '--json', '--request-window', 'all']);
  t.notMatch(byDefault.stdout, LATE, 'the file trace skips the far stretch by default');
  t.match(all.stdout, LATE, 'and reads it with all');
  t.match(byDefault.stdout, 'Lock \\"compute_resources\\" released', 'the near record of the request comes either way');

  for (const window of [[], ['--request-window', 'all'], ['--request-window', '9h'], ['--request-window', '30s'], ['--request-window', '0s']]) {
    for (const flags of [['--json'], ['--summary']]) {
      const files = await runMain([ID, dir, ...window, ...flags]);
      const store = await runMain([ID, '--store', url, ...window, ...flags]);
      t.equal(store.stderr, '', `${window.join(' ')} ${flags.join(' ')}: nothing on stderr`);
      t.equal(store.stdout, files.stdout, `${window.join(' ')} ${flags.join(' ')}: same output`);
    }
  }
  t.notMatch((await runMain([ID, '--store', url, '--json'])).stdout, LATE, 'the store leaves it out by default');
  t.match((await runMain([ID, '--store', url, '--json', '--request-window', '9h'])).stdout, LATE, 'and keeps it within 9h');
});
