/**
 * The async scope: `withInstance` / `withRequest` make every record logged inside `fn` — after
 * `await`, in timers and promise callbacks it started — carry the instance / request id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describeValue } from './describe.js';
import { normaliseInstance, type InstanceFields } from './instance.js';

/** What a scope contributes to a record; normalised once, when the scope is entered. */
export interface LogScope {
  readonly instance: InstanceFields | undefined;
  readonly requestId: string | undefined;
  /** The caller's id (oslo's `global_request_id`): the id another service gave this request. */
  readonly globalRequestId?: string | undefined;
  /** Set when withRequest was given something that is not a request id. */
  readonly requestError: string | undefined;
}

const storage = new AsyncLocalStorage<LogScope>();

/** Scope an error was thrown in, remembered as it leaves withInstance/withRequest (for crash reports). */
const scopeOfThrown = new WeakMap<object, LogScope>();

/** The scope of the running code, if any (one AsyncLocalStorage lookup). */
export function currentScope(): LogScope | undefined {
  return storage.getStore();
}

/** The innermost scope `thrown` escaped from, if it escaped one (objects only). */
export function scopeOfError(thrown: unknown): LogScope | undefined {
  return (typeof thrown === 'object' && thrown !== null) || typeof thrown === 'function'
    ? scopeOfThrown.get(thrown as object) : undefined;
}

function rememberScope(thrown: unknown, scope: LogScope): void {
  if (((typeof thrown === 'object' && thrown !== null) || typeof thrown === 'function')
    && !scopeOfThrown.has(thrown as object)) {
    scopeOfThrown.set(thrown as object, scope);
  }
}

function runInScope<T>(scope: LogScope, fn: () => T): T {
  return storage.run(scope, () => {
    let result: T;
    try {
      result = fn();
    } catch (thrown) {
      rememberScope(thrown, scope);
      throw thrown;
    }
    if (result instanceof Promise) {
      // Same settlement, but a rejection is first tagged with the scope it came from.
      return result.then(undefined, (reason: unknown) => {
        rememberScope(reason, scope);
        throw reason;
      }) as T;
    }
    return result;
  });
}

/** Runs `fn` with every record inside it tagged with `instance` (id string, Nova dict, object…). */
export function withInstance<T>(instance: unknown, fn: () => T): T {
  const outer = storage.getStore();
  return runInScope({
    instance: normaliseInstance(instance),
    requestId: outer?.requestId,
    globalRequestId: outer?.globalRequestId,
    requestError: outer?.requestError,
  }, fn);
}

/** The request id in `value`: a string, or an oslo context-like object's `request_id`. */
export function normaliseRequestId(value: unknown): { requestId?: string; requestError?: string } {
  if (typeof value === 'string') {
    return value !== '' ? { requestId: value } : { requestError: 'request id is an empty string' };
  }
  if (typeof value === 'object' && value !== null) {
    try {
      const id = (value as Record<string, unknown>)['request_id'];
      if (typeof id === 'string' && id !== '') return { requestId: id };
    } catch {
      return { requestError: 'reading request.request_id threw' };
    }
  }
  return { requestError: `request is ${describeValue(value)}, not a request id` };
}

export interface RequestOptions {
  /**
   * The id the caller gave this request (oslo's `global_request_id`, sent by other services as
   * `X-OpenStack-Request-ID`); default: an oslo context-like request's own `global_request_id`.
   */
  globalRequestId?: string;
}

/** Runs `fn` with every record inside it tagged with `request_id` (and `global_request_id` when known). */
export function withRequest<T>(requestId: unknown, fn: () => T, options: RequestOptions = {}): T {
  const outer = storage.getStore();
  const request = normaliseRequestId(requestId);
  const given = options.globalRequestId ?? globalIdOf(requestId);
  return runInScope({
    instance: outer?.instance,
    requestId: request.requestId,
    globalRequestId: typeof given === 'string' && given !== '' && given !== request.requestId ? given : undefined,
    requestError: request.requestError,
  }, fn);
}

/** An oslo context-like object's `global_request_id` (undefined when none or unreadable). */
function globalIdOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)['global_request_id'];
  } catch {
    return undefined;
  }
}

/** Runs `fn` inside `scope` as is (for reports about code that ran there, e.g. crashes). */
export function runWithScope<T>(scope: LogScope | undefined, fn: () => T): T {
  return scope === undefined ? fn() : storage.run(scope, fn);
}
