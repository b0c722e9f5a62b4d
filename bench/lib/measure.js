// Running a command as a child, timing it and reading its peak resident set size.
//
// Peak RSS: GNU time (`/usr/bin/time -f %M`) reports the child's ru_maxrss, read by the kernel
// at exit — exact, and it covers the child's waited-for descendants (`sh -c 'a | b'` reports the
// largest). Without GNU time we fall back to polling /proc/<pid>/status VmHWM every 20 ms (the
// kernel's own high-water mark, so polling only risks missing the last moments of a child that
// exits between polls, never under-reading a value it saw); the table says which was used.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** 'gnu-time' when /usr/bin/time is GNU time and honours -f, else 'proc-vmhwm'. */
export function rssMethod() {
  if (!existsSync(GNU_TIME)) return 'proc-vmhwm';
  const r = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /^\d+\s*$/.test(r.stderr.trim().split('\n').pop() ?? '') ? 'gnu-time' : 'proc-vmhwm';
}

function readVmHwmKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

let seq = 0;

/**
 * Runs argv with stdout to `outFile` (or /dev/null when null — never for grep: GNU grep stops at
 * its first match when it sees that its output is /dev/null), stdin from `inFile` or nothing.
 * Resolves { wall (s), rssKiB, status, stderr }.
 */
export function runCommand(argv, { outFile = null, inFile = null, env = process.env, method = 'gnu-time', cwd } = {}) {
  return new Promise((resolve, reject) => {
    const timeFile = join(tmpdir(), `it-bench-rss-${process.pid}-${seq++}`);
    const full = method === 'gnu-time' ? [GNU_TIME, '-f', '%M', '-o', timeFile, ...argv] : argv;
    const out = openSync(outFile ?? '/dev/null', 'w');
    const inp = inFile ? openSync(inFile, 'r') : 'ignore';
    const start = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { stdio: [inp, out, 'pipe'], env, cwd });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { if (stderr.length < 64 * 1024) stderr += d; });
    let hwm = 0;
    const poll = method === 'gnu-time' ? null : setInterval(() => { hwm = Math.max(hwm, readVmHwmKiB(child.pid)); }, 20);
    child.on('error', (err) => { if (poll) clearInterval(poll); reject(err); });
    child.on('close', (status, signal) => {
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      if (poll) clearInterval(poll);
      closeSync(out);
      if (typeof inp === 'number') closeSync(inp);
      let rssKiB = hwm;
      if (method === 'gnu-time') {
        try {
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          rssKiB = Number(lines[lines.length - 1]) || 0;
          // GNU time writes "Command exited with non-zero status N" first; the status is ours anyway.
        } catch { rssKiB = 0; }
        rmSync(timeFile, { force: true });
      }
      resolve({ wall, rssKiB, status: signal ? 128 : status, stderr });
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Whether an executable exists on PATH (no shell). */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
