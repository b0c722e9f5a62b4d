import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { createLogger, withInstance } from '../../src/index.js';
import { capture, captured, IMAGE, novaInstance, UUID } from './fixtures/capture.js';

const OTHER = '11111111-2222-3333-4444-555555555555';

t.test('a genuine pino logger with the documented JSON fields', async (t) => {
  const { log, out } = captured();
  t.equal(Object.prototype.toString.call(log), '[object Pino]');
  t.equal(log.version, pino.version);
  for (const method of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent', 'child', 'bindings', 'setBindings',
    'isLevelEnabled', 'flush', 'forInstance', 'cache'] as const) {
    t.type(log[method], 'function', method);
  }
  t.equal(log.level, 'info');
  t.same(log.levels.values, pino.levels.values);
  log.debug('hidden');
  log.level = 'debug';
  log.debug({ instance: novaInstance() }, 'shown %s', 'formatted');
  const [record] = out.records();
  t.equal(out.records().length, 1);
  t.type(record?.time, 'number');
  t.ok(Math.abs(record!.time - Date.now()) < 60_000, 'time is epoch ms');
  t.equal(record?.level, 20);
  t.equal(record?.name, 'nova.compute.manager');
  t.equal(record?.service, 'nova-compute');
  t.equal(record?.hostname, 'cp-1');
  t.equal(record?.pid, process.pid);
  t.equal(record?.msg, 'shown formatted');
  t.equal(record?.instance_uuid, UUID);
  t.equal(record?.image_id, IMAGE);
});

t.test('defaults: host name from the machine, json format, name', async (t) => {
  const out = capture();
  const log = createLogger({ destination: out.stream });
  log.info('x');
  const [record] = out.records();
  t.equal(record?.hostname, hostname());
  t.equal(record?.name, 'instance-trace');
  t.notOk('service' in record!);
});

t.test('forInstance is a real pino child; child(bindings, options) and serializers work on it', async (t) => {
  const { log, out } = captured();
  const bound = log.forInstance(novaInstance(), { component: 'spawn' });
  t.equal(Object.getPrototypeOf(bound), log, 'pino child: prototype is the parent');
  bound.info('bound');
  // What frameworks do: call child(bindings, options) themselves, with serializers and a level.
  const framework = bound.child({ reqId: 'r1' }, {
    level: 'debug',
    serializers: { user: (u: { name: string; password: string }) => ({ name: u.name }) },
    msgPrefix: '[http] ',
  });
  framework.debug({ user: { name: 'alice', password: 'x' } }, 'request done');
  t.type(framework.forInstance, 'function', 'children keep forInstance');
  withInstance(OTHER, () => bound.info('bound wins over the scope'));
  bound.info({ instance: OTHER }, 'the call wins over the binding');
  const odd = log.forInstance(null);
  withInstance(OTHER, () => odd.info('odd binding inside a scope'));
  log.forInstance(undefined).info('undefined binding');
  const records = out.records();
  t.equal(records[0]?.instance_uuid, UUID);
  t.equal(records[0]?.component, 'spawn');
  t.same(bound.bindings(), { name: 'nova.compute.manager', service: 'nova-compute', component: 'spawn' });
  t.equal(records[1]?.msg, '[http] request done');
  t.same(records[1]?.user, { name: 'alice' }, 'child serializer applied');
  t.equal(records[1]?.reqId, 'r1');
  t.equal(records[1]?.instance_uuid, UUID, 'grandchild keeps the instance');
  t.equal(records[1]?.level, 20, 'child level option honoured');
  t.equal(records[2]?.instance_uuid, UUID);
  t.equal(records[3]?.instance_uuid, OTHER);
  t.equal(records[3]?.image_id, undefined, "the other instance's image is unknown");
  t.equal(records[4]?.instance_uuid, OTHER, 'an odd binding leaves the scope id');
  t.match(records[4]?.instance_error, /instance is null/);
  t.match(records[5]?.instance_error, /forInstance was given undefined/);
});

t.test("the caller's pino options are kept and composed with ours", async (t) => {
  const out = capture();
  const seen: number[] = [];
  const log = createLogger({
    destination: out.stream,
    customLevels: { audit: 35 },
    mixin: () => ({ zone: 'az1' }),
    serializers: { secretive: () => 'hidden' },
    formatters: { level: (label, number) => ({ level: number, label }), log: (o) => ({ ...o, formatted: true }) },
    hooks: { logMethod(args, method, level) { seen.push(level); method.apply(this, args); } },
    messageKey: 'msg',
  });
  (log as unknown as Record<string, (o: object, m: string) => void>)['audit']!({ instance: UUID, secretive: 1, password: 'p' }, 'audited');
  log.info('plain');
  const [audit, plain] = out.records();
  t.equal(audit?.level, 35);
  t.equal(audit?.label, 'audit');
  t.equal(audit?.zone, 'az1');
  t.equal(audit?.instance_uuid, UUID);
  t.equal(audit?.secretive, 'hidden');
  t.equal(audit?.formatted, true);
  t.equal(audit?.password, '***', 'redaction still applies before the caller formatter');
  t.equal(plain?.zone, 'az1');
  t.same(seen, [35, 30]);
  // A caller merge strategy gets a fresh object even when we add nothing.
  const out2 = capture();
  const log2 = createLogger({ destination: out2.stream, mixin: () => ({}), mixinMergeStrategy: (m, x) => Object.assign(x, m, { merged: 1 }) });
  log2.info('a');
  withInstance(UUID, () => log2.info('b'));
  t.same(out2.records().map((r) => [r.merged, r.instance_uuid]), [[1, undefined], [1, UUID]]);
});

t.test('pino.destination files, file descriptors, paths and transports work as destinations', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'sync.log');
  const sync = createLogger({ destination: pino.destination({ dest: file, sync: true }) });
  sync.info({ instance: UUID }, 'to a pino.destination');
  t.match(readFileSync(file, 'utf8'), /"instance_uuid":"9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11".*"msg":"to a pino.destination"/);

  const path = join(dir, 'nested', 'by-path.log');
  const byPath = createLogger({ destination: path, format: 'oslo' });
  byPath.info({ instance: UUID }, 'to a path');
  await new Promise<void>((resolve) => byPath.flush(() => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.match(readFileSync(path, 'utf8'), /INFO instance-trace \[-\] \[instance: 9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11\] to a path/);

  const transported = join(dir, 'transport.log');
  const viaTransport = createLogger({ transport: { target: 'pino/file', options: { destination: transported } } });
  viaTransport.info({ instance: UUID }, 'through a worker transport');
  await new Promise<void>((resolve) => viaTransport.flush(() => resolve()));
  for (let i = 0; i < 100 && !(existsSync(transported) && readFileSync(transported, 'utf8').includes('\n')); i++) await sleep(20);
  t.match(readFileSync(transported, 'utf8'), /"instance_uuid":"9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11".*through a worker transport/);
});
