/**
 * A cache-hit instance fetches nothing, so its own records never name its image; the cache
 * manager's `Instance <id> is backed by <base file>` (imagecache.py, DEBUG) does. The trace ties
 * the instance to that base file, so the host's cache lines about it are attributed (C, not C?).
 */
import t from 'tap';
import { assembleBlock } from '../../src/records/assemble.js';
import { ID, IMAGE, BASE, BASE_PATH, timeline, traceRecords } from './fixture/build.js';

const OTHER_BASE = '/var/lib/nova/instances/_base/ffffffffffffffffffffffffffffffffffffffff';
const PERIODIC = 'req-addc1839-2ed5-4778-b57e-5854eb7b8b09';
const BUILD = 'req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';

function cp1(lines: string[]) {
  return assembleBlock({ source: { path: 'cp-1/nova-compute.log', display: 'cp-1/nova-compute.log', host: 'cp-1', service: 'nova-compute', gzip: false, size: null }, firstLine: 1, lines });
}
const line = (time: string, level: string, logger: string, request: string, message: string) =>
  `2026-03-02 ${time} 2931 ${level} ${logger} [${request} - - - - -] ${message}`;

const STAY = [
  line('09:00:01.000', 'INFO', 'nova.compute.claims', BUILD, `[instance: ${ID}] Claim successful on node cp-1`),
  line('09:40:00.100', 'INFO', 'nova.virt.libvirt.imagecache', PERIODIC, `image ${IMAGE} at (${BASE_PATH}): checking`),
  line('09:40:00.200', 'INFO', 'nova.virt.libvirt.imagecache', PERIODIC, `Unknown base file: ${OTHER_BASE}`),
  line('10:00:00.000', 'INFO', 'nova.compute.manager', BUILD, `[instance: ${ID}] Terminating instance`),
];
// The cache manager lists every instance of the host under its periodic request id: shared, never expanded.
STAY.splice(1, 0, line('09:40:00.005', 'DEBUG', 'nova.virt.libvirt.imagecache', PERIODIC, 'Instance 22222222-3333-4444-8555-666666666666 is backed by ffffffffffffffffffffffffffffffffffffffff'));
const BACKED = line('09:40:00.010', 'DEBUG', 'nova.virt.libvirt.imagecache', PERIODIC, `Instance ${ID} is backed by ${BASE}`);

t.test('without a backed-by line: the stay\'s cache lines, unattributed', async (t) => {
  const result = traceRecords(cp1(STAY));
  t.same(timeline(result).filter((l) => l.startsWith('cache')), [
    'cache? cp-1 Instance 22222222-3333-4444-8555-666666666666 is backed by ffffffffffffffffffffffffffffffffffffffff',
    `cache? cp-1 image ${IMAGE} at (${BASE_PATH}): checking`,
    `cache? cp-1 Unknown base file: ${OTHER_BASE}`,
  ]);
  t.equal(result.images[0]?.unattributed, true);
});

t.test('with it: the instance\'s base file and image on that host, its cache lines attributed', async (t) => {
  const result = traceRecords(cp1([STAY[0]!, BACKED, ...STAY.slice(1)]));
  t.same(timeline(result), [
    'tagged cp-1 Claim successful on node cp-1',
    `mentioned cp-1 Instance ${ID} is backed by ${BASE}`,
    `cache cp-1 image ${IMAGE} at (${BASE_PATH}): checking`,
    'tagged cp-1 Terminating instance',
  ], "another file's line is no longer shown");
  t.match(result.images, [{ host: 'cp-1', imageIds: [IMAGE], baseFiles: [BASE], unattributed: false }]);
});

t.test("another instance's backed-by line ties nothing", async (t) => {
  const other = line('09:40:00.010', 'DEBUG', 'nova.virt.libvirt.imagecache', PERIODIC, `Instance 11111111-2222-4333-8444-555555555555 is backed by ${BASE} (${ID} is elsewhere)`);
  const result = traceRecords(cp1([STAY[0]!, other, ...STAY.slice(1)]));
  t.equal(result.images[0]?.unattributed, true);
});

t.test('the WARNING wording (a backing file Glance does not explain) ties it too, at the default log level', async (t) => {
  const warned = line('09:40:00.010', 'WARNING', 'nova.virt.libvirt.imagecache', PERIODIC, `Instance ${ID} is using a backing file ${BASE} which does not appear in the image service`);
  const result = traceRecords(cp1([STAY[0]!, ...STAY.slice(2).filter((l) => !l.includes('Unknown')), warned]));
  t.match(result.images, [{ host: 'cp-1', imageIds: [IMAGE], baseFiles: [BASE], unattributed: false }]);
});
