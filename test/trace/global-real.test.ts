/**
 * Global request ids over real oslo.log output: neutron-server, glance-api, cinder-volume and
 * placement-api never name the instance, only the global id their caller gave them; they must
 * come into the trace (why `global`), and a Heat stack's global id must not be expanded.
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
import { at, writeOsloCloud, type OsloCall } from './fixture/oslo-cloud.js';

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const W = '5d2e7c1a-0b3f-4a6e-8c9d-1e2f3a4b5c6d';
const Y = '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
const Z = '0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b';
const PORT = '5b1c9e0a-7d3f-4e2a-9b8c-6d5e4f3a2b1c';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const id = (n: string): string => `req-${n.padStart(8, '0')}-0000-4000-8000-000000000000`;
const CLIENT = id('c1');
const API_X = id('a1');
const API_W = id('a2');
const STACK = id('57ac');
const API_Y = id('a3');
const API_Z = id('a4');

const calls: OsloCall[] = [
  // X: the user's client sent its own id, so every service logs it as the global id.
  { file: 'api-1/nova-api.log', logger: 'nova.api.openstack.requestlog', level: 'INFO', ms: at(0), request_id: API_X, global_request_id: CLIENT,
    message: '10.0.0.9 "POST /v2.1/servers" status: 202 len: 412 microversion: 2.79 time: 0.431' },
  { file: 'api-1/nova-conductor.log', logger: 'nova.conductor.manager', level: 'DEBUG', ms: at(1), request_id: API_X, global_request_id: CLIENT, instance: X,
    message: "Selected host: cp-1; Selected node: cp-1; Alternates: [('cp-2', 'cp-2')]" },
  { file: 'api-1/placement-api.log', logger: 'placement.requestlog', level: 'INFO', ms: at(1.2), request_id: id('b1'), global_request_id: CLIENT,
    message: '10.0.0.4 "PUT /allocations/' + X + '" status: 204 len: 0 microversion: 1.36' },
  { file: 'api-1/placement-api.log', logger: 'placement.requestlog', level: 'INFO', ms: at(1.1), request_id: id('b0'), global_request_id: CLIENT,
    message: '10.0.0.4 "GET /allocation_candidates?limit=1000&resources=DISK_GB%3A1%2CMEMORY_MB%3A512%2CVCPU%3A1" status: 200 len: 2311 microversion: 1.36' },
  { file: 'cp-1/nova-compute.log', logger: 'nova.compute.claims', level: 'INFO', ms: at(2), request_id: API_X, global_request_id: CLIENT, instance: X,
    message: 'Claim successful on node cp-1' },
  { file: 'img-1/glance-api.log', logger: 'glance.api.middleware.version_negotiation', level: 'DEBUG', ms: at(2.5), request_id: id('91'), global_request_id: CLIENT,
    message: `Determining version of request: GET /v2/images/${IMAGE}/file Accept: */*` },
  { file: 'net-1/neutron-server.log', logger: 'neutron.plugins.ml2.managers', level: 'DEBUG', ms: at(3), request_id: id('e1'), global_request_id: CLIENT,
    message: `Bound port: ${PORT}, host: cp-1, vif_type: ovs, vif_details: {"port_filter": true}, binding_levels: [{'bound_driver': 'openvswitch', 'bound_segment': None}]` },
  { file: 'net-1/neutron-server.log', logger: 'neutron.wsgi', level: 'INFO', ms: at(3.1), request_id: id('e1'), global_request_id: CLIENT,
    message: `10.0.0.7 "PUT /v2.0/ports/${PORT} HTTP/1.1" status: 200  len: 1143 time: 0.4411` },
  // The same neutron request, logged without the global id: found by its own request id (pass 3).
  { file: 'net-1/neutron-server.log', logger: 'neutron.plugins.ml2.plugin', level: 'DEBUG', ms: at(3.2), request_id: id('e1'),
    message: `Current status of the port ${PORT} is: DOWN; New status is: ACTIVE` },
  { file: 'vol-1/cinder-volume.log', logger: 'cinder.volume.manager', level: 'INFO', ms: at(4), request_id: id('d1'), global_request_id: CLIENT,
    message: 'Initialize volume connection completed successfully.' },
  { file: 'cp-1/nova-compute.log', logger: 'nova.compute.manager', level: 'INFO', ms: at(6), request_id: API_X, global_request_id: CLIENT, instance: X,
    message: 'Took 3.86 seconds to spawn the instance on the hypervisor.' },

  // W: no global id from the client; nova-compute gives neutron its own request id as the global id.
  { file: 'cp-1/nova-compute.log', logger: 'nova.compute.claims', level: 'INFO', ms: at(20), request_id: API_W, instance: W,
    message: 'Claim successful on node cp-1' },
  { file: 'net-1/neutron-server.log', logger: 'neutron.wsgi', level: 'INFO', ms: at(21), request_id: id('e2'), global_request_id: API_W,
    message: `10.0.0.7 "PUT /v2.0/ports/${PORT} HTTP/1.1" status: 200  len: 1143 time: 0.3120` },
  { file: 'cp-1/nova-compute.log', logger: 'nova.compute.manager', level: 'INFO', ms: at(22), request_id: API_W, instance: W,
    message: 'Took 1.02 seconds to spawn the instance on the hypervisor.' },

  // Y and Z: one Heat stack, one global id.
  { file: 'api-1/nova-conductor.log', logger: 'nova.conductor.manager', level: 'DEBUG', ms: at(40), request_id: API_Y, global_request_id: STACK, instance: Y,
    message: 'Selected host: cp-2; Selected node: cp-2; Alternates: []' },
  { file: 'vol-1/cinder-volume.log', logger: 'cinder.volume.manager', level: 'INFO', ms: at(41), request_id: id('d3'), global_request_id: STACK,
    message: 'Initialize volume connection completed successfully.' },
  { file: 'api-1/nova-conductor.log', logger: 'nova.conductor.manager', level: 'DEBUG', ms: at(42), request_id: API_Z, global_request_id: STACK, instance: Z,
    message: 'Selected host: cp-1; Selected node: cp-1; Alternates: []' },
  { file: 'cp-2/nova-compute.log', logger: 'nova.compute.claims', level: 'INFO', ms: at(43), request_id: API_Y, global_request_id: STACK, instance: Y,
    message: 'Claim successful on node cp-2' },
  { file: 'api-1/nova-api.log', logger: 'nova.api.openstack.compute.server_external_events', level: 'INFO', ms: at(44), request_id: id('a9'), global_request_id: null,
    message: `Creating event network-vif-plugged:${PORT} for instance ${Y} on cp-2` },
];

const dir = mkdtempSync(path.join(tmpdir(), 'it-global-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeOsloCloud(dir, calls);

async function trace(instanceId: string) {
  const { sources } = await discoverSources([dir]);
  return runTrace(sources, { instanceId, report: new SourceReport() });
}

const line = (r: { why: string; record: { host: string | null; service: string | null; message: string } }): string =>
  `${r.why} ${r.record.host} ${r.record.service} ${r.record.message.slice(0, 30)}`;
/** The expected line of the call whose message starts with `start` (30 characters shown). */
const e = (why: string, start: string): string => {
  const call = calls.find((c) => c.message.startsWith(start))!;
  const [host, file] = call.file.split('/') as [string, string];
  return `${why} ${host} ${file.replace('.log', '')} ${call.message.slice(0, 30)}`;
};

t.test('the client global id brings neutron, glance, cinder and placement records', async (t) => {
  const result = await trace(X);
  t.same(result.records.map(line), [
    e('request', '10.0.0.9 "POST /v2.1/servers" status: 20'),
    e('tagged', "Selected host: cp-1; Selected node: cp-1; "),
    e('global', '10.0.0.4 "GET /allocation_candidates?limit='),
    e('mentioned', `10.0.0.4 "PUT /allocations/${X.slice(0, 12)}`),
    e('tagged', 'Claim successful on node cp-1'),
    e('global', `Determining version of request: GET /v2/`),
    e('global', `Bound port: ${PORT}, host`),
    e('global', `10.0.0.7 "PUT /v2.0/ports/${PORT.slice(0, 10)}`),
    e('global', 'Current status of the port'),
    e('global', 'Initialize volume connection completed '),
    e('tagged', 'Took 3.86 seconds to spawn the instance'),
  ]);
  t.same(result.globalIds, [CLIENT]);
  t.same(result.records.filter((r) => r.why === 'global').map((r) => r.record.globalRequestId), [...Array(4).fill(CLIENT), null, CLIENT], 'parsed from the request block');
  const summary = summarize(result);
  t.equal(summary.byWhy.global, 6);
  const text = renderSummary(summary);
  t.match(text, `(3 tagged, 1 mentioned, 1 request, 6 global, 0 cache)`);
  t.match(text, `global request ids followed: ${CLIENT}`);
  t.match(text, 'G other services under its request or global id');
  t.same((summaryToJson(summary) as { global_request_ids: string[] }).global_request_ids, [CLIENT]);
});

t.test('without a client id, the compute request id is the global id neutron logs', async (t) => {
  const result = await trace(W);
  t.same(result.records.map(line), [
    e('tagged', 'Claim successful on node cp-1'),
    e('global', `10.0.0.7 "PUT /v2.0/ports/${PORT.slice(0, 10)}`),
    e('tagged', 'Took 1.02 seconds to spawn the instance'),
  ]);
  t.same(result.requestIds, [API_W]);
  t.same(result.globalIds, []);
});

t.test('a Heat stack global id is shared: not expanded; what names the instance still comes', async (t) => {
  const result = await trace(Y);
  t.same(result.records.map(line), [
    e('tagged', 'Selected host: cp-2; Selected node: cp-2; '),
    e('tagged', 'Claim successful on node cp-2'),
    e('mentioned', `Creating event network-vif-plugged:${PORT.slice(0, 5)}`),
  ]);
  t.same(result.sharedGlobalIds, [STACK]);
  t.same(result.globalIds, []);
  t.match(renderSummary(summarize(result)), `global request ids shared with other instances, not expanded: ${STACK}`);
});
