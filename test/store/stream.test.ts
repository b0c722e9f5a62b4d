/**
 * Ingest as a pipeline sink: `… | instance-trace ingest - --host … --service …` through the real
 * launcher. Records go in while the stream is still open (a batch at least every second), and
 * SIGTERM stores what is complete before the process ends; the trace from the store then names
 * the host and service given.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { runMain } from '../cli/fixture/run.js';
import { ensureBuilt } from '../cli/fixture/run.js';
import { count, dropDatabase, storeUrl } from './fixture.js';

const url = storeUrl('stream');
t.teardown(() => dropDatabase(url));
ensureBuilt();

const ID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const line = (i: number): string =>
  `2026-03-01 10:00:${String(i).padStart(2, '0')}.000 7 INFO nova.compute.manager [req-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee - - - - -] [instance: ${ID}] step ${i}\n`;

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

t.test('records go in while the stream is open; SIGTERM stores the rest', async (t) => {
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" bin/instance-trace "$@"', process.execPath, 'ingest', '-', '--host', 'cp-7', '--service', 'nova-compute'], {
    env: { PATH: process.env.PATH, INSTANCE_TRACE_STORE: url }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  for (let i = 0; i < 5; i++) child.stdin.write(line(i));
  // The fifth record may still gain lines: the first four are complete and go in.
  await waitFor(async () => (await count(url).catch(() => 0)) >= 4, 'the first batch');
  t.equal(await count(url), 4, 'the complete records, while the stream is open');
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit') as [number | null];
  t.equal(code, 0, stderr);
  t.match(stderr, /ingest \(stopped: the rest on the next run\): 5 records/);
  t.equal(await count(url), 5, 'what came before SIGTERM is stored');

  const traced = await runMain([ID, '--store', url, '--json']);
  t.equal(traced.status, 0, traced.stderr);
  const records = traced.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { host: string; service: string; message: string });
  t.same(records.map((r) => r.message), [0, 1, 2, 3, 4].map((i) => `step ${i}`));
  t.ok(records.every((r) => r.host === 'cp-7' && r.service === 'nova-compute'), 'host and service of the stream');
});

t.test('a stream to its end: every record, each ingest its own source', async (t) => {
  const input = [0, 1, 2].map(line).join('');
  for (let i = 0; i < 2; i++) {
    const r = await runMain(['ingest', '--store', url, '--host', 'cp-8'], { stdin: input });
    t.equal(r.status, 0, r.stderr);
    t.match(r.stderr, /ingest: 3 records/);
  }
  t.equal(await count(url), 11, 'a stream has no name to resume by: both went in');
});
