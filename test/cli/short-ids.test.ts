/**
 * Short ids, as a pager gives them: a prefix of 8+ hex digits (unique → traced and said;
 * several → listed, exit 2; none → exit 1), and a libvirt domain name tied to its UUID by
 * Nova's guest XML record.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLOUD, ID, runMain } from './fixture/run.js';
import { parseIdQuery } from '../../src/trace/resolve-id.js';

const root = mkdtempSync(path.join(tmpdir(), 'it-short-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const A = '7e3f1a2b-0c4d-4e5f-8a9b-0c1d2e3f4a5b';
const B = '7e3f1a2b-9d8c-4b7a-8f6e-5d4c3b2a1f0e';
const oslo = (time: string, instance: string, message: string): string =>
  `2026-03-02 ${time}.000 4242 INFO nova.compute.manager [req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] [instance: ${instance}] ${message}`;

function hostLog(host: string, lines: string[]): void {
  mkdirSync(path.join(root, host), { recursive: true });
  writeFileSync(path.join(root, host, 'nova-compute.log'), `${lines.join('\n')}\n`);
}
hostLog('cp-1', [oslo('09:00:00', A, 'Took 4.2 seconds to spawn the instance on the hypervisor.'), oslo('09:05:00', B, 'Terminating instance')]);
// An image whose id starts as A's and B's do: the cache manager names it, untagged.
const IMAGE = '7e3f1a2b-5555-4aaa-8bbb-cccccccccccc';
hostLog('cp-2', [
  `2026-03-02 10:00:00.000 4242 INFO nova.virt.libvirt.imagecache [req-0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a - - - - -] image ${IMAGE} at (/var/lib/nova/instances/_base/0d029fda8c411bebbbcb695d274c760e74f87a30): checking`,
  oslo('10:00:00', B, 'Attempting claim on node cp-2: memory 512 MB, disk 1 GB, vcpus 1 CPU'),
  // Nova's libvirt driver logs the guest XML with the instance tag (DEBUG, `End _get_guest_xml xml=…`).
  `2026-03-02 10:00:01.000 4242 DEBUG nova.virt.libvirt.driver [req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] [instance: ${B}] End _get_guest_xml xml=<domain type="kvm">`,
  `  <uuid>${B}</uuid>`,
  '  <name>instance-0000002a</name>',
  '</domain> _get_guest_xml /usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py:7521',
]);

t.test('which short forms are ids', async (t) => {
  t.same(parseIdQuery('9a5c0bd0'), { kind: 'prefix', prefix: '9a5c0bd0' });
  t.same(parseIdQuery('9A5C0BD0-8d0e'), { kind: 'prefix', prefix: '9a5c0bd0-8d0e' });
  t.same(parseIdQuery('instance-0000002A'), { kind: 'domain', name: 'instance-0000002a' });
  t.equal(parseIdQuery('9a5c0bd'), null, 'seven digits are too few');
  t.equal(parseIdQuery('9a5c0bd08'), null, 'a ninth digit where the dash goes');
  t.equal(parseIdQuery('zzzzzzzz'), null);
  t.equal(parseIdQuery('instance-2a'), null);
});

t.test('a unique prefix: traced, and stderr says which instance it is', async (t) => {
  const r = await runMain([ID.slice(0, 8), CLOUD, '--summary']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, `instance ${ID}: 42 records`);
  t.equal(r.stderr, `instance-trace: ${ID.slice(0, 8)} is instance ${ID} (the only one in these logs with that prefix)\n`);
  const full = await runMain([ID, CLOUD, '--summary']);
  t.equal(r.stdout, full.stdout, 'the same answer as the full id');
});

t.test('an ambiguous prefix: each candidate with its first and last time and hosts, exit 2', async (t) => {
  const r = await runMain(['7e3f1a2b', root]);
  t.equal(r.status, 2);
  t.equal(r.stdout, '');
  t.equal(r.stderr, [
    'instance-trace: 7e3f1a2b is ambiguous: 2 instances in these logs match; give more of the id:',
    `  ${A}  2026-03-02 09:00:00.000 → 2026-03-02 09:00:00.000  cp-1`,
    `  ${B}  2026-03-02 09:05:00.000 → 2026-03-02 10:00:01.000  cp-1, cp-2`,
    '',
  ].join('\n'));
  const longer = await runMain(['7e3f1a2b-9d8c', root, '--summary']);
  t.equal(longer.status, 0, 'more digits settle it');
  t.match(longer.stdout, `instance ${B}:`);
});

t.test("an id the logs never tag as an instance: left out when instances match, else traced and said for what it is", async (t) => {
  const r = await runMain(['7e3f1a2b-5555', root, '--summary']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, `instance-trace: 7e3f1a2b-5555 is ${IMAGE} (the only id in these logs with that prefix; no record is tagged with it as an instance: it may be an image's, a port's or a volume's id)\n`);
  t.match(r.stdout, `instance ${IMAGE}:`);

  // Several such ids and no instance: listed as ids, not called instances.
  const dir = mkdtempSync(path.join(tmpdir(), 'it-ids-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'cp-5'));
  const cache = (image: string): string =>
    `2026-03-02 11:00:00.000 4242 INFO nova.virt.libvirt.imagecache [req-0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a - - - - -] image ${image} at (/var/lib/nova/instances/_base/0d029fda8c411bebbbcb695d274c760e74f87a30): checking`;
  writeFileSync(path.join(dir, 'cp-5', 'nova-compute.log'), `${cache('abcdef01-1111-4aaa-8bbb-cccccccccccc')}\n${cache('abcdef01-2222-4aaa-8bbb-cccccccccccc')}\n`);
  const two = await runMain(['abcdef01', dir]);
  t.equal(two.status, 2);
  t.match(two.stderr, /^instance-trace: abcdef01 is ambiguous: 2 ids in these logs match; give more of the id:\n/);
});

t.test('a prefix no instance has: exit 1 with one line', async (t) => {
  const r = await runMain(['00000000', root]);
  t.equal(r.status, 1);
  t.equal(r.stderr, 'instance-trace: no instance in these logs has an id starting with 00000000\n');
});

t.test('a libvirt domain name: the instance its guest XML record names', async (t) => {
  const r = await runMain(['instance-0000002a', root, '--summary']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, `instance ${B}:`);
  t.equal(r.stderr, `instance-trace: instance-0000002a is instance ${B}\n`);
  const none = await runMain(['instance-000000ff', root]);
  t.equal(none.status, 1);
  t.match(none.stderr, /no record in these logs ties instance-000000ff to an instance id/);
});

t.test("a libvirt domain name: the instance libvirt's own error names, among several domains", async (t) => {
  const C = 'c41d7e08-5a2b-4f3c-9d1e-6b7a8c9d0e1f';
  const X = 'd52e8f19-6b3c-4a4d-8e2f-7c8b9d0e1f20';
  // libvirt's VIR_ERR_NO_DOMAIN wording, quoted by an untagged oslo.messaging exception record
  // whose traceback names two domains: only the one asked about counts.
  const dir = mkdtempSync(path.join(tmpdir(), 'it-domain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'cp-4'));
  writeFileSync(path.join(dir, 'cp-4', 'nova-compute.log'), [
    '2026-03-02 12:00:00.000 4242 ERROR oslo_messaging.rpc.server [req-5f0c2b9e-1d7a-4c33-9e4b-7a1d2c3b4e5f u p - - -] Exception during message handling: libvirt.libvirtError: Domain not found: no domain with matching uuid \'' + C + '\' (instance-0000002b)',
    '2026-03-02 12:00:00.000 4242 ERROR oslo_messaging.rpc.server Traceback (most recent call last):',
    '2026-03-02 12:00:00.000 4242 ERROR oslo_messaging.rpc.server libvirt.libvirtError: Domain not found: no domain with matching uuid \'' + X + '\' (instance-0000002c)',
    '2026-03-02 12:00:00.000 4242 ERROR oslo_messaging.rpc.server During handling of the above exception, another exception occurred:',
    '2026-03-02 12:00:00.000 4242 ERROR oslo_messaging.rpc.server libvirt.libvirtError: Domain not found: no domain with matching uuid \'' + C + '\' (instance-0000002b)',
    '',
  ].join('\n'));
  for (const [name, id] of [['instance-0000002b', C], ['instance-0000002c', X]] as const) {
    const r = await runMain([name, dir, '--summary']);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stderr, `instance-trace: ${name} is instance ${id}\n`);
  }
});

t.test('a libvirt domain name: an untagged record that names it and one UUID', async (t) => {
  const E = 'e63f9a2a-7c4d-4b5e-9f3a-8d9c0e1f2a31';
  const dir = mkdtempSync(path.join(tmpdir(), 'it-domain1-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'cp-6'));
  // Nova's periodic disk accounting, untagged, quoting an older libvirt's error (no name in it).
  writeFileSync(path.join(dir, 'cp-6', 'nova-compute.log'),
    `2026-03-02 13:00:00.000 4242 WARNING nova.virt.libvirt.driver [req-0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a - - - - -] Error from libvirt while getting description of instance-0000002d: [Error Code 42] Domain not found: no domain with matching uuid '${E}'\n`);
  const r = await runMain(['instance-0000002d', dir, '--summary']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, `instance-trace: instance-0000002d is instance ${E}\n`);
});

t.test('what is not an id at all is still a usage error naming the forms', async (t) => {
  const r = await runMain(['9a5c', CLOUD]);
  t.equal(r.status, 2);
  t.match(r.stderr, /not an instance id: "9a5c" \(expected a UUID like .*, at least its first 8 digits, or a domain name like instance-0000002a\)/);
});
