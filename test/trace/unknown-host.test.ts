/**
 * A compute log given as a bare file names no host (oslo text has no host field, and no
 * `<root>/<host>/` folder says it): the instance must still have a stay there, and the image
 * cache manager's lines in that log must still link to it.
 */
import t from 'tap';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import { runTrace } from '../../src/trace/run.js';
import { UNKNOWN_HOST } from '../../src/trace/stays.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const LOG = 'fixtures/loghub-openstack/collected/cp-1/nova-compute.log';

t.test('a bare compute log: one stay on the unknown host, and its cache lines during the stay', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'it-bare-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'nova-compute.log');
  copyFileSync(LOG, file);
  const { sources } = await discoverSources([file]);
  t.equal(sources[0]?.host, null, 'a bare file names no host');

  const result = await runTrace(sources, { instanceId: ID, report: new SourceReport() });
  t.equal(result.stays.length, 1);
  t.equal(result.stays[0]?.host, UNKNOWN_HOST);
  const cacheRecords = result.records.filter((r) => r.why === 'cache');
  t.ok(cacheRecords.length > 0, 'cache-manager lines are linked');
  t.ok(cacheRecords.every((r) => r.record.host === null), 'the records keep their host unknown (null in --json)');

  // Independently: the cache lines of the file inside the instance's stay.
  const stay = result.stays[0]!;
  const expected = readFileSync(LOG, 'utf8').split('\n').filter((line) => {
    if (!line.includes('nova.virt.libvirt.imagecache')) return false;
    const time = Date.parse(line.slice(0, 23).replace(' ', 'T') + 'Z');
    return time >= stay.first && time <= stay.last;
  });
  t.equal(cacheRecords.length, expected.length, 'every cache-manager line during the stay, no more');
});
