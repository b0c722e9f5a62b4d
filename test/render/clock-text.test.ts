/** The summary's clock block in words: applied, one-sided, contradicting, --offset given, no pairs, sub-ms. */
import t from 'tap';
import { renderSummary } from '../../src/render/text.js';
import { summaryToJson } from '../../src/render/json.js';
import { summarize } from '../../src/trace/summary.js';
import type { ClockReport, HostClock } from '../../src/trace/clock.js';
import type { TraceResult } from '../../src/trace/correlate.js';

const host = (h: Partial<HostClock> & { host: string }): HostClock =>
  ({ offsetMs: null, lowMs: null, highMs: null, pairs: 1, contradiction: false, applied: false, ...h });

function text(clock: ClockReport | null): string {
  const result: TraceResult = {
    instanceId: '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11', records: [], stays: [], images: [], requestIds: [], sharedRequestIds: [],
    globalIds: [], sharedGlobalIds: [], outsideWindow: { records: 0, first: null, last: null }, clock,
  };
  return renderSummary(summarize(result));
}

t.test('each kind of host line', async (t) => {
  const out = text({ reference: 'api-1', pairs: [], hosts: [
    host({ host: 'cp-1', offsetMs: 2400.5, lowMs: 2350, highMs: 2451, pairs: 4, applied: true }),
    host({ host: 'cp-2', highMs: -5000 }),
    host({ host: 'cp-3', contradiction: true, lowMs: 100, highMs: -200, pairs: 3 }),
    host({ host: 'cp-4', offsetMs: -125, lowMs: -150, highMs: -100, pairs: 2 }),
    host({ host: 'net-1', offsetMs: 0, lowMs: -10, highMs: 10, pairs: 2 }),
  ] });
  t.match(out, 'clock offsets against api-1 (from 0 causal pairs):');
  t.match(out, '  cp-1   +2.4005 s [+2.350 s, +2.451 s], applied  (4 pairs)');
  t.match(out, '  cp-2   bounded on one side only [?, -5.000 s]; not applied  (1 pair)');
  t.match(out, '  cp-3   ! its pairs contradict each other [+0.100 s, -0.200 s]: a clock that jumped, or a pair that was not causal; not applied  (3 pairs)');
  t.match(out, '  cp-4   -0.125 s [-0.150 s, -0.100 s], not applied (--offset given)  (2 pairs)');
  t.match(out, '  net-1  +0.000 s [-0.010 s, +0.010 s]  (2 pairs)');
});

t.test('no pairs, and no --auto-offset', async (t) => {
  t.match(text({ reference: null, pairs: [], hosts: [] }), 'clock offsets: no causal pair between two hosts in the trace; no offset estimated');
  t.notMatch(text(null), 'clock offsets');
  const result = summarize({ instanceId: 'x', records: [], stays: [], images: [], requestIds: [], sharedRequestIds: [], globalIds: [], sharedGlobalIds: [], outsideWindow: { records: 0, first: null, last: null }, clock: null });
  t.same((summaryToJson(result) as { clock: unknown; phases: unknown }).clock, null);
});
