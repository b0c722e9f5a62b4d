// The store trace inside one process, for bench/store.js: the schema check and the trace's queries
// (src/store/trace.ts), timed run after run over one client (keep-alive), without Node's start-up,
// the CLI's loading or the rendering of the answer. Prints one JSON line:
//   { "p50": ms, "runs": [ms…], "records": N, "queries": [{ "ms": …, "rows": …, "sql": "…" }] (of the last run) }
//
//   node bench/store-query.js <store url> <instance id> <runs>

import { performance } from 'node:perf_hooks';
import { StoreClient } from '../dist/store/client.js';
import { parseStoreUrl } from '../dist/store/url.js';
import { checkSchema } from '../dist/store/schema.js';
import { traceStore } from '../dist/store/trace.js';
import { median } from './lib/measure.js';

const [url, id, runs = '10'] = process.argv.slice(2);
const client = new StoreClient(parseStoreUrl(url));
let queries = [];
for (const method of ['rows', 'tsv']) {
  const original = client[method].bind(client);
  client[method] = async (sql, settings) => {
    const start = performance.now();
    const rows = await original(sql, settings);
    queries.push({ ms: Number((performance.now() - start).toFixed(1)), rows: rows.length, sql: sql.slice(0, 100) });
    return rows;
  };
}
const times = [];
let records = 0;
try {
  for (let i = 0; i < Number(runs); i++) {
    queries = [];
    const start = performance.now();
    const layout = await checkSchema(client);
    const result = await traceStore(client, layout, { instanceId: id });
    times.push(performance.now() - start);
    records = result.records.length;
  }
} finally {
  await client.close();
}
process.stdout.write(`${JSON.stringify({ p50: median(times), runs: times.map((t) => Number(t.toFixed(1))), records, queries })}\n`);
