/**
 * OpenTelemetry log correlation, when the application uses it: with `@opentelemetry/api`
 * installed and a span active, records carry `trace_id` and `span_id` (OpenTelemetry's field
 * names for logs). The package is an optional peer dependency: looked up once, on the first
 * record; when it is absent every later record pays one comparison. The API keeps its state in
 * a process-wide global, so the application's copy and the one found from here agree.
 */
import { createRequire } from 'node:module';

interface SpanContextLike { traceId: string; spanId: string }
interface OtelApiLike {
  trace: { getActiveSpan(): { spanContext(): SpanContextLike } | undefined };
  isSpanContextValid(context: SpanContextLike): boolean;
}

let api: OtelApiLike | null | undefined;

function load(): OtelApiLike | null {
  try {
    const found = createRequire(import.meta.url)('@opentelemetry/api') as Partial<OtelApiLike>;
    return typeof found.trace?.getActiveSpan === 'function' && typeof found.isSpanContextValid === 'function' ? found as OtelApiLike : null;
  } catch {
    return null;
  }
}

/** The active span's ids, or undefined (no package, no active span, or an invalid context). */
export function activeSpanIds(): { trace_id: string; span_id: string } | undefined {
  if (api === undefined) api = load();
  if (api === null) return undefined;
  try {
    const context = api.trace.getActiveSpan()?.spanContext();
    return context !== undefined && api.isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : undefined;
  } catch {
    return undefined; // a tracing fault must never cost a record
  }
}
