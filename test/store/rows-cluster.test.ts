/**
 * Where a record lies in `records` (its cluster) and what the id table says of it: the tagged
 * instance first, else the one UUID its lines name, else the cache manager's mark, else nothing;
 * `carried` only on the record's own request id.
 */
import t from 'tap';
import { foundInBlock } from '../../src/trace/search-job.js';
import { clusterOf, RowWriter, CACHE_CUE_ID } from '../../src/store/rows.js';
import type { SourceFile } from '../../src/sources/source.js';

const SOURCE: SourceFile = { path: 'cp-1/nova-compute.log', display: 'cp-1/nova-compute.log', host: 'cp-1', service: 'nova-compute', gzip: false, size: null };
const found = (line: string) => foundInBlock({ source: SOURCE, firstLine: 7, lines: [line] }, {})[0]!;
const X = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const REQ = 'req-5b1c9e0a-7d3f-4e2a-9b8c-6d5e4f3a2b1c';

t.test('cluster: tagged, one UUID named, a cache cue, or none', async (t) => {
  t.equal(clusterOf(found(`2026-03-01 10:00:00.000 7 INFO nova.compute.claims [${REQ} - - - - -] [instance: ${X.toUpperCase()}] Claim successful on node cp-1 (image ${IMAGE})`)), X, 'the tagged instance, lower case, before any UUID named');
  t.equal(clusterOf(found(`2026-03-01 10:00:00.000 7 DEBUG nova.compute.manager [${REQ} - - - - -] Triggering sync for uuid ${X}`)), X, 'the one UUID named (a request id is not one)');
  t.equal(clusterOf(found(`2026-03-01 10:00:00.000 7 INFO nova.virt.libvirt.imagecache [${REQ} - - - - -] image ${IMAGE} at (/var/lib/nova/instances/_base/00c8197a3d92603946fabc9efa3759c6c403883f): checking`)), IMAGE, "an image's cache line lies with its image");
  t.equal(clusterOf(found(`2026-03-01 10:00:00.000 7 INFO nova.virt.libvirt.imagecache [${REQ} - - - - -] Active base files: /var/lib/nova/instances/_base/00c8197a3d92603946fabc9efa3759c6c403883f`)), CACHE_CUE_ID);
  t.equal(clusterOf(found(`2026-03-01 10:00:00.000 7 INFO nova.compute.manager [${REQ} - - - - -] Creating event network-vif-plugged:${IMAGE} for instance ${X}`)), '', 'two UUIDs: none');
});

t.test('the rows carry the cluster; carried marks the own request id', async (t) => {
  const f = found(`2026-03-01 10:00:00.000 7 INFO nova.compute.manager [${REQ} - - - - -] [instance: ${X}] Took 5.00 seconds to spawn the instance on the hypervisor (caller req-00000000-0000-4000-8000-000000000001)`);
  const rows = (source: ConstructorParameters<typeof RowWriter>[0]): { ids: string; record: string } => {
    const ids = { text: '', write(s: string) { this.text += s; } };
    const record = { text: '', write(s: string) { this.text += s; } };
    new RowWriter(source).write(f, 100, ids, record);
    return { ids: ids.text, record: record.text };
  };
  const writer = rows({ name: SOURCE.display, host: 'cp-1', service: 'nova-compute', identity: 'abc' });
  const ids = writer.ids.trimEnd().split('\n').map((l) => l.split('\t'));
  // Each ids row ends with its record's time (epoch seconds, as in `records`) and whether it has one.
  const at = String(Date.UTC(2026, 2, 1, 10, 0, 0) / 1000);
  t.same(ids.find((r) => r[0] === REQ), [REQ, 'cp-1/nova-compute.log', '7', X, '1', 'cp-1', '1', at, '1']);
  t.same(ids.find((r) => r[0] === 'req-00000000-0000-4000-8000-000000000001'), ['req-00000000-0000-4000-8000-000000000001', 'cp-1/nova-compute.log', '7', X, '0', 'cp-1', '1', at, '1'], 'an id only named');
  t.same(ids.find((r) => r[0] === X), [X, 'cp-1/nova-compute.log', '7', X, '0', 'cp-1', '1', at, '1']);
  t.equal(writer.record.trimEnd().split('\t').at(-1), X);
  const unknown = rows({ name: SOURCE.display, host: null, service: null });
  t.same(unknown.ids.trimEnd().split('\n')[0]!.split('\t').slice(-4), ['', '0', at, '1'], 'a source of unknown host');
  const untimed = { ids: '', write(s: string) { this.ids += s; } };
  new RowWriter({ name: SOURCE.display, host: 'cp-1', service: null }).write(found(`a line of no known format naming ${X}`), 1, untimed, { write: () => undefined });
  t.same(untimed.ids.trimEnd().split('\t').slice(-2), ['0000000000', '0'], 'a record without a time: 0 as ten digits, and has_time 0');
});

t.test('the coarse time test of a lookup: whole seconds, widened by the window and the tolerance; unbounded: none', async (t) => {
  const { timeCondition } = await import('../../src/store/trace.js');
  const at = Date.UTC(2026, 2, 1, 10, 0, 0);
  t.equal(timeCondition([{ first: at, last: at + 5000 }], Infinity), '1', '--request-window all: no test');
  t.equal(timeCondition([{ first: -Infinity, last: Infinity }], 3_600_000), '1', 'an untimed request: no test');
  t.equal(timeCondition([], 3_600_000), '1');
  const widen = 3_600_000 + 60_000 + 1000;
  t.equal(timeCondition([{ first: at, last: at + 5000 }], 3_600_000),
    `(has_time = 0 OR (toUInt32(time) >= ${Math.floor((at - widen) / 1000)} AND toUInt32(time) <= ${Math.ceil((at + 5000 + widen) / 1000)}))`);
  t.equal(timeCondition([{ first: at, last: Infinity }], 0), `(has_time = 0 OR (toUInt32(time) >= ${Math.floor((at - 61_000) / 1000)}))`, 'from an arrival on');
  t.equal(timeCondition([{ first: -5_000_000, last: 1000 }], 0), `(has_time = 0 OR (toUInt32(time) <= ${Math.ceil(62_000 / 1000)}))`, 'before 1970: an upper bound alone');
});

t.test('hostile names and ids: every field escaped, the rows read back whole', async (t) => {
  const { parseTsv } = await import('../../src/store/sql.js');
  const { ID_COLUMNS, RECORD_COLUMNS } = await import('../../src/store/schema.js');
  const bad = 'a\tb\\c\nd\re\0f';
  const source: SourceFile = { path: 'x', display: `dir\t/x\\.log`, host: `cp\t1`, service: `nova\\compute`, gzip: false, size: null };
  const line = JSON.stringify({ level: 30, time: 1772442006020, msg: `hostile ${X}`, request_id: `req-${bad}`, global_request_id: `g\\${bad}`, instance_uuid: X });
  const f = foundInBlock({ source, firstLine: 3, lines: [line] }, {})[0]!;
  t.ok(f.record.requestId?.includes('\t'), 'the parsed request id holds a tab');
  const ids = { text: '', write(s: string) { this.text += s; } };
  const record = { text: '', write(s: string) { this.text += s; } };
  new RowWriter({ name: source.display, host: source.host, service: source.service, identity: `4:${bad}` }).write(f, 9, ids, record);
  const idRows = parseTsv(ids.text);
  t.ok(idRows.every((r) => r.length === ID_COLUMNS.length), 'each ids row has its columns');
  t.same(idRows.map((r) => r[0]).sort(), [X, f.record.requestId!.toLowerCase(), f.record.globalRequestId!.toLowerCase()].sort());
  t.same(idRows[0]!.slice(1), [source.display, '3', X, idRows[0]![0] === f.record.requestId!.toLowerCase() ? '1' : '0', 'cp\t1', '1', '1772442006', '1']);
  const [row] = parseTsv(record.text);
  t.equal(row!.length, RECORD_COLUMNS.length);
  const named = Object.fromEntries(RECORD_COLUMNS.map(([n], i) => [n, row![i]]));
  t.same([named.source, named.identity, named.source_host, named.source_service, named.request_id, named.text], [source.display, `4:${bad}`, 'cp\t1', 'nova\\compute', f.record.requestId, line]);
});
