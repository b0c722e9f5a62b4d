/** The committed fixtures are exactly what fixtures/generate.js writes with our logger. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt } from './fixture/run.js';

ensureBuilt();

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name), path.join(prefix, e.name)) : [path.join(prefix, e.name)]).sort();
}

t.test('regenerating the fixtures gives the committed bytes', async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'instance-trace-fixtures-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ['fixtures/generate.js'], { encoding: 'utf8', env: { ...process.env, FIXTURES_OUT: out } });
  t.equal(r.status, 0, r.stderr);
  t.same(files(out), files('fixtures/cloud'));
  t.same(files(out), [
    'controller/nova-api.log', 'controller/nova-scheduler.log', 'cp-1/nova-compute.log',
    'cp-2/nova-compute.log', 'cp-2/nova-compute.log.1.gz', 'cp-3/nova-compute.log',
  ]);
  for (const file of files(out)) {
    t.ok(readFileSync(path.join(out, file)).equals(readFileSync(path.join('fixtures/cloud', file))), file);
  }
});

t.test('JSON on one host, oslo text on another, gzip on a rotated file', async (t) => {
  t.match(readFileSync('fixtures/cloud/cp-1/nova-compute.log', 'utf8'), /^\{"level":30,"time":\d+,"pid":2931,"hostname":"cp-1"/);
  t.match(readFileSync('fixtures/cloud/cp-2/nova-compute.log', 'utf8'), /^2026-03-02 10:00:01\.000 3107 INFO nova\.compute\.manager \[/);
  const gz = readFileSync('fixtures/cloud/cp-2/nova-compute.log.1.gz');
  t.same([gz[0], gz[1]], [0x1f, 0x8b]);
});
