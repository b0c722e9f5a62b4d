import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordAssembler, assembleLines, baseFileNameForImage, type LogRecord } from '../../src/records/index.js';

/** RFC 4180 CSV (quoted fields, "" escapes, newlines inside quotes): the ground truth's format. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const CORPUS = 'fixtures/loghub-openstack';
const raw = readFileSync(join(CORPUS, 'OpenStack_2k.log'), 'utf8');
const csv = parseCsv(readFileSync(join(CORPUS, 'OpenStack_2k.log_structured.csv'), 'utf8'));

t.test('every line of OpenStack_2k.log parses as the published structured version', async (t) => {
  t.equal(raw.endsWith('\n'), false, 'the last line has no newline (as published)');
  const lines = raw.split('\n');
  t.equal(lines.length, 2000);
  const header = csv[0] as string[];
  t.same(header.slice(0, 9), ['LineId', 'Logrecord', 'Date', 'Time', 'Pid', 'Level', 'Component', 'ADDR', 'Content']);
  t.equal(csv.length, 2001);

  // Strip the leading log-file-name token each line carries in this data set.
  const a = new RecordAssembler({ file: 'OpenStack_2k.log', host: null, service: null });
  const records = assembleLines(a, lines.map((l) => l.slice(l.indexOf(' ') + 1)));
  t.equal(records.length, 2000);
  t.equal(a.stats.records.oslo, 2000);
  t.equal(a.stats.plainLines, 0);

  let mismatches = 0;
  records.forEach((r, i) => {
    const row = csv[i + 1] as string[];
    const got = {
      LineId: String(r.source.line),
      Date: r.timeText.slice(0, 10),
      Time: r.timeText.slice(11),
      Pid: String(r.pid),
      Level: r.levelText,
      Component: r.logger,
      ADDR: r.requestBlock,
      // The data set's Content keeps oslo's instance tag; the record carries it as instanceId.
      Content: (r.instanceId !== null ? `[instance: ${r.instanceId}] ` : '') + r.message,
    };
    const want = {
      LineId: row[0], Date: row[2], Time: row[3], Pid: row[4], Level: row[5], Component: row[6], ADDR: row[7], Content: row[8],
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      mismatches++;
      if (mismatches <= 5) t.same(got, want, `line ${i + 1}`);
    }
  });
  t.equal(mismatches, 0, 'no line differs from the ground truth');

  // Times are UTC epoch ms of the written wall clock (no --tz given).
  t.equal(records[0]?.time, Date.UTC(2017, 4, 16, 0, 0, 0, 8));
  const last = records[1999] as LogRecord;
  t.equal(last.timeText, `${(csv[2000] as string[])[2]} ${(csv[2000] as string[])[3]}`);
});

t.test('request blocks become ids; instance tags become instanceId', async (t) => {
  const lines = raw.split('\n').map((l) => l.slice(l.indexOf(' ') + 1));
  const records = assembleLines(new RecordAssembler({ file: 'x', host: null, service: null }), lines);
  const first = records[0] as LogRecord;
  t.equal(first.requestId, 'req-38101a0b-2096-447d-96ea-a692162415ae');
  t.equal(first.user, '113d3a99c3da401fbd62cc2caa5b96d2');
  t.equal(first.project, '54fadb412c4e40cdbaed9335e4c35a9e');
  t.equal(first.globalRequestId, null);
  const periodic = records.find((r) => r.requestBlock === 'req-addc1839-2ed5-4778-b57e-5854eb7b8b09 - - - - -') as LogRecord;
  t.equal(periodic.user, null);
  t.equal(periodic.project, null);
  const tagged = records.filter((r) => r.instanceId !== null);
  const tagLines = lines.filter((l) => l.includes('] [instance: '));
  t.equal(tagged.length, tagLines.length);
  t.ok(tagged.length > 100);
  t.ok(tagged.every((r) => !r.message.startsWith('[instance:')));
});

t.test('the image cache manager lines become cache facts tied to the image', async (t) => {
  const lines = raw.split('\n').map((l) => l.slice(l.indexOf(' ') + 1));
  const records = assembleLines(new RecordAssembler({ file: 'x', host: null, service: null }), lines);
  const cacheRecords = records.filter((r) => r.cache !== null);
  const imagecacheLines = lines.filter((l) => l.includes(' nova.virt.libvirt.imagecache '));
  t.equal(cacheRecords.length, imagecacheLines.length, 'every imagecache line is a cache fact');
  const actions = new Set(cacheRecords.map((r) => r.cache?.action));
  t.same([...actions].sort(), ['active', 'check', 'in_use', 'remove', 'too_young', 'unknown', 'unused'].sort());
  const image = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
  const base = `/var/lib/nova/instances/_base/${baseFileNameForImage(image)}`;
  t.ok(cacheRecords.every((r) => r.cache?.baseFile === base), 'all name the one base file');
  const checking = cacheRecords.find((r) => r.cache?.action === 'check') as LogRecord;
  t.equal(checking.imageId, image);
});

t.test('collected/<host>/<service>.log parse into the same 2,000 records', async (t) => {
  const files = [['controller', 'nova-api'], ['controller', 'nova-scheduler'], ['cp-1', 'nova-compute']] as const;
  let total = 0;
  for (const [host, service] of files) {
    const text = readFileSync(join(CORPUS, 'collected', host, `${service}.log`), 'utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const a = new RecordAssembler({ file: `${host}/${service}.log`, host, service });
    const records = assembleLines(a, lines);
    t.equal(records.length, lines.length, `${service}: one record a line`);
    t.ok(records.every((r) => r.host === host && r.service === service && r.format === 'oslo'));
    t.same(records.map((r) => r.source.line), lines.map((_, i) => i + 1));
    const tagged = lines.filter((l) => l.includes('] [instance: '));
    const withInstance = records.filter((r) => r.instanceId !== null);
    t.equal(withInstance.length, tagged.length, `${service}: every instance tag extracted`);
    for (const r of withInstance) {
      const line = lines[r.source.line - 1] as string;
      t.ok(line.includes(`[instance: ${r.instanceId}] `), `line ${r.source.line} tag`);
    }
    total += records.length;
  }
  t.equal(total, 2000);
});
