/**
 * A real transport end to end: two "hosts" whose rsyslog (Debian's rsyslogd, own configs,
 * unprivileged ports on 127.0.0.1) read their nova-compute.log with imfile and forward it over
 * TCP to a collector rsyslog, whose omprog runs `instance-trace ingest -`. The trace from the
 * store then tells what the trace of the files the hosts wrote tells, record for record.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt, runMain } from '../cli/fixture/run.js';
import { count, dropDatabase, storeUrl } from './fixture.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
ensureBuilt();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(check: () => Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface JsonRecord { time: string | null; host: string; level: string; message: string; request_id: string | null; why: string; traceback: string[] }

const essence = (stdout: string): string[] => stdout.trimEnd().split('\n').filter(Boolean).map((l) => {
  const r = JSON.parse(l) as JsonRecord;
  return JSON.stringify([r.time, r.host, r.level, r.why, r.request_id, r.message, r.traceback]);
});

t.test('two hosts → rsyslog over TCP → collector omprog → ingest -: the same trace as the files', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'it-rsyslog-'));
  const url = storeUrl('rsyslog');
  const daemons: ChildProcess[] = [];
  t.teardown(async () => {
    for (const d of daemons) if (d.exitCode === null) d.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(url);
  });
  t.equal((await runMain(['store', 'init', '--store', url])).status, 0);
  const port = await freePort();
  const storeFile = path.join(dir, 'store');
  writeFileSync(storeFile, `${url}\n`, { mode: 0o600 });
  const ingest = path.join(dir, 'ingest.sh');
  writeFileSync(ingest, `#!/bin/sh\nunset NODE_OPTIONS\nINSTANCE_TRACE_STORE='${storeFile}' exec '${process.execPath}' '${path.resolve('bin/instance-trace')}' ingest - 2>>'${dir}/ingest.err'\n`);
  chmodSync(ingest, 0o755);

  const start = (name: string, conf: string): ChildProcess => {
    const work = path.join(dir, name);
    mkdirSync(work, { recursive: true });
    const file = path.join(work, 'rsyslog.conf');
    writeFileSync(file, `global(workDirectory="${work}")\n${conf}`);
    const d = spawn(RSYSLOGD, ['-n', '-f', file, '-i', path.join(work, 'pid')], { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
    daemons.push(d);
    return d;
  };
  const collector = start('collector', [
    'module(load="imtcp")',
    'module(load="omprog")',
    `template(name="line" type="string" string="%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")`,
    'ruleset(name="collect") { action(type="omprog" binary="' + ingest + '" template="line") }',
    `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="collect")`,
    '',
  ].join('\n'));
  await waitFor(async () => new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  }), 'the collector to listen', 100);

  const files = path.join(dir, 'files');
  const hosts = ['cp-1', 'cp-2'];
  for (const host of hosts) {
    mkdirSync(path.join(files, host), { recursive: true });
    const log = path.join(files, host, 'nova-compute.log');
    copyFileSync(path.join('fixtures/cloud', host, 'nova-compute.log'), log);
    start(host, [
      `global(localHostname="${host}")`,
      'module(load="imfile")',
      `input(type="imfile" File="${log}" Tag="nova-compute:" freshStartTail="off" ruleset="forward")`,
      `ruleset(name="forward") { action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" template="RSYSLOG_ForwardFormat") }`,
      '',
    ].join('\n'));
  }
  // As many records as the files hold (the same files ingested directly elsewhere); the last
  // record of the collector's stream is stored when the stream ends.
  const reference = storeUrl('rsyslog_ref');
  t.teardown(() => dropDatabase(reference));
  t.equal((await runMain(['store', 'init', '--store', reference])).status, 0);
  t.equal((await runMain(['ingest', files, '--store', reference])).status, 0);
  const expected = await count(reference);
  await waitFor(async () => (await count(url).catch(() => 0)) >= expected - 1, 'every record but the last');
  for (const d of daemons.slice(1)) { d.kill('SIGTERM'); await once(d, 'exit'); }
  collector.kill('SIGTERM');
  await once(collector, 'exit');
  await waitFor(async () => {
    try { return readFileSync(path.join(dir, 'ingest.err'), 'utf8').includes('ingest'); } catch { return false; }
  }, 'the ingest to end');
  t.match(readFileSync(path.join(dir, 'ingest.err'), 'utf8'), /ingest: \d+ records/);
  t.equal(await count(url), expected, 'every record, once');

  const fromFiles = await runMain([ID, files, '--json']);
  const fromStore = await runMain([ID, '--store', url, '--json']);
  t.equal(fromStore.status, 0, fromStore.stderr);
  t.same(essence(fromStore.stdout), essence(fromFiles.stdout), 'time, host, level, why, request, message, traceback: record for record');
});
