/**
 * Redaction of secret-bearing keys at any depth, modelled on OpenStack's sanitize list
 * (oslo_utils.strutils._SANITIZE_KEYS, matched like mask_dict_password: a key is secret when
 * its lower-cased name contains a listed word). Copy-on-write: the caller's objects are never
 * changed, and a record without secrets is passed through as the same object.
 */

/** oslo.utils 6.0's _SANITIZE_KEYS, plus a few that Node code commonly uses. */
export const OPENSTACK_SANITIZE_KEYS: readonly string[] = [
  'adminpass', 'admin_pass', 'password', 'admin_password', 'auth_token', 'new_pass',
  'auth_password', 'secret_uuid', 'secret', 'sys_pswd', 'token', 'configdrive', 'chappassword',
  'encrypted_key', 'private_key', 'fernetkey', 'sslkey', 'passphrase', 'cephclusterfsid',
  'octaviaheartbeatkey', 'rabbitcookie', 'cephmanilaclientkey', 'pacemakerremoteauthkey',
  'designaterndckey', 'cephadminkey', 'heatauthencryptionkey', 'cephclientkey',
  'keystonecredential', 'barbicansimplecryptokek', 'cephrgwkey', 'swifthashsuffix',
  'migrationsshkey', 'cephmdskey', 'cephmonkey',
  // Node-side additions: HTTP credentials and common spellings oslo's list misses.
  'authorization', 'privatekey', 'apikey', 'api_key', 'x-auth-token', 'x-subject-token',
];

export const DEFAULT_CENSOR = '***';

/** Objects nested deeper than this are passed through unexamined (also bounds cycles). */
const MAX_DEPTH = 8;
/** The per-key verdict cache stops growing here (keys are usually a small fixed set). */
const MAX_CACHED_KEYS = 10_000;

export interface Redactor {
  /** `object` with every secret value at any depth replaced by the censor; the same object if none. */
  (object: Record<string, unknown>): Record<string, unknown>;
  /** Whether a key names a secret. */
  isSecretKey(key: string): boolean;
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A redactor for the sanitize list plus `extraKeys`. Keys in `skipTopLevel` are not examined at
 * the top level (fields our serializers drop anyway, like `instance`).
 */
export function createRedactor(extraKeys: readonly string[] = [], censor: string = DEFAULT_CENSOR,
  skipTopLevel: ReadonlySet<string> = new Set()): Redactor {
  const words = [...new Set([...OPENSTACK_SANITIZE_KEYS, ...extraKeys].map(word => word.toLowerCase()))];
  const verdicts = new Map<string, boolean>();

  function isSecretKey(key: string): boolean {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      const lower = key.toLowerCase();
      verdict = words.some(word => lower.includes(word));
      if (verdicts.size < MAX_CACHED_KEYS) verdicts.set(key, verdict);
    }
    return verdict;
  }

  function redactArray(array: unknown[], depth: number): unknown[] {
    let out: unknown[] | undefined;
    for (let i = 0; i < array.length; i++) {
      const value = array[i];
      if (typeof value === 'object' && value !== null && depth < MAX_DEPTH && isPlainContainer(value)) {
        const redacted = redactValue(value, depth + 1);
        if (redacted !== value) (out ??= array.slice())[i] = redacted;
      }
    }
    return out ?? array;
  }

  function redactValue(value: object, depth: number): object {
    return Array.isArray(value) ? redactArray(value, depth) : redactObject(value as Record<string, unknown>, depth, undefined);
  }

  function redactObject(object: Record<string, unknown>, depth: number,
    skip: ReadonlySet<string> | undefined): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key) || skip?.has(key)) continue;
      const value = object[key];
      if (value === undefined) continue;
      if (isSecretKey(key)) {
        (out ??= Object.assign({}, object))[key] = censor;
      } else if (typeof value === 'object' && value !== null && depth < MAX_DEPTH && isPlainContainer(value)) {
        const redacted = redactValue(value, depth + 1);
        if (redacted !== value) (out ??= Object.assign({}, object))[key] = redacted;
      }
    }
    return out ?? object;
  }

  const redactor = ((object: Record<string, unknown>) => redactObject(object, 0, skipTopLevel)) as Redactor;
  redactor.isSecretKey = isSecretKey;
  return redactor;
}
