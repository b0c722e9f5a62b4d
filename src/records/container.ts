/**
 * Container log wrappers, as kubelet keeps them under /var/log/pods (OpenStack on Kubernetes):
 *   CRI (containerd, CRI-O): `2026-04-14T10:42:57.072876123Z stderr F <line>`; a line longer than
 *     the runtime's buffer (16 KiB) is written in pieces tagged `P`, the last one `F`.
 *   Docker json-file: `{"log":"<line>\n","stream":"stderr","time":"2026-…Z"}`; a piece of a long
 *     line (16 KiB) has no trailing `\n`, and the next object continues it.
 * Only the wrapper is read here; the line inside is parsed by the other formats, and the pieces
 * of a long line are joined by the assembler (src/records/assemble.ts).
 */
import { isDigit, looksLikeDateTime, readDateTime, toEpoch, UTC, type ParsedDateTime } from './time.js';

export interface ContainerLine {
  kind: 'cri' | 'docker';
  /** The runtime's time of the line (always with a zone). */
  time: number | null;
  timeText: string;
  stream: string;
  /** The line as the container wrote it (a piece of it when partial), without its newline. */
  text: string;
  /** A piece of a longer line: the next wrapped line continues it. */
  partial: boolean;
}

const SPACE = 32;
const DOCKER_HEAD = '{"log":"';

/**
 * An RFC 3339 time as Go's RFC3339Nano writes it: trailing zeros of the fraction are dropped
 * (`.5Z` is 500 ms, where oslo's `.5` would be 5 ms).
 */
function readNanoTime(text: string): ParsedDateTime {
  const p = readDateTime(text, 0, true);
  const c = text.charCodeAt(19);
  if (c !== 46 /* . */) return p;
  let end = 20;
  while (isDigit(text.charCodeAt(end))) end++;
  const digits = end - 20;
  if (digits === 0 || digits >= 3) return p;
  const ms = Number(text.slice(20, end));
  return { ...p, wallMs: p.wallMs - ms + ms * (digits === 1 ? 100 : 10) };
}

/** Reads `stdout `/`stderr ` at `i`; returns the index after the space, or -1. */
function readStream(line: string, i: number): number {
  return (line.startsWith('stdout', i) || line.startsWith('stderr', i)) && line.charCodeAt(i + 6) === SPACE ? i + 7 : -1;
}

/** A CRI line, or null when the line is none. */
export function parseCriLine(line: string): ContainerLine | null {
  if (!isDigit(line.charCodeAt(0)) || !looksLikeDateTime(line, 0) || line.charCodeAt(10) !== 84 /* T */) return null;
  const p = readNanoTime(line);
  if (p.offsetMs === null || line.charCodeAt(p.end) !== SPACE) return null;
  const tagStart = readStream(line, p.end + 1);
  if (tagStart === -1) return null;
  const tag = line.charCodeAt(tagStart);
  if (tag !== 80 /* P */ && tag !== 70 /* F */) return null;
  // The tag may gain further `:`-separated parts in later runtimes; the content starts after the space.
  let textStart = tagStart + 1;
  if (line.charCodeAt(textStart) === 58 /* : */) {
    const space = line.indexOf(' ', textStart);
    textStart = space === -1 ? line.length : space;
  }
  if (textStart < line.length && line.charCodeAt(textStart) !== SPACE) return null;
  return {
    kind: 'cri',
    time: toEpoch(p, UTC),
    timeText: line.slice(0, p.end),
    stream: line.slice(p.end + 1, tagStart - 1),
    text: line.slice(Math.min(textStart + 1, line.length)),
    partial: tag === 80,
  };
}

/** A Docker json-file line, or null when the line is none. */
export function parseDockerLine(line: string): ContainerLine | null {
  if (!line.startsWith(DOCKER_HEAD)) return null;
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  const { log, stream, time } = o as { log?: unknown; stream?: unknown; time?: unknown };
  if (typeof log !== 'string') return null;
  const timeText = typeof time === 'string' ? time : '';
  const partial = !log.endsWith('\n');
  return {
    kind: 'docker',
    time: looksLikeDateTime(timeText, 0) ? toEpoch(readNanoTime(timeText), UTC) : null,
    timeText,
    stream: typeof stream === 'string' ? stream : '',
    text: partial ? log : log.slice(0, log.endsWith('\r\n') ? -2 : -1),
    partial,
  };
}

/** The container line this physical line is, or null when it is no container wrapper. */
export function parseContainerLine(line: string): ContainerLine | null {
  const c = line.charCodeAt(0);
  if (c === 123 /* { */) return parseDockerLine(line);
  return isDigit(c) ? parseCriLine(line) : null;
}
