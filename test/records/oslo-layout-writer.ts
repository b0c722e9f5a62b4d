/** Runs test/records/oslo_layout_writer.py (test helper): real oslo.log text in a site's layout. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOsloConfig, type OsloLayoutSpec } from '../../src/records/index.js';

const PYTHON = '/usr/bin/python3';
const WRITER = join(import.meta.dirname, 'oslo_layout_writer.py');

export interface Call { level: string; name: string; ms: number; pid: number; message: string; exc: boolean }
export type Layout = 'operator' | 'hostname' | 'nomsecs';

/** Writes `dir`/nova.conf and `dir`/nova.log; returns the log's lines, the calls, and the layout nova.conf sets. */
export function writeLayout(layout: Layout, dir: string): { lines: string[]; calls: Call[]; spec: OsloLayoutSpec; conf: string } {
  execFileSync(PYTHON, [WRITER, layout, dir], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = readFileSync(join(dir, 'nova.log'), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const calls = readFileSync(join(dir, 'text.manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Call);
  const conf = join(dir, 'nova.conf');
  return { lines, calls, spec: readOsloConfig(readFileSync(conf, 'utf8')), conf };
}

