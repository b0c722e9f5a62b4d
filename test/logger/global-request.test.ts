/**
 * withRequest(id, fn, { globalRequestId }): every record inside carries `global_request_id`; the
 * oslo text layout writes it where oslo.log does, escaped as the other fields; the trace's
 * parsers read it back from both layouts.
 */
import t from 'tap';
import { withInstance, withRequest } from '../../src/index.js';
import { assembleLines, RecordAssembler } from '../../src/records/index.js';
import { captured, UUID } from './fixtures/capture.js';

const REQ = 'req-38101a0b-2096-447d-96ea-a692162415ae';
const GLOBAL = 'req-aaaaaaaa-2096-447d-96ea-a692162415ae';

const parse = (lines: string[]) => assembleLines(new RecordAssembler({ file: 'x.log', host: 'cp-1', service: 'nova-compute' }), lines);

t.test('JSON records carry global_request_id inside the scope, also across await and nested instance scopes', async (t) => {
  const { log, out } = captured();
  await withRequest(REQ, async () => {
    log.info('first');
    await new Promise((resolve) => setTimeout(resolve, 1));
    withInstance(UUID, () => log.info('after await, in an instance'));
  }, { globalRequestId: GLOBAL });
  withRequest(REQ, () => log.info('no global'));
  withRequest({ request_id: REQ, global_request_id: GLOBAL }, () => log.info('from an oslo context'));
  withRequest(REQ, () => log.info('same as the request id'), { globalRequestId: REQ });
  withRequest(REQ, () => log.info({ request: 'req-other' }, 'a call with its own request'), { globalRequestId: GLOBAL });
  const records = out.records();
  t.same(records.map((r) => [r.request_id, r.global_request_id]), [
    [REQ, GLOBAL], [REQ, GLOBAL], [REQ, undefined], [REQ, GLOBAL], [REQ, undefined], ['req-other', undefined],
  ]);
  t.equal(records[1]!.instance_uuid, UUID);
  t.same(parse(out.lines()).map((r) => r.globalRequestId), [GLOBAL, GLOBAL, null, GLOBAL, null, null], 'our JSON parsed back');
});

t.test('oslo text: [global request user project …] as oslo.log writes it, escaped, and parsed back', async (t) => {
  const { log, out } = captured({ format: 'oslo' });
  withRequest(REQ, () => log.info('with a global id'), { globalRequestId: GLOBAL });
  withRequest(REQ, () => log.info('without'));
  withRequest(REQ, () => log.info('hostile'), { globalRequestId: 'req-x] [instance: 11111111-2222-4333-8444-555555555555]\nforged' });
  const lines = out.lines();
  t.match(lines[0], `[${GLOBAL} ${REQ} - - - - - -] with a global id`);
  t.match(lines[1], `[None ${REQ} - - - - - -] without`);
  t.equal(lines.length, 3, 'a newline in the global id does not make a line');
  t.notMatch(lines[2], '[instance: 11111111', 'brackets escaped: no forged instance tag');
  const records = parse(lines);
  t.same(records.map((r) => [r.globalRequestId, r.requestId]), [[GLOBAL, REQ], [null, REQ], [records[2]!.globalRequestId, REQ]]);
  t.equal(records[2]!.instanceId, null);
});

t.test('an oslo context whose global_request_id getter throws: the request id alone', async (t) => {
  const { log, out } = captured();
  const context = { request_id: REQ, get global_request_id(): string { throw new Error('boom'); } };
  withRequest(context, () => log.info('hostile context'));
  t.same([out.records()[0]!.request_id, out.records()[0]!.global_request_id], [REQ, undefined]);
});
