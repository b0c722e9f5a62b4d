/**
 * A generated multi-host corpus (bench/generate.js: oslo text, pino JSON, oslo JSON, syslog-wrapped
 * lines; rotated sets with gzip members): file trace and store trace identical for the traced
 * instance and for others. And an ingest stopped by SIGTERM in the middle of a file, run again,
 * ends with every record stored exactly once.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: the bench generator is plain JavaScript
import { generate } from '../../bench/generate.js';
import { ensureBuilt, runMain } from '../cli/fixture/run.js';
import { count, dropDatabase, query, storeUrl } from './fixture.js';
import { parseStoreUrl } from '../../src/store/url.js';

const dir = mkdtempSync(path.join(tmpdir(), 'it-gen-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
ensureBuilt();

t.test('generated cloud: file trace = store trace', async (t) => {
  const out = path.join(dir, 'cloud');
  const manifest = await generate({ size: '3MiB', seed: 11, out, hosts: 4, quiet: true }) as { traced: { id: string } };
  rmSync(path.join(out, 'manifest.json'), { force: true });
  const id = manifest.traced.id;
  const ids = [id, ...new Set([...readFileSync(path.join(out, 'cp-1', 'nova-compute.log'), 'utf8').matchAll(/instance: ([0-9a-f-]{36})/g)].map((m) => m[1]!))].filter(Boolean).slice(0, 6);
  t.ok(ids.length >= 2, `instances: ${ids.join(' ')}`);
  const url = storeUrl('generated');
  t.teardown(() => dropDatabase(url));
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const ingest = await runMain(['ingest', out, '--store', url]);
  t.equal(ingest.status, 0, ingest.stderr);
  for (const instance of ids) {
    for (const flags of [['--json'], ['--summary']]) {
      const files = await runMain([instance, out, ...flags]);
      const store = await runMain([instance, '--store', url, ...flags]);
      t.equal(store.stderr, '');
      t.equal(store.stdout, files.stdout, `${instance} ${flags.join(' ')}`);
    }
  }
});

t.test('an ingest stopped by SIGTERM, run again: every record exactly once', async (t) => {
  const logs = path.join(dir, 'big');
  mkdirSync(path.join(logs, 'cp-1'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < 150_000; i++) {
    const s = i % 60;
    lines.push(`2026-03-01 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} 7 INFO nova.compute.manager [req-${String(i % 9).repeat(8)}-bbbb-4ccc-8ddd-eeeeeeeeeeee - - - - -] [instance: 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f${String(i % 10000).padStart(6, '0')}] line ${i}`);
  }
  writeFileSync(path.join(logs, 'cp-1', 'nova-compute.log'), lines.join('\n') + '\n');
  const url = storeUrl('interrupted');
  t.teardown(() => dropDatabase(url));
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const child = spawn('/bin/sh', ['-c', 'unset NODE_OPTIONS; exec "$0" bin/instance-trace "$@"', process.execPath, 'ingest', logs], {
    env: { PATH: process.env.PATH, INSTANCE_TRACE_STORE: url }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  for (let i = 0; i < 600 && (await count(url).catch(() => 0)) === 0; i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit') as [number | null];
  t.equal(code, 0, stderr);
  const part = await count(url);
  t.ok(part > 0, `${part} records before the stop`);
  const again = await runMain(['ingest', logs, '--store', url]);
  t.equal(again.status, 0, again.stderr);
  const db = parseStoreUrl(url).database;
  const rows = await query<{ n: string; u: string; ids: string; uid: string }>(url,
    `SELECT (SELECT count() FROM ${db}.records) AS n, (SELECT uniqExact(source, line) FROM ${db}.records) AS u, ` +
    `(SELECT count() FROM ${db}.ids) AS ids, (SELECT uniqExact(id, source, line) FROM ${db}.ids) AS uid`);
  t.equal(Number(rows[0]!.n), lines.length, 'every record');
  t.equal(Number(rows[0]!.u), lines.length, 'none twice');
  t.equal(rows[0]!.ids, rows[0]!.uid, 'no id row twice');
  t.ok(stderr.includes('stopped') || part === lines.length, stderr);
});
