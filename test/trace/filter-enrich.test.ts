import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { SourceFile } from '../../src/sources/source.js';
import { createFilterRenderer } from '../../src/render/filter.js';
import { RecordFilter } from '../../src/trace/filter.js';
import { mayNeedInstanceId, spliceInstanceIds } from '../../src/trace/enrich.js';

const ID = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';
const ID2 = 'a208479c-c0e3-4730-a5a0-d75e8afd0252';
const IMAGE = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const SOURCE: SourceFile = { path: 'app.log', display: 'app.log', host: null, service: 'app', gzip: false, size: null };

/** Real pino output: every line a logger writes, in order. */
function pinoLines(write: (log: pino.Logger) => void): string[] {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); cb(); } });
  const log = pino({ base: { pid: 4242, hostname: 'cp-1' } }, sink);
  write(log);
  return lines;
}

function enrich(input: string, json = false): string {
  const filter = new RecordFilter({ instances: [], requests: [], enrich: true, json, renderer: createFilterRenderer() });
  const one = filter.forSource(SOURCE);
  const out: Buffer[] = [];
  one.push(Buffer.from(input), out);
  one.flush(out);
  return Buffer.concat(out).toString();
}

t.test('--enrich on pino JSON: adds instance_uuid, keeps everything else byte for byte', async (t) => {
  const lines = pinoLines((log) => {
    log.info(`Took 12.3 seconds to build instance ${ID}`);
    log.info({ instance_uuid: ID }, 'already tagged');
    log.info({ instance: { uuid: ID } }, `tagged the other way, mentions ${ID2}`);
    log.warn(`Migrating ${ID} away because ${ID2} needs the room`);
    log.info('no id at all');
    log.info({ req_id: `req-${ID2}` }, `request req-${ID2} accepted`);
    log.error(new Error(`spawn failed for ${ID}`), `Instance ${ID} failed to spawn`);
    log.info({ n: 1 }, `number keeps ${ID}`);
  });
  // A number no JS double holds, as another writer (Python, Go) may log it.
  lines[7] = lines[7]!.replace('"n":1', '"n":9007199254740993');
  const input = lines.join('\n') + '\n';
  const output = enrich(input).split('\n').slice(0, -1);
  t.equal(output.length, lines.length, 'every record passes');

  t.equal(output[0], lines[0]!.slice(0, -1) + `,"instance_uuid":"${ID}"}`, 'spliced as the last key');
  t.match(JSON.parse(output[0]!), { msg: `Took 12.3 seconds to build instance ${ID}`, instance_uuid: ID, level: 30, hostname: 'cp-1' });
  t.equal(output[1], lines[1], 'a record with instance_uuid is left alone');
  t.equal(output[2], lines[2], 'a record tagged as instance.uuid is left alone');
  t.same(JSON.parse(output[3]!).instance_uuids, [ID, ID2], 'several ids: instance_uuids, in order');
  t.equal(JSON.parse(output[3]!).instance_uuid, undefined);
  t.equal(output[4], lines[4]);
  t.equal(output[5], lines[5], 'a request id is not an instance id');
  const failed = JSON.parse(output[6]!);
  t.equal(failed.instance_uuid, ID);
  t.match(failed.err.stack, /spawn failed/, 'err.stack (one JSON string) kept');
  t.ok(output[7]!.includes('"n":9007199254740993'), 'numbers are not re-serialised (2^53+1 survives)');
});

t.test('--enrich leaves non-JSON records and oddities untouched', async (t) => {
  const oslo = `2017-05-16 00:00:51.633 25743 INFO nova.api [req-3e22b75e-1c4f-4579-8a73-7ede40d3f955 u p - - -] Creating event for instance ${ID}\n`;
  const cache = `{"level":30,"time":1,"msg":"image ${IMAGE} at (/var/lib/nova/instances/_base/a489c868f0c37da93b76227c91bb03908ac0e742): checking"}\n`;
  const broken = `{"level":30,"msg":"half a line ${ID}"\n`;
  const badUtf8 = Buffer.concat([Buffer.from(`{"level":30,"msg":"caf`), Buffer.from([0xe9]), Buffer.from(` ${ID}"}\n`)]);
  const input = Buffer.concat([Buffer.from(oslo + cache + broken), badUtf8]);
  const filter = new RecordFilter({ instances: [], requests: [], enrich: true, json: false, renderer: createFilterRenderer() });
  const one = filter.forSource(SOURCE);
  const out: Buffer[] = [];
  one.push(input, out);
  one.flush(out);
  const output = Buffer.concat(out);
  const expectedLast = Buffer.concat([Buffer.from(`{"level":30,"msg":"caf`), Buffer.from([0xe9]), Buffer.from(` ${ID}","instance_uuid":"${ID}"}\n`)]);
  t.ok(output.subarray(0, oslo.length + cache.length + broken.length).equals(Buffer.from(oslo + cache + broken)), 'oslo text, an image id, broken JSON: unchanged');
  t.ok(output.subarray(oslo.length + cache.length + broken.length).equals(expectedLast), 'invalid UTF-8 kept byte for byte around the splice');
  t.equal(filter.counts.enriched, 1);
  // The broken line is no record start: it travels with the record before it.
  t.equal(filter.counts.written, 3);
});

t.test('--enrich --json writes the normalised record with the added id', async (t) => {
  const lines = pinoLines((log) => {
    log.info(`Terminating instance ${ID}`);
    log.info('nothing');
    log.info(`between ${ID} and ${ID2}`);
  });
  const records = enrich(lines.join('\n') + '\n', true).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(records, [
    { instance_uuid: ID, why: 'passed', level: 'info', host: 'cp-1', format: 'pino', message: `Terminating instance ${ID}` },
    { instance_uuid: null, why: 'passed' },
    { instance_uuid: null, instance_uuids: [ID, ID2] },
  ]);
});

t.test('enrich with ids given: only matching records, still enriched', async (t) => {
  const lines = pinoLines((log) => {
    log.info(`Rebooting ${ID}`);
    log.info(`Rebooting ${ID2}`);
  });
  const filter = new RecordFilter({ instances: [ID], requests: [], enrich: true, json: false, renderer: createFilterRenderer() });
  const one = filter.forSource(SOURCE);
  const out: Buffer[] = [];
  one.push(Buffer.from(lines.join('\n') + '\n'), out);
  one.flush(out);
  t.equal(Buffer.concat(out).toString(), lines[0]!.slice(0, -1) + `,"instance_uuid":"${ID}"}\n`);
});

t.test('splice and pre-check on their own', async (t) => {
  t.equal(spliceInstanceIds(Buffer.from('{}\n'), [ID])?.toString(), `{"instance_uuid":"${ID}"}\n`, 'an empty object takes no comma');
  t.equal(spliceInstanceIds(Buffer.from('{"a":1}  \r\n  continuation }\n'), [ID])?.toString(),
    `{"a":1,"instance_uuid":"${ID}"}  \r\n  continuation }\n`, 'only the first line, trailing spaces and CR kept');
  t.equal(spliceInstanceIds(Buffer.from('no object\n'), [ID]), null);
  t.equal(spliceInstanceIds(Buffer.from('{"a":1}'), []), null);
  t.equal(mayNeedInstanceId(Buffer.from(`{"instance_uuid":null,"msg":"${ID}"}`)), false, 'never a duplicate key');
  t.equal(mayNeedInstanceId(Buffer.from(`{"instance_uuids":["${ID}"]}`)), false);
  t.equal(mayNeedInstanceId(Buffer.from(`{"msg":"say \\"instance_uuid\\" ${ID}"}`)), true, 'an escaped mention in a string is no key');
  t.equal(mayNeedInstanceId(Buffer.from('plain text\n{"a":1}')), false, 'the object must be on the first line');
});

t.test('--enrich prefers ids named where Nova writes an instance: a port id is not an instance', async (t) => {
  const PORT = 'a208479c-c0e3-4730-a5a0-d75e8afd0252';
  const lines = pinoLines((log) => {
    log.info(`Creating event network-vif-plugged:${PORT} for instance ${ID}`);
    log.info(`Evacuating ${ID} and ${PORT}`);
  });
  const output = enrich(lines.join('\n') + '\n').split('\n').slice(0, -1);
  t.equal(JSON.parse(output[0]!).instance_uuid, ID, 'only the id in an instance context');
  t.equal(JSON.parse(output[0]!).instance_uuids, undefined);
  t.same(JSON.parse(output[1]!).instance_uuids, [ID, PORT], 'no instance context: every UUID named');
});
