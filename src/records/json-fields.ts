/** Small readers for fields of a parsed JSON log object; they never throw on odd shapes. */
import { findUuids, normaliseId } from './ids.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, or a finite number as text; null otherwise (and for '-', 'None'). */
export function str(v: unknown): string | null {
  if (typeof v === 'string') return v === '' || v === '-' || v === 'None' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

export function int(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,10}$/.test(v)) return Number(v);
  return null;
}

/** First of several keys that holds a usable string. */
export function firstStr(o: JsonObject, keys: readonly string[]): string | null {
  for (const k of keys) {
    const s = str(o[k]);
    if (s !== null) return s;
  }
  return null;
}

/**
 * An instance id from a field that may be an id, a dict with `uuid`, or text naming it
 * (oslo's `[instance: X] `, a repr like `Instance(uuid=X, …)`).
 */
export function instanceIdFrom(v: unknown): string | null {
  if (isObject(v)) return instanceIdFrom(v.uuid ?? v.id ?? null);
  const s = str(v);
  if (s === null) return null;
  const ids = findUuids(s);
  return ids.length > 0 ? (ids[0] as string) : normaliseId(s.trim()) || null;
}

/** Lines of a traceback given as a list of (possibly multi-line) strings or one string. */
export function tracebackLines(v: unknown): string[] {
  if (typeof v === 'string') return v === '' ? [] : v.split('\n');
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const item of v) if (typeof item === 'string') for (const l of item.split('\n')) out.push(l);
  return out;
}

/** Nesting beyond which causes and aggregated members are not followed. */
const MAX_ERROR_DEPTH = 8;

function errorLines(err: JsonObject, lead: string, depth: number, into: string[]): void {
  const stack = typeof err.stack === 'string' && err.stack !== '' ? err.stack
    : `${typeof err.type === 'string' ? err.type : 'Error'}: ${typeof err.message === 'string' ? err.message : ''}`;
  const lines = stack.split('\n');
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  into.push(lead + (lines[0] as string));
  for (let i = 1; i < lines.length; i++) into.push(lines[i] as string);
  if (depth >= MAX_ERROR_DEPTH) return;
  if (Array.isArray(err.errors)) {
    const members = err.errors.filter(isObject);
    members.forEach((m, i) => errorLines(m, `Aggregated error ${i + 1} of ${members.length}: `, depth + 1, into));
  }
  if (isObject(err.cause)) errorLines(err.cause, 'Caused by: ', depth + 1, into);
}

/**
 * A serialised error (`err`: type, message, stack, cause, errors) as traceback lines: the stack,
 * then each aggregated member and each cause, led as our logger's oslo text prints them.
 */
export function errorTraceback(err: JsonObject): string[] {
  const out: string[] = [];
  errorLines(err, '', 0, out);
  return out;
}
