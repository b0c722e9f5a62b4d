/**
 * Lifecycle phases over real oslo.log output: a build scheduled to cp-1, re-scheduled to cp-2
 * after a failure there, an image fetch on cp-2, a network-vif-plugged wait of 290 s (flagged),
 * then a delete; shown in the text summary and in `--summary --json`'s `phases`.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import { runTrace } from '../../src/trace/run.js';
import { summarize } from '../../src/trace/summary.js';
import { renderSummary } from '../../src/render/text.js';
import { summaryToJson } from '../../src/render/json.js';
import { UNFINISHED } from '../../src/trace/phases.js';
import { at, writeOsloCloud, type OsloCall } from './fixture/oslo-cloud.js';

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const PORT = '5b1c9e0a-7d3f-4e2a-9b8c-6d5e4f3a2b1c';
const SHA = 'a489c868f0c37da93b76227c91bb03908ac0e742';
const REQ = 'req-0000000a-0000-4000-8000-000000000001';
const DEL = 'req-0000000d-0000-4000-8000-000000000002';
const FETCH = 'nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync';

const compute = (host: string, s: number, logger: string, level: OsloCall['level'], message: string, instance: string | null = X, request = REQ): OsloCall =>
  ({ file: `${host}/nova-compute.log`, logger, level, ms: at(s), request_id: request, instance, message });

const calls: OsloCall[] = [
  { file: 'api-1/nova-api.log', logger: 'nova.api.openstack.requestlog', level: 'INFO', ms: at(0), request_id: REQ,
    message: '10.0.0.9 "POST /v2.1/servers" status: 202 len: 412 microversion: 2.79 time: 0.431361' },
  { file: 'api-1/nova-scheduler.log', logger: 'nova.scheduler.manager', level: 'DEBUG', ms: at(1.5), request_id: REQ, instance: X,
    message: 'Selected host: (cp-1, cp-1) ram: 15360MB disk: 94208MB io_ops: 0 instances: 2' },
  compute('cp-1', 2, 'nova.compute.manager', 'DEBUG', 'Starting instance...'),
  compute('cp-1', 2.3, 'nova.compute.claims', 'INFO', 'Claim successful on node cp-1'),
  compute('cp-1', 2.4, 'nova.compute.manager', 'DEBUG', 'Start spawning the instance on the hypervisor.'),
  compute('cp-1', 2.5, 'oslo_concurrency.lockutils', 'DEBUG', `Lock "${SHA}" acquired by "${FETCH}" :: waited 0.000s`, null),
  compute('cp-1', 2.5, 'oslo_concurrency.lockutils', 'DEBUG', `Lock "${SHA}" "released" by "${FETCH}" :: held 0.000s`, null),
  compute('cp-1', 3, 'nova.compute.manager', 'DEBUG', `Preparing to wait for external event network-vif-plugged-${PORT}`),
  compute('cp-1', 5, 'nova.compute.manager', 'DEBUG', `Build of instance ${X} was re-scheduled: internal error: qemu unexpectedly closed the monitor`),
  { file: 'api-1/nova-scheduler.log', logger: 'nova.scheduler.manager', level: 'DEBUG', ms: at(6), request_id: REQ, instance: X,
    message: 'Selected host: (cp-2, cp-2) ram: 15360MB disk: 94208MB io_ops: 0 instances: 1' },
  compute('cp-2', 7, 'nova.compute.manager', 'DEBUG', 'Starting instance...'),
  compute('cp-2', 7.25, 'nova.compute.claims', 'INFO', 'Claim successful on node cp-2'),
  compute('cp-2', 7.5, 'nova.compute.manager', 'DEBUG', 'Start spawning the instance on the hypervisor.'),
  compute('cp-2', 8, 'oslo_concurrency.lockutils', 'DEBUG', `Lock "${SHA}" acquired by "${FETCH}" :: waited 0.000s`, null),
  compute('cp-2', 20.48, 'oslo_concurrency.lockutils', 'DEBUG', `Lock "${SHA}" "released" by "${FETCH}" :: held 12.480s`, null),
  compute('cp-2', 21, 'nova.compute.manager', 'DEBUG', `Preparing to wait for external event network-vif-plugged-${PORT}`),
  { file: 'api-1/nova-api.log', logger: 'nova.api.openstack.compute.server_external_events', level: 'INFO', ms: at(310.5), request_id: 'req-0000000e-0000-4000-8000-000000000003',
    message: `Creating event network-vif-plugged:${PORT} for instance ${X} on cp-2` },
  compute('cp-2', 311, 'nova.compute.manager', 'DEBUG', `Received event network-vif-plugged-${PORT}`, X, 'req-0000000e-0000-4000-8000-000000000003'),
  compute('cp-2', 313, 'nova.virt.libvirt.driver', 'INFO', 'Instance spawned successfully.'),
  compute('cp-2', 313.1, 'nova.compute.manager', 'INFO', 'Took 313.10 seconds to build instance.'),
  compute('cp-2', 400, 'nova.compute.manager', 'INFO', 'Terminating instance', X, DEL),
  compute('cp-2', 402.75, 'nova.virt.libvirt.driver', 'INFO', `Deletion of /var/lib/nova/instances/${X}_del complete`, X, DEL),
];

t.test('a build re-scheduled, a slow network wait flagged, a delete', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'it-phases-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeOsloCloud(dir, calls);
  const { sources } = await discoverSources([dir]);
  const summary = summarize(await runTrace(sources, { instanceId: X, report: new SourceReport() }));
  const json = summaryToJson(summary) as { phases: Array<Record<string, unknown>> };
  const brief = json.phases.map((p) => `${p.operation} ${p.name} ${p.host}→${p.end_host} ${p.duration_ms}${p.flag === null ? '' : ` ! ${p.flag}`}`);
  t.same(brief, [
    'build total api-1→cp-2 313100',
    'build schedule api-1→api-1 1500',
    'build claim cp-1→cp-1 300',
    'build spawn cp-1→null null ! ' + UNFINISHED,
    'build image cp-1→cp-1 0',
    'build network cp-1→null null ! ' + UNFINISHED,
    'build reschedule cp-1→cp-1 0 ! re-scheduled: internal error: qemu unexpectedly closed the monitor',
    'build claim cp-2→cp-2 250',
    'build spawn cp-2→cp-2 305500',
    'build image cp-2→cp-2 12480',
    'build network cp-2→cp-2 290000 ! network-vif-plugged came near vif_plugging_timeout (300 s): neutron agent or port binding trouble',
    'delete delete cp-2→cp-2 2750',
  ]);
  t.same(Object.keys(json.phases[0]!), ['operation', 'name', 'host', 'end_host', 'start', 'end', 'duration_ms', 'flag']);
  t.equal(json.phases[0]!.start, '2026-03-02T09:00:00.000Z');
  t.equal(json.phases[0]!.end, '2026-03-02T09:05:13.100Z');

  const text = renderSummary(summary);
  t.match(text, 'phases (UTC):');
  t.match(text, /build network +cp-2 +2026-03-02 09:00:21\.000 → 09:05:11\.000  4 min 50\.000 s  ! network-vif-plugged came near vif_plugging_timeout/);
  t.match(text, /build image +cp-1 +2026-03-02 09:00:02\.500  0 ms\n/);
  t.match(text, /build schedule +api-1 +2026-03-02 09:00:00\.000 → 09:00:01\.500  1\.500 s\n/);
});
