/**
 * Which instance an operator means when the pager gave less than a UUID: a prefix of at least 8
 * hex digits (as git takes short hashes), or a libvirt domain name (`instance-0000002a`) that the
 * logs tie to a UUID. One cheap byte search over the sources for the prefix or the name; only
 * the records around a hit are parsed.
 */
import { searchSource } from '../sources/search.js';
import type { SourceFile, SourceWarning } from '../sources/source.js';
import { assembleBlock, findUuids, recordStartTest, type ParseOptions } from '../records/index.js';
import type { IdQuery } from '../records/ids.js';

export { parseIdQuery, type IdQuery } from '../records/ids.js';

export interface InstanceCandidate {
  id: string;
  /** Earliest and latest times of the records that gave it (null when none was timed). */
  first: number | null;
  last: number | null;
  /** Hosts of those records, in order of first appearance. */
  hosts: string[];
  /**
   * Whether the logs show it is an instance: a record is tagged with it, or a wording ties the
   * domain name to it. A prefix may also match an image's, a port's or a volume's id.
   */
  instance: boolean;
}

/**
 * Wordings that tie a domain name to its UUID within one record, first match wins:
 * - the guest XML Nova's libvirt driver logs with the domain's name (`End _get_guest_xml xml=…`);
 * - libvirt's own error for a vanished domain, quoted in Nova's tracebacks and exception lines
 *   (`Domain not found: no domain with matching uuid '<uuid>' (instance-0000002a)`).
 * Each gives the UUID as group 1 and, where it names one, the domain as group 2 (a record may
 * quote several domains: only the one asked about counts).
 */
const DOMAIN_TIES: readonly RegExp[] = [
  /<uuid>([0-9a-fA-F-]{36})<\/uuid>/g,
  /no domain with matching uuid '([0-9a-fA-F-]{36})' \((instance-[0-9a-f]{8})\)/g,
];

/**
 * The instances the logs hold that `query` may mean, in order of first appearance: those the logs
 * show are instances when there are any, else every id that matches.
 */
export async function findInstanceCandidates(
  sources: readonly SourceFile[],
  query: IdQuery,
  parse: ParseOptions,
  onWarning?: (warning: SourceWarning) => void,
): Promise<InstanceCandidate[]> {
  const needle = query.kind === 'prefix' ? query.prefix : query.name;
  const found = new Map<string, InstanceCandidate>();
  const note = (id: string, time: number | null, host: string | null, instance: boolean): void => {
    let c = found.get(id);
    if (c === undefined) found.set(id, c = { id, first: null, last: null, hosts: [], instance });
    c.instance ||= instance;
    if (time !== null) {
      c.first = c.first === null ? time : Math.min(c.first, time);
      c.last = c.last === null ? time : Math.max(c.last, time);
    }
    if (host !== null && !c.hosts.includes(host)) c.hosts.push(host);
  };
  for (const source of sources) {
    await searchSource(source, { needles: [needle], isRecordStart: recordStartTest(parse.oslo), onWarning }, (block) => {
      for (const record of assembleBlock(block, parse)) {
        const start = record.source.line - block.firstLine;
        const text = block.lines.slice(start, start + record.source.lines).join('\n');
        if (!text.toLowerCase().includes(needle)) continue;
        for (const id of idsMeant(query, text, record.instanceId)) {
          note(id, record.time, record.host, query.kind === 'domain' || id === record.instanceId);
        }
      }
    });
  }
  const all = [...found.values()];
  return all.some((c) => c.instance) ? all.filter((c) => c.instance) : all;
}

/** The instance ids a record that holds the needle gives for the query. */
function idsMeant(query: IdQuery, text: string, tagged: string | null): string[] {
  if (query.kind === 'prefix') {
    const ids = new Set(findUuids(text));
    if (tagged !== null) ids.add(tagged);
    return [...ids].filter((id) => id.startsWith(query.prefix));
  }
  // A domain name is tied to the instance the record is tagged with, else the UUID a tying
  // wording gives it, else the only UUID the record names.
  if (tagged !== null) return [tagged];
  for (const tie of DOMAIN_TIES) {
    for (const m of text.matchAll(tie)) {
      if (m[2] === undefined || m[2] === query.name) return [m[1]!.toLowerCase()];
    }
  }
  const ids = findUuids(text);
  return ids.length === 1 ? ids : [];
}
