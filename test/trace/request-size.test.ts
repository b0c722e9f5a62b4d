/** A finder that counts a request's records (the store) makes it shared past the scope's limit, as feeding them would. */
import t from 'tap';
import { InstanceTrace } from '../../src/trace/correlate.js';
import { foundOf } from '../../src/trace/match.js';
import { MAX_OWN_REQUEST_RECORDS } from '../../src/trace/requests.js';
import { ID, rec } from './fixture/build.js';

const REQ = 'req-00000000-0000-4000-8000-0000000000c1';

function traced(size: number, requests = true) {
  const trace = new InstanceTrace({ instanceId: ID, requests });
  trace.addPass1(foundOf(rec({ at: '09:00:00', requestId: REQ, instanceId: ID, message: 'Claim successful' })));
  trace.noteRequestSize(REQ, size);
  const live = trace.liveRequestIds().has(REQ);
  trace.addPass2(foundOf(rec({ at: '09:00:01', host: 'controller', service: 'nova-api', requestId: REQ, message: 'POST /v2.1/servers' })));
  return { live, result: trace.finish() };
}

t.test('up to the limit the request is followed; past it, shared', async (t) => {
  const own = traced(MAX_OWN_REQUEST_RECORDS);
  t.ok(own.live);
  t.same(own.result.requestIds, [REQ]);
  t.equal(own.result.records.length, 2);
  const shared = traced(MAX_OWN_REQUEST_RECORDS + 1);
  t.notOk(shared.live, 'no longer followed');
  t.same(shared.result.sharedRequestIds, [REQ]);
  t.equal(shared.result.records.length, 1, 'its other records are not in the trace');
  t.equal(traced(10 ** 6, false).result.records.length, 1, 'without --requests, nothing to count');
  const unknown = new InstanceTrace({ instanceId: ID });
  unknown.noteRequestSize('req-00000000-0000-4000-8000-0000000000ff', 10 ** 6);
  t.same(unknown.finish().sharedRequestIds, [], 'a request that is no candidate is ignored');
});
