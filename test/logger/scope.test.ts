import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { withInstance, withRequest } from '../../src/index.js';
import { captured, IMAGE, novaInstance, UUID } from './fixtures/capture.js';

const OTHER = '11111111-2222-3333-4444-555555555555';

t.test('records inside withInstance carry the instance: sync, await, timers, promise callbacks', async (t) => {
  const { log, out } = captured();
  await withInstance(novaInstance(), async () => {
    log.info('sync');
    await sleep(1);
    log.info('after await');
    await new Promise<void>((resolve) => setTimeout(() => { log.info('in setTimeout'); resolve(); }, 1));
    await new Promise<void>((resolve) => setImmediate(() => { log.info('in setImmediate'); resolve(); }));
    await Promise.resolve().then(() => log.info('in then'));
    await new Promise<void>((resolve) => { queueMicrotask(() => { log.info('in queueMicrotask'); resolve(); }); });
    await new Promise<void>((resolve) => process.nextTick(() => { log.info('in nextTick'); resolve(); }));
    const emitter = new EventEmitter();
    emitter.on('event', () => log.info('in a listener'));
    emitter.emit('event');
  });
  log.info('outside');
  const records = out.records();
  t.same(records.map((r) => r.msg), ['sync', 'after await', 'in setTimeout', 'in setImmediate', 'in then',
    'in queueMicrotask', 'in nextTick', 'in a listener', 'outside']);
  for (const record of records.slice(0, -1)) {
    t.equal(record.instance_uuid, UUID, `${record.msg}: instance_uuid`);
    t.equal(record.image_id, IMAGE, `${record.msg}: image_id`);
  }
  t.notOk('instance_uuid' in records[records.length - 1]!, 'outside the scope: no instance');
});

t.test('a timer started in the scope fires after the scope returned and still carries it', async (t) => {
  const { log, out } = captured();
  let fired!: Promise<void>;
  withInstance(UUID, () => {
    fired = new Promise((resolve) => setTimeout(() => { log.info('late'); resolve(); }, 5));
  });
  log.info('right after');
  await fired;
  const [after, late] = out.records();
  t.notOk('instance_uuid' in after!);
  t.equal(late?.instance_uuid, UUID);
});

t.test('nested scopes, concurrent scopes, and a call naming another instance', async (t) => {
  const { log, out } = captured();
  await withRequest('req-outer', async () => {
    await withInstance(UUID, async () => {
      log.info('outer');
      await withInstance(OTHER, async () => {
        await sleep(1);
        log.info('inner');
      });
      log.info({ instance: { uuid: OTHER } }, 'call names another');
      log.info({ instance_uuid: OTHER }, 'call gives instance_uuid itself');
      log.info({ request_id: 'req-call' }, 'call names a request');
      log.info({ request: 'req-string' }, 'call gives request');
      log.info('back to outer');
    });
  });
  await Promise.all([UUID, OTHER].map((id, i) => withInstance(id, async () => {
    await sleep(3 - i * 2);
    log.info(`concurrent ${i}`);
  })));
  const byMsg = new Map(out.records().map((r) => [r.msg, r]));
  const check = (msg: string, instance: string | undefined, request: string | undefined) => {
    const r = byMsg.get(msg);
    t.equal(r?.instance_uuid, instance, `${msg}: instance`);
    t.equal(r?.request_id, request, `${msg}: request`);
  };
  check('outer', UUID, 'req-outer');
  check('inner', OTHER, 'req-outer');
  check('call names another', OTHER, 'req-outer');
  check('call gives instance_uuid itself', OTHER, 'req-outer');
  check('call names a request', UUID, 'req-call');
  check('call gives request', UUID, 'req-string');
  check('back to outer', UUID, 'req-outer');
  check('concurrent 0', UUID, undefined);
  check('concurrent 1', OTHER, undefined);
  const line = out.lines().find((l) => l.includes('call gives instance_uuid itself'))!;
  t.equal(line.split('"instance_uuid"').length, 2, 'instance_uuid appears once in the JSON line');
  t.notOk(out.lines().some((l) => l.includes('"request":')), 'a request string is moved to request_id, not dumped');
});

t.test('withRequest accepts an oslo context-like object; odd request values are reported', async (t) => {
  const { log, out } = captured();
  withRequest({ request_id: 'req-ctx', user_id: 'u' }, () => log.info('ctx'));
  withRequest(42, () => log.info('odd'));
  withRequest('', () => log.info('empty'));
  withRequest({ get request_id() { throw new Error('no'); } }, () => log.info('throws'));
  log.info({ request: { request_id: 'req-call-ctx' } }, 'call ctx');
  log.info({ request: Symbol('r') }, 'call odd');
  log.info({ get request() { throw new Error('getter'); } }, 'call getter');
  const [ctx, odd, empty, throws, callCtx, callOdd, callGetter] = out.records();
  t.equal(ctx?.request_id, 'req-ctx');
  t.notOk('request_id' in odd!);
  t.match(odd?.request_error, /request is a number \(42\)/);
  t.match(empty?.request_error, /empty string/);
  t.match(throws?.request_error, /threw/);
  t.equal(callCtx?.request_id, 'req-call-ctx');
  t.notOk('request' in callCtx!, 'context object not dumped');
  t.match(callOdd?.request_error, /symbol/);
  t.equal(callGetter?.msg, 'call getter');
  t.match(callGetter?.log_error, /getter/, 'written through the fallback, saying why');
});

t.test('withInstance passes return values, thrown errors and rejections through', async (t) => {
  t.equal(withInstance(UUID, () => 7), 7);
  const boom = new Error('boom');
  t.throws(() => withInstance(UUID, () => { throw boom; }), boom);
  await t.rejects(withInstance(UUID, async () => { throw boom; }), boom);
  await t.rejects(withRequest('req-1', () => Promise.reject('a string reason')));
  t.equal(await withInstance(UUID, async () => 'ok'), 'ok');
});
