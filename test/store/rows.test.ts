/**
 * A record's ids as stored (src/store/rows.ts): the one-pass scan finds what the regular
 * expressions it replaced found (SHA-1 names: exactly 40 lower-case hex digits, no hex digit
 * beside), and a record's fields and cache facts join them.
 */
import t from 'tap';
import { assembleBlock } from '../../src/records/index.js';
import { CACHE_CUE_ID, recordIds } from '../../src/store/rows.js';
import type { FoundRecord } from '../../src/trace/types.js';

const SHA = '00c8197a3d92603946fabc9efa3759c6c403883f';
const A = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';

function found(text: string): FoundRecord {
  const record = assembleBlock({ source: { path: 'x', display: 'x', host: null, service: null, gzip: false, size: null }, firstLine: 1, lines: text.split('\n') }, {})[0]!;
  return { record, text };
}

const byRegex = (text: string): string[] => [...new Set(text.match(/(?<![0-9a-fA-F])[0-9a-f]{40}(?![0-9a-fA-F])/g) ?? [])];

t.test('SHA-1 names: as the regular expression finds them, wherever they fall', async (t) => {
  const pieces = [SHA, SHA.toUpperCase(), SHA.slice(0, 39), `${SHA}a`, 'F', '0', ' ', '_base/', 'x', SHA.slice(20), 'deadbeef'];
  let seed = 3;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    let text = 'y'.repeat(random(25));
    for (let k = random(6); k >= 0; k--) text += pieces[random(pieces.length)];
    const ids = recordIds({ ...found('plain'), text });
    t.same(ids.filter((id) => /^[0-9a-f]{40}$/.test(id)), byRegex(text), JSON.stringify(text));
  }
});

t.test('a record\'s ids: UUIDs, request ids, its fields, base-file names, the cache cue', async (t) => {
  const line = `2026-03-01 10:00:00.000 7 INFO nova.virt.libvirt.imagecache [req-11111111-2222-4333-8444-555555555555 - - - - -] [instance: ${A.toUpperCase()}] Active base files: /var/lib/nova/instances/_base/${SHA}`;
  const ids = recordIds(found(line));
  for (const id of [A, 'req-11111111-2222-4333-8444-555555555555', SHA, CACHE_CUE_ID]) t.ok(ids.includes(id), id);
  t.equal(new Set(ids).size, ids.length, 'each once');
  t.same(recordIds(found('2026-03-01 10:00:00.000 7 INFO nova.compute.manager nothing here')), []);
});
