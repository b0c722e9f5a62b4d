/**
 * Property tests: random bytes and broken lines never throw, never hang, and every input line
 * is accounted for (the records' `source.lines` sum to the number of lines pushed, in order).
 */
import t from 'tap';
import fc from 'fast-check';
import { RecordAssembler, assembleLines } from '../../src/records/assemble.js';
import { isRecordStart } from '../../src/records/detect.js';
import { parseCacheMessage } from '../../src/records/cache-wording.js';
import { findUuids } from '../../src/records/ids.js';
import type { LogRecord } from '../../src/records/record.js';

const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const R = 'req-3ea4052c-895d-4b64-9e2d-04d64c4d94ab';

/** Real line shapes of every format, to be cut, spliced and corrupted. */
const SEEDS = [
  `2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [${R} 113d 54fa - - -] 10.11.10.1 "GET /v2/x HTTP/1.1" status: 200`,
  `2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [None ${R} u p - - - -] [instance: ${X}] failed`,
  `2020-01-01 00:00:00.000 1 ERROR nova.compute.manager [instance: ${X}] Traceback (most recent call last):`,
  '2012-04-10 12:34:57 TRACE nova.compute.manager   File "x.py", line 1',
  '2012-04-10 12:34:56 DEBUG nova.compute.manager [-] checking from (pid=1) f /a/b.py:3',
  '{"level":30,"time":1772442009123,"msg":"x","instance_uuid":"' + X + '","err":{"stack":"E\\n at f"}}',
  '{"message":"m","levelname":"INFO","created":1.5,"context":{"request_id":"r"},"extra":{"instance":{"uuid":"' + X + '"}}}',
  'Mar  2 09:00:09 cp-1 nova-compute[2931]: 2026-03-02 09:00:09.123 2931 INFO a [-] x#012y#011z',
  '<14>1 2026-03-02T09:00:09.123Z cp-2 app 1 - [a b="c\\]"] msg',
  '2026-03-02T09:00:09.123+01:00 cp-3 t[1]: m',
  'image 0673dd71-34c5-4fbb-86c4-40623fbe45b4 at (/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742): checking',
  'Traceback (most recent call last):',
  '<domain type="kvm">',
  '',
];

const seedLine = fc.constantFrom(...SEEDS);
/** A seed cut at a random point, or with random text spliced in. */
const brokenLine = fc.tuple(seedLine, fc.nat(), fc.string({ maxLength: 20 })).map(([s, at, junk]) => {
  const k = at % (s.length + 1);
  return at % 2 === 0 ? s.slice(0, k) : s.slice(0, k) + junk + s.slice(k);
});
/** Random bytes decoded as the sources layer decodes them (invalid UTF-8 → U+FFFD), split into lines. */
const decodedBytes = fc.uint8Array({ maxLength: 400 }).map((b) => new TextDecoder('utf-8').decode(b).split('\n'));
const anyLine = fc.oneof(seedLine, brokenLine, fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }));
const lineLists = fc.oneof(fc.array(anyLine, { maxLength: 40 }), decodedBytes);

function checkAccounting(lines: string[], records: LogRecord[]): void {
  let expectLine = 1;
  for (const r of records) {
    if (r.source.line !== expectLine) throw new Error(`record starts at ${r.source.line}, expected ${expectLine}`);
    if (r.source.lines < 1) throw new Error('record spans no line');
    expectLine += r.source.lines;
  }
  if (expectLine - 1 !== lines.length) throw new Error(`${expectLine - 1} lines accounted for, ${lines.length} pushed`);
}

t.test('random and broken lines: no throw, every line accounted for, in order', async (t) => {
  fc.assert(fc.property(lineLists, fc.integer({ min: 0, max: 6 }), (lines, limit) => {
    const a = new RecordAssembler({ file: 'f', host: null, service: null }, { maxContinuationLines: limit });
    const records = assembleLines(a, lines);
    checkAccounting(lines, records);
    if (a.stats.lines !== lines.length) throw new Error('stats.lines');
    const byFormat = Object.values(a.stats.records).reduce((x, y) => x + y, 0);
    if (byFormat !== records.length) throw new Error('stats.records');
    for (const l of lines) isRecordStart(l);
  }), { numRuns: 2000 });
  t.pass('2000 random inputs');
});

t.test('random text through the cache table and id finder', async (t) => {
  fc.assert(fc.property(fc.oneof(brokenLine, fc.string({ maxLength: 200 })), (s) => {
    parseCacheMessage(s);
    for (const id of findUuids(s)) if (id !== id.toLowerCase() || id.length !== 36) throw new Error(id);
  }), { numRuns: 600 });
  t.pass('no throw');
});

t.test('huge and hostile lines finish quickly', async (t) => {
  const big = 'x'.repeat(5_000_000);
  const hostile = [
    `2020-01-01 00:00:00.000 1 INFO a [${'['.repeat(1_000_000)}`,
    `2020-01-01 00:00:00.000 1 DEBUG a [-] ${'a:1 '.repeat(300_000)}`,
    `2020-01-01 00:00:00.000 1 INFO a [-] ${'image a at ('.repeat(100_000)}): checking qemu-img convert ${'/'.repeat(100_000)}`,
    `{"msg":"${'\\u0000'.repeat(100_000)}"}`,
    `Mar  2 09:00:09 h t: ${'#012'.repeat(50_000)}`,
    '<14>1 2026-03-02T09:00:09Z h a 1 - ' + '['.repeat(200_000),
    big,
    `${X} `.repeat(100_000),
  ];
  const t0 = Date.now();
  const a = new RecordAssembler({ file: 'f', host: null, service: null }, { maxContinuationLines: 1000 });
  const records = assembleLines(a, hostile);
  for (const l of hostile) isRecordStart(l);
  findUuids(hostile[7] as string);
  checkAccounting(hostile, records);
  t.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  t.ok(records.length >= 1);
});
