import t from 'tap';
import { TextSink, renderSummary } from '../../src/render/text.js';
import { JsonSink, toJsonRecord } from '../../src/render/json.js';
import { summarize } from '../../src/trace/summary.js';
import type { TraceResult } from '../../src/trace/correlate.js';
import { BASE_PATH, cache, ID, IMAGE, rec, traceRecords } from '../trace/fixture/build.js';

const REQ = 'req-6a763803-4838-49c7-814e-eaefbaddee9d';

function story(): TraceResult {
  return traceRecords([
    rec({ at: '09:00:00.100', host: 'controller', service: 'nova-api', requestId: REQ, message: 'POST /v2.1/servers HTTP/1.1 status: 202' }),
    rec({ at: '09:00:01', host: 'cp-1', requestId: REQ, instanceId: ID, imageId: IMAGE, message: 'Claim successful' }),
    rec({
      at: '09:00:05', host: 'cp-1', requestId: REQ, instanceId: ID, level: 'error', levelText: 'ERROR',
      message: 'Instance failed to spawn\nsecond line of the message',
      traceback: ['Traceback (most recent call last):', 'OSError: [Errno 28] No space left on device'],
    }),
    rec({ at: '09:00:08', host: 'cp-2', requestId: REQ, instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:40:00', host: 'cp-1', message: `Removing base or swap file: ${BASE_PATH}`, cache: cache('remove', BASE_PATH) }),
    rec({ at: '10:00:00', host: 'cp-2', instanceId: ID, message: 'evil \u001b]0;owned\u0007 \u001b[2J \u009b31m \u202egnp.exe' }),
  ]);
}

function renderText(result: TraceResult, opts: { color: boolean; summary?: boolean; timeline?: boolean }): string {
  let out = '';
  const sink = new TextSink((s) => { out += s; }, { summary: true, timeline: true, ...opts });
  sink.summary(summarize(result));
  for (const r of result.records) sink.record(r);
  sink.end();
  return out;
}

/** Control characters a terminal acts on; newline is ours. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/;
/** The only escape sequences we write ourselves: SGR colours. */
const OUR_SGR = /\u001b\[\d+(?:;\d+)*m/g;

t.test('no control character from a log reaches the terminal (colour on or off)', async (t) => {
  const plain = renderText(story(), { color: false });
  t.notOk(CONTROL.test(plain), 'plain output has no control characters');
  t.match(plain, /evil \\x1b\]0;owned\\x07 \\x1b\[2J \\x9b31m \\u202egnp\.exe/);
  const coloured = renderText(story(), { color: true });
  t.ok(OUR_SGR.test(coloured), 'colour is on');
  t.notOk(CONTROL.test(coloured.replace(OUR_SGR, '')), 'only our own SGR sequences remain');
});

t.test('summary: hosts with first/last, image and base per host, requests, levels, errors', async (t) => {
  const text = renderSummary(summarize(story()));
  t.match(text, `instance ${ID}: 6 records (4 tagged, 0 mentioned, 1 request, 1 cache)`);
  t.match(text, /cp-1 {2}2026-03-02 09:00:01\.000 → 09:00:05\.000/);
  t.match(text, /cp-2 {2}2026-03-02 09:00:08\.000 → 10:00:00\.000/);
  t.match(text, `cp-1  image ${IMAGE}, base _base/a489c868f0c3…; cache manager last: remove a489c868f0c3… at 2026-03-02 09:40:00.000`);
  t.match(text, `${REQ}  2026-03-02 09:00:00.100 controller nova-api  POST /v2.1/servers HTTP/1.1 status: 202  (4 records)`);
  t.match(text, 'levels: error 1, info 5');
  t.match(text, /errors \(1\):\n {2}2026-03-02 09:00:05\.000 cp-1 nova-compute {2}Instance failed to spawn\n/);
});

t.test('timeline: date header, columns, why mark, short request id, indented continuation and traceback', async (t) => {
  const text = renderText(story(), { color: false, summary: false });
  const lines = text.split('\n');
  t.equal(lines[0], '── 2026-03-02 (UTC) ──');
  t.equal(lines[1], '09:00:00.100 controller nova-api     INFO  R  6a763803 POST /v2.1/servers HTTP/1.1 status: 202');
  t.equal(lines[3], '09:00:05.000 cp-1       nova-compute ERROR T  6a763803 Instance failed to spawn');
  t.equal(lines[4], '    | second line of the message');
  t.equal(lines[5], '    | Traceback (most recent call last):');
  t.equal(lines[6], '    | OSError: [Errno 28] No space left on device');
  t.equal(lines[8], '09:40:00.000 cp-1       nova-compute INFO  C  -        Removing base or swap file: ' + BASE_PATH);
});

t.test('--summary prints the summary alone; an empty trace still has a summary line', async (t) => {
  const text = renderText(story(), { color: false, timeline: false });
  t.notMatch(text, '── 2026');
  const empty = renderText(traceRecords([]), { color: false });
  t.match(empty, `instance ${ID}: 0 records`);
  t.match(empty, 'lived on: no compute host');
});

t.test('JSON: one object per record with the documented fields', async (t) => {
  const result = story();
  let out = '';
  const sink = new JsonSink((s) => { out += s; }, { summaryOnly: false });
  sink.summary(summarize(result));
  for (const r of result.records) sink.record(r);
  sink.end();
  const objects = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(objects.length, 6);
  const failed = objects[2] as Record<string, unknown>;
  t.same(Object.keys(failed).sort(), [
    'format', 'global_request_id', 'host', 'image_id', 'instance_uuid', 'level', 'level_text', 'logger', 'message', 'pid',
    'project', 'request_id', 'service', 'source', 'time', 'time_text', 'traceback', 'user', 'why',
  ].sort());
  t.equal(failed.time, '2026-03-02T09:00:05.000Z');
  t.same(failed.traceback, ['Traceback (most recent call last):', 'OSError: [Errno 28] No space left on device']);
  t.match(failed.source, { file: 'cp-1/nova-compute.log', line: Number, lines: 3 });
  t.equal(failed.why, 'tagged');
  const removal = objects[4] as { cache: unknown; why: string };
  t.same(removal.cache, { action: 'remove', image_id: IMAGE, base_file: BASE_PATH });
  t.equal(removal.why, 'cache');
  t.notOk(/[\u007f-\u009f\u202e]/.test(out), 'C1 and bidi are escaped in JSON too');

  let summaryOut = '';
  const summarySink = new JsonSink((s) => { summaryOut += s; }, { summaryOnly: true });
  summarySink.summary(summarize(result));
  for (const r of result.records) summarySink.record(r);
  const summary = JSON.parse(summaryOut) as { hosts: { host: string }[]; records: number };
  t.same(summary.hosts.map((h) => h.host), ['cp-1', 'cp-2']);
  t.equal(summary.records, 6);
  t.equal(toJsonRecord(result.records[0]!).unattributed, undefined);
});
