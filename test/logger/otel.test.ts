/**
 * OpenTelemetry correlation with the real @opentelemetry/api: inside an active span records carry
 * trace_id and span_id; outside, nothing. The trace reads a trace_id as a global request id.
 */
import t from 'tap';
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager } from '@opentelemetry/api';
import { withRequest } from '../../src/index.js';
import { assembleLines, RecordAssembler } from '../../src/records/index.js';
import { captured } from './fixtures/capture.js';

/** The context manager an SDK registers, over AsyncLocalStorage (what @opentelemetry/context-async-hooks does). */
class AlsContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context { return this.#storage.getStore() ?? ROOT_CONTEXT; }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T { return target; }
  enable(): this { return this; }
  disable(): this { return this; }
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

t.test('records inside an active span carry its ids; outside they do not', async (t) => {
  t.ok(context.setGlobalContextManager(new AlsContextManager()), 'context manager registered');
  t.teardown(() => context.disable());
  const { log, out } = captured();
  log.info('before');
  const span = trace.wrapSpanContext({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED });
  await context.with(trace.setSpan(context.active(), span), async () => {
    log.info('in the span');
    await new Promise((resolve) => setTimeout(resolve, 1));
    withRequest('req-38101a0b-2096-447d-96ea-a692162415ae', () => log.info('in a request too'));
  });
  const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
  context.with(trace.setSpan(context.active(), invalid), () => log.info('invalid span'));
  log.info('after');
  const records = out.records();
  t.same(records.map((r) => [r.trace_id, r.span_id]), [
    [undefined, undefined], [TRACE, SPAN], [TRACE, SPAN], [undefined, undefined], [undefined, undefined],
  ]);
  t.equal(records[2]!.request_id, 'req-38101a0b-2096-447d-96ea-a692162415ae');
  const parsed = assembleLines(new RecordAssembler({ file: 'x.log', host: 'cp-1', service: 'api' }), out.lines());
  t.same(parsed.map((r) => r.globalRequestId), [null, TRACE, TRACE, null, null], 'the trace reads trace_id as a global id');
});

t.test('a context manager that throws costs no record', async (t) => {
  class Throwing extends AlsContextManager {
    override active(): Context { throw new Error('broken tracing'); }
  }
  t.ok(context.setGlobalContextManager(new Throwing()));
  t.teardown(() => context.disable());
  const { log, out } = captured();
  log.info('still logged');
  t.same(out.records().map((r) => [r.msg, r.trace_id]), [['still logged', undefined]]);
});
