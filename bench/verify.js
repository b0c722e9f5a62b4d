#!/usr/bin/env node
// Realism check of a generated corpus (run by run.js on its smallest corpus, or alone):
//   node bench/verify.js <corpus-dir>
// By grep (zgrep, so the rotated .gz files count): the traced instance appears on ≥ 2 compute
// hosts, has a traceback, and its base file's image-cache lines exist on a host where it lived.
// With the records layer built: a sample of every file parses into records of the format the
// generator wrote (oslo / oslo-json / pino, syslog-wrapped where it should be), with times.
// Exits 1 when a check fails.

import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

const SAMPLE_LINES = 3000;

function zgrep(pattern, files) {
  const r = spawnSync('zgrep', ['-F', '-H', '--', pattern, ...files], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status === 2) throw new Error(`zgrep failed: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf(':');
    return { file: l.slice(0, i), text: l.slice(i + 1) };
  });
}

function formatOf(manifest, path) {
  const [host, file] = path.split('/');
  return manifest.formats[`${host}/${file.replace(/\.log.*$/, '')}`] ?? manifest.formats[host] ?? 'oslo';
}

async function firstLines(path, n) {
  const input = createReadStream(path);
  const rl = createInterface({ input: path.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
  const lines = [];
  for await (const line of rl) { lines.push(line); if (lines.length >= n) break; }
  rl.close();
  input.destroy();
  return lines;
}

/** Runs every check; resolves { ok, summary, checks }. */
export async function verifyCorpus(manifest) {
  const dir = manifest.out;
  const files = manifest.files.map((f) => join(dir, f.path));
  const { id, baseFile } = manifest.traced;
  const checks = [];
  const check = (name, ok, detail) => checks.push({ name, ok, detail });

  const hits = zgrep(id, files);
  const hostOf = (file) => file.slice(dir.length + 1).split('/')[0];
  const computeHosts = [...new Set(hits.map((h) => hostOf(h.file)).filter((h) => h.startsWith('cp-')))].sort();
  check('traced instance on ≥ 2 compute hosts', computeHosts.length >= 2, `${computeHosts.join(', ')} (${hits.length} lines name it)`);

  const tb = hits.filter((h) => h.text.includes(`[instance: ${id}] Traceback (most recent call last):`)
    || (h.text.includes('"traceback": ["Traceback') || h.text.includes('"err":{')));
  check('traced instance has a traceback', tb.length > 0, `${tb.length} traceback starts`);

  const computeFiles = files.filter((f) => hostOf(f).startsWith('cp-'));
  const cache = zgrep(baseFile, computeFiles).filter((h) => /imagecache/.test(h.text) && computeHosts.includes(hostOf(h.file)));
  const kinds = ['): checking', '): in use: on this node', 'Active base files:', 'Removable base files:', 'Base or swap file too young to remove:', 'Removing base or swap file:']
    .filter((k) => cache.some((h) => h.text.includes(k)));
  check("its base file's cache lines exist where it lived", cache.length > 0 && kinds.length >= 3, `${cache.length} lines; wordings seen: ${kinds.map((k) => k.replace(/[):]/g, '').trim()).join(' / ')}`);

  // Parse check with the records layer, when built.
  const dist = fileURLToPath(new URL('../dist/records/index.js', import.meta.url));
  if (existsSync(dist)) {
    const records = await import(dist);
    const bad = [];
    let total = 0, timed = 0, plain = 0, syslogBare = 0;
    for (const f of manifest.files) {
      const path = join(dir, f.path);
      const want = formatOf(manifest, f.path);
      const [host, file] = f.path.split('/');
      const a = new records.RecordAssembler({ file: path, host, service: file.replace(/\.log.*$/, '') }, {});
      const recs = records.assembleLines(a, await firstLines(path, SAMPLE_LINES));
      total += recs.length;
      for (const r of recs) {
        if (r.time !== null) timed++;
        if (r.format === 'plain') plain++;
        // journald/rsyslog give every physical line its own header, so a wrapped multi-line
        // message arrives as header + bare text lines: counted apart, not a format mismatch.
        if (r.syslog && r.format === 'plain' && want === 'syslog') { syslogBare++; continue; }
        const fmt = r.syslog ? (r.format === 'oslo' ? 'syslog' : `syslog+${r.format}`) : r.format;
        if (fmt !== want) { bad.push(`${f.path}:${r.source.line} parsed as ${fmt}, written as ${want}`); }
      }
    }
    check('sample parses in the format it was written in', bad.length === 0 && total > 0,
      `${total} records from ≤ ${SAMPLE_LINES} lines of each of ${manifest.files.length} files; ${timed} with a time, ${plain} plain (of which ${syslogBare} syslog-wrapped continuation lines kept as records of their own)${bad.length ? `; ${bad.length} mismatches, e.g. ${bad[0]}` : ''}`);
  } else {
    check('sample parses (records layer)', true, 'skipped: dist/records not built');
  }
  const ok = checks.every((c) => c.ok);
  const summary = checks.map((c) => `${c.ok ? 'ok' : 'FAILED'} — ${c.name}: ${c.detail}`).join('; ');
  return { ok, summary, checks };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2];
  if (!dir) { process.stderr.write('usage: node bench/verify.js <corpus-dir>\n'); process.exit(2); }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  manifest.out = dir.replace(/\/$/, '');
  const v = await verifyCorpus(manifest);
  for (const c of v.checks) process.stdout.write(`${c.ok ? 'ok    ' : 'FAILED'} ${c.name}: ${c.detail}\n`);
  process.exitCode = v.ok ? 0 : 1;
}
