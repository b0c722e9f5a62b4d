import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { discoverSources } from '../../src/sources/discover.js';
import { tempDir } from './fixtures/helpers.js';

const LINE = '2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [-] hello\n';

t.test('a folder of collected logs: hosts, services, rotated sets oldest first, gzip by magic', async (t) => {
  const root = path.join(tempDir(t), 'collected');
  mkdirSync(path.join(root, 'cp-1'), { recursive: true });
  mkdirSync(path.join(root, 'controller', 'nova'), { recursive: true });
  writeFileSync(path.join(root, 'cp-1', 'nova-compute.log'), LINE);
  writeFileSync(path.join(root, 'cp-1', 'nova-compute.log.1'), LINE);
  writeFileSync(path.join(root, 'cp-1', 'nova-compute.log.2.gz'), gzipSync(LINE));
  writeFileSync(path.join(root, 'cp-1', 'nova-compute.log.3'), gzipSync(LINE)); // gzip without .gz
  writeFileSync(path.join(root, 'controller', 'nova', 'nova-api.log'), LINE);
  writeFileSync(path.join(root, 'controller', 'nova', 'nova-api.log-20240101.gz'), gzipSync(LINE));
  const { sources, warnings } = await discoverSources([root]);
  t.same(warnings, []);
  t.same(sources.map((s) => path.relative(root, s.path)), [
    'controller/nova/nova-api.log-20240101.gz', 'controller/nova/nova-api.log',
    'cp-1/nova-compute.log.3', 'cp-1/nova-compute.log.2.gz', 'cp-1/nova-compute.log.1', 'cp-1/nova-compute.log',
  ]);
  t.same(sources.map((s) => s.host), ['controller', 'controller', 'cp-1', 'cp-1', 'cp-1', 'cp-1']);
  t.same(sources.map((s) => s.service), ['nova-api', 'nova-api', 'nova-compute', 'nova-compute', 'nova-compute', 'nova-compute']);
  t.same(sources.map((s) => s.gzip), [true, false, true, true, false, false]);
  t.equal(sources[1]!.display, path.join(root, 'controller/nova/nova-api.log'));
  t.equal(sources[1]!.size, LINE.length);
});

t.test('display joins the path as given with the path found; a host folder given directly', async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'cp-7'));
  writeFileSync(path.join(dir, 'cp-7', 'nova-compute.log'), LINE);
  const cwd = process.cwd();
  process.chdir(dir);
  t.teardown(() => process.chdir(cwd));
  const { sources } = await discoverSources(['./cp-7', 'cp-7/nova-compute.log']);
  t.equal(sources.length, 1, 'the same file given twice is read once');
  t.equal(sources[0]!.display, 'cp-7/nova-compute.log');
  t.equal(sources[0]!.host, 'cp-7');
  const bare = await discoverSources([path.join(dir, 'cp-7', 'nova-compute.log')]);
  t.equal(bare.sources[0]!.host, null, 'a bare file has no host');
  t.equal(bare.sources[0]!.service, 'nova-compute');
});

t.test('missing, unreadable and binary paths are warnings; the rest is read', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'good.log'), LINE);
  writeFileSync(path.join(dir, 'empty.log'), '');
  writeFileSync(path.join(dir, 'program'), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(100)]));
  writeFileSync(path.join(dir, 'noise.bin'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 256)));
  writeFileSync(path.join(dir, 'x.log.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]));
  writeFileSync(path.join(dir, 'nul-holes.log'), Buffer.concat([Buffer.alloc(3000), Buffer.from(LINE)]));
  symlinkSync('loop', path.join(dir, 'loop'));
  const { sources, warnings } = await discoverSources([path.join(dir, 'absent.log'), dir, '-']);
  t.same(sources.map((s) => path.basename(s.path)), ['empty.log', 'good.log', 'noise.bin', 'nul-holes.log', '-'], 'control bytes alone skip nothing');
  t.same(sources[4], { path: '-', display: '-', host: null, service: null, gzip: false, size: null });
  t.same(warnings.map((w) => [path.basename(w.file), w.kind]), [
    ['absent.log', 'missing'], ['loop', 'unreadable'], ['program', 'binary'], ['x.log.xz', 'binary'],
  ]);
  t.match(warnings.find((w) => w.file.endsWith('x.log.xz'))!.message, /xz-compressed/);
});

t.test('a gzip file holding binary data is skipped; a damaged gzip is left to the reader', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'a.log.gz'), gzipSync(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0])));
  writeFileSync(path.join(dir, 'b.log.gz'), Buffer.from([0x1f, 0x8b, 0xff, 0xff, 0xff]));
  const { sources, warnings } = await discoverSources([dir]);
  t.same(sources.map((s) => path.basename(s.path)), ['b.log.gz']);
  t.same(warnings.map((w) => w.kind), ['binary']);
});

t.test('a log with a long stretch of garbage inside is read: the search counts damage, it is no reason to skip', async (t) => {
  const dir = tempDir(t);
  let seed = 5;
  const noise = Buffer.from(Array.from({ length: 200_000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  writeFileSync(path.join(dir, 'nova-compute.log'), Buffer.concat([Buffer.from(LINE), noise, Buffer.from(LINE.repeat(3))]));
  writeFileSync(path.join(dir, 'crashed.log'), Buffer.concat([noise.subarray(0, 8192), Buffer.from(LINE)]));
  const { sources, warnings } = await discoverSources([dir]);
  t.same(sources.map((s) => path.basename(s.path)), ['crashed.log', 'nova-compute.log']);
  t.same(warnings, []);
});

t.test('devices and sockets are refused with one warning each; a named pipe given by name is a stream', async (t) => {
  const dir = tempDir(t);
  const fifo = path.join(dir, 'nova-compute.log');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const { sources, warnings } = await discoverSources(['/dev/zero', '/dev/urandom', fifo, '/dev/null']);
  t.same(sources, [{ path: fifo, display: fifo, host: null, service: 'nova-compute', gzip: false, size: null }]);
  t.same(warnings, ['/dev/zero', '/dev/urandom', '/dev/null'].map((file) => (
    { file, kind: 'not-a-file', message: 'skipped: not a regular file or pipe (character device)' })));

  const folder = path.join(dir, 'cp-1');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'nova-compute.log'), LINE);
  t.equal(spawnSync('mkfifo', [path.join(folder, 'pipe')]).status, 0);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path.join(folder, 'agent.sock'), resolve));
  t.teardown(() => server.close());
  const inFolder = await discoverSources([folder]);
  t.same(inFolder.sources.map((s) => path.basename(s.path)), ['nova-compute.log'], 'a pipe inside a folder is left alone');
  t.same(inFolder.warnings, [{ file: path.join(folder, 'agent.sock'), kind: 'not-a-file', message: 'skipped: not a regular file or pipe (socket)' }]);
});
