import t from 'tap';
import { emptyRecord, LEVEL_ORDER } from '../../src/records/record.js';

t.test('emptyRecord leaves every fact empty and keeps the source', async (t) => {
  const r = emptyRecord({ file: 'a.log', line: 3, lines: 1 }, 'hello');
  t.equal(r.message, 'hello');
  t.equal(r.time, null);
  t.same(r.traceback, []);
  t.same(r.source, { file: 'a.log', line: 3, lines: 1 });
  t.equal(LEVEL_ORDER.indexOf('warn') > LEVEL_ORDER.indexOf('info'), true);
});
