// The store section of `npm run bench`: ingest the store's corpus (`--store-size`, 4 GiB: about
// 11 million records) into a throwaway ClickHouse (the one scripts/test-services.sh starts;
// `npm run bench` runs through it) with the tool itself, then time the trace from the store
// against the file trace of the same logs, for the corpus's traced instance (rescheduled,
// live-migrated, weeks on its hosts: an answer of thousands of records) and for a typical instance
// (the median one by tagged records). Rows: ingest (records/s), store size against the raw logs,
// and for each instance the file trace, the store trace as a whole command (p50, ratio to the
// file trace) and the store trace's work inside one process (bench/store-query.js: the schema
// check and the queries, without Node's start-up, loading the CLI or rendering).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, runCommand } from './lib/measure.js';

const QUERY = fileURLToPath(new URL('./store-query.js', import.meta.url));
/** The store's goals hold on a store of at least this many records. */
const GOAL_RECORDS = 10_000_000;

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
  const env = { ...process.env, NO_COLOR: '1', INSTANCE_TRACE_STORE: url };
  try {
    const init = spawnSync(process.execPath, [h.bin, 'store', 'init'], { env, encoding: 'utf8' });
    if (init.status !== 0) { rows.push(h.skipRow('store', `store init: ${init.stderr.trim()}`)); return; }
    h.note(`store ${m.label}: ingest (a few minutes) …`);
    const ingest = await runCommand([process.execPath, h.bin, 'ingest', ...dirs], { method: h.method, env, outFile: join(h.out, 'store-ingest.out') });
    const records = Number(/ingest: (\d+) records/.exec(ingest.stderr)?.[1] ?? 0);
    if (ingest.status !== 0 || records === 0) { rows.push(h.skipRow('store', `ingest: exit ${ingest.status}: ${ingest.stderr.trim().split('\n')[0]}`)); return; }
    const small = records < GOAL_RECORDS ? ` (fewer than the goals' ${GOAL_RECORDS.toLocaleString('en')}: give --store-size 4GiB)` : '';
    const rate = records / ingest.wall;
    rows.push({
      bench: 'store', case: '`instance-trace ingest <dirs>`', input: `${m.label} (${records.toLocaleString('en')} records)${small}`, seconds: ingest.wall,
      throughput: `${Math.round(rate).toLocaleString('en')} records/s`, ratio: '', rss: h.fmtMiB(ingest.rssKiB),
      goal: '≥ 150,000 records/s', result: h.judge(rate, { min: 150_000 }), lines: records,
    });
    await sql(`OPTIMIZE TABLE ${db}.records FINAL`);
    await sql(`OPTIMIZE TABLE ${db}.ids FINAL`);
    const size = Number((await sql(`SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '${db}' AND active`)).trim());
    rows.push({
      bench: 'store', case: 'store size on disk (records + ids)', input: m.label, seconds: null, throughput: '',
      ratio: `${(size / m.uncompressedBytes).toFixed(2)}× raw (${(size / 2 ** 20).toFixed(0)} MiB / ${(m.uncompressedBytes / 2 ** 20).toFixed(0)} MiB)`, rss: '', goal: '', result: '', lines: '',
    });

    // A typical instance: the median one by its tagged records (`cluster` holds the tagged instance).
    const counts = (await sql(`SELECT cluster FROM ${db}.records WHERE cluster != '' AND cluster != '#cache-cue' GROUP BY cluster ORDER BY count(), cluster FORMAT TabSeparated`)).trim().split('\n');
    const typical = counts[Math.floor(counts.length / 2)];
    const where = [];
    for (const [name, id] of [['traced', m.traced.id], ['typical', typical]]) {
      const file = { argv: [process.execPath, h.bin, id, ...dirs, '--json'], outFile: join(h.out, `store-files-${name}.out`) };
      const store = { argv: [process.execPath, h.bin, id, '--store', url, '--json'], outFile: join(h.out, `store-store-${name}.out`) };
      h.note(`store ${m.label}, ${name} instance ${id}: file trace × ${h.runs}, store trace × ${Math.max(h.runs, 11)} …`);
      const fileRuns = [];
      const storeRuns = [];
      let fileRss = 0;
      let storeRss = 0;
      for (const c of [file, store]) await runCommand(c.argv, { method: h.method, env, outFile: c.outFile }); // warm-up
      for (let i = 0; i < h.runs; i++) {
        const r = await runCommand(file.argv, { method: h.method, env, outFile: file.outFile });
        fileRuns.push(r.wall);
        fileRss = Math.max(fileRss, r.rssKiB ?? 0);
      }
      for (let i = 0; i < Math.max(h.runs, 11); i++) {
        const r = await runCommand(store.argv, { method: h.method, env, outFile: store.outFile });
        storeRuns.push(r.wall);
        storeRss = Math.max(storeRss, r.rssKiB ?? 0);
      }
      const query = JSON.parse(spawnSync(process.execPath, [QUERY, url, id, '11'], { env, encoding: 'utf8' }).stdout || '{}');
      const same = spawnSync('cmp', ['-s', file.outFile, store.outFile]).status === 0;
      const answer = Number(spawnSync('wc', ['-l', store.outFile], { encoding: 'utf8' }).stdout.trim().split(' ')[0]);
      const f = median(fileRuns);
      const s = median(storeRuns);
      const label = `${m.label}, ${name} instance (${answer.toLocaleString('en')} records in its answer)`;
      rows.push({ bench: 'store', case: '`instance-trace <id> <dirs> --json`', input: label, seconds: f, throughput: '', ratio: '1.00× (ref)', rss: h.fmtMiB(fileRss), goal: '', result: '', lines: answer });
      rows.push({
        bench: 'store', case: '`instance-trace <id> --store <url> --json`', input: `${label}, ${records.toLocaleString('en')} records stored`, seconds: s, throughput: '',
        ratio: `${(f / s).toFixed(1)}× faster`, rss: h.fmtMiB(storeRss),
        goal: 'p50 < 100 ms; ≥ 20× faster than files', result: `p50 ${h.judge(s * 1000, { max: 100 })}; ratio ${h.judge(f / s, { min: 20 })}; output ${same ? 'identical to' : 'DIFFERS from'} the file trace`, lines: answer,
      });
      if (query.p50 !== undefined) {
        rows.push({
          bench: 'store', case: 'store trace in one process (schema check + queries)', input: label, seconds: query.p50 / 1000, throughput: '',
          ratio: `${(f / (query.p50 / 1000)).toFixed(0)}× faster`, rss: '', goal: 'p50 < 100 ms', result: h.judge(query.p50, { max: 100 }), lines: query.records,
        });
        where.push(`${name} instance (${answer} records): ${query.queries.map((q) => `${q.ms} ms for ${q.rows} rows`).join(', ')}`);
      }
    }
    facts.store = `Whole command wall time, Node start-up included; "in one process" is the schema check and the trace's queries, run after run over one client (bench/store-query.js). The server runs on the same machine, started by scripts/test-services.sh with its default settings. Queries of one in-process run, in order — ${where.join('; ')}.`;
  } finally {
    await sql(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
  }
}
