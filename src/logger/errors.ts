/**
 * Error serialisation for the `err` field, and the traceback lines oslo text prints for it:
 * type, message, stack, the `cause` chain and AggregateError members, safely (throwing getters,
 * cycles and non-Error values never break a log call).
 */
import { describeValue, thrownText } from './describe.js';

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  cause?: SerializedError;
  errors?: SerializedError[];
  /** Other own enumerable primitive properties (`code`, `errno`, `syscall`, `path`, …). */
  [extra: string]: unknown;
}

/** Nesting depth beyond which causes and members are summarised, not expanded. */
const MAX_DEPTH = 8;
const RESERVED = new Set(['type', 'message', 'stack', 'cause', 'errors', 'name']);

function safeRead(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch (thrown) {
    return `<reading ${key} threw ${thrownText(thrown)}>`;
  }
}

function typeName(error: object): string {
  try {
    const ctor = (error as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
  } catch { /* fall back to name */ }
  const name = safeRead(error, 'name');
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

function isErrorLike(value: object): boolean {
  return value instanceof Error
    || (typeof safeRead(value, 'message') === 'string' && typeof safeRead(value, 'stack') === 'string');
}

function serialize(value: unknown, depth: number, seen: Set<object>): SerializedError {
  if (typeof value !== 'object' || value === null) {
    return { type: typeof value === 'object' ? 'null' : typeof value,
      message: typeof value === 'string' ? value : describeValue(value) };
  }
  if (seen.has(value)) return { type: typeName(value), message: '[Circular]' };
  if (depth > MAX_DEPTH) return { type: typeName(value), message: '[too deeply nested]' };
  if (!isErrorLike(value)) {
    return { type: typeName(value), message: `thrown ${describeValue(value)}, not an Error` };
  }
  seen.add(value);
  const message = safeRead(value, 'message');
  const stack = safeRead(value, 'stack');
  const out: SerializedError = {
    type: typeName(value),
    message: typeof message === 'string' ? message : String(describeValue(message)),
  };
  if (typeof stack === 'string') out.stack = stack;
  try {
    for (const key of Object.keys(value)) {
      if (RESERVED.has(key)) continue;
      const extra = safeRead(value, key);
      if (typeof extra === 'string' || typeof extra === 'number' || typeof extra === 'boolean') out[key] = extra;
    }
  } catch { /* a Proxy's ownKeys trap may throw: extras are optional */ }
  const cause = safeRead(value, 'cause');
  if (cause !== undefined) out.cause = serialize(cause, depth + 1, seen);
  const members = safeRead(value, 'errors');
  if (Array.isArray(members)) out.errors = members.map(member => serialize(member, depth + 1, seen));
  seen.delete(value);
  return out;
}

/** The `err` serializer: any value → {type, message, stack, cause?, errors?}; never throws. */
export function serializeError(value: unknown): SerializedError {
  try {
    return serialize(value, 0, new Set());
  } catch (thrown) {
    return { type: 'Error', message: `error could not be serialised: ${thrownText(thrown)}` };
  }
}

function ownLines(error: SerializedError): string[] {
  const text = error.stack !== undefined && error.stack !== '' ? error.stack : `${error.type}: ${error.message}`;
  const lines = text.split(/\r\n|\n|\r/);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function collectLines(error: SerializedError, lead: string, into: string[]): void {
  const lines = ownLines(error);
  into.push(lead + (lines[0] ?? ''));
  for (let i = 1; i < lines.length; i++) into.push(lines[i] as string);
  if (error.errors !== undefined) {
    const count = error.errors.length;
    error.errors.forEach((member, index) => collectLines(member, `Aggregated error ${index + 1} of ${count}: `, into));
  }
  if (error.cause !== undefined) collectLines(error.cause, 'Caused by: ', into);
}

/**
 * The traceback as lines, as oslo prints them after an error record: the stack, then each
 * AggregateError member (`Aggregated error 1 of 2: …`) and each cause (`Caused by: …`).
 */
export function tracebackLines(error: SerializedError): string[] {
  const lines: string[] = [];
  collectLines(error, '', lines);
  return lines;
}
