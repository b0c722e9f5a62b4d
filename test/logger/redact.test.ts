import t from 'tap';
import { OPENSTACK_SANITIZE_KEYS } from '../../src/index.js';
import { createRedactor } from '../../src/logger/redact.js';
import { captured, UUID } from './fixtures/capture.js';

t.test("secret-bearing keys are redacted by default, at any depth, as OpenStack's sanitize list", async (t) => {
  const { log, out } = captured();
  const given = {
    instance: UUID,
    password: 'p1', admin_pass: 'p2', auth_token: 't1', Token: 't2', X_Auth_Token_Header: 't3', private_key: 'k',
    passphrase: 'pp', secret_uuid: 's', user: 'alice',
    connection: { host: 'db', credentials: { password: 'deep', port: 3306 } },
    servers: [{ name: 'vm', adminPass: 'ap' }, 'plain string'],
    when: new Date(0),
  };
  const snapshot = JSON.stringify(given);
  log.info(given, 'boot');
  const [record] = out.records();
  for (const key of ['password', 'admin_pass', 'auth_token', 'Token', 'X_Auth_Token_Header', 'private_key', 'passphrase', 'secret_uuid']) {
    t.equal(record?.[key], '***', key);
  }
  t.equal(record?.user, 'alice', 'other keys kept');
  t.equal(record?.connection.credentials.password, '***', 'nested');
  t.equal(record?.connection.credentials.port, 3306);
  t.equal(record?.servers[0].adminPass, '***', 'inside arrays, any case');
  t.equal(record?.servers[1], 'plain string');
  t.equal(record?.when, new Date(0).toISOString(), 'class instances pass through');
  t.equal(record?.instance_uuid, UUID);
  t.equal(JSON.stringify(given), snapshot, "the caller's objects are not changed");
  t.ok(OPENSTACK_SANITIZE_KEYS.includes('admin_password'));
});

t.test('extensible: extra keys, censor, pino paths; and switchable off', async (t) => {
  const extended = captured({ redact: ['ssn'] });
  extended.log.info({ ssn: '123', nested: { customer_ssn: '456' }, password: 'p' }, 'x');
  const [a] = extended.out.records();
  t.equal(a?.ssn, '***');
  t.equal(a?.nested.customer_ssn, '***');
  t.equal(a?.password, '***', 'the default list still applies');

  const custom = captured({ redact: { keys: ['pin'], censor: '[REDACTED]', paths: ['user.email'] } });
  custom.log.child({ user: { email: 'a@b' } }).info({ pin: 1, user: { email: 'c@d', name: 'n' } }, 'y');
  const [b] = custom.out.records();
  t.equal(b?.pin, '[REDACTED]');
  t.equal(b?.user.email, '[REDACTED]', 'pino path redaction');
  t.equal(b?.user.name, 'n');

  const off = captured({ redact: false });
  off.log.info({ password: 'visible' }, 'z');
  t.equal(off.out.records()[0]?.password, 'visible');
});

t.test('the redactor: same object when clean, bounded on deep and cyclic input', async (t) => {
  const redact = createRedactor();
  const clean = { a: 1, b: { c: [1, { d: 2 }] } };
  t.equal(redact(clean), clean, 'nothing to redact: same object');
  const cyclic: Record<string, unknown> = { name: 'x' };
  cyclic['self'] = cyclic;
  t.equal(redact(cyclic), cyclic, 'a cycle without secrets terminates');
  const cyclicSecret: Record<string, unknown> = { token: 't' };
  cyclicSecret['self'] = cyclicSecret;
  t.equal((redact(cyclicSecret) as { token: string }).token, '***');
  let deep: Record<string, unknown> = { password: 'bottom' };
  for (let i = 0; i < 20; i++) deep = { next: deep };
  t.doesNotThrow(() => redact(deep));
  t.ok(redact.isSecretKey('OS_PASSWORD'));
  t.notOk(redact.isSecretKey('instance_uuid'));
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { secret: 's' });
  t.equal(redact({ inner: nullProto }).inner && (redact({ inner: nullProto }).inner as Record<string, unknown>)['secret'], '***');
});
