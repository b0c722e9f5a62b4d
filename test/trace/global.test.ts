/**
 * Global request ids: other services' records under one of the instance's request ids or global
 * ids belong to the trace (why `global`), their own requests are followed, and a global id that
 * other instances' requests carry too (a Heat stack) is not expanded.
 */
import t from 'tap';
import { ID, OTHER, rec, timeline, traceRecords } from './fixture/build.js';

const REQ_API = 'req-00000000-0000-4000-8000-0000000000a1';
const REQ_COMPUTE = 'req-00000000-0000-4000-8000-0000000000c1';
const REQ_NEUTRON = 'req-00000000-0000-4000-8000-0000000000e1';
const REQ_GLANCE = 'req-00000000-0000-4000-8000-0000000000f1';
const REQ_HEAT = 'req-00000000-0000-4000-8000-0000000000b1';
const REQ_API_OTHER = 'req-00000000-0000-4000-8000-0000000000a2';
const REQ_NEUTRON_OTHER = 'req-00000000-0000-4000-8000-0000000000e2';

t.test('neutron and glance under the compute request id, and the request followed', async (t) => {
  const records = [
    rec({ at: '09:00:02', requestId: REQ_COMPUTE, instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:00:03', host: 'net-1', service: 'neutron-server', globalRequestId: REQ_COMPUTE, requestId: REQ_NEUTRON, message: 'Port 5b1c updated' }),
    rec({ at: '09:00:04', host: 'net-1', service: 'neutron-server', requestId: REQ_NEUTRON, message: 'no global id on this one' }),
    rec({ at: '09:00:03.500', host: 'img-1', service: 'glance-api', globalRequestId: REQ_COMPUTE, requestId: REQ_GLANCE, message: 'GET /v2/images/x/file' }),
    rec({ at: '09:00:05', host: 'net-1', service: 'neutron-server', globalRequestId: 'req-00000000-0000-4000-8000-0000000000ff', requestId: 'req-00000000-0000-4000-8000-0000000000fe', message: 'unrelated' }),
    rec({ at: '09:00:06', requestId: REQ_COMPUTE, instanceId: ID, message: 'Instance spawned' }),
  ];
  const result = traceRecords(records);
  t.same(timeline(result), [
    'tagged cp-1 Claim successful',
    'global net-1 Port 5b1c updated',
    'global img-1 GET /v2/images/x/file',
    'global net-1 no global id on this one',
    'tagged cp-1 Instance spawned',
  ]);
  t.same(result.requestIds, [REQ_COMPUTE]);
  t.same(result.globalIds, [], 'the compute request id is not a global id of the instance records');

  const off = traceRecords(records, { requests: false });
  t.notOk(off.records.some((r) => r.why === 'global'), '--no-requests follows no global id either');
});

t.test('a global id of the instance records is followed; one carried by another instance is not', async (t) => {
  const own = [
    rec({ at: '09:00:00', host: 'api-1', service: 'nova-api', globalRequestId: REQ_HEAT, requestId: REQ_API, message: `Creating server ${ID}` }),
    rec({ at: '09:00:01', host: 'vol-1', service: 'cinder-api', globalRequestId: REQ_HEAT, requestId: 'req-00000000-0000-4000-8000-0000000000d1', message: 'Create volume of 1 GB' }),
    rec({ at: '09:00:02', host: 'api-1', service: 'nova-api', globalRequestId: REQ_HEAT, requestId: REQ_API, message: 'POST /v2.1/servers status: 202' }),
  ];
  const result = traceRecords(own);
  t.same(timeline(result), [
    `mentioned api-1 Creating server ${ID}`,
    'global vol-1 Create volume of 1 GB',
    'request api-1 POST /v2.1/servers status: 202',
  ]);
  t.same(result.globalIds, [REQ_HEAT]);

  // The stack also creates OTHER under the same global id: the global id is shared.
  const stack = [
    ...own,
    rec({ at: '09:00:03', host: 'net-1', service: 'neutron-server', globalRequestId: REQ_HEAT, requestId: REQ_NEUTRON_OTHER, message: 'Port created' }),
    rec({ at: '09:00:04', host: 'api-1', service: 'nova-api', globalRequestId: REQ_HEAT, requestId: REQ_API_OTHER, message: `Creating server ${OTHER}`, instanceId: OTHER }),
    rec({ at: '09:00:05', host: 'api-1', service: 'nova-api', globalRequestId: REQ_HEAT, requestId: REQ_API_OTHER, message: 'POST /v2.1/servers status: 202' }),
  ];
  const shared = traceRecords(stack);
  t.same(timeline(shared), [
    `mentioned api-1 Creating server ${ID}`,
    'request api-1 POST /v2.1/servers status: 202',
  ], 'only the instance own request; nothing under the shared global id');
  t.same(shared.sharedGlobalIds, [REQ_HEAT]);
  t.same(shared.globalIds, []);
});

t.test('another instance under the compute request id drops that request only; a shared request drops its global finds', async (t) => {
  const records = [
    rec({ at: '09:00:02', requestId: REQ_COMPUTE, instanceId: ID, message: 'Claim successful' }),
    rec({ at: '09:00:03', host: 'net-1', service: 'neutron-server', globalRequestId: REQ_COMPUTE, requestId: REQ_NEUTRON, message: 'Port updated' }),
    rec({ at: '09:00:03', host: 'net-1', service: 'neutron-server', globalRequestId: REQ_COMPUTE, requestId: REQ_NEUTRON_OTHER, message: `device for instance ${OTHER}` }),
    rec({ at: '09:00:04', host: 'net-1', service: 'neutron-server', globalRequestId: REQ_COMPUTE, message: 'no request id of its own' }),
  ];
  t.same(timeline(traceRecords(records)), [
    'tagged cp-1 Claim successful',
    'global net-1 Port updated',
    'global net-1 no request id of its own',
  ]);
  const sharedCompute = [...records, rec({ at: '09:00:05', requestId: REQ_COMPUTE, instanceId: OTHER, message: 'other instance' })];
  t.same(timeline(traceRecords(sharedCompute)), ['tagged cp-1 Claim successful'], 'a shared request brings nothing, not even under it as global id');
});

t.test('a pass-1 record naming two instances makes its global id shared', async (t) => {
  const records = [
    rec({ at: '09:00:00', host: 'api-1', service: 'nova-api', globalRequestId: REQ_HEAT, requestId: REQ_API, message: `Instances ${ID} and instance ${OTHER}` }),
    rec({ at: '09:00:01', host: 'vol-1', service: 'cinder-api', globalRequestId: REQ_HEAT, requestId: 'req-00000000-0000-4000-8000-0000000000d1', message: 'Create volume' }),
  ];
  const result = traceRecords(records);
  t.same(result.sharedGlobalIds, [REQ_HEAT]);
  t.same(timeline(result), [`mentioned api-1 Instances ${ID} and instance ${OTHER}`]);
});
