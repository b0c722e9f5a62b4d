/**
 * The per-call hot path, as pino's `mixin`: the record's instance and request fields, from (in
 * order) the call's own `instance` / `request`, the forInstance binding, the async scope. One
 * AsyncLocalStorage lookup; no allocation when there is nothing to add.
 */
import { currentScope, normaliseRequestId } from './context.js';
import { thrownText } from './describe.js';
import { normaliseInstance, type InstanceFields } from './instance.js';
import { boundInstanceSym } from './symbols.js';
import { activeSpanIds } from './otel.js';

/** Returned when a call gets no extra fields; the merge strategy then passes the call's object through. */
const NOTHING: Readonly<Record<string, unknown>> = Object.freeze({});

/** `base`'s id and image with `error` added (an odd value must not erase the scope's id). */
function withError(base: InstanceFields | undefined, error: string): InstanceFields {
  const out: InstanceFields = {};
  if (base?.instance_uuid !== undefined) out.instance_uuid = base.instance_uuid;
  if (base?.image_id !== undefined) out.image_id = base.image_id;
  out.instance_error = base?.instance_error === undefined ? error : `${error}; ${base.instance_error}`;
  return out;
}

/** pino `mixin`: the fields this call adds (a fresh object, or NOTHING). */
export function scopeMixin(mergeObject: object, _level: number, logger: object): Record<string, unknown> {
  const call = mergeObject as Record<string, unknown>;
  const scope = currentScope();
  const bound = (logger as Record<symbol, InstanceFields | undefined>)[boundInstanceSym];

  let fields: InstanceFields | undefined = scope?.instance;
  if (bound !== undefined) fields = bound.instance_uuid !== undefined ? bound : withError(fields, bound.instance_error ?? '');
  let fresh = false;

  let callInstance: unknown;
  try {
    callInstance = call['instance'];
  } catch (thrown) {
    fields = withError(fields, `reading instance threw ${thrownText(thrown)}`);
    fresh = true;
  }
  if (callInstance !== undefined) {
    const own = normaliseInstance(callInstance);
    fields = own.instance_uuid !== undefined ? own : withError(fields, own.instance_error ?? '');
    fresh = true;
  }

  let requestId = scope?.requestId;
  let globalRequestId = scope?.globalRequestId;
  let requestError = scope?.requestError;
  let callRequest: unknown;
  try {
    callRequest = call['request'];
  } catch (thrown) {
    requestError = `reading request threw ${thrownText(thrown)}`;
  }
  if (callRequest !== undefined) {
    const request = normaliseRequestId(callRequest);
    if (request.requestId !== undefined && request.requestId !== requestId) globalRequestId = undefined;
    requestId = request.requestId ?? requestId;
    requestError = request.requestError;
  }

  const span = activeSpanIds();
  if (fields === undefined && requestId === undefined && requestError === undefined && span === undefined) return NOTHING;
  let out: Record<string, unknown>;
  if (fresh) {
    out = fields as Record<string, unknown>;
  } else {
    out = {};
    if (fields !== undefined) {
      if (fields.instance_uuid !== undefined) out['instance_uuid'] = fields.instance_uuid;
      if (fields.image_id !== undefined) out['image_id'] = fields.image_id;
      if (fields.instance_error !== undefined) out['instance_error'] = fields.instance_error;
    }
  }
  if (requestId !== undefined) out['request_id'] = requestId;
  if (globalRequestId !== undefined) out['global_request_id'] = globalRequestId;
  if (requestError !== undefined) out['request_error'] = requestError;
  if (span !== undefined) {
    out['trace_id'] = span.trace_id;
    out['span_id'] = span.span_id;
  }
  return out;
}

type Mixin = (mergeObject: object, level: number, logger: never) => object;
type MergeStrategy = (mergeObject: object, mixinObject: object) => object;

/** Our mixin followed by a caller's own (its fields win). */
export function composeMixin(userMixin: Mixin | undefined): (mergeObject: object, level: number, logger: object) => object {
  if (userMixin === undefined) return scopeMixin;
  return (mergeObject, level, logger) => {
    const ours = scopeMixin(mergeObject, level, logger);
    return Object.assign(ours === NOTHING ? {} : ours, userMixin(mergeObject, level, logger as never));
  };
}

type Redact = (object: Record<string, unknown>) => Record<string, unknown>;

/**
 * pino `mixinMergeStrategy`: the call's own fields, redacted (here rather than in formatters.log,
 * so only the caller's keys are walked), over ours; with nothing to add, the call's object as is.
 * A caller's own strategy gets a fresh object instead of our shared empty one.
 */
export function createMergeStrategy(redact: Redact | undefined, userStrategy: MergeStrategy | undefined): MergeStrategy {
  return (mergeObject, mixinObject) => {
    const call = redact === undefined ? mergeObject : redact(mergeObject as Record<string, unknown>);
    if (userStrategy !== undefined) return userStrategy(call, mixinObject === NOTHING ? {} : mixinObject);
    return mixinObject === NOTHING ? call : Object.assign(mixinObject, call);
  };
}
