import t from 'tap';
import { BASE, BASE_PATH, cache, ID, IMAGE, OTHER, rec, timeline, traceRecords } from './fixture/build.js';
import { MAX_OWN_REQUEST_RECORDS } from '../../src/trace/requests.js';

const REQ_BUILD = 'req-00000000-0000-4000-8000-000000000001';
const REQ_LIFECYCLE = 'req-00000000-0000-4000-8000-00000000000f';
const REQ_DELETE = 'req-00000000-0000-4000-8000-000000000002';
const REQ_PERIODIC = 'req-00000000-0000-4000-8000-0000000000aa';

t.test('each why: tagged, mentioned, request (own request only) and cache', async (t) => {
  const records = [
    rec({ at: '09:00:00', host: 'controller', service: 'nova-api', requestId: REQ_BUILD, message: 'POST /v2.1/servers HTTP/1.1 status: 202' }),
    rec({ at: '09:00:01', host: 'controller', service: 'nova-scheduler', requestId: REQ_BUILD, message: 'Selected host cp-1' }),
    rec({ at: '09:00:02', requestId: REQ_BUILD, instanceId: ID, message: 'Claim successful', imageId: IMAGE }),
    rec({ at: '09:00:03', requestId: REQ_PERIODIC, message: `image ${IMAGE} at (${BASE_PATH}): checking`, cache: cache('check', BASE_PATH, IMAGE) }),
    rec({ at: '09:00:04', host: 'controller', service: 'nova-api', requestId: 'req-00000000-0000-4000-8000-0000000000e0', message: `Creating event network-vif-plugged for instance ${ID}` }),
    rec({ at: '09:00:05', requestId: REQ_BUILD, instanceId: OTHER, message: 'unrelated instance, other request id' }),
    rec({ at: '09:00:06', requestId: REQ_BUILD, instanceId: ID, message: 'Instance spawned' }),
  ];
  // The record tagged OTHER shares REQ_BUILD: that makes REQ_BUILD shared. Rebuild without it.
  const own = records.filter((r) => r.instanceId !== OTHER);
  const result = traceRecords(own);
  t.same(timeline(result), [
    'request controller POST /v2.1/servers HTTP/1.1 status: 202',
    'request controller Selected host cp-1',
    'tagged cp-1 Claim successful',
    `cache cp-1 image ${IMAGE} at (${BASE_PATH}): checking`,
    `mentioned controller Creating event network-vif-plugged for instance ${ID}`,
    'tagged cp-1 Instance spawned',
  ]);
  t.same(result.requestIds.sort(), [REQ_BUILD, 'req-00000000-0000-4000-8000-0000000000e0'].sort());

  const shared = traceRecords(records);
  t.notOk(timeline(shared).some((l) => l.includes('POST') || l.includes('unrelated')), 'a request that tags another instance is not expanded');
  t.same(shared.sharedRequestIds, [REQ_BUILD]);
});

t.test('a request id shared by many instances (lifecycle handler) is never expanded', async (t) => {
  const records = [];
  for (let i = 0; i < 300; i++) {
    const other = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    records.push(rec({ at: `09:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, requestId: REQ_LIFECYCLE, instanceId: other, message: 'VM Started (Lifecycle Event)' }));
  }
  records.push(rec({ at: '09:10:00', requestId: REQ_LIFECYCLE, instanceId: ID, message: 'VM Started (Lifecycle Event)' }));
  records.push(rec({ at: '09:10:01', requestId: REQ_LIFECYCLE, message: 'Syncing power states: 301 instances' }));
  const result = traceRecords(records);
  t.same(timeline(result), ['tagged cp-1 VM Started (Lifecycle Event)']);
  t.same(result.sharedRequestIds, [REQ_LIFECYCLE]);
  t.same(result.requestIds, []);
});

t.test('an instance named only in a URL of another request makes that request shared', async (t) => {
  const req = 'req-00000000-0000-4000-8000-0000000000b0';
  const records = [
    rec({ at: '09:00:00', host: 'controller', service: 'nova-api', requestId: req, message: `GET /v2.1/servers/${ID} HTTP/1.1` }),
    rec({ at: '09:00:01', host: 'controller', service: 'nova-api', requestId: req, message: `GET /v2.1/servers/${OTHER} HTTP/1.1` }),
    rec({ at: '09:00:02', host: 'controller', service: 'nova-api', requestId: req, message: 'policy check done' }),
  ];
  t.same(timeline(traceRecords(records)), [`mentioned controller GET /v2.1/servers/${ID} HTTP/1.1`]);
});

t.test('image and port uuids in a request do not make it shared', async (t) => {
  const records = [
    rec({ at: '09:00:00', requestId: REQ_BUILD, instanceId: ID, message: 'Creating image' }),
    rec({ at: '09:00:01', requestId: REQ_BUILD, message: `Fetching image ${IMAGE} for port 3b1f0a3e-5d4c-4b2a-9e8f-7a6b5c4d3e2f` }),
  ];
  t.same(timeline(traceRecords(records)).map((l) => l.split(' ')[0]), ['tagged', 'request']);
});

t.test('--no-requests keeps only tagged and mentioned records', async (t) => {
  const records = [
    rec({ at: '09:00:00', host: 'controller', service: 'nova-api', requestId: REQ_BUILD, message: 'POST /servers' }),
    rec({ at: '09:00:02', requestId: REQ_BUILD, instanceId: ID, message: 'Claim successful' }),
  ];
  t.same(timeline(traceRecords(records, { requests: false })), ['tagged cp-1 Claim successful']);
});

t.test('reschedule after a failed build with a traceback: two stays, the traceback stays with its record', async (t) => {
  const traceback = ['Traceback (most recent call last):', '  File "nova/compute/manager.py", line 2218, in _build_resources', 'BuildAbortException: Build of instance aborted: disk full'];
  const records = [
    rec({ at: '09:00:01', host: 'cp-1', requestId: REQ_BUILD, instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:00:05', host: 'cp-1', requestId: REQ_BUILD, instanceId: ID, level: 'error', message: 'Instance failed to spawn', traceback }),
    rec({ at: '09:00:06', host: 'cp-1', requestId: REQ_BUILD, instanceId: ID, message: 'Build of instance was re-scheduled: disk full' }),
    rec({ at: '09:00:08', host: 'cp-2', requestId: REQ_BUILD, instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:00:20', host: 'cp-2', requestId: REQ_BUILD, instanceId: ID, message: 'Instance spawned successfully.' }),
  ];
  const result = traceRecords(records);
  t.same(result.stays.map((s) => [s.host, new Date(s.first).toISOString(), new Date(s.last).toISOString()]), [
    ['cp-1', '2026-03-02T09:00:01.000Z', '2026-03-02T09:00:06.000Z'],
    ['cp-2', '2026-03-02T09:00:08.000Z', '2026-03-02T09:00:20.000Z'],
  ]);
  const failed = result.records.find((r) => r.record.message === 'Instance failed to spawn');
  t.same(failed?.record.traceback, traceback);
  t.equal(failed?.record.source.lines, 4);
});

t.test('migration: interleaved source and destination make two overlapping visits; a return is a new visit', async (t) => {
  const records = [
    rec({ at: '09:00:00', host: 'cp-2', instanceId: ID, message: 'Instance spawned successfully.' }),
    rec({ at: '10:00:00', host: 'cp-2', instanceId: ID, message: 'Starting live migration to cp-3' }),
    rec({ at: '10:00:01', host: 'cp-3', instanceId: ID, message: 'pre_live_migration' }),
    rec({ at: '10:00:09', host: 'cp-2', instanceId: ID, message: 'Migration operation has completed' }),
    rec({ at: '10:00:10', host: 'cp-3', instanceId: ID, message: 'post_live_migration_at_destination' }),
    rec({ at: '11:00:00', host: 'controller', service: 'nova-api', instanceId: ID, message: 'tagged on the API: not a stay' }),
    rec({ at: '12:00:00', host: 'cp-3', instanceId: ID, message: 'Starting live migration to cp-2' }),
    rec({ at: '12:00:05', host: 'cp-2', instanceId: ID, message: 'post_live_migration_at_destination' }),
  ];
  const result = traceRecords(records);
  const at = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
  t.same(result.stays.map((s) => `${s.host} ${at(s.first)}-${at(s.last)}`), [
    'cp-2 09:00:00-10:00:09',
    'cp-3 10:00:01-12:00:00',
    'cp-2 12:00:05-12:00:05',
  ]);
  t.same(result.records.map((r) => r.record.host), ['cp-2', 'cp-2', 'cp-3', 'cp-2', 'cp-3', 'controller', 'cp-3', 'cp-2']);
});

t.test('the power-state sync names every instance by "uuid": its request is shared', async (t) => {
  const periodic = 'req-00000000-0000-4000-8000-0000000000cc';
  const records = [
    rec({ at: '09:00:00', requestId: periodic, level: 'debug', message: `Triggering sync for uuid ${ID}` }),
    rec({ at: '09:00:01', requestId: periodic, level: 'debug', message: `Triggering sync for uuid ${OTHER}` }),
    rec({ at: '09:00:02', requestId: periodic, message: 'Auditing locally available compute resources for node cp-1' }),
    rec({ at: '09:00:03', requestId: periodic, message: `image ${IMAGE} at (${BASE_PATH}): checking`, cache: cache('check', BASE_PATH, IMAGE) }),
  ];
  const result = traceRecords(records);
  t.same(timeline(result), [`mentioned cp-1 Triggering sync for uuid ${ID}`]);
  t.same(result.sharedRequestIds, [periodic]);
});

t.test('a request too large to be one instance\'s own is not expanded', async (t) => {
  const periodic = 'req-00000000-0000-4000-8000-0000000000dd';
  const records = [rec({ at: '08:00:00', requestId: periodic, instanceId: ID, message: 'Instance is running' })];
  for (let i = 0; i <= MAX_OWN_REQUEST_RECORDS; i++) records.push(rec({ at: '09:00:00', requestId: periodic, message: `audit ${i}` }));
  const result = traceRecords(records);
  t.equal(result.records.length, 1);
  t.same(result.sharedRequestIds, [periodic]);
});

t.test('"image uuid", "port uuid" are not instances', async (t) => {
  const records = [
    rec({ at: '09:00:00', requestId: REQ_BUILD, instanceId: ID, message: 'Creating image' }),
    rec({ at: '09:00:01', requestId: REQ_BUILD, message: `image uuid ${IMAGE}; port_uuid=${OTHER}` }),
  ];
  t.same(timeline(traceRecords(records)).map((l) => l.split(' ')[0]), ['tagged', 'request']);
});

t.test('base file becomes removable and is removed after the instance left the host', async (t) => {
  const records = [
    rec({ at: '08:59:00', host: 'cp-1', requestId: REQ_PERIODIC, message: `Removing base or swap file: ${BASE_PATH}`, cache: cache('remove', BASE_PATH) }),
    rec({ at: '09:00:01', host: 'cp-1', requestId: REQ_BUILD, instanceId: ID, message: 'Creating image' }),
    rec({ at: '09:00:02', host: 'cp-1', requestId: REQ_BUILD, message: `Fetching image ${IMAGE} to ${BASE_PATH}.part`, cache: cache('fetch', BASE_PATH, IMAGE) }),
    rec({ at: '09:00:03', host: 'cp-1', requestId: REQ_BUILD, message: `qemu-img convert -O raw ${BASE_PATH}.part ${BASE_PATH}.converted`, cache: cache('convert', BASE_PATH) }),
    rec({ at: '09:00:05', host: 'cp-1', requestId: REQ_BUILD, instanceId: ID, level: 'error', message: 'Instance failed to spawn' }),
    rec({ at: '09:00:08', host: 'cp-2', requestId: REQ_BUILD, instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:40:00', host: 'cp-1', requestId: REQ_PERIODIC, message: `Removable base files: ${BASE_PATH} /x/_base/ffffffffffffffffffffffffffffffffffffffff`, cache: cache('unused', BASE_PATH, null, [BASE_PATH, '/x/_base/ffffffffffffffffffffffffffffffffffffffff']) }),
    rec({ at: '09:40:01', host: 'cp-1', requestId: REQ_PERIODIC, message: 'Removing base or swap file: /x/_base/ffffffffffffffffffffffffffffffffffffffff', cache: cache('remove', '/x/_base/ffffffffffffffffffffffffffffffffffffffff') }),
    rec({ at: '09:40:02', host: 'cp-1', requestId: REQ_PERIODIC, message: `Base or swap file too young to remove: ${BASE_PATH}`, cache: cache('too_young', BASE_PATH) }),
    rec({ at: '10:20:00', host: 'cp-1', requestId: REQ_PERIODIC, message: `Removing base or swap file: ${BASE_PATH}`, cache: cache('remove', BASE_PATH) }),
    rec({ at: '10:30:00', host: 'cp-1', requestId: REQ_PERIODIC, message: `image ${IMAGE} at (${BASE_PATH}): checking`, cache: cache('check', BASE_PATH, IMAGE) }),
  ];
  const result = traceRecords(records);
  t.same(timeline(result), [
    'tagged cp-1 Creating image',
    `request cp-1 Fetching image ${IMAGE} to ${BASE_PATH}.part`,
    `request cp-1 qemu-img convert -O raw ${BASE_PATH}.part ${BASE_PATH}.converted`,
    'tagged cp-1 Instance failed to spawn',
    'tagged cp-2 Claim successful',
    `cache cp-1 Removable base files: ${BASE_PATH} /x/_base/ffffffffffffffffffffffffffffffffffffffff`,
    `cache cp-1 Base or swap file too young to remove: ${BASE_PATH}`,
    `cache cp-1 Removing base or swap file: ${BASE_PATH}`,
  ]);
  const cp1 = result.images.find((i) => i.host === 'cp-1');
  t.same(cp1?.imageIds, [IMAGE]);
  t.same(cp1?.baseFiles, [BASE]);
  t.equal(cp1?.lastAction?.action, 'remove');
  t.equal(cp1?.unattributed, false);
  // The removal line names no image: the SHA-1 rule ties it.
  const removal = result.records.find((r) => r.record.cache?.action === 'remove');
  t.equal(removal?.record.cache?.imageId, IMAGE);
});

t.test('the image known on one host holds on every host', async (t) => {
  const records = [
    rec({ at: '09:00:01', host: 'cp-1', instanceId: ID, imageId: IMAGE, message: 'Creating image' }),
    rec({ at: '09:10:00', host: 'cp-2', instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:50:00', host: 'cp-2', message: `Active base files: ${BASE_PATH}`, cache: cache('active', BASE_PATH, null, [BASE_PATH]) }),
    rec({ at: '09:50:01', host: 'cp-2', message: 'Active base files: /x/_base/ffffffffffffffffffffffffffffffffffffffff', cache: cache('active', '/x/_base/ffffffffffffffffffffffffffffffffffffffff', null, ['/x/_base/ffffffffffffffffffffffffffffffffffffffff']) }),
    rec({ at: '09:50:02', host: 'cp-9', message: `Active base files: ${BASE_PATH}`, cache: cache('active', BASE_PATH, null, [BASE_PATH]) }),
  ];
  t.same(timeline(traceRecords(records)), [
    'tagged cp-1 Creating image',
    'tagged cp-2 Claim successful',
    `cache cp-2 Active base files: ${BASE_PATH}`,
  ]);
});

t.test('--image names the image when the logs do not', async (t) => {
  const records = [
    rec({ at: '09:00:01', host: 'cp-1', instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:00:02', host: 'cp-1', message: `Unknown base file: ${BASE_PATH}`, cache: cache('unknown', BASE_PATH) }),
    rec({ at: '09:00:03', host: 'cp-1', message: 'Unknown base file: /x/_base/ffffffffffffffffffffffffffffffffffffffff', cache: cache('unknown', '/x/_base/ffffffffffffffffffffffffffffffffffffffff') }),
  ];
  t.same(timeline(traceRecords(records, { imageIds: [IMAGE] })), ['tagged cp-1 Claim successful', `cache cp-1 Unknown base file: ${BASE_PATH}`]);
});

t.test('image unknown: the host cache actions during the stay, marked unattributed', async (t) => {
  const other = '/x/_base/ffffffffffffffffffffffffffffffffffffffff';
  const records = [
    rec({ at: '08:00:00', host: 'cp-1', message: `Active base files: ${other}`, cache: cache('active', other, null, [other]) }),
    rec({ at: '09:00:01', host: 'cp-1', instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:00:02', host: 'cp-1', message: `Active base files: ${other}`, cache: cache('active', other, null, [other]) }),
    rec({ at: '09:00:03', host: 'cp-1', instanceId: ID, message: 'Terminating instance' }),
    rec({ at: '09:00:04', host: 'cp-1', message: `Removing base or swap file: ${other}`, cache: cache('remove', other) }),
  ];
  const result = traceRecords(records);
  t.same(timeline(result), ['tagged cp-1 Claim successful', `cache? cp-1 Active base files: ${other}`, 'tagged cp-1 Terminating instance']);
  t.equal(result.images[0]?.unattributed, true);
  t.same(traceRecords(records, { cache: false }).records.length, 2, '--no-cache');
});

t.test('records found by both passes appear once, with the stronger why', async (t) => {
  const records = [
    rec({ at: '09:00:01', requestId: REQ_DELETE, instanceId: ID, message: 'Terminating instance' }),
    rec({ at: '09:00:02', requestId: REQ_DELETE, message: 'Deleted allocations' }),
  ];
  const result = traceRecords(records);
  t.same(timeline(result), ['tagged cp-1 Terminating instance', 'request cp-1 Deleted allocations']);
});

t.test('time order across hosts; a record without time stays after the one before it in its source', async (t) => {
  const records = [
    rec({ at: '09:00:05', host: 'cp-1', instanceId: ID, message: 'b' }),
    rec({ host: 'cp-1', message: `no time, mentions ${ID}` }),
    rec({ at: '09:00:01', host: 'cp-2', instanceId: ID, message: 'a' }),
    rec({ at: '09:00:06', host: 'cp-2', instanceId: ID, message: 'c' }),
  ];
  t.same(traceRecords(records).records.map((r) => r.record.message), ['a', 'b', `no time, mentions ${ID}`, 'c']);
});

t.test('--since and --until cut the timeline by time', async (t) => {
  const records = [
    rec({ at: '09:00:00', instanceId: ID, message: 'a' }),
    rec({ at: '10:00:00', instanceId: ID, message: 'b' }),
    rec({ at: '11:00:00', instanceId: ID, message: 'c' }),
  ];
  const since = Date.parse('2026-03-02T09:30:00Z');
  const until = Date.parse('2026-03-02T10:30:00Z');
  t.same(traceRecords(records, { since, until }).records.map((r) => r.record.message), ['b']);
  t.same(traceRecords(records, { since }).records.map((r) => r.record.message), ['b', 'c']);
});

t.test('nothing about the instance: empty result', async (t) => {
  const result = traceRecords([rec({ at: '09:00:00', instanceId: OTHER, message: 'x' })]);
  t.same(result.records, []);
  t.same(result.stays, []);
});

t.test('a uuid inside a longer word is not a mention; case does not matter', async (t) => {
  const records = [
    rec({ at: '09:00:00', message: `GET /servers/${ID.toUpperCase()}` }),
  ];
  t.same(timeline(traceRecords(records)), [`mentioned cp-1 GET /servers/${ID.toUpperCase()}`]);
});

t.test('read-only API calls are complete in their access line: not followed', async (t) => {
  const poll = 'req-00000000-0000-4000-8000-0000000000ee';
  const records = [
    rec({ at: '09:00:00', host: 'controller', service: 'nova-api', requestId: poll, message: `10.0.0.1 "GET /v2.1/p/servers/${ID} HTTP/1.1" status: 200 len: 1708 time: 0.19` }),
    rec({ at: '09:00:00', host: 'controller', service: 'nova-api', requestId: poll, level: 'debug', message: 'policy check os_compute_api:servers:show passed' }),
  ];
  const result = traceRecords(records);
  t.same(timeline(result), [`mentioned controller 10.0.0.1 "GET /v2.1/p/servers/${ID} HTTP/1.1" status: 200 len: 1708 time: 0.19`]);
  t.same(result.requestIds, []);
  // The same request is followed when another of its records names the instance.
  const tagged = [...records, rec({ at: '09:00:01', host: 'controller', service: 'nova-api', requestId: poll, instanceId: ID, message: 'fetched' })];
  t.equal(traceRecords(tagged).records.length, 3);
});
