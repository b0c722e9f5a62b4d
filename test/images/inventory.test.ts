/**
 * The image cache state machine on real wordings (../shared/nova-wordings.md; Nova's
 * imagecache.py, conductor and compute managers, libvirt driver), parsed by the records layer
 * exactly as the command reads them, and on our own logger's log.cache() events.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { assembleBlock } from '../../src/records/assemble.js';
import type { LogRecord } from '../../src/records/record.js';
import { createLogger } from '../../src/logger/index.js';
import {
  AGGREGATE_PLACEHOLDER, ImageCacheInventory, MAX_PROOF_LINES, MAX_REQUESTS, precachePlan, selectImages, type ImagesResult,
} from '../../src/images/inventory.js';

const IMG = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const IMG2 = 'c2f1e9a4-6b1d-4e0f-9a57-2d8e3b4c5f60';
const SHA = 'a489c868f0c37da93b76227c91bb03908ac0e742';
const SHA2 = createHash('sha1').update(IMG2).digest('hex');
const BASE = `/var/lib/nova/instances/_base/${SHA}`;
const BASE2 = `/var/lib/nova/instances/_base/${SHA2}`;
const INST = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const INST2 = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const PERIODIC = 'req-addc1839-2ed5-4778-b57e-5854eb7b8b09';
const BUILD = 'req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5';
const BUILD2 = 'req-1d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f80';

/** One oslo.log line as Nova writes it: `time pid LEVEL logger [request block] message`. */
function oslo(time: string, level: string, logger: string, request: string, message: string): string {
  return `2026-03-02 ${time} 2931 ${level} ${logger} [${request === '-' ? '-' : `${request} - - - - -`}] ${message}`;
}
const cache = (time: string, message: string, level = 'INFO', request = PERIODIC): string => oslo(time, level, 'nova.virt.libvirt.imagecache', request, message);

/** Records of one host's log, parsed as the command parses them. */
function records(host: string, lines: string[], file = `${host}/nova-compute.log`): LogRecord[] {
  return assembleBlock({ source: { path: file, display: file, host, service: 'nova-compute', gzip: false, size: null }, firstLine: 1, lines });
}

function inventoryOf(...hosts: LogRecord[][]): ImagesResult {
  const inventory = new ImageCacheInventory();
  for (const host of hosts) for (const record of host) inventory.add(record);
  return inventory.finish();
}

t.test('master wording: removed, then fetched again on the same host', async (t) => {
  const result = inventoryOf(records('cp-1', [
    oslo('09:00:01.750', 'INFO', 'nova.virt.libvirt.imagebackend', BUILD, `Fetching image ${IMG} to ${BASE}`),
    oslo('09:00:04.310', 'INFO', 'nova.virt.images', BUILD, `${IMG} was qcow2, converting to raw`),
    cache('09:40:00.100', `image ${IMG} at (${BASE}): checking`),
    cache('09:40:00.101', `image ${IMG} at (${BASE}): image is not in use`, 'DEBUG'),
    cache('10:20:00.101', `Removable base files: ${BASE}`),
    cache('10:20:00.102', `Removing base, swap or ephemeral file: ${BASE}`),
    oslo('10:30:00.000', 'INFO', 'nova.virt.libvirt.imagebackend', BUILD2, `Fetching image ${IMG} to ${BASE}.part`),
  ]));
  t.equal(result.baseFiles.length, 1);
  const [file] = result.baseFiles;
  t.match(file, { host: 'cp-1', imageId: IMG, baseFile: BASE, state: 'present', fetches: 2, removedAt: null });
  t.equal(file!.firstSeen, Date.UTC(2026, 2, 2, 9, 0, 1, 750));
  t.equal(file!.lastSeen, Date.UTC(2026, 2, 2, 10, 30));
  t.same(result.anomalies.map((a) => a.type), ['refetched']);
  const [refetch] = result.anomalies;
  t.match(refetch!.detail, /^fetched 2 times; removed 1 time/);
  t.same(refetch!.source.map((p) => p.line), [6, 7], 'the removal and the fetch that followed it');
  t.equal(refetch!.source[0]!.text, `Removing base, swap or ephemeral file: ${BASE}`);
  t.same(result.hosts, ['cp-1']);
});

t.test('22.x wording: a removal leaves the file removed, with its time', async (t) => {
  const result = inventoryOf(records('cp-2', [
    cache('10:40:00.120', `image - at (${BASE}): image is not in use`),
    cache('10:40:00.125', `Base or swap file too young to remove: ${BASE}`),
    cache('11:20:00.130', `Removing base or swap file: ${BASE}`),
  ]));
  t.match(result.baseFiles[0], { state: 'removed', removedAt: Date.UTC(2026, 2, 2, 11, 20, 0, 130), fetches: 0, imageId: null, removable: false });
  t.same(result.anomalies, [], 'one removal of an unused file is no anomaly');
  // Once the image id turns up anywhere, the SHA-1 rule ties the file to it.
  const inventory = new ImageCacheInventory();
  inventory.noteImage(IMG.toUpperCase());
  for (const r of records('cp-2', [cache('11:20:00.130', `Removing base or swap file: ${BASE}`)])) inventory.add(r);
  t.equal(inventory.finish().baseFiles[0]!.imageId, IMG);
});

t.test('15.x wording: called in use and removed in the same pass', async (t) => {
  const result = inventoryOf(records('cp-1', [
    cache('00:00:15.141', `image ${IMG} at (${BASE}): checking`),
    cache('00:00:15.142', `image ${IMG} at (${BASE}): in use: on this node 1 local, 0 on other nodes sharing this instance storage`),
    cache('00:00:15.349', `Removing base or swap file: ${BASE}`),
  ]));
  t.same(result.anomalies.map((a) => a.type), ['removed_in_use']);
  t.same(result.anomalies[0]!.source.map((p) => p.line), [2, 3]);
  t.match(result.anomalies[0]!.detail, /same cache-manager pass/);
  // The next pass (seconds later, a verdict of its own) is not the same pass.
  const later = inventoryOf(records('cp-1', [
    cache('00:00:15.142', `image ${IMG} at (${BASE}): in use: on this node 1 local, 0 on other nodes sharing this instance storage`),
    cache('00:00:20.345', `Unknown base file: ${BASE}`, 'WARNING'),
    cache('00:00:20.349', `Removing base or swap file: ${BASE}`),
  ]));
  t.same(later.anomalies.map((a) => a.type), ['unknown_base']);
  t.match(later.baseFiles[0], { state: 'removed' });
});

t.test('an absent base file in use (15.x)', async (t) => {
  const result = inventoryOf(records('cp-1', [
    cache('00:00:15.142', `image ${IMG} at (None): warning -- an absent base file is in use! instances: instance-00000001`, 'WARNING'),
  ]));
  t.match(result.baseFiles[0], { state: 'absent', baseFile: SHA, imageId: IMG });
  t.match(result.anomalies[0], { type: 'removed_in_use', detail: 'Nova: an absent base file is in use' });
});

t.test('backed-by lines: the instances using a file, and one still using it after its removal', async (t) => {
  const result = inventoryOf(records('cp-1', [
    cache('09:00:00.010', `Instance ${INST} is backed by ${SHA}`, 'DEBUG'),
    cache('09:00:00.011', `Instance ${INST2} is backed by ${SHA2}_20`, 'DEBUG'),
    cache('09:00:00.100', `image ${IMG} at (${BASE}): checking`),
    cache('09:40:00.102', `Removing base or swap file: ${BASE}`),
    cache('10:20:00.010', `Instance ${INST} is backed by ${SHA}`, 'DEBUG'),
    cache('11:00:00.010', `Instance ${INST} is backed by ${SHA}`, 'DEBUG'),
  ]));
  const [resized, file] = [...result.baseFiles].sort((a, b) => a.baseFile.length - b.baseFile.length);
  t.match(file, { baseFile: BASE, state: 'removed', instances: [INST] }, 'a backing line is no proof the file is there');
  t.match(resized, { baseFile: `${SHA2}_20`, resizedGb: 20, instances: [INST2], imageId: null });
  t.same(result.anomalies.map((a) => [a.type, a.count, a.instances]), [['removed_in_use', 1, [INST]]], 'raised once per removal');
  t.same(result.anomalies[0]!.source.map((p) => p.line), [4, 5]);
  // A resized copy belongs to its image once the id is known.
  const inventory = new ImageCacheInventory();
  inventory.noteImage(IMG2);
  for (const r of records('cp-1', [cache('09:00:00.011', `Instance ${INST2} is backed by ${SHA2}_20`, 'DEBUG')])) inventory.add(r);
  t.equal(inventory.finish().baseFiles[0]!.imageId, IMG2);
});

t.test("the WARNING wording: an instance using a backing file Glance does not explain", async (t) => {
  const result = inventoryOf(records('cp-1', [
    cache('09:00:00.100', `image ${IMG} at (${BASE}): checking`),
    cache('09:40:00.102', `Removing base, swap or ephemeral file: ${BASE}`),
    cache('10:20:00.020', `Instance ${INST} is using a backing file ${SHA} which does not appear in the image service`, 'WARNING'),
  ]));
  t.match(result.baseFiles[0], { baseFile: BASE, state: 'removed', instances: [INST] }, 'the warning names a user, not a presence');
  t.same(result.anomalies.map((a) => a.type), [], 'a user first seen after the removal proves nothing about it');
  const inUse = inventoryOf(records('cp-1', [
    cache('09:00:00.010', `Instance ${INST} is using a backing file ${SHA} which does not appear in the image service`, 'WARNING'),
    cache('09:40:00.102', `Removing base, swap or ephemeral file: ${BASE}`),
    cache('10:20:00.020', `Instance ${INST} is using a backing file ${SHA} which does not appear in the image service`, 'WARNING'),
  ]));
  t.same(inUse.anomalies.map((a) => [a.type, a.instances]), [['removed_in_use', [INST]]]);
});

t.test('present again after a removal with no fetch line: a fetch inferred, refetched', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    const s = String(10 + i * 10).padStart(2, '0');
    lines.push(cache(`00:00:${s}.100`, `image ${IMG} at (${BASE}): checking`));
    lines.push(cache(`00:00:${s}.500`, `Removing base or swap file: ${BASE}`));
  }
  const result = inventoryOf(records('cp-1', lines));
  t.match(result.baseFiles[0], { state: 'removed', fetches: 7 });
  const [a] = result.anomalies;
  t.match(a, { type: 'refetched', count: 7 });
  t.match(a!.detail, /fetched 7 times \(7 inferred: present again after a removal, no fetch line\); removed 8 times/);
  t.equal(a!.source.length, MAX_PROOF_LINES, 'the first proving lines, the rest counted');
});

t.test('a fetch lock on a file already there is a cache hit; another request fetching it again is a refetch', async (t) => {
  const lock = (time: string, request: string) => oslo(time, 'DEBUG', 'oslo_concurrency.lockutils', request,
    `Lock "${SHA}" acquired by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: waited 0.000s`);
  const hit = inventoryOf(records('cp-1', [
    lock('09:00:01.000', BUILD),
    oslo('09:00:01.750', 'INFO', 'nova.virt.libvirt.imagebackend', BUILD, `Fetching image ${IMG} to ${BASE}`),
    lock('09:30:00.000', BUILD2),
  ]));
  t.match(hit.baseFiles[0], { fetches: 1, state: 'present' });
  t.same(hit.anomalies, []);
  const again = inventoryOf(records('cp-1', [
    oslo('09:00:01.750', 'INFO', 'nova.virt.libvirt.imagebackend', BUILD, `Fetching image ${IMG} to ${BASE}`),
    oslo('09:30:01.750', 'INFO', 'nova.virt.libvirt.imagebackend', BUILD2, `Fetching image ${IMG} to ${BASE}`),
  ]));
  t.match(again.baseFiles[0], { fetches: 2 });
  t.match(again.anomalies[0], { type: 'refetched' });
  t.match(again.anomalies[0]!.detail, /^fetched 2 times: /);
});

t.test('a removal that failed; a swap file is no image', async (t) => {
  const result = inventoryOf(records('cp-3', [
    cache('09:00:00.100', `Failed to remove ${BASE}, error was [Errno 13] Permission denied: '${BASE}'`, 'ERROR'),
    cache('09:00:00.200', 'swap_512 swap image was used by instance but no back files existing!', 'WARNING'),
  ]));
  t.match(result.anomalies, [{ type: 'removal_failed', host: 'cp-3', detail: `[Errno 13] Permission denied: '${BASE}'` }]);
  t.equal(result.anomalies.length, 1);
  t.match(result.baseFiles.find((b) => b.kind === 'swap'), { baseFile: 'swap_512', imageId: null });
});

t.test('a pre-cache operation: per image, the hosts that cached it, had it, failed, were skipped', async (t) => {
  const conductor = (time: string, message: string) => oslo(time, 'INFO', 'nova.conductor.manager', BUILD, message);
  const driver = (time: string, message: string) => oslo(time, 'INFO', 'nova.virt.libvirt.driver', BUILD, message);
  const result = inventoryOf(
    // The computes' logs first: the order the files are read in does not matter.
    records('cp-1', [driver('12:00:01.000', `Caching image ${IMG} by request`), driver('12:00:01.100', `Image ${IMG2} already cached; updating timestamp`)]),
    records('cp-2', [driver('12:00:01.000', `Image ${IMG} already cached; updating timestamp`), driver('12:00:02.000', `Caching image ${IMG2} by request`)]),
    records('cp-3', [oslo('12:00:03.000', 'ERROR', 'nova.compute.manager', BUILD, `Failed to cache image ${IMG}: Image ${IMG} could not be found.`)]),
    // A compute whose virt driver keeps no image cache (compute/manager.py cache_images, DEBUG).
    records('ironic-1', [oslo('12:00:01.500', 'DEBUG', 'nova.compute.manager', BUILD, 'Virt driver does not support image pre-caching; ignoring request')]),
    records('controller', [
      conductor('12:00:00.000', `Preparing to request pre-caching of image(s) ${IMG},${IMG2} on 5 hosts across 1 cells.`),
      conductor('12:00:00.100', "Skipping image pre-cache request to compute 'cp-4' because it is not up"),
      conductor('12:00:05.000', `Image pre-cache operation for image(s) ${IMG},${IMG2} completed in 5.00 seconds; 2 cached, 2 existing, 1 errors, 1 unsupported, 1 skipped (down) hosts`),
    ], 'controller/nova-conductor.log'),
  );
  t.same(result.precache, [
    { imageId: IMG, time: Date.UTC(2026, 2, 2, 12), completedAt: Date.UTC(2026, 2, 2, 12, 0, 5), cached: ['cp-1'], existing: ['cp-2'], failed: ['cp-3'], skipped: ['cp-4'], unsupported: ['ironic-1'] },
    { imageId: IMG2, time: Date.UTC(2026, 2, 2, 12), completedAt: Date.UTC(2026, 2, 2, 12, 0, 5), cached: ['cp-2'], existing: ['cp-1'], failed: [], skipped: ['cp-4'], unsupported: ['ironic-1'] },
  ]);
  t.same(result.hosts, ['cp-1', 'cp-2', 'cp-3'], 'the conductor host, and a host without an image cache, hold none');
  t.match(result.baseFiles.find((b) => b.host === 'cp-3'), { state: 'absent', imageId: IMG, firstSeen: null });
  t.match(result.baseFiles.find((b) => b.host === 'cp-1' && b.imageId === IMG), { state: 'present', fetches: 1 });
  t.match(result.baseFiles.find((b) => b.host === 'cp-1' && b.imageId === IMG2), { state: 'present', fetches: 0 });
  t.match(result.anomalies, [{ type: 'precache_failed', host: 'cp-3', imageId: IMG, detail: `Image ${IMG} could not be found.` }]);

  t.same(precachePlan(result, [IMG, IMG2]), [
    { imageId: IMG, missingOn: ['cp-3'], command: `openstack --os-compute-api-version 2.81 aggregate cache image ${AGGREGATE_PLACEHOLDER} ${IMG}` },
    { imageId: IMG2, missingOn: ['cp-3'], command: `openstack --os-compute-api-version 2.81 aggregate cache image ${AGGREGATE_PLACEHOLDER} ${IMG2}` },
  ]);
  t.same(precachePlan(result, [IMG.toUpperCase()], { hosts: ['cp-1', 'cp-4'], aggregate: 'fast boot' }), [
    { imageId: IMG, missingOn: ['cp-4'], command: `openstack --os-compute-api-version 2.81 aggregate cache image 'fast boot' ${IMG}` },
  ], 'a name a shell would split is quoted');
  t.same(precachePlan(result, [IMG], { hosts: ['cp-1', 'cp-2'], aggregate: 'agg-1' }), [{ imageId: IMG, missingOn: [], command: null }]);
});

t.test("the conductor's failure count: an anomaly of its host when the compute logs read name fewer", async (t) => {
  const conductor = (time: string, level: string, message: string) => oslo(time, level, 'nova.conductor.manager', BUILD, message);
  const controller = records('controller', [
    conductor('12:00:00.000', 'INFO', `Preparing to request pre-caching of image(s) ${IMG},${IMG2} on 3 hosts across 1 cells.`),
    conductor('12:00:05.000', 'INFO', `Image pre-cache operation for image(s) ${IMG},${IMG2} completed in 5.00 seconds; 1 cached, 2 existing, 3 errors, 0 unsupported, 0 skipped (down) hosts`),
    conductor('12:00:05.001', 'WARNING', `Image pre-cache operation for image ${IMG} failed 2 times`),
    conductor('12:00:05.002', 'WARNING', `Image pre-cache operation for image ${IMG2} failed 1 times`),
  ], 'controller/nova-conductor.log');
  const cp3 = records('cp-3', [oslo('12:00:03.000', 'ERROR', 'nova.compute.manager', BUILD, `Failed to cache image ${IMG}: No space left on device`)]);
  const cp2 = records('cp-2', [oslo('12:00:03.000', 'ERROR', 'nova.compute.manager', BUILD, `Failed to cache image ${IMG2}: No space left on device`)]);
  const result = inventoryOf(cp3, cp2, controller);
  t.same(result.anomalies.map((a) => [a.host, a.type, a.imageId]), [['controller', 'precache_failed', IMG], ['cp-2', 'precache_failed', IMG2], ['cp-3', 'precache_failed', IMG]],
    "IMG2's one failure is cp-2's, named already; IMG's second is nowhere in the logs read");
  t.match(result.anomalies[0], {
    baseFile: null, instances: [], count: 1, source: [{ file: 'controller/nova-conductor.log', line: 3 }],
    detail: "the conductor counted 2 computes failing its pre-cache; the compute logs read name 1 (cp-3): read the others' compute logs for the error",
  });
  t.same(result.hosts, ['cp-2', 'cp-3'], 'the conductor still holds no cache');
  const alone = inventoryOf(controller);
  t.same(alone.anomalies.map((a) => [a.imageId, a.detail.split(';')[0]]), [
    [IMG, 'the conductor counted 2 computes failing its pre-cache'],
    [IMG2, 'the conductor counted 1 compute failing its pre-cache'],
  ]);
  t.match(alone.anomalies[1]!.detail, /the compute logs read name none/);
  t.same(inventoryOf(records('controller', [conductor('12:00:05.001', 'WARNING', `Image pre-cache operation for image ${IMG} failed 2 times`)])).anomalies, [],
    'a count with no request to join proves nothing of an operation');
});

t.test('pre-cache steps with no conductor line: an operation of their own', async (t) => {
  const result = inventoryOf(records('cp-1', [
    oslo('12:00:01.000', 'INFO', 'nova.virt.libvirt.driver', BUILD, `Caching image ${IMG} by request`),
    oslo('12:00:09.000', 'ERROR', 'nova.compute.manager', BUILD, `Failed to cache image ${IMG}: No space left on device`),
  ]));
  t.same(result.precache, [{ imageId: IMG, time: Date.UTC(2026, 2, 2, 12, 0, 1), completedAt: null, cached: [], existing: [], failed: ['cp-1'], skipped: [], unsupported: [] }],
    'a failure is final for the host');
  t.match(result.baseFiles[0], { state: 'present' }, 'it was fetched before the failure: not absent');
});

t.test("our logger's log.cache() events, as JSON", async (t) => {
  const writes: string[] = [];
  let now = Date.UTC(2026, 2, 2, 9);
  const log = createLogger({ name: 'nova.virt.libvirt.imagecache', service: 'nova-compute', host: 'cp-9', format: 'json',
    timestamp: () => `,"time":${now}`, destination: { write: (s: string) => { writes.push(s); } } });
  log.cache('fetch', { image: IMG, baseFile: BASE, instance: INST });
  now += 60_000;
  log.cache('in_use', { image: IMG, baseFile: BASE, local: 1, remote: 0 });
  now += 60_000;
  log.cache('remove', { baseFile: BASE });
  now += 60_000;
  log.cache('error', { baseFile: BASE2, error: new Error('Device or resource busy') });
  now += 60_000;
  log.cache('precache', { image: IMG2 });
  now += 60_000;
  log.cache('check', { image: IMG, baseFile: BASE, instance: INST });
  const lines = writes.join('').split('\n').filter((l) => l !== '');
  const result = inventoryOf(records('cp-9', lines, 'cp-9/app.log'));
  const file = result.baseFiles.find((b) => b.baseFile === BASE);
  t.match(file, { host: 'cp-9', imageId: IMG, state: 'present', fetches: 2, instances: [INST] });
  // The check after the removal finds the file back: refetched; the instance's tagged check is no
  // proof it used the removed file (the file was there again).
  t.same(result.anomalies.map((a) => a.type).sort(), ['refetched', 'removal_failed']);
  t.match(result.anomalies.find((a) => a.type === 'removal_failed'), { detail: 'Device or resource busy', imageId: IMG2 });
  t.match(result.precache, [{ imageId: IMG2, cached: ['cp-9'] }]);
});

t.test('--image and --host select', async (t) => {
  const result = inventoryOf(
    records('cp-1', [cache('09:00:00.100', `image ${IMG} at (${BASE}): checking`), cache('09:00:00.200', `Unknown base file: ${BASE2}`, 'WARNING')]),
    records('cp-2', [cache('09:00:00.100', `Removing base or swap file: ${BASE}_20`)]),
  );
  const byImage = selectImages(result, { images: [IMG.toUpperCase()] });
  t.same(byImage.baseFiles.map((b) => `${b.host} ${b.baseFile}`), [`cp-1 ${BASE}`, `cp-2 ${BASE}_20`], 'resized copies included');
  t.same(byImage.anomalies, []);
  const byHost = selectImages(result, { hosts: ['cp-1'] });
  t.same(byHost.hosts, ['cp-1']);
  t.same(byHost.anomalies.map((a) => a.type), ['unknown_base']);
  t.equal(byHost.baseFiles.length, 2);
  t.same(selectImages(result, {}), result);
});

t.test('records that are no cache-manager line are ignored; untimed lines count but set no times', async (t) => {
  const inventory = new ImageCacheInventory();
  for (const r of records('cp-1', [oslo('09:00:00.000', 'INFO', 'nova.compute.manager', BUILD, 'Took 1.2 seconds to build instance.')])) inventory.add(r);
  t.equal(inventory.cacheLines, 0);
  for (const r of records('cp-1', [`Removing base or swap file: ${BASE}`])) inventory.add(r);
  t.equal(inventory.cacheLines, 1);
  t.match(inventory.finish().baseFiles[0], { state: 'removed', removedAt: null, firstSeen: null });
});

t.test("a build's request ties its untagged fetch lines to its instance, cache hits too", async (t) => {
  const creating = (time: string, request: string, instance: string) => oslo(time, 'INFO', 'nova.virt.libvirt.driver', request, `[instance: ${instance}] Creating image`);
  const lock = (time: string, request: string) => oslo(time, 'DEBUG', 'oslo_concurrency.lockutils', request,
    `Lock "${SHA}" acquired by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: waited 0.000s`);
  const result = inventoryOf(records('cp-1', [
    creating('09:00:01.000', BUILD, INST),
    lock('09:00:01.100', BUILD),
    creating('09:30:00.000', BUILD2, INST2),
    lock('09:30:00.100', BUILD2),
    cache('10:20:00.102', `Removing base or swap file: ${BASE}`),
    // INST is rebuilt on the host after its file went: a new disk, fetched anew, no use of the old file.
    creating('10:30:00.000', 'req-00000000-0000-4000-8000-0000000000c1', INST),
    lock('10:30:00.100', 'req-00000000-0000-4000-8000-0000000000c1'),
    // INST2's disk is still backed by the file.
    cache('11:00:00.010', `Instance ${INST2} is backed by ${SHA}`, 'DEBUG'),
  ]));
  t.match(result.baseFiles[0], { fetches: 2, instances: [INST, INST2].sort(), state: 'present' });
  t.same(result.anomalies.map((a) => a.type), ['refetched'], 'the file was back when INST2 showed: no proof it was removed in use');
  const still = inventoryOf(records('cp-1', [
    creating('09:30:00.000', BUILD2, INST2),
    lock('09:30:00.100', BUILD2),
    cache('10:20:00.102', `Removing base or swap file: ${BASE}`),
    creating('10:30:00.000', 'req-00000000-0000-4000-8000-0000000000c1', INST2),
    cache('11:00:00.010', `Instance ${INST2} is backed by ${SHA}`, 'DEBUG'),
  ]));
  t.match(still.anomalies, [{ type: 'removed_in_use', instances: [INST2], detail: `instance ${INST2} still used it after its removal` }]);
  t.same(still.anomalies[0]!.source.map((p) => p.line), [3, 5], 'the removal, and the backed-by line after it');

  // Only the latest builds are remembered: memory bounded whatever the logs' length.
  const inventory = new ImageCacheInventory();
  const id = (i: number) => `req-${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
  for (let i = 0; i <= MAX_REQUESTS; i++) for (const r of records('cp-1', [creating('09:00:00.000', id(i), INST)])) inventory.add(r);
  for (const r of records('cp-1', [lock('09:00:01.000', id(0)), lock('09:00:02.000', id(MAX_REQUESTS))])) inventory.add(r);
  t.same(inventory.finish().baseFiles[0]!.instances, [INST], 'the newest request still ties');
  const forgotten = new ImageCacheInventory();
  for (let i = 0; i <= MAX_REQUESTS; i++) for (const r of records('cp-1', [creating('09:00:00.000', id(i), INST)])) forgotten.add(r);
  for (const r of records('cp-1', [lock('09:00:01.000', id(0))])) forgotten.add(r);
  t.same(forgotten.finish().baseFiles[0]!.instances, [], 'the oldest was dropped');
});
