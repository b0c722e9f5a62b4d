import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pass2Needles } from '../../src/trace/run.js';
import { spoolOnceOnlySources } from '../../src/trace/spool.js';
import type { SourceFile } from '../../src/sources/source.js';

const source = (host: string | null): SourceFile => ({ path: 'x', display: 'x', host, service: 'nova-compute', gzip: false, size: 1 });

t.test('pass 2 needles: request ids everywhere, cache needles on stay hosts and hosts unknown', async (t) => {
  const plan = { requestIds: ['req-a'], imageNeedles: ['img'], cacheHosts: new Map([['cp-1', 0]]) };
  t.same(pass2Needles(['req-a'], plan, ['img'], source('cp-1')), ['req-a', 'img']);
  t.same(pass2Needles(['req-a'], plan, ['img'], source('cp-9')), ['req-a']);
  t.same(pass2Needles([], plan, ['img'], source(null)), ['img']);
  t.same(pass2Needles(['req-a'], { ...plan, cacheHosts: new Map() }, ['img'], source(null)), ['req-a']);
});

t.test('stdin is spooled to a private file that is removed afterwards; files are left alone', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'it-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'a.log');
  writeFileSync(file, 'x\n');
  const regular: SourceFile = { path: file, display: file, host: null, service: 'a', gzip: false, size: 2 };
  const untouched = await spoolOnceOnlySources([regular]);
  t.same(untouched.sources, [regular]);
  await untouched.cleanup();

  const stdin: SourceFile = { path: '-', display: '-', host: null, service: null, gzip: false, size: null };
  const spooled = await spoolOnceOnlySources([regular, stdin], Readable.from(['line one\n', 'line two\n']));
  const copy = spooled.sources[1]!;
  t.equal(copy.display, '-');
  t.equal(copy.size, 18);
  t.not(copy.path, '-');
  await spooled.cleanup();
  const { existsSync } = await import('node:fs');
  t.notOk(existsSync(copy.path), 'the copy is removed');
});
