import t from 'tap';
import { RecordAssembler, assembleLines, parseJsonLine } from '../../src/records/index.js';
import { withRequest } from '../../src/index.js';
import { captured, BASE, IMAGE, UUID } from './fixtures/capture.js';

// The records layer must read back what the logger writes, in both formats.

t.test('JSON records parse back into the record model', async (t) => {
  const { log, out } = captured();
  withRequest('req-1', () => log.error({ err: new Error('boom', { cause: new Error('root') }), instance: { uuid: UUID, image_ref: IMAGE } }, 'failed'));
  log.cache('check', { image: IMAGE, baseFile: BASE });
  const [failed, cache] = out.lines().map((line) => parseJsonLine(line));
  t.equal(failed?.instanceId, UUID);
  t.equal(failed?.imageId, IMAGE);
  t.equal(failed?.requestId, 'req-1');
  t.equal(failed?.level, 'error');
  t.equal(failed?.logger, 'nova.compute.manager');
  t.equal(failed?.host, 'cp-1');
  t.equal(failed?.message, 'failed');
  t.ok(failed?.traceback.some((l) => l.includes('Error: boom')));
  t.same(cache?.cache, { action: 'check', imageId: IMAGE, baseFile: BASE });
});

t.test('oslo text records, with their tracebacks, parse back into the record model', async (t) => {
  const { log, out } = captured({ format: 'oslo' });
  withRequest('req-38101a0b-2096-447d-96ea-a692162415ae', () => log.error({ err: new Error('boom'), instance: UUID }, 'Instance failed to spawn'));
  log.cache('remove', { baseFile: BASE, instance: UUID });
  log.warn({ instance: UUID }, 'forged\n2017-05-16 00:00:00.000 1 INFO x [-] [instance: 00000000-0000-0000-0000-000000000000] evil');
  const records = assembleLines(new RecordAssembler({ file: 'nova-compute.log', host: 'cp-1', service: 'nova-compute' }), out.lines());
  t.equal(records.length, 3, 'three records: the traceback lines join the first, the forged line stays one record');
  const [failed, cache, forged] = records;
  t.equal(failed?.instanceId, UUID);
  t.equal(failed?.requestId, 'req-38101a0b-2096-447d-96ea-a692162415ae');
  t.equal(failed?.level, 'error');
  t.equal(failed?.message, 'Instance failed to spawn');
  t.equal(failed?.traceback[0], 'Error: boom');
  t.ok(failed!.traceback.length > 1);
  t.equal(cache?.cache?.action, 'remove');
  t.equal(cache?.cache?.baseFile, BASE);
  t.equal(forged?.instanceId, UUID);
});
