#!/usr/bin/env node
// The store's ingest ceiling on the server's side: the rows the ingest sends (built by the tool's
// own ingest job, src/store/ingest-job.ts, from dist/) for a corpus, dumped to files, then posted
// as they are into fresh tables of the store's schema, timed, with the server's CPU time from
// /proc/<pid>/stat. What the server allows at today's row width, without Node building rows.
//   node bench/store-ceiling.js <corpus dir> <http://host:port/> <server pid> [out dir=/tmp/store-ceiling] [runs=3]
// Prints JSON: records, bytes of each table's rows, and per run wall seconds, records/s and server CPU µs/record.

import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readdirSync, readFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { discoverSources } from '../dist/sources/discover.js';
import { runIngestJob } from '../dist/store/ingest-job.js';
import { ID_COLUMNS, RECORD_COLUMNS } from '../dist/store/schema.js';
import { initSchema } from '../dist/store/schema.js';
import { StoreClient } from '../dist/store/client.js';
import { parseStoreUrl } from '../dist/store/url.js';
import { openSource } from '../dist/sources/read.js';

const [corpus, http, pidArg, out = '/tmp/store-ceiling', runsArg = '3'] = process.argv.slice(2);
if (!corpus || !http || !pidArg) {
  process.stderr.write('usage: node bench/store-ceiling.js <corpus dir> <http://host:port/> <server pid> [out dir] [runs]\n');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const idsFile = join(out, 'ids.tsv');
const recordsFile = join(out, 'records.tsv');

async function head(source) {
  const reader = await openSource(source);
  try {
    const buf = Buffer.alloc(4096);
    let filled = 0;
    while (filled < 4096) {
      const n = await reader.read(buf, filled, 4096 - filled);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled);
  } finally {
    await reader.close();
  }
}

// 1. The rows, as the ingest job builds them (one source after the other, on this thread).
// The hosts' folders (what bench/store.js ingests; not the corpus's manifest).
const { sources } = await discoverSources(readdirSync(corpus, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(corpus, e.name)));
const idsFd = openSync(idsFile, 'w');
const recordsFd = openSync(recordsFile, 'w');
let records = 0;
// Batches as the ingest sends them (src/store/ingest.ts Batches: 50,000 records or 16 MiB): [ids end, records end] offsets.
const batches = [];
let batch = { count: 0, bytes: 0 };
let idsAt = 0;
let recordsAt = 0;
const built = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
for (const source of sources) {
  const h = await head(source);
  const stored = { name: source.display, host: source.host, service: source.service, identity: `${h.length}:${createHash('sha1').update(h).digest('hex')}` };
  await runIngestJob({ source, stored, start: null, skipLines: 0, parse: {}, partRecords: 5000, partBytes: 4 * 1024 * 1024 }, {
    onPart: (part) => {
      idsAt += writeSync(idsFd, part.ids);
      recordsAt += writeSync(recordsFd, part.records);
      records += part.count;
      batch.count += part.count;
      batch.bytes += part.ids.byteLength + part.records.byteLength;
      if (batch.count >= 50_000 || batch.bytes >= 16 * 1024 * 1024) {
        batches.push([idsAt, recordsAt]);
        batch = { count: 0, bytes: 0 };
      }
    },
    onWarning: () => undefined,
  });
}
closeSync(idsFd);
closeSync(recordsFd);
if (batch.count > 0) batches.push([idsAt, recordsAt]);
const cpu = process.cpuUsage(cpu0);
const buildSeconds = Number(process.hrtime.bigint() - built) / 1e9;

// 2. The pre-built bytes posted into fresh tables, run after run.
const base = http.replace(/\/?$/, '/');
const pid = Number(pidArg);
const ticks = 100; // USER_HZ
const serverCpu = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks; // utime + stime (fields 14, 15)
};
const sql = async (query) => {
  const r = await fetch(base, { method: 'POST', body: query });
  if (!r.ok) throw new Error(await r.text());
  return r.text();
};
const post = async (table, columns, body) => {
  const query = `INSERT INTO ${table} (${columns.map(([n]) => n).join(', ')}) FORMAT TabSeparated`;
  const r = await fetch(`${base}?query=${encodeURIComponent(query)}`, { method: 'POST', body });
  if (!r.ok) throw new Error(await r.text());
};
const idsBytes = readFileSync(idsFile);
const recordsBytes = readFileSync(recordsFile);
const runs = [];
for (let i = 0; i < Number(runsArg); i++) {
  const db = `ceiling_${process.pid}_${i}`;
  const client = new StoreClient(parseStoreUrl(`clickhouse://${new URL(base).host}/${db}`));
  await initSchema(client, null);
  await client.close();
  // ids then records, batch by batch, one after the other (as the ingest sends them); each table's time and CPU summed.
  let idsWall = 0n;
  let idsCpu = 0;
  let fromIds = 0;
  let fromRecords = 0;
  const c0 = serverCpu();
  const t0 = process.hrtime.bigint();
  for (const [idsEnd, recordsEnd] of batches) {
    const a = process.hrtime.bigint();
    const ca = serverCpu();
    await post(`${db}.ids`, ID_COLUMNS, idsBytes.subarray(fromIds, idsEnd));
    idsWall += process.hrtime.bigint() - a;
    idsCpu += serverCpu() - ca;
    await post(`${db}.records`, RECORD_COLUMNS, recordsBytes.subarray(fromRecords, recordsEnd));
    fromIds = idsEnd;
    fromRecords = recordsEnd;
  }
  const t2 = process.hrtime.bigint();
  const c2 = serverCpu();
  const t1 = t0 + idsWall;
  const c1 = c0 + idsCpu;
  const wall = Number(t2 - t0) / 1e9;
  runs.push({
    wall: +wall.toFixed(2), recordsPerSecond: Math.round(records / wall),
    serverCpuUsPerRecord: +(((c2 - c0) * 1e6) / records).toFixed(2),
    ids: { wall: +(Number(t1 - t0) / 1e9).toFixed(2), cpuUs: +(((c1 - c0) * 1e6) / records).toFixed(2) },
    records: { wall: +(Number(t2 - t1) / 1e9).toFixed(2), cpuUs: +(((c2 - c1) * 1e6) / records).toFixed(2) },
  });
  await sql(`DROP DATABASE ${db}`);
}
process.stdout.write(`${JSON.stringify({
  records, batches: batches.length, idsBytes: statSync(idsFile).size, recordsBytes: statSync(recordsFile).size,
  build: { wall: +buildSeconds.toFixed(2), cpuUsPerRecord: +(((cpu.user + cpu.system)) / records).toFixed(2) },
  runs,
}, null, 1)}\n`);
