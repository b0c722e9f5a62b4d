/** Hostile values through the hand-made escaping, against a real ClickHouse: literals and TabSeparated rows. */
import t from 'tap';
import fc from 'fast-check';
import { quoteName, quoteString, stringList, tsvField } from '../../src/store/sql.js';
import { StoreClient } from '../../src/store/client.js';
import { parseStoreUrl } from '../../src/store/url.js';
import { dropDatabase, storeUrl } from './fixture.js';

const url = storeUrl('sql');
const client = new StoreClient(parseStoreUrl(url));
const db = quoteName(parseStoreUrl(url).database);
t.teardown(async () => {
  await dropDatabase(url);
  await client.close();
});

const HOSTILE = [
  '', "'", "\\'", '\\', "'); DROP TABLE x; --", 'a\tb\nc\rd', '\0', 'nul\0in\0middle', '\\0', '\\n', "\u0008\u000c", 'é ü 中 😀',
  `${"'\\".repeat(1000)}`, '\x1b[31mred', 'line\u2028sep',
];

t.test('a quoted literal reads back as the value', async (t) => {
  for (const [i, value] of HOSTILE.entries()) {
    const rows = await client.rows<{ v: string }>(`SELECT ${quoteString(value)} AS v`);
    t.equal(rows[0]?.v, value, `hostile value ${i}`);
  }
  const rows = await client.rows<{ n: string }>(`SELECT count() AS n FROM system.one WHERE 'x' IN (${stringList(["'", 'x', '\\'])})`);
  t.equal(rows[0]?.n, '1');
});

t.test('property: any string round-trips as a literal and as a TabSeparated field', async (t) => {
  await client.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await client.command(`CREATE TABLE ${db}.t (i UInt32, v String) ENGINE = MergeTree ORDER BY i`);
  const values: string[] = [];
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => { values.push(s); }), { numRuns: 300 });
  values.push(...HOSTILE, `big ${"'\\\0\t\n".repeat(200_000)}`);
  await client.insertTsv(`${db}.t`, ['i', 'v'], values.map((v, i) => `${i}\t${tsvField(v)}\n`).join(''));
  const back = await client.rows<{ i: number; v: string }>(`SELECT i, v FROM ${db}.t ORDER BY i`);
  t.equal(back.length, values.length);
  t.ok(back.every((r) => r.v === values[r.i]), 'every field as written (1 MB of quotes, backslashes, NUL included)');
  const tsv = await client.tsv(`SELECT i, v FROM ${db}.t ORDER BY i`);
  t.equal(tsv.length, values.length);
  t.ok(tsv.every(([i, v]) => v === values[Number(i)]), 'read back as TabSeparated too, every escape undone');
  for (const value of values.slice(0, 60)) {
    const rows = await client.rows<{ v: string }>(`SELECT ${quoteString(value)} AS v`);
    t.equal(rows[0]?.v, value);
  }
});

t.test('names are checked before they are quoted', async (t) => {
  t.equal(quoteName('records_local'), '`records_local`');
  t.throws(() => quoteName('a`b'), /not a safe name/);
});
