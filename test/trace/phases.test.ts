/** The phase machine over hand-built records: pairing, keys, retries, hosts, flags. */
import t from 'tap';
import { rec } from './fixture/build.js';
import { computePhases, UNFINISHED } from '../../src/trace/phases.js';

const brief = (records: ReturnType<typeof rec>[]): string[] =>
  computePhases(records).map((p) => `${p.operation} ${p.name} ${p.host}→${p.endHost} ${p.durationMs}${p.flag === null ? '' : ` ! ${p.flag}`}`);

t.test('live migration, resize across hosts, rebuild', async (t) => {
  t.same(brief([
    rec({ at: '10:00:00', host: 'cp-1', message: 'Starting monitoring of live migration' }),
    rec({ at: '10:00:20', host: 'cp-1', message: 'Migration operation has completed' }),
    rec({ at: '10:00:21', host: 'cp-1', message: '_post_live_migration() is started..' }),
    rec({ at: '10:00:23', host: 'cp-1', message: 'Migrating instance to cp-2 finished successfully.' }),
    rec({ at: '11:00:00', host: 'cp-2', message: 'Migrating' }),
    rec({ at: '11:00:40', host: 'cp-3', message: 'Instance running successfully.' }),
    rec({ at: '12:00:00', host: 'cp-3', message: 'Rebuilding instance' }),
    rec({ at: '12:00:09', host: 'cp-3', message: 'Instance spawned successfully.' }),
  ]), [
    'live-migration transfer cp-1→cp-1 20000',
    'live-migration post cp-1→cp-1 2000',
    'resize resize cp-2→cp-3 40000',
    'rebuild rebuild cp-3→cp-3 9000',
  ]);
});

t.test('ends without a start, untimed records, keys that differ, a start while open', async (t) => {
  t.same(brief([
    rec({ message: 'Terminating instance' }),
    rec({ at: '10:00:00', message: 'Deletion of /var/lib/nova/instances/x_del complete' }),
    rec({ at: '10:00:01', message: 'Preparing to wait for external event network-vif-plugged-p1' }),
    rec({ at: '10:00:02', message: 'Received event network-vif-plugged-p2' }),
    rec({ at: '10:00:03', message: 'Lock "a" acquired by "x.fetch_func_sync" :: waited 0.000s' }),
    rec({ at: '10:03:03', message: 'Lock "a" "released" by "x.fetch_func_sync" :: held 180.000s' }),
    rec({ at: '10:04:00', message: 'Terminating instance' }),
    rec({ at: '10:05:00', message: 'Terminating instance' }),
    rec({ at: '10:05:01', message: 'Deletion of /var/lib/nova/instances/x_del complete' }),
  ]), [
    `build network cp-1→null null ! ${UNFINISHED}`,
    'build image cp-1→cp-1 180000 ! image fetch took minutes: Glance (download) or the disk (write, conversion)',
    `delete delete cp-1→null null ! ${UNFINISHED}`,
    'delete delete cp-1→cp-1 1000',
  ]);
});

t.test('a network wait or an image fetch belongs to the operation begun last', async (t) => {
  t.same(brief([
    rec({ at: '10:00:00', host: 'cp-1', message: 'Preparing to wait for external event network-vif-plugged-p1' }),
    rec({ at: '10:00:01', host: 'cp-1', message: 'Received event network-vif-plugged-p1' }),
    rec({ at: '11:00:00', host: 'cp-1', message: 'Rebuilding instance' }),
    rec({ at: '11:00:01', host: 'cp-1', message: 'Lock "a" acquired by "x.fetch_func_sync" :: waited 0.000s' }),
    rec({ at: '11:00:02', host: 'cp-1', message: 'Lock "a" "released" by "x.fetch_func_sync" :: held 1.000s' }),
    rec({ at: '11:00:03', host: 'cp-1', message: 'Preparing to wait for external event network-vif-plugged-p1' }),
    rec({ at: '11:00:05', host: 'cp-1', message: 'Received event network-vif-plugged-p1' }),
    rec({ at: '11:00:09', host: 'cp-1', message: 'Instance spawned successfully.' }),
  ]), [
    'build network cp-1→cp-1 1000',
    'rebuild rebuild cp-1→cp-1 9000',
    'rebuild image cp-1→cp-1 1000',
    'rebuild network cp-1→cp-1 2000',
  ], 'no build total opened by a rebuild network wait');
});
