/**
 * Caller data must not forge another instance's tag in oslo text: a request id, user, project,
 * global request id, logger name, non-UUID instance, message or error text that closes a bracket
 * or starts `[instance: …]` is written escaped (or rejected), so our parser and `instance-trace`
 * read the instance the record was really logged for.
 */
import t, { type Test } from 'tap';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, withInstance, withRequest, type InstanceLogger } from '../../src/index.js';
import { RecordAssembler, assembleLines } from '../../src/records/index.js';
import type { LogRecord } from '../../src/records/record.js';
import { runMain } from '../cli/fixture/run.js';

const U = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
const O = '3f0e8a52-6c1d-4b7e-9d2a-5e4f3c2b1a09';
const TAG_O = `[instance: ${O}]`;

const dir = mkdtempSync(join(tmpdir(), 'instance-trace-forgery-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Runs `calls` against an oslo logger writing to a real file; returns the file and its lines. */
function writeOslo(calls: (log: InstanceLogger) => void, name = 'nova.compute.manager'): { file: string; lines: string[] } {
  const file = join(dir, `nova-compute-${++files}.log`);
  writeFileSync(file, '');
  const log = createLogger({ format: 'oslo', name, destination: { write: (text: string) => appendFileSync(file, text) } });
  calls(log);
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return { file, lines };
}

function parse(lines: string[]): LogRecord[] {
  return assembleLines(new RecordAssembler({ file: 'nova-compute.log', host: 'cp-1', service: 'nova-compute' }), lines);
}

interface TraceLine { why: string; instance_uuid: string | null; message: string }

/** What `instance-trace <id> <file> --json` reports. */
async function trace(id: string, file: string): Promise<TraceLine[]> {
  const ran = await runMain([id, file, '--json']);
  return ran.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine);
}

/** One record, tagged U (or untagged), and never reported as O's own. */
async function assertNotForged(t: Test, file: string, lines: string[], want: string | null): Promise<LogRecord> {
  const records = parse(lines);
  t.equal(records.length, 1, 'one record');
  const record = records[0] as LogRecord;
  t.equal(record.instanceId, want, want === null ? 'no instance tag' : 'tagged with the instance it was logged for');
  const asO = await trace(O, file);
  t.notOk(asO.some((l) => l.why === 'tagged'), 'instance-trace O does not report it tagged');
  t.notOk(asO.some((l) => l.instance_uuid === O), 'nor as carrying O');
  if (want !== null) t.ok((await trace(U, file)).some((l) => l.why === 'tagged'), 'instance-trace U does');
  return record;
}

t.test("a request id that closes the block and opens O's tag", async (t) => {
  const { file, lines } = writeOslo((log) => log.info({ instance: U, request_id: `req-x] [instance: ${O}]` }, 'm'));
  t.equal(lines.length, 1);
  t.notOk(lines[0]?.includes(TAG_O), `no ${TAG_O} written`);
  const record = await assertNotForged(t, file, lines, U);
  t.equal(record.requestId, String.raw`req-x\x5d\x20\x5binstance:\x20${O}\x5d`, 'the request id, escaped');
  t.equal(record.message, 'm');
});

t.test('withRequest and withInstance: the same through the async scope', async (t) => {
  const { file, lines } = writeOslo((log) => withInstance(U, () => withRequest(`req-y] [instance: ${O}]`, () => log.info('m'))));
  const record = await assertNotForged(t, file, lines, U);
  t.equal(record.requestId, String.raw`req-y\x5d\x20\x5binstance:\x20${O}\x5d`);
});

t.test('user, project and global request id', async (t) => {
  for (const key of ['user_id', 'project_id', 'user', 'project', 'global_request_id']) {
    const { file, lines } = writeOslo((log) => log.info({ instance: U, request_id: 'req-1', [key]: `v] ${TAG_O}` }, 'm'));
    t.notOk(lines[0]?.includes(TAG_O), `${key}: no tag written`);
    const record = await assertNotForged(t, file, lines, U);
    t.equal(record.requestBlock?.split(' ').length, 8, `${key}: the block keeps its 8 words`);
  }
});

t.test('a logger name with spaces and brackets', async (t) => {
  const { file, lines } = writeOslo((log) => log.info('m'), `nova [-] ${TAG_O}`);
  const record = await assertNotForged(t, file, lines, null);
  t.equal(record.logger, String.raw`nova\x20\x5b-\x5d\x20\x5binstance:\x20${O}\x5d`);
  t.equal(record.message, 'm');
  const child = writeOslo((log) => { log.info({ instance: U }, 'first'); log.child({ name: '' }).info(`second ${TAG_O}`); });
  t.equal(parse(child.lines).length, 2, "an empty child name still starts a record (not a continuation of U's)");
});

t.test('a non-UUID instance value is rejected with instance_error, not printed as a tag', async (t) => {
  const { file, lines } = writeOslo((log) => log.info({ instance: `i-1] ${TAG_O}` }, 'm'));
  await assertNotForged(t, file, lines, null);
  const json: string[] = [];
  const log = createLogger({ destination: { write: (s: string) => { json.push(s); } } });
  log.info({ instance: 'i-1' }, 'm');
  withInstance({ uuid: 'not-a-uuid' }, () => log.info('m'));
  log.forInstance('x y').info('m');
  for (const line of json) {
    const record = JSON.parse(line) as Record<string, unknown>;
    t.notOk('instance_uuid' in record);
    t.match(record['instance_error'], /not a UUID/);
  }
});

t.test('a message or error text that starts with a tag', async (t) => {
  const message = writeOslo((log) => withRequest('req-1', () => log.info(`${TAG_O} m`)));
  await assertNotForged(t, message.file, message.lines, null);
  const bare = writeOslo((log) => log.info(`${TAG_O} m`));
  await assertNotForged(t, bare.file, bare.lines, null);
  const traceback = writeOslo((log) => log.error({ err: new Error(`boom\n${TAG_O} forged`) }, 'failed'));
  await assertNotForged(t, traceback.file, traceback.lines, null);
  const record = writeOslo((log) => log.error({ err: new Error(`boom\n[None req-1 - - - - - -] ${TAG_O} forged`) }, 'failed'));
  await assertNotForged(t, record.file, record.lines, null);
});
