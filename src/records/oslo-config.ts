/**
 * A service's oslo.config file (`/etc/nova/nova.conf`) → the oslo.log layout it sets, read as
 * oslo.config reads it (oslo_config/iniparser.py and ConfigOpts._substitute): `key = value` or
 * `key: value` in `[DEFAULT]`, surrounding quotes dropped, indented lines continuing a value,
 * the last assignment winning, then `$name`/`${name}` replaced by another option's value and
 * `$$` (or `\$`) by `$`. `%` is not special to oslo.config: `%%` reaches oslo.log, whose format
 * reads it as a literal `%`.
 */
import { OSLO_OPTION_NAMES, type OsloLayoutSpec } from './oslo-layout.js';

/** The `[DEFAULT]` assignments of an oslo.config file, raw (before substitution). */
function defaultSection(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = '';
  let key: string | null = null;
  let value: string[] = [];
  const flush = (): void => {
    if (key !== null && section === 'DEFAULT') values.set(key, value.join('\n'));
    key = null;
    value = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') {
      flush();
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (key !== null) value.push(line.trimStart());
      continue;
    }
    flush();
    if (line.startsWith('[')) {
      if (line.endsWith(']')) section = line.slice(1, -1);
      continue;
    }
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const colon = line.indexOf(':');
    const equal = line.indexOf('=');
    if (colon < 0 && equal < 0) continue;
    const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
    let v = line.slice(at + 1).trim();
    if (v.length >= 2 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'")) v = v.slice(1, -1);
    key = line.slice(0, at).trim();
    value = [v];
  }
  flush();
  return values;
}

const TEMPLATE = /\$(?:\$|([_a-z][._a-z0-9]*)|\{([_a-z][._a-z0-9]*)\})/gi;

/** oslo.config's template substitution (string.Template.safe_substitute: unknown names stay). */
function substitute(value: string, values: ReadonlyMap<string, string>): string {
  return value.replaceAll('\\$', '$$').replace(TEMPLATE, (whole, bare: string | undefined, braced: string | undefined) => {
    const name = bare ?? braced;
    if (name === undefined) return '$';
    return values.get(name) ?? whole;
  });
}

/** The oslo.log format strings an oslo.config file sets in `[DEFAULT]` (those it does not set are absent). */
export function readOsloConfig(text: string): OsloLayoutSpec {
  const values = defaultSection(text);
  const spec: OsloLayoutSpec = {};
  for (const part of Object.keys(OSLO_OPTION_NAMES) as Array<keyof OsloLayoutSpec>) {
    const raw = values.get(OSLO_OPTION_NAMES[part]);
    if (raw !== undefined) spec[part] = substitute(raw, values);
  }
  return spec;
}
