import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseStoreUrl, resolveStore, StoreUrlError } from '../../src/store/url.js';

t.test('the URL form: user, password, host, port, database; defaults', async (t) => {
  t.same(parseStoreUrl('clickhouse://ch1/logs'), { http: 'http://ch1:8123', username: 'default', password: '', database: 'logs', display: 'clickhouse://default@ch1:8123/logs' });
  const u = parseStoreUrl('clickhouse://ops:s%40cr%3At@10.0.0.5:18123/nova_logs');
  t.equal(u.username, 'ops');
  t.equal(u.password, 's@cr:t');
  t.equal(u.http, 'http://10.0.0.5:18123');
  t.equal(u.display, 'clickhouse://ops@10.0.0.5:18123/nova_logs', 'no password shown');
  t.equal(parseStoreUrl('clickhouse://ops@[::1]:9/db').http, 'http://[::1]:9');
  t.equal(parseStoreUrl('clickhouse://:pw@h/db').username, 'default');
});

t.test('a malformed URL is one line that never holds the password', async (t) => {
  const bad = [
    'http://h/db', 'clickhouse://u:hunter2@h', 'clickhouse://u:hunter2@h/', 'clickhouse://u:hunter2@h:99999/db',
    'clickhouse://u:hunter2@h/bad-name', 'clickhouse://u:hunter2%zz@h/db', 'clickhouse://u:hunter2@h_h/db', 'clickhouse://u:hunter2@h/d%zz',
  ];
  for (const text of bad) {
    try {
      parseStoreUrl(text);
      t.fail(`accepted ${text}`);
    } catch (error) {
      t.type(error, StoreUrlError);
      t.notMatch((error as Error).message, /hunter2/, text);
      t.notMatch((error as Error).message, /\n/);
    }
  }
});

t.test('--store or INSTANCE_TRACE_STORE, a URL or a file holding one', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'it-url-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'store');
  writeFileSync(file, 'clickhouse://ops:pw@h/db\n');
  t.equal(resolveStore(undefined, {}), null);
  t.equal(resolveStore(undefined, { INSTANCE_TRACE_STORE: ' ' }), null);
  t.equal(resolveStore(undefined, { INSTANCE_TRACE_STORE: 'clickhouse://h/env' })?.database, 'env');
  t.equal(resolveStore('clickhouse://h/flag', { INSTANCE_TRACE_STORE: 'clickhouse://h/env' })?.database, 'flag');
  t.equal(resolveStore(file, {})?.password, 'pw');
  t.equal(resolveStore(undefined, { INSTANCE_TRACE_STORE: file })?.username, 'ops');
  t.throws(() => resolveStore(path.join(dir, 'none'), {}), /neither a clickhouse:\/\/ URL nor a readable file \(ENOENT\)/);
});
