/**
 * The lifecycle phases of an instance's operations, as one declarative table: each row is one
 * wording Nova writes, the operation and phase it belongs to, and whether it starts or ends the
 * phase. A phase runs from its start row's record to the first end row's record after it (with
 * the same key, when the row has one: the port of a `network-vif-plugged` event, the base file
 * of an image fetch). Supporting a new release's wording is one row.
 *
 * Sources (openstack/nova master): nova/api (wsgi access lines), nova/scheduler/manager.py,
 * nova/conductor/manager.py, nova/compute/manager.py, nova/compute/claims.py,
 * nova/virt/libvirt/driver.py, nova/exception.py (RescheduledException); oslo.concurrency
 * lockutils (the image fetch lock held by imagebackend's `fetch_func_sync`).
 */

export type Operation = 'build' | 'live-migration' | 'resize' | 'rebuild' | 'delete';

export interface PhaseWording {
  operation: Operation;
  /** The phase's name (`schedule`, `claim`, `image`, `network`, `spawn`, …). */
  phase: string;
  /** `mark`: an event with no duration (a reschedule), shown with its message's reason. */
  edge: 'start' | 'end' | 'mark';
  /** A literal the message must start with before the pattern is tried. */
  cue: string;
  /** This start begins an operation: the phases after it that any operation has belong to it (a build's `total` starts here). */
  begins?: true;
  /**
   * A phase any operation can have (an image fetch, a network-vif-plugged wait: a rebuild, a
   * resize and a live migration wait for their ports too): it belongs to the operation begun
   * last, `operation` when none was.
   */
  anyOperation?: true;
  /** Bounded quantifiers only; group `key` pairs a start with its end; group `why` is a mark's reason. */
  pattern: RegExp;
  /** Where Nova writes it (for the reader of this table). */
  source: string;
}

const ACCESS = String.raw`^\S{1,64} "POST \S{0,200}/servers`;

export const PHASE_WORDINGS: readonly PhaseWording[] = [
  // build: the API accepts the request (the access line is written once it cast the build) …
  { operation: 'build', phase: 'schedule', edge: 'start', begins: true, cue: '', pattern: new RegExp(ACCESS + String.raw` HTTP/[\d.]{1,5}" status: 202\b`), source: 'nova.osapi_compute.wsgi.server' },
  { operation: 'build', phase: 'schedule', edge: 'start', begins: true, cue: '', pattern: new RegExp(ACCESS + String.raw`" status: 202\b`), source: 'nova.api.openstack.requestlog' },
  // … the scheduler (or the conductor, which logs the choice again) selects a host.
  { operation: 'build', phase: 'schedule', edge: 'end', cue: 'Selected host: (', pattern: /^Selected host: \((?<host>[^,\s]{1,255}), /, source: 'nova/scheduler/manager.py' },
  { operation: 'build', phase: 'schedule', edge: 'end', cue: 'Selected host: ', pattern: /^Selected host: (?<host>[^;\s]{1,255}); Selected node: /, source: 'nova/conductor/manager.py' },
  { operation: 'build', phase: 'claim', edge: 'start', begins: true, cue: 'Starting instance...', pattern: /^Starting instance\.\.\.$/, source: 'nova/compute/manager.py' },
  { operation: 'build', phase: 'claim', edge: 'end', cue: 'Claim successful on node ', pattern: /^Claim successful on node /, source: 'nova/compute/claims.py' },
  { operation: 'build', phase: 'image', edge: 'start', anyOperation: true, cue: 'Lock "', pattern: /^Lock "(?<key>[^"]{1,255})" acquired by "[^"]{0,512}fetch_func_sync"/, source: 'oslo.concurrency lockutils (imagebackend fetch_func_sync)' },
  { operation: 'build', phase: 'image', edge: 'end', anyOperation: true, cue: 'Lock "', pattern: /^Lock "(?<key>[^"]{1,255})" "released" by "[^"]{0,512}fetch_func_sync"/, source: 'oslo.concurrency lockutils (imagebackend fetch_func_sync)' },
  { operation: 'build', phase: 'network', edge: 'start', anyOperation: true, cue: 'Preparing to wait for external event network-vif-plugged-', pattern: /^Preparing to wait for external event network-vif-plugged-(?<key>\S{1,255})$/, source: 'nova/compute/manager.py' },
  { operation: 'build', phase: 'network', edge: 'end', anyOperation: true, cue: 'Received event network-vif-plugged-', pattern: /^Received event network-vif-plugged-(?<key>\S{1,255})$/, source: 'nova/compute/manager.py' },
  { operation: 'build', phase: 'spawn', edge: 'start', cue: 'Start spawning the instance on the hypervisor.', pattern: /^Start spawning the instance on the hypervisor\.$/, source: 'nova/compute/manager.py' },
  { operation: 'build', phase: 'spawn', edge: 'end', cue: 'Instance spawned successfully.', pattern: /^Instance spawned successfully\.$/, source: 'nova/virt/libvirt/driver.py' },
  { operation: 'build', phase: 'reschedule', edge: 'mark', cue: 'Build of instance ', pattern: /^Build of instance \S{1,64} was re-scheduled: (?<why>[^\n]{0,500})/, source: 'nova/exception.py RescheduledException, logged by nova/compute/manager.py' },
  { operation: 'build', phase: 'total', edge: 'end', cue: 'Took ', pattern: /^Took \d{1,9}\.\d\d seconds to build instance\.$/, source: 'nova/compute/manager.py' },
  // live migration, on the source host: the transfer, then the clean-up after it.
  { operation: 'live-migration', phase: 'transfer', edge: 'start', begins: true, cue: 'Starting monitoring of live migration', pattern: /^Starting monitoring of live migration$/, source: 'nova/virt/libvirt/driver.py' },
  { operation: 'live-migration', phase: 'transfer', edge: 'end', cue: 'Migration operation has completed', pattern: /^Migration operation has completed$/, source: 'nova/virt/libvirt/driver.py' },
  { operation: 'live-migration', phase: 'post', edge: 'start', cue: '_post_live_migration() is started', pattern: /^_post_live_migration\(\) is started\.\.$/, source: 'nova/compute/manager.py' },
  { operation: 'live-migration', phase: 'post', edge: 'end', cue: 'Migrating instance to ', pattern: /^Migrating instance to (?<host>\S{1,255}) finished successfully\.$/, source: 'nova/compute/manager.py' },
  // resize (and cold migration): the source starts, the destination finishes.
  { operation: 'resize', phase: 'resize', edge: 'start', begins: true, cue: 'Migrating', pattern: /^Migrating$/, source: 'nova/compute/manager.py' },
  { operation: 'resize', phase: 'resize', edge: 'end', cue: 'Instance running successfully.', pattern: /^Instance running successfully\.$/, source: 'nova/virt/libvirt/driver.py' },
  { operation: 'rebuild', phase: 'rebuild', edge: 'start', begins: true, cue: 'Rebuilding instance', pattern: /^Rebuilding instance$/, source: 'nova/compute/manager.py' },
  { operation: 'rebuild', phase: 'rebuild', edge: 'end', cue: 'Instance spawned successfully.', pattern: /^Instance spawned successfully\.$/, source: 'nova/virt/libvirt/driver.py' },
  { operation: 'delete', phase: 'delete', edge: 'start', begins: true, cue: 'Terminating instance', pattern: /^Terminating instance$/, source: 'nova/compute/manager.py' },
  { operation: 'delete', phase: 'delete', edge: 'end', cue: 'Deletion of ', pattern: /^Deletion of \S{1,4096} complete$/, source: 'nova/virt/libvirt/driver.py' },
];

/**
 * A phase far longer than usual, and what usually causes it: one row per (operation, phase).
 * `vif_plugging_timeout` is 300 s by default; a wait near it is neutron's agent or the port's
 * binding, not the compute.
 */
export interface PhaseFlag {
  operation: Operation;
  phase: string;
  /** Flagged at this duration or more (ms). */
  atLeastMs: number;
  flag: string;
}

export const PHASE_FLAGS: readonly PhaseFlag[] = [
  { operation: 'build', phase: 'network', atLeastMs: 240_000, flag: 'network-vif-plugged came near vif_plugging_timeout (300 s): neutron agent or port binding trouble' },
  { operation: 'build', phase: 'image', atLeastMs: 120_000, flag: 'image fetch took minutes: Glance (download) or the disk (write, conversion)' },
  { operation: 'build', phase: 'schedule', atLeastMs: 60_000, flag: 'scheduling took over a minute: placement or the scheduler overloaded' },
];

/** The first line of a message and the rows it matches (cheap literal test first). */
export function matchPhaseWordings(message: string): Array<{ row: PhaseWording; match: RegExpExecArray }> {
  const end = message.indexOf('\n');
  const line = end === -1 ? message : message.slice(0, end);
  const found: Array<{ row: PhaseWording; match: RegExpExecArray }> = [];
  for (const row of PHASE_WORDINGS) {
    if (row.cue !== '' && !line.startsWith(row.cue)) continue;
    const match = row.pattern.exec(line);
    if (match !== null) found.push({ row, match });
  }
  return found;
}
