import t from 'tap';
import { createFilterRenderer } from '../../src/render/filter.js';
import { emptyRecord } from '../../src/records/record.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const ID2 = 'a208479c-c0e3-4730-a5a0-d75e8afd0252';

t.test('raw output: unchanged for a pipe, control characters escaped for a terminal (newlines kept)', async (t) => {
  const bytes = Buffer.from('a\x1b[2J b\n\u202eevil\x07\n');
  t.equal(createFilterRenderer().raw(bytes), bytes, 'the very same bytes');
  t.equal(createFilterRenderer({ terminal: true }).raw(bytes).toString(), 'a\\x1b[2J b\n\\u202eevil\\x07\n');
});

t.test('json output: the trace schema with the filter\'s why and the ids --enrich added', async (t) => {
  const record = emptyRecord({ file: 'x.log', line: 3, lines: 1 }, `spawn ${ID}\u202e`);
  record.time = Date.UTC(2017, 4, 16, 0, 0, 31, 92);
  const render = createFilterRenderer();
  const one = render.json(record, 'passed', [ID]).toString();
  t.ok(one.endsWith('\n'));
  const parsed = JSON.parse(one);
  t.match(parsed, { time: '2017-05-16T00:00:31.092Z', why: 'passed', instance_uuid: ID, source: { file: 'x.log', line: 3, lines: 1 } });
  t.notOk(one.includes('\u202e'), 'bidi override written as an escape');
  t.same(JSON.parse(render.json(record, 'mentioned', [ID, ID2]).toString()).instance_uuids, [ID, ID2]);
  t.equal(JSON.parse(render.json(record, 'tagged', []).toString()).instance_uuid, null);
});
