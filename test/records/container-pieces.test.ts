/**
 * Property: real oslo.log output (default text, a site's layout, JSONFormatter), wrapped as CRI
 * or Docker json-file with pieces of any size (even shorter than a header), assembles into the
 * records of the plain lines.
 */
import t from 'tap';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordAssembler, assembleLines, type LogRecord, type OsloLayoutSpec } from '../../src/records/index.js';
import { writeLayout } from './oslo-layout-writer.js';
import { wrapCri, wrapDocker } from './container-writer.js';

function records(lines: readonly string[], spec?: OsloLayoutSpec): LogRecord[] {
  return assembleLines(new RecordAssembler({ file: 'x', host: 'pod', service: 'c' }, spec ? { oslo: spec } : {}), lines);
}

const facts = (rs: LogRecord[]) => rs.map((r) => [r.format, r.time, r.level, r.logger, r.requestId, r.globalRequestId, r.instanceId, r.message, r.traceback, r.codeLocation]);

t.test('any piece size, either wrapper, every format', async (t) => {
  const dir = t.testdir();
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'oslo_writer.py'), 'text', dir], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'oslo_writer.py'), 'json', dir], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8').trimEnd().split('\n');
  mkdirSync(join(dir, 'op'));
  const layout = writeLayout('operator', join(dir, 'op'));
  const inputs: Array<{ lines: string[]; spec?: OsloLayoutSpec }> = [
    { lines: read('nova.log') }, { lines: read('nova.json') }, { lines: layout.lines, spec: layout.spec },
  ];
  const expected = inputs.map(({ lines, spec }) => facts(records(lines, spec)));
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 20_000 })), fc.constantFrom('stdout', 'stderr'), (which, cri, size, stream) => {
    const { lines, spec } = inputs[which]!;
    const wrapped = (cri ? wrapCri : wrapDocker)(lines, Date.UTC(2026, 3, 14), stream, size);
    const got = records(wrapped, spec);
    t.same(facts(got), expected[which], `${cri ? 'cri' : 'docker'} ${size}`);
    return got.reduce((n, r) => n + r.source.lines, 0) === wrapped.length;
  }), { numRuns: 40, seed: 14 });
});
