/**
 * Wraps log lines as a container runtime stores them (test helper): CRI (containerd, CRI-O) and
 * Docker's json-file, each splitting a line longer than its 16 KiB buffer into pieces (`P` …
 * `F`; pieces without a trailing `\n`), as kubelet's log files hold them.
 */
export const RUNTIME_BUFFER = 16 * 1024;

/** RFC 3339 with nanoseconds, as both runtimes write it. */
function nanoTime(ms: number, n: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(100_000 + n).slice(1)}1Z`;
}

function pieces(line: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < line.length; at += size) out.push(line.slice(at, at + size));
  return out.length === 0 ? [''] : out;
}

/** CRI lines of `lines` (ASCII), written from `startMs` on. */
export function wrapCri(lines: readonly string[], startMs: number, stream = 'stderr', size = RUNTIME_BUFFER): string[] {
  const out: string[] = [];
  let n = 0;
  for (const line of lines) {
    const parts = pieces(line, size);
    parts.forEach((part, i) => out.push(`${nanoTime(startMs, n++)} ${stream} ${i === parts.length - 1 ? 'F' : 'P'} ${part}`));
  }
  return out;
}

/** Docker json-file lines of `lines` (ASCII); Go's encoder escapes <, > and &. */
export function wrapDocker(lines: readonly string[], startMs: number, stream = 'stderr', size = RUNTIME_BUFFER): string[] {
  const out: string[] = [];
  let n = 0;
  for (const line of lines) {
    const parts = pieces(line, size);
    parts.forEach((part, i) => {
      const log = i === parts.length - 1 ? `${part}\n` : part;
      const json = JSON.stringify({ log, stream, time: nanoTime(startMs, n++) });
      out.push(json.replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026'));
    });
  }
  return out;
}
