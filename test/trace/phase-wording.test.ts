/** One real Nova wording per row of the phase table, and near misses that must not match. */
import t from 'tap';
import { matchPhaseWordings, PHASE_FLAGS, PHASE_WORDINGS } from '../../src/trace/phase-wording.js';

const ID = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const PORT = '5b1c9e0a-7d3f-4e2a-9b8c-6d5e4f3a2b1c';
const SHA = 'a489c868f0c37da93b76227c91bb03908ac0e742';

/** Each row's wording as Nova writes it, in table order: [message, key or host or reason]. */
const EXAMPLES: Array<[string, string | null]> = [
  ['10.0.0.9 "POST /v2.1/6f70656e737461636b20342065766572/servers HTTP/1.1" status: 202 len: 412 time: 0.4313610', null],
  ['10.0.0.9 "POST /v2.1/servers" status: 202 len: 412 microversion: 2.79 time: 0.431361', null],
  ['Selected host: (cp-1, cp-1) ram: 15360MB disk: 94208MB io_ops: 0 instances: 2', 'cp-1'],
  ["Selected host: cp-1; Selected node: cp-1; Alternates: [('cp-2', 'cp-2')]", 'cp-1'],
  ['Starting instance...', null],
  ['Claim successful on node cp-1', null],
  [`Lock "${SHA}" acquired by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: waited 0.000s`, SHA],
  [`Lock "${SHA}" "released" by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: held 12.480s`, SHA],
  [`Preparing to wait for external event network-vif-plugged-${PORT}`, PORT],
  [`Received event network-vif-plugged-${PORT}`, PORT],
  ['Start spawning the instance on the hypervisor.', null],
  ['Instance spawned successfully.', null],
  [`Build of instance ${ID} was re-scheduled: internal error: qemu unexpectedly closed the monitor`, 'internal error: qemu unexpectedly closed the monitor'],
  ['Took 13.88 seconds to build instance.', null],
  ['Starting monitoring of live migration', null],
  ['Migration operation has completed', null],
  ['_post_live_migration() is started..', null],
  ['Migrating instance to cp-2 finished successfully.', 'cp-2'],
  ['Migrating', null],
  ['Instance running successfully.', null],
  ['Rebuilding instance', null],
  ['Instance spawned successfully.', null],
  ['Terminating instance', null],
  [`Deletion of /var/lib/nova/instances/${ID}_del complete`, null],
];

t.equal(EXAMPLES.length, PHASE_WORDINGS.length, 'one example per row');
PHASE_WORDINGS.forEach((row, i) => {
  const [message, value] = EXAMPLES[i]!;
  t.test(`row ${i}: ${row.operation} ${row.phase} ${row.edge} (${row.source})`, async (t) => {
    const found = matchPhaseWordings(message).find((m) => m.row === row);
    t.ok(found, message);
    const groups = found?.match.groups ?? {};
    t.equal(groups.key ?? groups.host ?? groups.why ?? null, value);
    t.ok(matchPhaseWordings(`${message}\nsecond line`).some((m) => m.row === row), 'the first line decides');
  });
});

t.test('near misses match no row', async (t) => {
  for (const message of [
    '10.0.0.9 "POST /v2.1/servers HTTP/1.1" status: 400 len: 12 time: 0.1',
    '10.0.0.9 "POST /v2.1/servers/x/action HTTP/1.1" status: 202 len: 0 time: 0.1',
    'Received event network-vif-unplugged-' + PORT,
    `Received event network-vif-plugged-${PORT} for instance with task_state spawning.`,
    `Lock "compute_resources" acquired by "nova.compute.resource_tracker.ResourceTracker.instance_claim" :: waited 0.000s`,
    'Migrating instance to cp-2',
    'Took 3.86 seconds to spawn the instance on the hypervisor.',
    `[instance: ${ID}] Starting instance...`,
  ]) t.same(matchPhaseWordings(message), [], message);
});

t.test('each flag row names a phase the table has', async (t) => {
  for (const f of PHASE_FLAGS) t.ok(PHASE_WORDINGS.some((w) => w.operation === f.operation && w.phase === f.phase), `${f.operation} ${f.phase}`);
});
