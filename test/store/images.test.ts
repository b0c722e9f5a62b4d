/**
 * `instance-trace images --store`: the image cache view from a real ClickHouse answers as the
 * files do — the shipped cloud, the loghub corpus (its thrashing cp-1), and a generated cloud
 * with every anomaly and a pre-cache operation (oslo text, a gzip-rotated set, our logger's
 * JSON, a conductor) — byte for byte, in JSON and text, with the flags that change the answer.
 */
import t, { type Test } from 'tap';
import { rmSync } from 'node:fs';
import { runMain } from '../cli/fixture/run.js';
import { dropDatabase, storeUrl } from './fixture.js';
import { IMAGE_A, IMAGE_B, writeImagesCloud } from '../images/fixture/cloud.js';

const cloud = writeImagesCloud();
t.teardown(() => rmSync(cloud, { recursive: true, force: true }));

async function same(t: Test, url: string, dir: string, flags: string[]): Promise<string> {
  const files = await runMain(['images', dir, ...flags]);
  const store = await runMain(['images', '--store', url, ...flags]);
  t.equal(store.stderr, files.stderr, `${flags.join(' ')}: same stderr`);
  t.equal(store.status, files.status, `${flags.join(' ')}: same status`);
  t.equal(store.stdout, files.stdout, `${flags.join(' ')}: same output`);
  return store.stdout;
}

for (const [name, dir] of [['cloud', 'fixtures/cloud'], ['loghub', 'fixtures/loghub-openstack/collected'], ['anomalies', cloud]] as const) {
  t.test(`${name}: the files' view and the store's identical`, async (t) => {
    const url = storeUrl(`images_${name}`);
    t.teardown(() => dropDatabase(url));
    t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
    const ingest = await runMain(['ingest', dir, '--store', url]);
    t.equal(ingest.status, 0, ingest.stderr);
    const json = await same(t, url, dir, ['--json']);
    t.ok(json.includes('"kind":"base_file"'), 'some base file');
    await same(t, url, dir, []);
    await same(t, url, dir, ['--host', 'cp-1', '--json']);
    await same(t, url, dir, ['--image', IMAGE_A, '--precache', `${IMAGE_A},${IMAGE_B}`, '--aggregate', 'fast-boot']);
    if (name === 'loghub') t.match(json, /"kind":"anomaly","type":"refetched","host":"cp-1"/);
    if (name === 'anomalies') {
      for (const type of ['removed_in_use', 'refetched', 'precache_failed', 'unknown_base', 'removal_failed']) t.match(json, `"type":"${type}"`);
      t.match(json, /"kind":"precache","image_id":"c2f1e9a4[^\n]*"skipped":\["cp-4"\]/);
    }
  });
}

t.test('an empty store: no cache-manager line (1); flags that belong to files refused (2)', async (t) => {
  const url = storeUrl('images_empty');
  t.teardown(() => dropDatabase(url));
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const empty = await runMain(['images', '--store', url]);
  t.equal(empty.status, 1);
  t.equal(empty.stdout, '');
  t.equal(empty.stderr, 'instance-trace: no image cache manager line found\n');
  const fromEnv = await runMain(['images', '--json'], { env: { INSTANCE_TRACE_STORE: url } });
  t.equal(fromEnv.status, 1, 'INSTANCE_TRACE_STORE when no input is given');
  const paths = await runMain(['images', 'fixtures/cloud', '--store', url]);
  t.equal(paths.status, 2);
  t.match(paths.stderr, /--store reads the store: give no paths with it/);
  const tz = await runMain(['images', '--store', url, '--tz', 'Europe/Berlin']);
  t.equal(tz.status, 2);
  t.match(tz.stderr, /with --store, times were read at ingest/);
  const missing = await runMain(['images', '--store', `${url}_none`]);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /has no database .*store init/);
});
