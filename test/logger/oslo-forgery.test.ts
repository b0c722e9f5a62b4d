/**
 * Caller data must not forge another instance's tag in oslo text: a request id, user, project,
 * global request id, logger name, non-UUID instance, message or error text that closes a bracket
 * or starts `[instance: …]` is written escaped (or rejected), so our parser and `instance-trace`
 * read the instance the record was really logged for.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, withInstance, withRequest, type InstanceLogger } from '../../src/index.js';
import { RecordAssembler, assembleLines, isUuid } from '../../src/records/index.js';
import type { LogRecord } from '../../src/records/record.js';
import { ensureBuilt, runMain, spawnCli } from '../cli/fixture/run.js';

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
  ensureBuilt();
  const cli = spawnCli([O, file, '--json']);
  t.equal(cli.stderr, '', 'bin/instance-trace O: no error');
  t.notOk(cli.stdout.split('\n').filter(Boolean).some((l) => (JSON.parse(l) as TraceLine).why === 'tagged'), 'bin/instance-trace O: not tagged');
  t.match(spawnCli([U, file, '--json']).stdout, /"why":"tagged"/, 'bin/instance-trace U: tagged');
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

// ---- The property: any caller data in any field, one record carrying exactly what was given ----

/** Pieces a hostile caller would use, mixed with arbitrary text. */
const PIECES = [']', '[', ' ', TAG_O, `[instance: ${U}] `, '] [', '[-]', 'None', '-', 'req-', `req-${O}`, '\n', '\r\n', '\t',
  '\u0000', '\u001b[31m', '\u0085', '\u2028', '\u2029', '\ud800', '\udfff', 'é', '日本', '😀', '\\x5d', 'Traceback (most recent call last):',
  '2017-05-16 00:00:05.185 1 INFO x [-] '];
const hostile = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ maxLength: 6 })), { maxLength: 6 })
  .map((parts) => parts.join(''));
const instanceValue = fc.oneof(fc.uuid(), fc.uuid().map((id) => id.toUpperCase()), hostile);
const requestValue = fc.oneof(hostile, hostile.map((s) => `req-${s}`));

/** Plain reference for the escape of one field word: controls, separators, space and brackets as escapes. */
function refEscape(text: string, field: boolean): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = ch.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
    const delimiter = field && (ch === ' ' || ch === '[' || ch === ']');
    if (!control && !delimiter) out += ch;
    else out += named[ch] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  }
  return out;
}
const refWord = (value: string | undefined): string => (value === undefined || value === '' ? '-' : refEscape(value, true));
const refMessage = (text: string): string => {
  const line = refEscape(text, false);
  return line.startsWith('[') ? `\\x5b${line.slice(1)}` : line;
};

const call = fc.record({
  name: hostile,
  nameVia: fc.constantFrom('createLogger', 'child'),
  instance: instanceValue,
  instanceVia: fc.constantFrom('key', 'withInstance', 'forInstance', 'instance_uuid'),
  requestId: requestValue,
  requestVia: fc.constantFrom('request_id', 'request', 'withRequest'),
  globalRequestId: fc.option(requestValue, { nil: undefined }),
  user: fc.option(hostile, { nil: undefined }),
  userKey: fc.constantFrom('user_id', 'user'),
  project: fc.option(hostile, { nil: undefined }),
  projectKey: fc.constantFrom('project_id', 'project'),
  message: hostile,
  error: fc.option(hostile, { nil: undefined }),
});
type Call = typeof call extends fc.Arbitrary<infer C> ? C : never;

/** Makes the call through the chosen API routes on a logger of `format`; returns what it wrote. */
function logCall(c: Call, format: 'oslo' | 'json'): string {
  let written = '';
  const root = createLogger({ format, name: c.nameVia === 'createLogger' ? c.name : 'nova.compute.manager', destination: { write: (s: string) => { written += s; } } });
  const named: InstanceLogger = c.nameVia === 'child' ? root.child({ name: c.name }) as unknown as InstanceLogger : root;
  const log = c.instanceVia === 'forInstance' ? named.forInstance(c.instance) : named;
  const fields: Record<string, unknown> = {};
  if (c.instanceVia === 'key') fields['instance'] = c.instance;
  // The record's own field, set directly: not checked, so printed escaped like any other word.
  if (c.instanceVia === 'instance_uuid') fields['instance_uuid'] = c.instance;
  if (c.requestVia === 'request_id') fields['request_id'] = c.requestId;
  if (c.requestVia === 'request') fields['request'] = c.requestId;
  if (c.globalRequestId !== undefined) fields['global_request_id'] = c.globalRequestId;
  if (c.user !== undefined) fields[c.userKey] = c.user;
  if (c.project !== undefined) fields[c.projectKey] = c.project;
  if (c.error !== undefined) fields['err'] = new Error(c.error);
  const write = () => (c.error === undefined ? log.info(fields, c.message) : log.error(fields, c.message));
  const scoped = c.instanceVia === 'withInstance' ? () => withInstance(c.instance, write) : write;
  if (c.requestVia === 'withRequest') withRequest(c.requestId, scoped);
  else scoped();
  return written;
}

t.test('property: any caller data in any field parses back to one record with the given instance and request', async (t) => {
  fc.assert(fc.property(call, (c) => {
    const lines = logCall(c, 'oslo').split('\n');
    if (lines.pop() !== '') return false;
    const records = parse(lines);
    if (records.length !== 1) return false;
    const record = records[0] as LogRecord;
    if (record.source.lines !== lines.length) return false;

    // Instance: a UUID is the tag (read lower-cased); anything else is no tag, and instance_error in
    // JSON. A raw instance_uuid field is the caller's own record field: printed as an escaped word.
    const valid = isUuid(c.instance);
    const json = JSON.parse(logCall(c, 'json')) as Record<string, unknown>;
    if (c.instanceVia === 'instance_uuid') {
      if (record.instanceId !== (c.instance === '' ? null : valid ? c.instance.toLowerCase() : refWord(c.instance))) return false;
      if (json['instance_uuid'] !== c.instance) return false;
    } else {
      if (record.instanceId !== (valid ? c.instance.toLowerCase() : null)) return false;
      if (valid ? json['instance_uuid'] !== c.instance || 'instance_error' in json
        : 'instance_uuid' in json || typeof json['instance_error'] !== 'string') return false;
    }

    // Request: withRequest and the request key ignore an empty id; the request_id key prints it as `-`.
    const requestId = c.requestVia === 'request_id' || c.requestId !== '' ? c.requestId : undefined;
    const block = requestId === undefined ? '-'
      : [c.globalRequestId === undefined ? 'None' : refWord(c.globalRequestId), refWord(requestId), refWord(c.user), refWord(c.project), '-', '-', '-', '-'].join(' ');
    if (record.requestBlock !== block) return false;
    // Each word stays in its slot; the parser reads the request id from its slot when the ids look
    // like oslo's (`req-…`; its layout is ambiguous otherwise, see applyRequestBlock).
    const oslolike = requestId?.startsWith('req-') === true
      && (c.globalRequestId === undefined || c.globalRequestId === '' || c.globalRequestId.startsWith('req-'));
    if (oslolike && record.requestId !== refWord(requestId)) return false;

    if (record.logger !== refWord(c.name)) return false;
    if (record.message !== refMessage(c.message)) return false;
    return c.error === undefined ? record.traceback.length === 0 : record.traceback.length === lines.length - 1;
  }), { numRuns: 500 });
  t.pass('500 random calls, each read back exactly');
});
