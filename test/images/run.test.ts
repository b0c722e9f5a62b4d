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
import { PART_RECORDS } from '../../src/images/scan-job.js';

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

t.test('the same inventory from the main thread alone and from a pool of scanners', async (t) => {
  const { sources } = await discoverSources(['fixtures/cloud', 'fixtures/loghub-openstack/collected']);
  t.ok(sources.length >= 5);
  const scan = async (workers: number) => {
    const report = new SourceReport();
    const inventory = await scanImageCache(sources, { report, workers });
    return { result: inventory.finish(), lines: inventory.cacheLines, summary: report.summaryLines() };
  };
  const alone = await scan(0);
  t.ok(alone.lines > 0);
  t.same(await scan(2), alone, 'two scanners');
  t.same(await scan(4), alone, 'more scanners than cores');
});

t.test('a scan worker that fails ends the view with one line, never a hang', async (t) => {
  const { sources } = await discoverSources(['fixtures/cloud']);
  const failing: Array<[string, RegExp]> = [
    ['worker-throws-at-load.mjs', /^an image scan worker failed: cannot load the search code$/],
    ['worker-exits.mjs', /^an image scan worker stopped \(exit code 3\)$/],
  ];
  for (const [file, message] of failing) {
    const workerUrl = new URL(`../trace/fixture/${file}`, import.meta.url);
    await t.rejects(scanImageCache(sources, { report: new SourceReport(), workers: 3, workerUrl }), { message }, file);
  }
});

t.test('a pool whose workers find more records than a part ahead of their turn: the same answer, no deadlock', async (t) => {
  // Three hosts, each with more cache lines than PART_RECORDS: a worker scanning a later source
  // fills its parts while the first source is still fed, and waits for its turn.
  const root = mkdtempSync(path.join(tmpdir(), 'images-parts-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const host of ['cp-1', 'cp-2', 'cp-3']) {
    mkdirSync(path.join(root, host));
    const lines: string[] = [];
    for (let i = 0; i < PART_RECORDS * 5 + 100; i++) {
      const second = String(i % 60).padStart(2, '0');
      lines.push(line(`10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${second}.000`, `image 0673dd71-34c5-4fbb-86c4-40623fbe45b4 at (/var/lib/nova/instances/_base/${SHA}): checking`));
    }
    writeFileSync(path.join(root, host, 'nova-compute.log'), lines.join(''));
  }
  const { sources } = await discoverSources([root]);
  const scan = async (workers: number) => {
    const inventory = await scanImageCache(sources, { report: new SourceReport(), workers });
    return { result: inventory.finish(), lines: inventory.cacheLines };
  };
  const alone = await scan(0);
  t.equal(alone.lines, 3 * (PART_RECORDS * 5 + 100));
  t.same(await scan(2), alone, 'two workers');
  t.same(await scan(3), alone, 'a worker a source');
});
