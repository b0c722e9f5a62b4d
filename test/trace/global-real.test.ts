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
import { writeOsloCloud } from './fixture/oslo-cloud.js';
import { API_W, CLIENT, GLOBAL_CLOUD as calls, PORT, STACK, W, X, Y } from './fixture/global-cloud.js';

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
