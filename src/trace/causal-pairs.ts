/**
 * Causal pairs: an event on one host that must precede an event on another. Each pair seen in a
 * trace bounds the difference of the two hosts' clock offsets on one side (src/trace/clock.ts).
 * One row per pair of wordings; supporting a new one is a row.
 *
 * Sources (master): nova/scheduler/manager.py and nova/conductor/manager.py (the selected host),
 * nova/network/neutron.py (`Successfully updated port`), nova/compute/manager.py (external events,
 * live migration), nova/api/openstack/compute/server_external_events.py (`Creating event`),
 * neutron/plugins/ml2/managers.py (`Bound port`), neutron/notifiers/nova.py (`Sending events`,
 * `Nova event response`).
 */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export interface CausalPair {
  name: string;
  /** The cause's wording (first line). Named groups: `key` (ties it to its effect), `host` (the effect's host). */
  cause: RegExp;
  /**
   * The effect's wording (groups as above), or null: the effect host's first record of the
   * cause's request (the cause must then name the host).
   */
  effect: RegExp | null;
  /**
   * How an effect is tied to its cause besides the key: `request`, the same request id;
   * `global`, the effect's request id is the id under which the cause's service was called
   * (the cause's global request id); `key`, the key alone (one side's `key` group, named by the
   * other side's message when only one side has the group).
   */
  join: 'request' | 'global' | 'key';
}

export const CAUSAL_PAIRS: readonly CausalPair[] = [
  { name: 'scheduler selected the host → its first record of the request', join: 'request', effect: null,
    cause: /^Selected host: \((?<host>[^,\s]{1,255}), / },
  { name: 'conductor selected the host → its first record of the request', join: 'request', effect: null,
    cause: /^Selected host: (?<host>[^;\s]{1,255}); Selected node: / },
  { name: 'neutron bound the port → the compute updated it', join: 'global',
    cause: new RegExp(`^Bound port: (?<key>${UUID}), host: `), effect: new RegExp(`^Successfully updated port: (?<key>${UUID})$`) },
  { name: 'the compute waits for network-vif-plugged → neutron sends it', join: 'key',
    cause: new RegExp(`^Preparing to wait for external event network-vif-plugged-(?<key>${UUID})$`), effect: /^Sending events: [^\n]{0,20000}network-vif-plugged/ },
  { name: 'neutron sends network-vif-plugged → nova-api creates the event', join: 'key',
    cause: /^Sending events: [^\n]{0,20000}network-vif-plugged/, effect: new RegExp(`^Creating event network-vif-plugged:(?<key>${UUID}) for instance `) },
  { name: 'nova-api creates the event → neutron has its response', join: 'key',
    cause: new RegExp(`^Creating event network-vif-plugged:(?<key>${UUID}) for instance `), effect: /^Nova event response: [^\n]{0,20000}network-vif-plugged/ },
  { name: 'nova-api creates the event → the compute receives it', join: 'key',
    cause: new RegExp(`^Creating event network-vif-plugged:(?<key>${UUID}) for instance \\S{1,64} on (?<host>\\S{1,255})$`), effect: new RegExp(`^Received event network-vif-plugged-(?<key>${UUID})$`) },
  { name: 'live migration: the source starts its post step → the destination does its own', join: 'request',
    cause: /^_post_live_migration\(\) is started\.\.$/, effect: /^Post operation of migration started$/ },
];
