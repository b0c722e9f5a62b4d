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
 *
 * Global request ids: since Pike every service logs its caller's id as `global_request_id`.
 * Neutron, Glance and Cinder never name the instance, only the id nova-compute (or the user's
 * client, or Heat) gave them. A record whose global id is one of the instance's own request ids,
 * or one of the global ids its records carry, belongs to the trace (why `global`), and its own
 * request id is then followed as any request. The same scoping rule holds: a global id under
 * which another instance's work is logged (a Heat stack creating three servers) is shared and
 * not expanded, with everything found through it.
 */
import type { LogRecord } from '../records/record.js';
import type { FoundRecord } from './types.js';
import { otherInstances } from './match.js';
import { recordKey } from './order.js';

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
  /** Found through this global id (a record of another service under it), null for the instance's own. */
  via: string | null;
}

/** A global request id a request of the instance carried (the caller's id: Heat, a user's client). */
interface GlobalState {
  shared: boolean;
  /** Requests found under it. */
  children: Set<string>;
  /** Its records without a request id of their own. */
  records: LogRecord[];
}

export class RequestScope {
  readonly #id: string;
  readonly #requests = new Map<string, RequestState>();
  /**
   * Global ids to expand: those of the instance's records, and the instance's own request ids as
   * other services see them (nova-compute passes its request id to neutron, glance, cinder).
   */
  readonly #globals = new Map<string, GlobalState>();
  /** Requests found under a global id not yet searched for by their own id (a later pass's needles). */
  readonly #unsearched = new Set<string>();
  /** Records already kept (a later pass finds again what an earlier one found under a global id). */
  readonly #seen = new Set<string>();
  readonly #live = new Set<string>();

  constructor(instanceId: string) {
    this.#id = instanceId;
  }

  /** Notes the request of one of the instance's own (tagged or mentioned) records as a candidate. */
  noteInstanceRecord(found: FoundRecord): void {
    const { requestId, globalRequestId } = found.record;
    if (requestId === null || isReadOnlyApiAccess(found.record.message)) return;
    let state = this.#requests.get(requestId);
    if (state === undefined || state.via !== null) {
      if (state !== undefined) this.#unsearched.delete(requestId);
      state = { shared: state?.shared ?? false, records: state?.records ?? [], via: null };
      this.#requests.set(requestId, state);
      if (!state.shared) this.#live.add(requestId);
    }
    const others = otherInstances(found, this.#id).length > 0;
    if (globalRequestId !== null && globalRequestId !== requestId) {
      let global = this.#globals.get(globalRequestId);
      if (global === undefined) {
        global = { shared: false, children: new Set(), records: [] };
        this.#globals.set(globalRequestId, global);
        this.#live.add(globalRequestId);
      }
      if (others) this.#dropGlobal(globalRequestId);
    }
    // A pass-1 record can itself carry another instance (a record naming two instances).
    if (others) this.#drop(state, requestId);
  }

  /**
   * Request and global ids still to follow: the candidates not known to be shared, and the
   * requests found under a global id (a live view).
   */
  live(): ReadonlySet<string> {
    return this.#live;
  }

  /** Requests found under a global id whose own id no pass has searched for yet; marks them searched. */
  takeUnsearched(): string[] {
    const ids = [...this.#unsearched].filter((id) => this.#live.has(id));
    this.#unsearched.clear();
    return ids;
  }

  /** Feeds one record of a later pass; records of neither a candidate request nor a candidate global id are ignored. */
  add(found: FoundRecord): void {
    const { record } = found;
    const key = recordKey(record);
    if (this.#seen.has(key)) return;
    const { requestId, globalRequestId } = record;
    const state = requestId === null ? undefined : this.#requests.get(requestId);
    if (state !== undefined) {
      if (state.shared) return;
      if (otherInstances(found, this.#id).length > 0 || state.records.length >= MAX_OWN_REQUEST_RECORDS) this.#drop(state, requestId!);
      else this.#keep(state.records, key, record);
      return;
    }
    if (globalRequestId === null || !this.#globalLive(globalRequestId)) return;
    const global = this.#globalState(globalRequestId);
    if (otherInstances(found, this.#id).length > 0) {
      // Another instance's work under this global id (a Heat stack's servers): the id is shared,
      // unless it is one of the instance's own requests (then only this request is not its own).
      if (!this.#requests.has(globalRequestId)) this.#dropGlobal(globalRequestId);
      else if (requestId !== null) this.#requests.set(requestId, { shared: true, records: [], via: globalRequestId });
      return;
    }
    if (requestId === null) {
      if (global.records.length >= MAX_OWN_REQUEST_RECORDS) this.#dropGlobal(globalRequestId);
      else this.#keep(global.records, key, record);
      return;
    }
    if (global.children.size >= MAX_OWN_REQUEST_RECORDS) {
      this.#dropGlobal(globalRequestId);
      return;
    }
    const child: RequestState = { shared: false, records: [], via: globalRequestId };
    this.#keep(child.records, key, record);
    this.#requests.set(requestId, child);
    global.children.add(requestId);
    this.#live.add(requestId);
    this.#unsearched.add(requestId);
  }

  #keep(records: LogRecord[], key: string, record: LogRecord): void {
    this.#seen.add(key);
    records.push(record);
  }

  /** Whether records under this global id still count: a live global id, or a live own request. */
  #globalLive(id: string): boolean {
    const global = this.#globals.get(id);
    if (global !== undefined && global.shared) return false;
    const own = this.#requests.get(id);
    if (own !== undefined) return own.via === null && !own.shared;
    return global !== undefined;
  }

  #globalState(id: string): GlobalState {
    let global = this.#globals.get(id);
    if (global === undefined) {
      global = { shared: false, children: new Set(), records: [] };
      this.#globals.set(id, global);
    }
    return global;
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
    // What was found under the instance's own request id as a global id goes with it.
    const global = this.#globals.get(requestId);
    if (global !== undefined && state.via === null) this.#dropGlobal(requestId);
  }

  #dropGlobal(id: string): void {
    const global = this.#globalState(id);
    global.shared = true;
    global.records = [];
    this.#live.delete(id);
    for (const child of global.children) {
      const state = this.#requests.get(child);
      if (state !== undefined && state.via === id) this.#drop(state, child);
    }
  }

  isShared(requestId: string): boolean {
    return this.#requests.get(requestId)?.shared ?? false;
  }

  /** Global ids of the instance's records that other instances' requests carry too (not expanded). */
  sharedGlobalIds(): string[] {
    return [...this.#globals].filter(([id, g]) => g.shared && !this.#requests.has(id)).map(([id]) => id);
  }

  /** Global ids of the instance's records that were expanded. */
  ownGlobalIds(): string[] {
    return [...this.#globals].filter(([id, g]) => !g.shared && !this.#requests.has(id)).map(([id]) => id);
  }

  /** The instance's own requests, by id, with the records pass 2 found for each. */
  ownRequests(): Map<string, LogRecord[]> {
    const own = new Map<string, LogRecord[]>();
    for (const [id, state] of this.#requests) if (!state.shared && state.via === null) own.set(id, state.records);
    return own;
  }

  /**
   * Other services' requests found under one of the instance's global ids or own request ids,
   * by id, with their records; records under a global id with no request id of their own come
   * under that global id.
   */
  globalRequests(): Map<string, LogRecord[]> {
    const found = new Map<string, LogRecord[]>();
    for (const [id, global] of this.#globals) {
      if (!this.#globalLive(id)) continue;
      if (global.records.length > 0) found.set(id, global.records);
      for (const child of global.children) {
        const state = this.#requests.get(child);
        if (state !== undefined && !state.shared && state.via === id) found.set(child, state.records);
      }
    }
    return found;
  }
}
