/**
 * Clock offsets from cause and effect over real oslo.log output: a build whose compute host's
 * clock is 2.4 s fast. The estimate must fall within 250 ms of the truth, its interval contain
 * it, and with --auto-offset every causal pair must come in order in the output.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMain } from '../cli/fixture/run.js';
import { estimateClock, findCausalPairs } from '../../src/trace/clock.js';
import { CAUSAL_PAIRS } from '../../src/trace/causal-pairs.js';
import { rec } from './fixture/build.js';
import { at, writeOsloCloud, type OsloCall } from './fixture/oslo-cloud.js';

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const PORT = '5b1c9e0a-7d3f-4e2a-9b8c-6d5e4f3a2b1c';
const R = 'req-0000000a-0000-4000-8000-000000000001';
const EV = 'req-0000000e-0000-4000-8000-000000000002';
const NEUTRON = 'req-000000e1-0000-4000-8000-000000000003';
const FAST_MS = 2400;
const EVENT = `{'server_uuid': '${X}', 'name': 'network-vif-plugged', 'status': 'completed', 'tag': '${PORT}'}`;

/** True time `s`; cp-1 writes its clock's time, FAST_MS ahead. */
const call = (host: string, service: string, s: number, logger: string, message: string, extra: Partial<OsloCall> = {}): OsloCall =>
  ({ file: `${host}/${service}.log`, logger, level: 'DEBUG', ms: at(s) + (host === 'cp-1' ? FAST_MS : 0), message, ...extra });

const calls: OsloCall[] = [
  call('api-1', 'nova-api', 0, 'nova.api.openstack.requestlog', '10.0.0.9 "POST /v2.1/servers" status: 202 len: 412 microversion: 2.79 time: 0.431', { request_id: R }),
  call('api-1', 'nova-scheduler', 0.3, 'nova.scheduler.manager', 'Selected host: (cp-1, cp-1) ram: 15360MB disk: 94208MB io_ops: 0 instances: 2', { request_id: R, instance: X }),
  call('cp-1', 'nova-compute', 0.34, 'nova.compute.manager', 'Starting instance...', { request_id: R, instance: X }),
  call('cp-1', 'nova-compute', 0.4, 'nova.compute.claims', 'Claim successful on node cp-1', { request_id: R, instance: X }),
  call('net-1', 'neutron-server', 1.0, 'neutron.plugins.ml2.managers',
    `Bound port: ${PORT}, host: cp-1, vif_type: ovs, vif_details: {"port_filter": true}, binding_levels: [{'bound_driver': 'openvswitch', 'bound_segment': None}]`,
    { request_id: NEUTRON, global_request_id: R }),
  call('cp-1', 'nova-compute', 1.03, 'nova.network.neutron', `Successfully updated port: ${PORT}`, { request_id: R, instance: X }),
  call('cp-1', 'nova-compute', 1.1, 'nova.compute.manager', `Preparing to wait for external event network-vif-plugged-${PORT}`, { request_id: R, instance: X }),
  call('net-1', 'neutron-server', 1.15, 'neutron.notifiers.nova', `Sending events: [${EVENT}]`),
  call('api-1', 'nova-api', 1.18, 'nova.api.openstack.compute.server_external_events', `Creating event network-vif-plugged:${PORT} for instance ${X} on cp-1`, { request_id: EV, level: 'INFO' }),
  call('cp-1', 'nova-compute', 1.2, 'nova.compute.manager', `Received event network-vif-plugged-${PORT}`, { request_id: EV, instance: X }),
  call('net-1', 'neutron-server', 1.22, 'neutron.notifiers.nova', `Nova event response: ${EVENT.slice(0, -1)}, 'code': 200}.`, { level: 'INFO' }),
  call('cp-1', 'nova-compute', 1.5, 'nova.virt.libvirt.driver', 'Instance spawned successfully.', { request_id: R, instance: X, level: 'INFO' }),
];

// README_CLOUD=<folder>: write the cloud there and keep it (the README example is this cloud).
const dir = process.env.README_CLOUD ?? mkdtempSync(path.join(tmpdir(), 'it-clock-'));
if (process.env.README_CLOUD === undefined) t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeOsloCloud(dir, [...calls,
  call('cp-1', 'nova-compute', 0.45, 'nova.compute.manager', 'Start spawning the instance on the hypervisor.', { request_id: R, instance: X }),
  call('cp-1', 'nova-compute', 1.55, 'nova.compute.manager', 'Took 1.55 seconds to build instance.', { request_id: R, instance: X, level: 'INFO' })]);

interface JsonRecord { time: string; host: string; message: string }

t.test('cp-1 2.4 s fast: the estimate is within 250 ms and its interval holds the truth', async (t) => {
  const ran = await runMain([X, dir, '--auto-offset', '--summary', '--json']);
  t.equal(ran.status, 0, ran.stderr);
  const summary = JSON.parse(ran.stdout) as { clock: { reference: string; pairs: number; hosts: Array<{ host: string; offset_ms: number; low_ms: number; high_ms: number; pairs: number; contradiction: boolean; applied: boolean }> } };
  t.equal(summary.clock.reference, 'api-1');
  t.equal(summary.clock.pairs, 6, 'each pair of the build once (no conductor, no migration here)');
  const cp = summary.clock.hosts.find((h) => h.host === 'cp-1')!;
  t.ok(Math.abs(cp.offset_ms - FAST_MS) <= 250, `estimate ${cp.offset_ms} ms`);
  t.ok(cp.low_ms <= FAST_MS && FAST_MS <= cp.high_ms, `interval [${cp.low_ms}, ${cp.high_ms}]`);
  t.same([cp.contradiction, cp.applied], [false, true]);
  const net = summary.clock.hosts.find((h) => h.host === 'net-1')!;
  t.ok(net.low_ms <= 0 && 0 <= net.high_ms, 'neutron on time: its interval holds 0');

  const text = await runMain([X, dir, '--auto-offset', '--summary']);
  t.match(text.stdout, /clock offsets against api-1 \(from 6 causal pairs\):\n {2}cp-1 {3}\+2\.\d{3,4} s \[\+2\.\d{3} s, \+2\.\d{3} s\], applied {2}\(\d+ pairs\)/);
});

t.test('with --auto-offset every causal pair is in order in the output; without, some are not', async (t) => {
  const order = async (flags: string[]): Promise<boolean[]> => {
    const ran = await runMain([X, dir, '--json', ...flags]);
    const lines = ran.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonRecord);
    const index = (pred: (r: JsonRecord) => boolean): number => lines.findIndex(pred);
    const pos = (start: string, host: string): number => index((r) => r.host === host && r.message.startsWith(start));
    return [
      pos('Selected host', 'api-1') < pos('Starting instance', 'cp-1'),
      pos('Bound port', 'net-1') < pos('Successfully updated port', 'cp-1'),
      pos('Preparing to wait', 'cp-1') < pos('Sending events', 'net-1'),
      pos('Sending events', 'net-1') < pos('Creating event', 'api-1'),
      pos('Creating event', 'api-1') < pos('Received event', 'cp-1'),
      pos('Creating event', 'api-1') < pos('Nova event response', 'net-1'),
    ];
  };
  t.same(await order(['--auto-offset']), Array(6).fill(true));
  t.ok((await order([])).includes(false), 'the skewed logs put an effect before its cause');
  t.same(await order(['--auto-offset', '--offset', 'cp-1=-2.4s']), Array(6).fill(true), 'an explicit offset wins and is right too');
});

t.test('pairs that contradict each other are said, not applied', async (t) => {
  const selected = rec({ at: '10:00:10', host: 'api-1', service: 'nova-api', requestId: R, message: 'Selected host: (cp-1, cp-1) ram: 1MB' });
  const starting = rec({ at: '10:00:05', host: 'cp-1', requestId: R, message: 'Starting instance...' });
  const creating = rec({ at: '10:00:20', host: 'api-1', service: 'nova-api', requestId: EV, message: `Creating event network-vif-plugged:${PORT} for instance ${X} on cp-1` });
  const preparing = rec({ at: '10:00:30', host: 'cp-1', requestId: R, message: `Preparing to wait for external event network-vif-plugged-${PORT}` });
  const sending = rec({ at: '10:00:19', host: 'api-1', service: 'nova-api', message: `Sending events: [${EVENT}]` });
  // cp-1 is slow by more than 5 s (Selected → Starting) and fast by 11 s (Preparing → Sending, on api-1): impossible.
  const report = estimateClock([selected, starting, creating, preparing, sending]);
  t.equal(report.hosts.length, 1);
  t.same([report.hosts[0]!.host, report.hosts[0]!.contradiction, report.hosts[0]!.applied, report.hosts[0]!.offsetMs], ['cp-1', true, false, null]);
  const one = estimateClock([selected, starting]);
  t.same([one.hosts[0]!.offsetMs, one.hosts[0]!.lowMs, one.hosts[0]!.highMs], [null, null, -5000], 'one side only: an upper bound, no estimate');
  t.same(estimateClock([]).hosts, [], 'no pairs: nothing');
});

t.test('one test per pair row: each finds its pair', async (t) => {
  const rows = new Set(findCausalPairs([
    rec({ at: '10:00:00', host: 'cp-1', requestId: R, message: '_post_live_migration() is started..' }),
    rec({ at: '10:00:01', host: 'cp-2', requestId: R, message: 'Post operation of migration started' }),
    rec({ at: '10:00:02', host: 'api-1', requestId: R, message: "Selected host: cp-2; Selected node: cp-2; Alternates: []" }),
    rec({ at: '10:00:03', host: 'cp-2', requestId: R, message: 'something of the request' }),
  ]).map((p) => p.pair));
  t.ok(rows.has(CAUSAL_PAIRS[1]!.name), 'conductor row');
  t.ok(rows.has(CAUSAL_PAIRS[7]!.name), 'migration row');
  // The other rows are found in the real cloud above.
  const real = await runMain([X, dir, '--auto-offset', '--summary', '--json']);
  t.equal((JSON.parse(real.stdout) as { clock: { pairs: number } }).clock.pairs, 6);
});
