/**
 * Request scoping. A request id found on the instance's records brings in the request's other
 * records (the API call that never named the instance, the scheduler's choice) only when the
 * request is the instance's own: none of its records carries or names another instance.
 * Periodic tasks and lifecycle-event handlers reuse one request id for hundreds of instances;
 * one other-instance record is enough to drop such a request and everything buffered for it,
 * so memory holds the instance's own requests, never a periodic task's. As a backstop for a
 * shared request whose records never name another instance in a way we recognise, a request
 * with more than MAX_OWN_REQUEST_RECORDS records is not one instance's own either (a build,
 * migration or delete logs hundreds at most, even at DEBUG).
 *
 * A read-only API call (`"GET /v2/…/servers/<id> HTTP/1.1" status: 200`) is complete in its
 * access line: it starts no work elsewhere, and dashboards poll an instance hundreds of times, each
 * with its own request id. Such a request is not followed unless another of its records is found
 * (every needle costs pass 2 a scan of all input).
 */
import type { LogRecord } from '../records/record.js';
import type { FoundRecord } from './types.js';
import { otherInstances } from './match.js';

/** The access line of a read-only API call (nova-api's wsgi server). */
const READ_ONLY_ACCESS = /"(?:GET|HEAD|OPTIONS) \S+ HTTP\/[\d.]+" status: \d+/;

export function isReadOnlyApiAccess(message: string): boolean {
  return READ_ONLY_ACCESS.test(message);
}

/** More records than one instance's own request writes: treated as shared. */
export const MAX_OWN_REQUEST_RECORDS = 5000;

interface RequestState {
  shared: boolean;
  records: LogRecord[];
}

export class RequestScope {
  readonly #id: string;
  readonly #requests = new Map<string, RequestState>();

  constructor(instanceId: string) {
    this.#id = instanceId;
  }

  /** Notes the request of one of the instance's own (tagged or mentioned) records as a candidate. */
  noteInstanceRecord(found: FoundRecord): void {
    const requestId = found.record.requestId;
    if (requestId === null || isReadOnlyApiAccess(found.record.message)) return;
    let state = this.#requests.get(requestId);
    if (state === undefined) {
      state = { shared: false, records: [] };
      this.#requests.set(requestId, state);
      this.#live.add(requestId);
    }
    // A pass-1 record can itself carry another instance (a record naming two instances).
    if (otherInstances(found, this.#id).length > 0) this.#drop(state, requestId);
  }

  readonly #live = new Set<string>();

  /** Request ids still to follow in pass 2: the candidates not known to be shared (a live view). */
  live(): ReadonlySet<string> {
    return this.#live;
  }

  /** Feeds one pass-2 record; records of requests that are not candidates are ignored. */
  add(found: FoundRecord): void {
    const requestId = found.record.requestId;
    if (requestId === null) return;
    const state = this.#requests.get(requestId);
    if (state === undefined || state.shared) return;
    if (otherInstances(found, this.#id).length > 0 || state.records.length >= MAX_OWN_REQUEST_RECORDS) this.#drop(state, requestId);
    else state.records.push(found.record);
  }

  /**
   * A finder that counts instead of feeding (the store) tells how many records carry a candidate
   * request's id: more than one instance's own request writes makes it shared, as feeding them would.
   */
  noteSize(requestId: string, records: number): void {
    const state = this.#requests.get(requestId);
    if (state !== undefined && !state.shared && records > MAX_OWN_REQUEST_RECORDS) this.#drop(state, requestId);
  }

  #drop(state: RequestState, requestId: string): void {
    state.shared = true;
    state.records = [];
    this.#live.delete(requestId);
  }

  isShared(requestId: string): boolean {
    return this.#requests.get(requestId)?.shared ?? false;
  }

  /** The instance's own requests, by id, with the records pass 2 found for each. */
  ownRequests(): Map<string, LogRecord[]> {
    const own = new Map<string, LogRecord[]>();
    for (const [id, state] of this.#requests) if (!state.shared) own.set(id, state.records);
    return own;
  }
}
