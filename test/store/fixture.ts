/**
 * The store tests' ClickHouse: the servers scripts/test-services.sh starts (npm test runs the
 * suite through it). Without them the store tests fail, they do not skip.
 */
import { StoreClient } from '../../src/store/client.js';
import { parseStoreUrl, type StoreUrl } from '../../src/store/url.js';
import { quoteName } from '../../src/store/sql.js';

function server(variable: 'INSTANCE_TRACE_TEST_STORE' | 'INSTANCE_TRACE_TEST_STORE2'): string {
  const url = process.env[variable];
  if (url === undefined || url === '') throw new Error(`${variable} is not set: run the store tests through scripts/test-services.sh (npm test does)`);
  return url.endsWith('/') ? url : `${url}/`;
}

/** A database of its own for one test file on the first server (the second with `second`). */
export function storeUrl(name: string, second = false): string {
  return `${server(second ? 'INSTANCE_TRACE_TEST_STORE2' : 'INSTANCE_TRACE_TEST_STORE')}it_${name}_${process.pid}`;
}

export const CLUSTER = process.env.INSTANCE_TRACE_TEST_CLUSTER ?? 'it_two';
export const SECRET = process.env.INSTANCE_TRACE_TEST_SECRET ?? '';

/** Runs a query by hand (test checks), on the server of `url`. */
export async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new StoreClient(parseStoreUrl(url));
  try {
    return await client.rows<T>(sql);
  } finally {
    await client.close();
  }
}

export async function command(url: string, sql: string): Promise<void> {
  const client = new StoreClient(parseStoreUrl(url));
  try {
    await client.command(sql);
  } finally {
    await client.close();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const parsed: StoreUrl = parseStoreUrl(url);
  await command(url, `DROP DATABASE IF EXISTS ${quoteName(parsed.database)}`);
}

export async function count(url: string, table = 'records'): Promise<number> {
  const db = parseStoreUrl(url).database;
  const rows = await query<{ n: string }>(url, `SELECT count() AS n FROM ${quoteName(db)}.${quoteName(table)}`);
  return Number(rows[0]!.n);
}
