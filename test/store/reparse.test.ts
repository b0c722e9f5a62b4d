/**
 * A stored record read back (src/store/rows.ts foundOfRow): the store keeps a record's lines,
 * not its parsed form, and the trace parses them again. Each record an ingest job writes comes
 * back as the record the file trace finds (the scanning engine's blocks, parsed with the same
 * options), whatever its format: oslo text with its traceback, oslo.log's JSON, pino JSON (a
 * cache fact too), syslog (RFC 3164, year-less; RFC 5424), container lines (CRI and Docker, a
 * long line in pieces), CRLF, lines of no format, an exception line with no record before it;
 * its time the one read at ingest (a zone and a host's offset given), on a source of known and
 * of unknown host.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchSource } from '../../src/sources/search.js';
import type { SourceFile } from '../../src/sources/source.js';
import { fileClock, isRecordStart, type ParseOptions } from '../../src/records/index.js';
import { foundInBlock } from '../../src/trace/search-job.js';
import type { FoundRecord } from '../../src/trace/types.js';
import { runIngestJob } from '../../src/store/ingest-job.js';
import { RECORD_COLUMNS } from '../../src/store/schema.js';
import { foundOfRow, type StoredRow } from '../../src/store/rows.js';
import { parseTsv } from '../../src/store/sql.js';

const dir = mkdtempSync(join(tmpdir(), 'it-reparse-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const MIXED = [
  '2026-03-02 10:00:03.200 3107 ERROR nova.virt.libvirt.driver [req-6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5 - - - - -] [instance: 9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11] Traceback (most recent call last):',
  '2026-03-02 10:00:03.200 3107 ERROR nova.virt.libvirt.driver   File "x.py", line 1, in f',
  '2026-03-02 10:00:03.200 3107 ERROR nova.virt.libvirt.driver OSError: boom',
  '2026-03-02 10:00:03.200 3107 ERROR nova.virt.libvirt.driver ',
  'a bare line of no format',
  '2026-03-02 10:00:04.123456 3107 INFO nova.compute.manager [-] micro seconds\r',
  '2026-03-02 10:00:05.000 3107 ERROR nova.compute.manager   File "y.py", line 2, in g',
  '{"level":30,"time":1772442006020,"pid":2931,"hostname":"cp-1","service":"nova-compute","name":"nova.compute.manager","msg":"pino line"}',
  '<13>Mar 12 09:00:09 cp-1 nova-compute[2931]: 2026-03-12 09:00:09.001 2931 INFO nova.compute.manager [-] through syslog#012second line',
  '<14>1 2026-03-02T09:00:09.123Z cp-2 nova-compute 2931 - - message here',
  '2026-04-14T10:42:57.072876123Z stdout P 2026-04-14 10:42:57.072 7 INFO nova.compute.manager [-] the head of a long',
  '2026-04-14T10:42:57.072876123Z stdout F  line, its tail',
  '{"log":"2026-04-14 10:42:57.072 7 INFO nova.compute.manager [-] in Docker\\n","stream":"stderr","time":"2026-04-14T10:42:57.072876123Z"}',
  '2026-03-05 01:00:00.000 3107 DEBUG nova.virt.libvirt.imagecache [-] Active base files: /var/lib/nova/instances/_base/00c8197a3d92603946fabc9efa3759c6c403883f',
  JSON.stringify({ message: 'Terminating instance', asctime: '2026-03-02 09:00:09,123', created: 1772442009.1234, levelname: 'AUDIT', name: 'nova.compute.manager', process: 4242, hostname: 'cp-4', traceback: ['Traceback (most recent call last):', '  File "z.py"', 'ValueError: z'], context: { request_id: 'req-11111111-2222-4333-8444-555555555555', instance_uuid: '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11' }, extra: {} }),
  JSON.stringify({ level: 30, time: 1772442006020, msg: 'cache', cache_action: 'active', base_files: ['/var/lib/nova/instances/_base/00c8197a3d92603946fabc9efa3759c6c403883f'], image_id: 'c2f1e9a4-6b1d-4e0f-9a57-2d8e3b4c5f60' }),
  '',
].join('\n');

/** The records an ingest job stores, read back as the trace reads them. */
async function storedAndRead(source: SourceFile, parse: Pick<ParseOptions, 'tz' | 'offsets'>): Promise<FoundRecord[]> {
  let tsv = '';
  await runIngestJob({ source, stored: { name: source.display, host: source.host, service: source.service, identity: 'x' }, start: null, skipLines: 0, parse, partRecords: 3, partBytes: 1 << 20 }, {
    onPart: (part) => { tsv += Buffer.from(part.records).toString('utf8'); },
    onWarning: () => undefined,
  });
  const names = RECORD_COLUMNS.map(([n]) => n);
  return parseTsv(tsv).map((fields) => {
    const row = Object.fromEntries(names.map((n, i) => [n, fields[i]!]));
    // What the trace's lookup selects: the time as epoch seconds (toUInt32).
    return foundOfRow(row as unknown as StoredRow);
  });
}

/** The records the file trace finds in a source (its blocks parsed with one clock). */
async function fileRecords(source: SourceFile, parse: Pick<ParseOptions, 'tz' | 'offsets'>): Promise<FoundRecord[]> {
  const out: FoundRecord[] = [];
  const options: ParseOptions = { offsets: parse.offsets, tz: fileClock(parse.tz) };
  await searchSource(source, { needles: null, isRecordStart, onWarning: () => undefined }, (block) => { out.push(...foundInBlock(block, options)); });
  return out;
}

const cases: Array<[string, SourceFile, Pick<ParseOptions, 'tz' | 'offsets'>]> = [];
const mixed = join(dir, 'mixed.log');
writeFileSync(mixed, MIXED);
const size = (path: string): number => readFileSync(path).length;
cases.push(['mixed formats, host known, a zone and an offset', { path: mixed, display: mixed, host: 'cp-1', service: 'nova-compute', gzip: false, size: size(mixed) }, { tz: 'Europe/Berlin', offsets: new Map([['cp-1', -2500], ['cp-2', 4000]]) }]);
cases.push(['mixed formats, host unknown, UTC', { path: mixed, display: 'renamed/mixed.log', host: null, service: null, gzip: false, size: size(mixed) }, {}]);
for (const file of ['fixtures/cloud/cp-1/nova-compute.log', 'fixtures/cloud/cp-2/nova-compute.log', 'fixtures/loghub-openstack/collected/cp-1/nova-compute.log']) {
  cases.push([file, { path: file, display: file, host: file.split('/').at(-2)!, service: 'nova-compute', gzip: false, size: size(file) }, { tz: '+05:30' }]);
}

for (const [name, source, parse] of cases) {
  t.test(`${name}: each record read back is the one the file trace finds`, async (t) => {
    const expected = await fileRecords(source, parse);
    const got = await storedAndRead(source, parse);
    t.ok(expected.length > 5, `${expected.length} records`);
    t.equal(got.length, expected.length);
    for (let i = 0; i < expected.length; i++) t.same(got[i], expected[i], `record at line ${expected[i]!.record.source.line}`);
  });
}

t.test('a time outside what the column holds (before 1970) comes back as the parse gives it', async (t) => {
  const old = join(dir, 'old.log');
  writeFileSync(old, '1969-07-20 20:17:40.000 1 INFO nova.compute.manager [-] before the epoch\n');
  const source: SourceFile = { path: old, display: old, host: null, service: null, gzip: false, size: size(old) };
  const [found] = await storedAndRead(source, {});
  t.equal(found!.record.time, Date.UTC(1969, 6, 20, 20, 17, 40));
});
