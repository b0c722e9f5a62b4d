/**
 * scanImageCache over real files: the byte search finds the cache lines among others, in a gzip
 * rotated set too, reports damage as the trace does, and tells progress.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { discoverSources } from '../../src/sources/discover.js';
import { SourceReport } from '../../src/sources/report.js';
import { scanImageCache } from '../../src/images/run.js';

const SHA = 'a489c868f0c37da93b76227c91bb03908ac0e742';
const INST = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const line = (time: string, message: string) => `2026-03-02 ${time} 2931 INFO nova.virt.libvirt.imagecache [req-addc1839-2ed5-4778-b57e-5854eb7b8b09 - - - - -] ${message}\n`;

t.test('cache lines among others, a rotated .gz read first, a damaged .gz reported', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'images-run-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'cp-1'));
  const noise = Array.from({ length: 2000 }, (_, i) => line('09:00:00.000', `Took ${i} seconds to build instance.`)).join('');
  writeFileSync(path.join(root, 'cp-1', 'nova-compute.log.1.gz'), gzipSync(line('08:00:00.000', `image 0673dd71-34c5-4fbb-86c4-40623fbe45b4 at (/var/lib/nova/instances/_base/${SHA}): checking`) + noise));
  writeFileSync(path.join(root, 'cp-1', 'nova-compute.log'), noise + line('10:00:00.000', `Removing base, swap or ephemeral file: /var/lib/nova/instances/_base/${SHA}`)
    + line('10:00:01.000', `Instance ${INST} is backed by None`));
  mkdirSync(path.join(root, 'cp-2'));
  writeFileSync(path.join(root, 'cp-2', 'nova-compute.log.2.gz'), gzipSync(noise).subarray(0, 200));
  const { sources } = await discoverSources([root]);
  const report = new SourceReport();
  const progress: number[] = [];
  const inventory = await scanImageCache(sources, { report, onProgress: (done, total) => { t.ok(done <= total); progress.push(done); } });
  const result = inventory.finish();
  t.equal(inventory.cacheLines, 3, 'the backed-by line of a disk without backing file counts, and names no file');
  t.match(result.baseFiles, [{ host: 'cp-1', state: 'removed', firstSeen: Date.UTC(2026, 2, 2, 8), imageId: '0673dd71-34c5-4fbb-86c4-40623fbe45b4' }]);
  t.equal(result.baseFiles.length, 1);
  t.ok(progress.length > 0, 'progress told');
  t.ok(report.hadSkips, 'the truncated .gz is reported');
  t.match(report.summaryLines().join('\n'), /cp-2/);
});
