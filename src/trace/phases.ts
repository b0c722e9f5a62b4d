/**
 * The lifecycle phases of the instance's operations, from its trace's records: a pure function
 * over the timeline and the wording table (src/trace/phase-wording.ts). A phase starts at a start
 * row's record and ends at the first end row's record after it with the same operation, phase
 * and key; a start while the same phase is open leaves the open one unfinished (a retry). An
 * operation with a `total` end row (a build) has a `total` phase from its first beginning on. A
 * phase any operation has (an image fetch, a network wait) belongs to the operation begun last.
 */
import type { LogRecord } from '../records/record.js';
import { matchPhaseWordings, PHASE_FLAGS, PHASE_WORDINGS, type Operation } from './phase-wording.js';

export interface Phase {
  operation: Operation;
  name: string;
  /** Host of the record that started it (null: unknown). */
  host: string | null;
  /** Host of the record that ended it (the destination of a resize, the scheduler of `schedule`). */
  endHost: string | null;
  /** Epoch ms. */
  start: number;
  /** Null when the logs never show its end. */
  end: number | null;
  durationMs: number | null;
  /** Far longer than usual (with what usually causes it), a reschedule's reason, or unfinished. */
  flag: string | null;
}

/** Operations whose `total` phase runs from their first start edge to their `total` end edge. */
const WITH_TOTAL: ReadonlySet<Operation> = new Set(PHASE_WORDINGS.filter((w) => w.phase === 'total' && w.edge === 'end').map((w) => w.operation));

export const UNFINISHED = 'not finished in these logs';

/** The phases shown by records in timeline order (records without a time are skipped). */
export function computePhases(records: Iterable<LogRecord>): Phase[] {
  const phases: Phase[] = [];
  const open = new Map<string, Phase>();
  let current: Operation | null = null;
  const begin = (operation: Operation, name: string, key: string, record: LogRecord, time: number): void => {
    const id = `${operation}\0${name}\0${key}`;
    const previous = open.get(id);
    if (previous !== undefined) previous.flag = UNFINISHED;
    const phase: Phase = { operation, name, host: record.host, endHost: null, start: time, end: null, durationMs: null, flag: null };
    open.set(id, phase);
    phases.push(phase);
  };
  for (const record of records) {
    const time = record.time;
    if (time === null) continue;
    for (const { row, match } of matchPhaseWordings(record.message)) {
      const key = match.groups?.key ?? '';
      const operation: Operation = row.anyOperation === true ? current ?? row.operation : row.operation;
      if (row.edge === 'mark') {
        phases.push({ operation, name: row.phase, host: record.host, endHost: record.host, start: time, end: time, durationMs: 0, flag: `re-scheduled: ${match.groups?.why ?? ''}` });
      } else if (row.edge === 'start') {
        if (row.begins === true) {
          current = operation;
          if (WITH_TOTAL.has(operation) && !open.has(`${operation}\0total\0`)) begin(operation, 'total', '', record, time);
        }
        begin(operation, row.phase, key, record, time);
      } else {
        const id = `${operation}\0${row.phase}\0${key}`;
        const phase = open.get(id);
        if (phase === undefined) continue;
        open.delete(id);
        phase.end = time;
        phase.endHost = record.host;
        phase.durationMs = time - phase.start;
        phase.flag = flagOf(phase);
      }
    }
  }
  for (const phase of open.values()) phase.flag = UNFINISHED;
  return phases.sort((a, b) => a.start - b.start);
}

function flagOf(phase: Phase): string | null {
  const row = PHASE_FLAGS.find((f) => f.operation === phase.operation && f.phase === phase.name);
  return row !== undefined && phase.durationMs !== null && phase.durationMs >= row.atLeastMs ? row.flag : null;
}
