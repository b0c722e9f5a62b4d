/** The image cache view's text and NDJSON, from hand-built results: every shape a result takes. */
import t from 'tap';
import { imagesToNdjson, renderImagesText } from '../../src/render/images.js';
import type { ImagesResult } from '../../src/images/inventory.js';

const IMG = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const SHA = 'a489c868f0c37da93b76227c91bb03908ac0e742';
const T = Date.UTC(2026, 2, 2, 9);

const result: ImagesResult = {
  hosts: ['cp-1', 'cp\u001b[31m-2'],
  cacheLines: 9,
  baseFiles: [
    { host: 'cp-1', imageId: IMG, baseFile: `/var/lib/nova/instances/_base/${SHA}_20`, resizedGb: 20, kind: 'image', state: 'present', firstSeen: T, lastSeen: T + 86_400_000, removedAt: null, presentSince: T, fetches: 1, instances: [], removable: true },
    { host: 'cp-1', imageId: null, baseFile: '/var/lib/nova/instances/_base/swap_512', resizedGb: null, kind: 'swap', state: 'removed', firstSeen: T, lastSeen: T, removedAt: T, presentSince: null, fetches: 0, instances: [], removable: false },
    { host: 'cp\u001b[31m-2', imageId: null, baseFile: SHA, resizedGb: null, kind: 'image', state: 'absent', firstSeen: null, lastSeen: null, removedAt: null, presentSince: null, fetches: 0, instances: [], removable: false },
  ],
  anomalies: [
    { type: 'unknown_base', host: 'cp-1', imageId: null, baseFile: null, instances: [], detail: 'x', count: 9, source: [{ file: 'f', line: 1, time: null, text: 'Unknown base file: \u202e' }] },
  ],
  precache: [{ imageId: IMG, time: null, completedAt: null, cached: [], existing: [], failed: [], skipped: [], unsupported: ['bm-1'] }],
};

t.test('text', async (t) => {
  const text = renderImagesText(result, [{ imageId: IMG, missingOn: [], command: null }], { color: false });
  t.match(text, `  present* ${IMG}  _base/a489c868f0c3…_20  seen 2026-03-02 09:00:00.000 → 2026-03-03 09:00:00.000  fetches 1`, 'a resized copy keeps its size');
  t.match(text, /removed  swap\s+_base\/swap_512 .* removed 2026-03-02 09:00:00\.000/);
  t.match(text, /absent {3}- +_base\/a489c868f0c3…  never seen  fetches 0/);
  t.match(text, /^cp\\x1b\[31m-2  1 base file/m, 'host names sanitised');
  t.match(text, '! unknown_base  image unknown: x (seen 9 times)\n      f:1 Unknown base file: \\u202e\n      …');
  t.match(text, `  image ${IMG}  unsupported: bm-1`);
  t.match(text, `image ${IMG}: every host holds it; nothing to do`);
  t.notOk(/[\u001b\u202e]/.test(text));
});

t.test('NDJSON', async (t) => {
  const lines = imagesToNdjson(result).trim().split('\n');
  t.equal(lines.length, 5);
  t.notOk(/[\u001b\u202e]/.test(lines.join('')), 'raw control characters escaped');
  t.same(JSON.parse(lines[0]!), { kind: 'anomaly', type: 'unknown_base', host: 'cp-1', image_id: null, instances: [], detail: 'x (seen 9 times)', source: [{ file: 'f', line: 1, time: null, text: 'Unknown base file: \u202e' }] });
  t.same(JSON.parse(lines[4]!), { kind: 'precache', image_id: IMG, cached: [], existing: [], failed: [], skipped: [], unsupported: ['bm-1'], time: null });
  const empty = renderImagesText({ hosts: [], cacheLines: 1, baseFiles: [], anomalies: [], precache: [] }, [], { color: true });
  t.equal(empty.includes('state:'), false, 'no legend without base files');
});
