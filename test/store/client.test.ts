/** The one line a store failure becomes: unreachable, refused, missing, or the server's own words, never the password. */
import t from 'tap';
import { describeStoreError, StoreClient } from '../../src/store/client.js';
import { parseStoreUrl } from '../../src/store/url.js';
import { runMain } from '../cli/fixture/run.js';
import { dropDatabase, storeUrl } from './fixture.js';

const url = parseStoreUrl('clickhouse://ops:hunter2@ch-1:8123/logs');

t.test('server errors: code and first line, password removed', async (t) => {
  const e = describeStoreError(new Error('Code: 62, e.displayText() = DB::Exception: Syntax error: failed at hunter2\nstack, e.what() = DB::Exception'), url);
  t.equal(e.kind, 'server');
  t.equal(e.message, 'the store at clickhouse://ops@ch-1:8123/logs failed: Syntax error: failed at *** (code 62)');
  const newer = describeStoreError(new Error('Code: 516. DB::Exception: ops: Authentication failed'), url);
  t.equal(newer.kind, 'auth');
  const timeout = describeStoreError(new Error('Timeout error.'), url);
  t.equal(timeout.kind, 'unreachable');
  t.match(timeout.message, /cannot reach the store at clickhouse:\/\/ops@ch-1:8123\/logs \(Timeout error\.\)/);
  const long = describeStoreError(new Error(`odd ${'x'.repeat(500)}`), url);
  t.ok(long.message.length < 400 && long.message.endsWith('…'));
  t.equal(describeStoreError('not an error', url).message, 'the store at clickhouse://ops@ch-1:8123/logs failed: not an error');
  t.equal(describeStoreError(new Error(''), url).message, 'the store at clickhouse://ops@ch-1:8123/logs failed: unknown error');
});

t.test('a real server error through the client', async (t) => {
  const client = new StoreClient(parseStoreUrl(storeUrl('client')));
  t.teardown(() => client.close());
  await t.rejects(client.rows('SELEC 1'), { kind: 'server', message: /failed: Syntax error/ });
  await client.close();
});

t.test('ingest: nothing readable is one line per path; a terminal shows progress', async (t) => {
  const store = storeUrl('client_ingest');
  t.teardown(() => dropDatabase(store));
  const missing = await runMain(['ingest', 'no/such/dir', '--store', store]);
  t.equal(missing.status, 2);
  t.equal(missing.stderr, 'instance-trace: no/such/dir: no such file or folder\n');
  t.equal((await runMain(['store', 'init', '--store', store])).status, 0);
  const tty = await runMain(['ingest', 'fixtures/cloud', '--store', store], { tty: true });
  t.equal(tty.status, 0);
  t.match(tty.stderr, /\r\u001b\[Kinstance-trace: ingest: .* read/);
  t.match(tty.stderr, /\r\u001b\[Kinstance-trace: ingest: \d+ records/);
});
