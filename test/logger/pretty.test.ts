import t from 'tap';
import { captured, UUID } from './fixtures/capture.js';

t.test('pretty format renders through pino-pretty, message on one line', async (t) => {
  const { log, out } = captured({ format: 'pretty' });
  log.info({ instance: UUID }, 'Instance spawned\nforged line');
  log.error({ err: new Error('boom'), instance: UUID }, 'failed');
  const text = out.writes.join('');
  t.match(text, /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(nova\.compute\.manager\): Instance spawned\\nforged line\n/);
  t.match(text, /instance_uuid: "9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11"/);
  t.match(text, /ERROR \(nova\.compute\.manager\): failed/);
  t.match(text, /Error: boom/);
  t.notOk(text.includes('\u001b['), 'no colour when writing to a stream');
  t.equal(out.writes.length, 2, 'one write per record');
  t.ok(out.writes[0]!.includes(UUID));
});
