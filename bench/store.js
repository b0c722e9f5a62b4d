// The store section of `npm run bench`: ingest a corpus into a throwaway ClickHouse (the one
// scripts/test-services.sh starts; `npm run bench` runs through it), then time the whole trace
// from the store against the file trace of the same logs. Rows: ingest (records/s), store size
// against the raw logs, trace from the store (p50 and ratio to the file trace).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median, runCommand } from './lib/measure.js';

/**
 * @param m a corpus manifest (bench/generate.js) with `label`
 * @param h helpers of run.js: { bin, out, runs, method, note, skipRow, judge, fmtMiB }
 */
export async function benchStore(m, h, rows, facts) {
  const server = process.env.INSTANCE_TRACE_TEST_STORE;
  if (!server) { rows.push(h.skipRow('store', 'no ClickHouse: run through scripts/test-services.sh (npm run bench does)')); return; }
  const db = `bench_store_${process.pid}`;
  const url = `${server.replace(/\/?$/, '/')}${db}`;
  const http = server.replace(/^clickhouse:/, 'http:').replace(/\/?$/, '/');
  const sql = async (query) => (await fetch(http, { method: 'POST', body: query })).text();
  const dirs = m.hosts.map((host) => join(m.out, host));
  const id = m.traced.id;
  const env = { ...process.env, NO_COLOR: '1', INSTANCE_TRACE_STORE: url };
  try {
    const init = spawnSync(process.execPath, [h.bin, 'store', 'init'], { env, encoding: 'utf8' });
    if (init.status !== 0) { rows.push(h.skipRow('store', `store init: ${init.stderr.trim()}`)); return; }
    h.note(`store ${m.label}: ingest …`);
    const ingest = await runCommand([process.execPath, h.bin, 'ingest', ...dirs], { method: h.method, env, outFile: join(h.out, 'store-ingest.out') });
    const records = Number(/ingest: (\d+) records/.exec(ingest.stderr)?.[1] ?? 0);
    if (ingest.status !== 0 || records === 0) { rows.push(h.skipRow('store', `ingest: exit ${ingest.status}: ${ingest.stderr.trim().split('\n')[0]}`)); return; }
    const rate = records / ingest.wall;
    rows.push({
      bench: 'store', case: '`instance-trace ingest <dirs>`', input: `${m.label} (${records} records)`, seconds: ingest.wall,
      throughput: `${Math.round(rate).toLocaleString('en')} records/s`, ratio: '', rss: h.fmtMiB(ingest.rssKiB),
      goal: '≥ 150,000 records/s', result: h.judge(rate, { min: 150_000 }), lines: records,
    });
    await sql('OPTIMIZE TABLE ' + db + '.records FINAL');
    const size = Number((await sql(`SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '${db}' AND active`)).trim());
    rows.push({
      bench: 'store', case: 'store size on disk (records + ids)', input: m.label, seconds: null, throughput: '',
      ratio: `${(size / m.uncompressedBytes).toFixed(2)}× raw (${(size / 2 ** 20).toFixed(0)} MiB / ${(m.uncompressedBytes / 2 ** 20).toFixed(0)} MiB)`, rss: '', goal: '', result: '', lines: '',
    });
    const cases = [
      { name: 'file trace', argv: [process.execPath, h.bin, id, ...dirs, '--json'], outFile: join(h.out, 'store-files.out') },
      { name: 'store trace', argv: [process.execPath, h.bin, id, '--store', url, '--json'], outFile: join(h.out, 'store-store.out') },
    ];
    h.note(`store ${m.label}: file trace vs store trace × ${h.runs} …`);
    const walls = new Map(cases.map((c) => [c.name, []]));
    const rss = new Map(cases.map((c) => [c.name, 0]));
    for (const c of cases) await runCommand(c.argv, { method: h.method, env, outFile: c.outFile }); // warm-up
    for (let i = 0; i < h.runs; i++) {
      for (const c of cases) {
        const r = await runCommand(c.argv, { method: h.method, env, outFile: c.outFile });
        walls.get(c.name).push(r.wall);
        rss.set(c.name, Math.max(rss.get(c.name), r.rssKiB ?? 0));
      }
    }
    const file = median(walls.get('file trace'));
    const store = median(walls.get('store trace'));
    // The store answers as `--request-window all` (it reads no stretches): compared with that.
    const all = join(h.out, 'store-files-all.out');
    spawnSync('sh', ['-c', 'exec "$@" > "$0"', all, process.execPath, h.bin, id, ...dirs, '--json', '--request-window', 'all'], { env });
    const same = spawnSync('cmp', ['-s', all, cases[1].outFile]).status === 0;
    rows.push({ bench: 'store', case: '`instance-trace <id> <dirs>`', input: m.label, seconds: file, throughput: '', ratio: '1.00× (ref)', rss: h.fmtMiB(rss.get('file trace')), goal: '', result: '', lines: '' });
    rows.push({
      bench: 'store', case: '`instance-trace <id> --store <url>`', input: `${m.label}, ${records} records stored`, seconds: store, throughput: '',
      ratio: `${(file / store).toFixed(1)}× faster`, rss: h.fmtMiB(rss.get('store trace')),
      goal: 'p50 < 100 ms; ≥ 20× faster than files', result: `p50 ${h.judge(store * 1000, { max: 100 })}; ratio ${h.judge(file / store, { min: 20 })}; output ${same ? 'identical to' : 'DIFFERS from'} the file trace with --request-window all`, lines: '',
    });
    facts.store = 'Whole command wall time, Node start-up included (about 60-80 ms of the store trace is starting Node and loading the CLI and the ClickHouse client; the two queries take the rest). The server runs on the same machine, started by scripts/test-services.sh with its default settings.';
  } finally {
    await sql(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
  }
}
