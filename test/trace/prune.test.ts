import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkpointsUsable, ORDER_TOLERANCE_MS, planRangeSearches, type RangeSearch } from '../../src/trace/prune.js';
import { runTrace, type RunOptions } from '../../src/trace/run.js';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import type { Checkpoint, SourceFile } from '../../src/sources/source.js';
import type { TraceResult } from '../../src/trace/correlate.js';

const cp = (offset: number, time: number | null, line = offset + 1): Checkpoint => ({ offset, line, time });

t.test('checkpoints place a file in time only when all are timed and never go back by more than the tolerance', async (t) => {
  t.notOk(checkpointsUsable([]));
  t.ok(checkpointsUsable([cp(0, 10), cp(5, 10), cp(9, 20)]));
  t.ok(checkpointsUsable([cp(0, 10_000_000), cp(5, 10_000_000 - ORDER_TOLERANCE_MS)]), 'small disorder is tolerated');
  t.notOk(checkpointsUsable([cp(0, 10_000_000), cp(5, 10_000_000 - ORDER_TOLERANCE_MS - 1)]));
  t.notOk(checkpointsUsable([cp(0, 10), cp(5, null)]));
});

t.test('stretches between checkpoints are searched only for the needles whose windows overlap their times', async (t) => {
  const h = 3_600_000;
  const cps = [cp(100, 1 * h), cp(200, 2 * h), cp(300, 3 * h), cp(400, 4 * h), cp(500, 5 * h)];
  const plan = planRangeSearches(cps, [
    { needle: 'req-a', from: 2.5 * h, to: 2.6 * h },
    { needle: 'img', from: 3.5 * h, to: Infinity },
  ]);
  t.same(plan, [
    { range: { offset: 200, line: 201, end: 300, time: 2 * h }, needles: ['req-a'] },
    // Stretches with the same needles merge, up to the end of the file (the last is open-ended).
    { range: { offset: 300, line: 301, end: null, time: 3 * h }, needles: ['img'] },
  ]);
  // Before the first checkpoint, times are unbounded below.
  t.same(planRangeSearches(cps, [{ needle: 'old', from: -Infinity, to: 0 }]), [{ range: { offset: 0, line: 1, end: 100 }, needles: ['old'] }]);
  // Everything, in pieces of at most maxBytes.
  t.same(planRangeSearches(cps, [{ needle: 'x', from: -Infinity, to: Infinity }], { maxBytes: 250 }).map((s) => [s.range.offset, s.range.end]), [[0, 200], [200, 400], [400, null]]);
  t.same(planRangeSearches(cps, [{ needle: 'x', from: 10 * h, to: 11 * h }]), [{ range: { offset: 500, line: 501, end: null, time: 5 * h }, needles: ['x'] }]);
  t.same(planRangeSearches([cp(0, 5)], [{ needle: 'x', from: -Infinity, to: Infinity }]), [{ range: { offset: 0, line: 1, end: null, time: 5 }, needles: ['x'] }], 'an empty first stretch is skipped; a range from a checkpoint carries its time');
});

const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const BASE = '/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742';
const uuid = (n: number): string => `${n.toString(16).padStart(8, '0')}-1111-4222-8333-${n.toString(16).padStart(12, '0')}`;
const REQ_BUILD = `req-${uuid(0xa1)}`;
const REQ_MOVE = `req-${uuid(0xa2)}`;
const REQ_PERIODIC = `req-${uuid(0xa3)}`;

/** `HH:MM:SS` on 2026-03-02 (UTC) + seconds → oslo's timestamp. */
function stamp(seconds: number): string {
  return new Date(Date.UTC(2026, 2, 2) + seconds * 1000).toISOString().replace('T', ' ').replace('Z', '');
}

function osloLine(seconds: number, logger: string, request: string, instance: string | null, message: string): string {
  return `${stamp(seconds)} 4242 INFO ${logger} [${request} - - - - -] ${instance === null ? '' : `[instance: ${instance}] `}${message}`;
}

/**
 * Six hours of three hosts' logs: other instances' records every 5 s (one MB a file), the
 * periodic task's request on both compute hosts every 10 min, the cache manager every 20 min;
 * the instance built on cp-1 at 01:30 (its request also logged on api-1 and unnamed on cp-1),
 * tagged with the periodic request at 03:00, migrated to cp-2 at 04:00.
 */
function writeCloud(root: string, reorder = false): void {
  const files = new Map<string, Array<[number, string]>>();
  const add = (file: string, seconds: number, line: string): void => {
    const list = files.get(file) ?? [];
    list.push([seconds, line]);
    files.set(file, list);
  };
  const api = 'api-1/nova-api.log';
  const cp1 = 'cp-1/nova-compute.log';
  const cp2 = 'cp-2/nova-compute.log';
  const start = 3600;
  const end = 7 * 3600;
  for (let s = start, n = 0; s < end; s += 5, n++) {
    for (const file of [api, cp1, cp2]) {
      add(file, s, osloLine(s, 'nova.compute.manager', `req-${uuid(0x1000 + n)}`, uuid(0x5000 + (n % 97)), `Filler record ${n} ${'.'.repeat(80)}`));
    }
    if (n % 120 === 0) {
      for (const file of [cp1, cp2]) {
        add(file, s + 1, osloLine(s + 1, 'nova.compute.manager', REQ_PERIODIC, uuid(0x5000 + (n % 97)), 'Periodic power state sync'));
      }
    }
    if (n % 240 === 0) {
      for (const file of [cp1, cp2]) add(file, s + 2, osloLine(s + 2, 'nova.virt.libvirt.imagecache', `req-${uuid(0x9000 + n)}`, null, `image ${IMAGE} at (${BASE}): checking`));
    }
  }
  const build = 5400;
  add(api, build, osloLine(build, 'nova.osapi_compute.wsgi.server', REQ_BUILD, null, '10.0.0.1 "POST /v2/p/servers HTTP/1.1" status: 202 len: 733 time: 0.79'));
  add(cp1, build + 2, osloLine(build + 2, 'nova.compute.claims', REQ_BUILD, ID, 'Attempting claim: memory 2048 MB'));
  add(cp1, build + 3, osloLine(build + 3, 'nova.virt.libvirt.imagecache', REQ_BUILD, null, `Fetching image ${IMAGE} to ${BASE}`));
  add(cp1, build + 30, osloLine(build + 30, 'nova.compute.manager', REQ_BUILD, ID, 'Took 28.00 seconds to build instance.'));
  add(cp1, 3 * 3600 + 1, osloLine(3 * 3600 + 1, 'nova.compute.manager', REQ_PERIODIC, ID, 'Periodic power state sync'));
  const move = 4 * 3600 + 7;
  add(api, move, osloLine(move, 'nova.osapi_compute.wsgi.server', REQ_MOVE, null, `10.0.0.1 "POST /v2/p/servers/${ID}/action HTTP/1.1" status: 202 len: 186 time: 0.22`));
  add(cp1, move + 3, osloLine(move + 3, 'nova.compute.manager', REQ_MOVE, null, 'Preparing to migrate'));
  add(cp2, move + 9, osloLine(move + 9, 'nova.compute.manager', REQ_MOVE, ID, 'Migrating instance to cp-2 finished'));
  add(cp2, move + 60, osloLine(move + 60, 'nova.compute.manager', REQ_MOVE, ID, 'Instance running'));
  for (const [file, lines] of files) {
    lines.sort((a, b) => a[0] - b[0]);
    // Out of order: the second half of the file written first.
    const ordered = reorder && file === cp1 ? [...lines.slice(lines.length >> 1), ...lines.slice(0, lines.length >> 1)] : lines;
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), ordered.map(([, line]) => line).join('\n') + '\n');
  }
}

async function trace(root: string, extra: Partial<RunOptions>): Promise<{ result: TraceResult; plans: Map<SourceFile, readonly RangeSearch[]> }> {
  const { sources } = await discoverSources([root]);
  const plans = new Map<SourceFile, readonly RangeSearch[]>();
  const result = await runTrace(sources, {
    instanceId: ID, report: new SourceReport(), checkpointBytes: 16 * 1024, onPass2Plan: (s, p) => plans.set(s, p), ...extra,
  });
  return { result, plans };
}

const summary = (result: TraceResult): string[] => result.records.map((r) => `${r.record.source.file}:${r.record.source.line} ${r.why} ${r.record.message.slice(0, 40)}`);

t.test('with pruning the trace finds the same records as without, and reads much less in pass 2', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'it-prune-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeCloud(root);
  const whole = await trace(root, { requestWindowMs: Infinity });
  const pruned = await trace(root, {});
  t.same(summary(pruned.result), summary(whole.result));
  t.same(pruned.result.sharedRequestIds, [REQ_PERIODIC], 'the periodic request is still found shared');
  t.same(pruned.result.sharedRequestIds, whole.result.sharedRequestIds);
  const whys = new Set(pruned.result.records.map((r) => r.why));
  t.same([...whys].sort(), ['cache', 'mentioned', 'request', 'tagged']);
  t.ok(pruned.result.records.some((r) => r.why === 'request' && r.record.message.includes('Preparing to migrate')), 'a request record on a host the instance left');
  t.ok(pruned.result.records.some((r) => r.why === 'cache' && r.record.host === 'cp-2'), 'cache lines after the arrival on cp-2');

  let wholeBytes = 0;
  let prunedBytes = 0;
  for (const [source, plan] of whole.plans) {
    const size = statSync(source.path).size;
    t.ok(size > 500_000, `${source.display} is big enough to prune`);
    for (const s of plan) wholeBytes += ((s.range.end ?? size) - s.range.offset) * s.needles.filter((n) => n.startsWith('req-')).length;
  }
  for (const [source, plan] of pruned.plans) {
    const size = statSync(source.path).size;
    for (const s of plan) prunedBytes += ((s.range.end ?? size) - s.range.offset) * s.needles.filter((n) => n.startsWith('req-')).length;
  }
  t.ok(prunedBytes < wholeBytes / 2, `pass 2 scans ${prunedBytes} bytes for request ids instead of ${wholeBytes}`);
  t.ok(prunedBytes > 0);
  const apiPlan = [...pruned.plans].find(([s]) => s.host === 'api-1')![1];
  t.ok(apiPlan.length > 0 && apiPlan.every((s) => s.needles.every((n) => n.startsWith('req-'))), 'no cache needles where the instance never lived');
  t.ok(apiPlan.every((s) => s.range.end !== null && s.range.end - s.range.offset < 400_000), 'only stretches near the requests on the API host');
});

t.test('a file whose times go back is not pruned: every needle over all of it', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'it-prune-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeCloud(root, true);
  const whole = await trace(root, { requestWindowMs: Infinity });
  const pruned = await trace(root, {});
  t.same(summary(pruned.result), summary(whole.result));
  const [source, plan] = [...pruned.plans].find(([s]) => s.host === 'cp-1')!;
  const size = statSync(source.path).size;
  t.equal(plan[0]!.range.offset, 0);
  t.equal(plan[plan.length - 1]!.range.end, null);
  plan.forEach((s, i) => {
    if (i > 0) t.equal(s.range.offset, plan[i - 1]!.range.end, 'contiguous');
    t.same(s.needles, plan[0]!.needles, 'the same needles everywhere');
  });
  t.ok(size > 0);
  t.ok(pruned.result.records.some((r) => r.why === 'request' && r.record.message.includes('Preparing to migrate')));
});

t.test('a plain file replaced by gzip data between the passes (rotation) is searched whole, not lost', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'it-prune-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeCloud(root);
  const whole = await trace(root, { requestWindowMs: Infinity });
  let replaced = 0;
  const rotated = await trace(root, {
    onPass2Plan: (source, plan) => {
      if (source.host !== 'cp-1' || plan.length === 0 || plan[0]!.range.offset === 0 && plan[0]!.range.end === null) return;
      writeFileSync(source.path, gzipSync(readFileSync(source.path)));
      replaced++;
    },
  });
  t.equal(replaced, 1);
  t.same(summary(rotated.result), summary(whole.result));
});
