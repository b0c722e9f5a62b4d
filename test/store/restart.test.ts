/**
 * The server restarted in the middle of an ingest: a ClickHouse server of this test's own (started
 * with scripts/clickhouse-server.sh, as scripts/test-services.sh starts its servers) is killed by
 * PID while an ingest runs; the ingest ends with one clear line and a non-zero exit. The server
 * comes back on the same data folder; the ingest run again ends with every record stored exactly
 * once, and the trace from the store is the file trace.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt, runMain } from '../cli/fixture/run.js';
import { count, query } from './fixture.js';

ensureBuilt();
const dir = mkdtempSync(path.join(tmpdir(), 'it-restart-'));
let server: ChildProcess | null = null;
t.teardown(async () => {
  if (server !== null && server.exitCode === null) {
    server.kill('SIGKILL');
    await once(server, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});

async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer());
  const ports = await Promise.all(servers.map((s) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)))));
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const [http, tcp, inter] = await freePorts(3) as [number, number, number];
const data = path.join(dir, 'server');

async function start(): Promise<ChildProcess> {
  const child = spawn('scripts/clickhouse-server.sh', [data, String(http), String(tcp), String(inter), String(tcp)], { stdio: 'ignore' });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${http}/ping`, { signal: AbortSignal.timeout(1000) }).then(async (r) => (await r.text()).startsWith('Ok.'), () => false);
    if (ok) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the test's ClickHouse server did not start (see ${data}/log)`);
}

const url = `clickhouse://127.0.0.1:${http}/it_restart`;
const ID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e000042';

t.test('the server killed mid-ingest: one line, exit 2; run again: every record once', async (t) => {
  server = await start();
  const logs = path.join(dir, 'logs');
  mkdirSync(path.join(logs, 'cp-1'), { recursive: true });
  const n = 200_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`2026-03-01 ${String(10 + Math.floor(i / 36000)).padStart(2, '0')}:${String(Math.floor(i / 600) % 60).padStart(2, '0')}:${String(Math.floor(i / 10) % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} 7 INFO nova.compute.manager ` +
      `[req-${String(i % 9).repeat(8)}-bbbb-4ccc-8ddd-eeeeeeeeeeee - - - - -] [instance: 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e${String(i % 1000).padStart(6, '0')}] line ${i}`);
  }
  writeFileSync(path.join(logs, 'cp-1', 'nova-compute.log'), lines.join('\n') + '\n');
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);

  const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" bin/instance-trace "$@"', process.execPath, 'ingest', logs], {
    env: { PATH: process.env.PATH, INSTANCE_TRACE_STORE: url }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  for (let i = 0; i < 1200 && (await count(url).catch(() => 0)) === 0; i++) await new Promise((r) => setTimeout(r, 25));
  const part = await count(url);
  t.ok(part > 0 && part < n, `killed with ${part} of ${n} records stored`);
  server.kill('SIGKILL');
  await once(server, 'exit');
  const [code] = await exited;
  t.equal(code, 2, 'a non-zero exit');
  t.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`);
  t.match(stderr, new RegExp(`^instance-trace: cannot reach the store at clickhouse://default@127\\.0\\.0\\.1:${http}/it_restart \\((ECONNRESET|ECONNREFUSED|EPIPE|socket hang up|other side closed)`));

  server = await start();
  const again = await runMain(['ingest', logs, '--store', url]);
  t.equal(again.status, 0, again.stderr);
  const rows = await query<{ n: string; u: string; ids: string }>(url,
    'SELECT (SELECT count() FROM it_restart.records) AS n, (SELECT uniqExact(source, line) FROM it_restart.records) AS u, ' +
    '(SELECT uniqExact(id, source, line) FROM it_restart.ids) AS ids');
  t.equal(Number(rows[0]!.n), n, 'every record');
  t.equal(Number(rows[0]!.u), n, 'none twice');
  // Each record's ids: its instance, its request (an interrupted batch may have left a record's ids without it, stored again now).
  t.equal(Number(rows[0]!.ids), 2 * n, 'every id row');
  const files = await runMain([ID, logs, '--json', '--request-window', 'all']);
  const store = await runMain([ID, '--store', url, '--json']);
  t.equal(store.stdout, files.stdout, 'the trace from the store is the file trace');
  t.ok(store.stdout.split('\n').length > 100);
  server.kill('SIGTERM');
  await once(server, 'exit');
});
