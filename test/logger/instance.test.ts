import t from 'tap';
import { normaliseInstance } from '../../src/index.js';
import { captured, IMAGE, novaInstance, UUID } from './fixtures/capture.js';

t.test('every instance shape gives instance_uuid (and image_id when the object has one)', async (t) => {
  class NovaObject {
    #uuid = UUID;
    get uuid() { return this.#uuid; }
    get image_ref() { return IMAGE; }
    get host() { throw new Error('lazy-loaded field'); }
  }
  const shapes: Array<[string, unknown, Record<string, string>]> = [
    ['bare id string', UUID, { instance_uuid: UUID }],
    ['object with uuid', { uuid: UUID }, { instance_uuid: UUID }],
    ['object with instance_uuid', { instance_uuid: UUID }, { instance_uuid: UUID }],
    ['object with id', { id: UUID }, { instance_uuid: UUID }],
    ['Nova dict with image_ref', novaInstance(), { instance_uuid: UUID, image_id: IMAGE }],
    ['object with image_id', { uuid: UUID, image_id: IMAGE }, { instance_uuid: UUID, image_id: IMAGE }],
    ['object with getters', new NovaObject(), { instance_uuid: UUID, image_id: IMAGE }],
    ['Nova object: integer id, uuid wins', { id: 42, uuid: UUID }, { instance_uuid: UUID }],
  ];
  for (const [what, instance, want] of shapes) {
    t.same(normaliseInstance(instance), want, what);
    const { log, out } = captured();
    log.info({ instance }, 'Instance spawned successfully.');
    const [record] = out.records();
    t.equal(record?.instance_uuid, want.instance_uuid, `${what}: instance_uuid`);
    t.equal(record?.image_id, want.image_id, `${what}: image_id`);
    t.notOk('instance_error' in (record ?? {}), `${what}: no instance_error`);
    t.notOk('instance' in (record ?? {}), `${what}: the instance object is not dumped`);
  }
});

t.test('other keys of the instance object are not dumped', async (t) => {
  const { log, out } = captured();
  log.info({ instance: novaInstance() }, 'msg');
  const line = out.lines()[0] ?? '';
  for (const leaked of ['vm_state', 'display_name', 'user_data', 'm1.small', 'hunter2', 'flavor', 'web-1']) {
    t.notOk(line.includes(leaked), `${leaked} not in the line`);
  }
});

t.test('odd instance values: the record is written, with instance_error', async (t) => {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular['self'] = circular;
  const circularWithUuid: Record<string, unknown> = { uuid: UUID };
  circularWithUuid['self'] = circularWithUuid;
  const throwingProxy = new Proxy({}, { get() { throw new Error('trap says no'); } });
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const odd: Array<[string, unknown, RegExp]> = [
    ['null', null, /instance is null/],
    ['number', 42, /instance is a number \(42\)/],
    ['NaN', Number.NaN, /a number \(NaN\)/],
    ['bigint', 10n, /a bigint \(10\)/],
    ['boolean', true, /a boolean \(true\)/],
    ['symbol', Symbol('vm'), /a symbol \(Symbol\(vm\)\)/],
    ['function', () => UUID, /a function/],
    ['empty string', '', /empty string/],
    ['empty object', {}, /no usable uuid, instance_uuid or id/],
    ['array', [UUID], /no usable uuid/],
    ['circular object without id', circular, /no usable uuid/],
    ['uuid of the wrong type', { uuid: 7 }, /instance\.uuid is a number \(7\), not an id string/],
    ['uuid getter that throws', { get uuid() { throw new Error('lazy load failed'); } }, /reading instance\.uuid threw Error: lazy load failed/],
    ['Proxy whose traps throw', throwingProxy, /reading instance\.uuid threw Error: trap says no/],
    ['revoked Proxy', revocable.proxy, /reading instance\.uuid threw TypeError/],
  ];
  for (const [what, instance, error] of odd) {
    const { log, out } = captured();
    t.doesNotThrow(() => log.warn({ instance }, `odd: ${what}`), what);
    const records = out.records();
    t.equal(records.length, 1, `${what}: one record written`);
    t.equal(records[0]?.msg, `odd: ${what}`, `${what}: message kept`);
    t.match(records[0]?.instance_error, error, `${what}: instance_error says what was wrong`);
    t.notOk('instance_uuid' in (records[0] ?? {}), `${what}: no instance_uuid`);
  }
  // A circular instance with an id is fine; an image getter that throws is reported next to the id.
  t.same(normaliseInstance(circularWithUuid), { instance_uuid: UUID });
  const imageThrows = normaliseInstance({ uuid: UUID, get image_ref() { throw new Error('no image'); } });
  t.equal(imageThrows.instance_uuid, UUID);
  t.match(imageThrows.instance_error, /reading instance\.image_ref threw Error: no image/);
  t.same(normaliseInstance(undefined), {}, 'undefined means no instance');
});

t.test('odd instance in a scope: the scope id stays, the error is added', async (t) => {
  const { withInstance } = await import('../../src/index.js');
  const { log, out } = captured();
  withInstance(UUID, () => log.info({ instance: null }, 'x'));
  const [record] = out.records();
  t.equal(record?.instance_uuid, UUID);
  t.match(record?.instance_error, /instance is null/);
});

t.test('a log call whose own object cannot be read is still written', async (t) => {
  const { log, out } = captured();
  const hostile = new Proxy({}, {
    get() { throw new Error('get trap'); }, ownKeys() { throw new Error('keys trap'); }, getPrototypeOf() { throw new Error('proto trap'); },
  });
  t.doesNotThrow(() => log.info(hostile, 'hostile merge object'));
  const badGetter = { instance: UUID, get detail() { throw new Error('getter boom'); } };
  t.doesNotThrow(() => log.info(badGetter, 'bad getter'));
  const instanceGetterThrows = { get instance() { throw new Error('instance getter'); } };
  t.doesNotThrow(() => log.info(instanceGetterThrows, 'instance getter'));
  const badToJson = { instance: UUID, payload: { toJSON() { throw new Error('toJSON boom'); } } };
  t.doesNotThrow(() => log.info(badToJson, 'bad toJSON'));
  t.doesNotThrow(() => log.info({ instance: UUID, s: Symbol('x') }, 'symbol value'));
  t.doesNotThrow(() => log.info(Symbol('msg') as unknown as string));
  const records = out.records();
  t.equal(records.length, 6, 'one record per call');
  t.equal(records[0]?.msg, 'hostile merge object');
  t.match(records[0]?.log_error, /could not be written as given: Error: .* trap/);
  t.equal(records[1]?.msg, 'bad getter');
  t.equal(records[1]?.instance_uuid, UUID, 'the instance survives the fallback');
  t.match(records[1]?.log_error, /getter boom/);
  t.equal(records[2]?.msg, 'instance getter');
  t.match(records[2]?.instance_error, /reading instance threw Error: instance getter/);
  t.equal(records[3]?.instance_uuid, UUID);
  t.equal(records[3]?.msg, 'bad toJSON', 'pino replaces the unserialisable value itself');
  t.equal(records[4]?.instance_uuid, UUID);
  t.equal(records[5]?.msg, 'Symbol(msg)');
  log.info({ instance: UUID }, 10n as unknown as string);
  t.equal(out.records()[6]?.msg, '10');
});
