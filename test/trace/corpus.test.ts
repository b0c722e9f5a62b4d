/**
 * The real loghub OpenStack logs: what the trace must find is computed here independently, by
 * scanning the files line by line with plain string tests, never from the trace's own output.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import { runTrace } from '../../src/trace/run.js';

const ROOT = 'fixtures/loghub-openstack/collected';
const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '_base/a489c868';

interface Line { file: string; line: number; text: string; time: number }

function corpusLines(): Line[] {
  const out: Line[] = [];
  for (const file of ['controller/nova-api.log', 'controller/nova-scheduler.log', 'cp-1/nova-compute.log']) {
    const texts = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    texts.forEach((text, i) => {
      const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3}) /.exec(text);
      if (m) out.push({ file: path.join(ROOT, file), line: i + 1, text, time: Date.parse(`${m[1]}T${m[2]}Z`) });
    });
  }
  return out;
}

const REQUEST = /\[(req-[0-9a-f-]{36}) /;
const TAG = /\[instance: ([0-9a-f-]{36})\]/;

async function trace(imageIds: string[] = []) {
  const report = new SourceReport();
  const { sources } = await discoverSources([ROOT]);
  const result = await runTrace(sources, { instanceId: ID, imageIds, report });
  return { result, report, keys: new Set(result.records.map((r) => `${r.record.source.file}:${r.record.source.line}`)) };
}

const lines = corpusLines();
const key = (l: Line): string => `${l.file}:${l.line}`;
const mentioning = lines.filter((l) => l.text.includes(ID));
const onCp1 = mentioning.filter((l) => l.file.includes('cp-1'));
const arrival = Math.min(...onCp1.map((l) => l.time));
const departure = Math.max(...onCp1.map((l) => l.time));
const removal = Math.min(...lines.filter((l) => l.file.includes('cp-1') && l.time >= arrival && l.text.includes(BASE) && l.text.includes('Removing base')).map((l) => l.time));

t.test('every line containing the id, none tagged with another instance, in time order', async (t) => {
  const { result, report, keys } = await trace();
  t.equal(report.hadSkips, false);
  t.equal(mentioning.length, 28, 'the corpus has 28 lines naming the instance');
  for (const l of mentioning) t.ok(keys.has(key(l)), `has ${key(l)}`);
  const byKey = new Map(lines.map((l) => [key(l), l]));
  for (const r of result.records) {
    const text = byKey.get(`${r.record.source.file}:${r.record.source.line}`)?.text ?? '';
    const tag = TAG.exec(text)?.[1];
    t.ok(tag === undefined || tag === ID, `not tagged with another instance: ${text.slice(0, 120)}`);
  }
  const times = result.records.map((r) => r.record.time as number);
  t.same(times, [...times].sort((a, b) => a - b), 'time order');
});

t.test("its own requests are expanded; the lifecycle handler's shared request is not", async (t) => {
  const { result, keys } = await trace();
  const requestsOfInstance = new Set(mentioning.map((l) => REQUEST.exec(l.text)?.[1]).filter((r): r is string => r !== undefined));
  const shared = new Set<string>();
  for (const l of lines) {
    const req = REQUEST.exec(l.text)?.[1];
    const tag = TAG.exec(l.text)?.[1];
    if (req !== undefined && requestsOfInstance.has(req) && tag !== undefined && tag !== ID) shared.add(req);
  }
  t.ok(shared.size >= 1, 'the corpus has a shared lifecycle request');
  for (const l of lines) {
    const req = REQUEST.exec(l.text)?.[1];
    if (req === undefined || !requestsOfInstance.has(req)) continue;
    if (shared.has(req)) {
      if (!l.text.includes(ID)) t.notOk(keys.has(key(l)), `shared request line left out: ${key(l)}`);
    } else {
      t.ok(keys.has(key(l)), `own request line kept: ${key(l)}`);
    }
  }
  t.same(result.sharedRequestIds.sort(), [...shared].sort());
});

t.test('cache manager lines for the base file on cp-1 during the stay, tied to the image', async (t) => {
  const expectedDuringStay = lines.filter((l) => l.file.includes('cp-1') && l.text.includes(BASE) && l.time >= arrival && l.time <= departure);
  t.ok(expectedDuringStay.length > 0);

  const unknown = await trace();
  const cacheUnknown = unknown.result.records.filter((r) => r.why === 'cache');
  t.same(cacheUnknown.map((r) => `${r.record.source.file}:${r.record.source.line}`), expectedDuringStay.map(key));
  for (const r of cacheUnknown) {
    t.equal(r.unattributed, true, 'the instance never names its image: unattributed');
    t.equal(r.record.cache?.imageId, IMAGE, 'the base file ties to the image by the SHA-1 rule');
  }
  t.same(unknown.result.images[0]?.imageIds, [IMAGE]);

  // With the image given, the window runs from arrival until the base file is removed.
  const expectedUntilRemoval = lines.filter((l) => l.file.includes('cp-1') && l.text.includes(BASE) && l.time >= arrival && l.time <= removal);
  const known = await trace([IMAGE]);
  const cacheKnown = known.result.records.filter((r) => r.why === 'cache');
  t.same(cacheKnown.map((r) => `${r.record.source.file}:${r.record.source.line}`), expectedUntilRemoval.map(key));
  t.ok(cacheKnown.every((r) => !r.unattributed && r.record.cache?.imageId === IMAGE));
  t.equal(known.result.images[0]?.lastAction?.action, 'remove');
});
