import t from 'tap';
import { serializeError, tracebackLines } from '../../src/index.js';
import { captured, UUID } from './fixtures/capture.js';

function failing(): Error {
  const root = new RangeError('disk full');
  const middle = new Error('could not write image', { cause: root });
  return new Error('spawn failed', { cause: middle });
}

t.test('JSON: err has type, message, stack and the cause chain', async (t) => {
  const { log, out } = captured();
  const error = failing();
  (error as Error & { code?: string }).code = 'ENOSPC';
  log.error({ err: error, instance: UUID }, 'Instance failed to spawn');
  log.error(new TypeError('bare error'));
  const [withCause, bare] = out.records();
  t.equal(withCause?.msg, 'Instance failed to spawn');
  t.equal(withCause?.instance_uuid, UUID);
  t.type(withCause?.time, 'number');
  t.equal(withCause?.err.type, 'Error');
  t.equal(withCause?.err.message, 'spawn failed');
  t.equal(withCause?.err.code, 'ENOSPC', 'primitive extra properties are kept');
  t.match(withCause?.err.stack, /^Error: spawn failed\n\s+at failing/);
  t.equal(withCause?.err.cause.message, 'could not write image');
  t.equal(withCause?.err.cause.cause.type, 'RangeError');
  t.equal(withCause?.err.cause.cause.message, 'disk full');
  t.equal(bare?.msg, 'bare error', 'log.error(err) takes the message from the error');
  t.equal(bare?.err.type, 'TypeError');
});

t.test('JSON: AggregateError members, non-Error causes, cycles, hostile errors', async (t) => {
  const { log, out } = captured();
  const aggregate = new AggregateError([new Error('volume a'), new SyntaxError('volume b'), 'not an error'], 'detach failed');
  log.error({ err: aggregate }, 'agg');
  const cyclic = new Error('cyclic') as Error & { cause?: unknown };
  cyclic.cause = cyclic;
  log.error({ err: cyclic }, 'cyclic');
  log.error({ err: new Error('string cause', { cause: 'because' }) }, 'string cause');
  const hostile = new Error('hostile');
  Object.defineProperty(hostile, 'stack', { get() { throw new Error('no stack for you'); } });
  Object.defineProperty(hostile, 'extra', { enumerable: true, get() { throw new Error('nope'); } });
  log.error({ err: hostile }, 'hostile');
  log.error({ err: 'a thrown string' }, 'thrown string');
  log.error({ err: { message: 'not really an error' } }, 'plain object');
  let deep: Error = new Error('level 0');
  for (let i = 1; i < 20; i++) deep = new Error(`level ${i}`, { cause: deep });
  log.error({ err: deep }, 'deep');
  const [agg, cyc, str, host, thrownString, plain, deepRecord] = out.records();
  t.equal(agg?.err.type, 'AggregateError');
  t.same(agg?.err.errors.map((e: { type: string; message: string }) => [e.type, e.message]),
    [['Error', 'volume a'], ['SyntaxError', 'volume b'], ['string', 'not an error']]);
  t.equal(cyc?.err.cause.message, '[Circular]');
  t.same(str?.err.cause, { type: 'string', message: 'because' });
  t.match(host?.err.stack, /reading stack threw Error: no stack for you/);
  t.match(host?.err.extra, /reading extra threw/);
  t.same(thrownString?.err, { type: 'string', message: 'a thrown string' });
  t.match(plain?.err.message, /not an Error/);
  let depth = 0;
  for (let e = deepRecord?.err; e?.cause; e = e.cause) depth++;
  t.ok(depth <= 10, 'deep cause chains are cut off');
  t.equal(serializeError(new Proxy(new Error('x'), { getPrototypeOf() { throw new Error('trap'); } })).type, 'Error');
});

t.test('traceback lines: stack, then AggregateError members, then each cause', async (t) => {
  const error = new AggregateError([new Error('member one')], 'outer', { cause: new Error('the cause') });
  const lines = tracebackLines(serializeError(error));
  t.equal(lines[0], 'AggregateError: outer');
  const member = lines.findIndex((l) => l === 'Aggregated error 1 of 1: Error: member one');
  const cause = lines.findIndex((l) => l === 'Caused by: Error: the cause');
  t.ok(member > 0 && cause > member, 'member, then cause');
  t.ok(lines.every((l) => !l.includes('\n')), 'one line each');
  t.same(tracebackLines({ type: 'Error', message: 'no stack' }), ['Error: no stack']);
});
