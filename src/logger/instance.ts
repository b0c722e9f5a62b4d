/**
 * Turning whatever a caller calls "the instance" into record fields: a bare id string, a Nova
 * instance dict or object (`uuid`, `image_ref`), or anything with `instance_uuid` or `id`.
 * Never throws: odd values yield `instance_error` instead of an id. Nova instance ids are UUIDs;
 * any other string is odd too (in oslo text it could otherwise be printed as another's tag).
 */
import { isUuid } from '../records/ids.js';
import { describeValue, thrownText } from './describe.js';

/** The record fields an instance value contributes (the JSON names the trace tool reads). */
export interface InstanceFields {
  instance_uuid?: string;
  image_id?: string;
  instance_error?: string;
}

/** Where an id may live on an instance object, most specific first. */
const ID_KEYS = ['uuid', 'instance_uuid', 'id'] as const;
/** Where the image may live (Nova's `image_ref`; our own `image_id`). */
const IMAGE_KEYS = ['image_ref', 'image_id'] as const;

function readFailure(key: string, thrown: unknown): string {
  return `reading instance.${key} threw ${thrownText(thrown)}`;
}

function fromObject(object: Record<string, unknown>): InstanceFields {
  const fields: InstanceFields = {};
  let idProblems: string[] | undefined;
  let imageProblem: string | undefined;
  for (const key of ID_KEYS) {
    let value: unknown;
    try { value = object[key]; } catch (thrown) { (idProblems ??= []).push(readFailure(key, thrown)); continue; }
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && isUuid(value)) { fields.instance_uuid = value; break; }
    (idProblems ??= []).push(`instance.${key} is ${describeValue(value)}, not ${typeof value === 'string' ? 'a UUID' : 'an id string'}`);
  }
  for (const key of IMAGE_KEYS) {
    let value: unknown;
    try { value = object[key]; } catch (thrown) { imageProblem = readFailure(key, thrown); continue; }
    if (typeof value === 'string' && value !== '') { fields.image_id = value; break; }
  }
  // Once an id is found, misses on the other id keys do not matter; an image problem still does.
  if (fields.instance_uuid === undefined) {
    const problems = ['instance object has no usable uuid, instance_uuid or id', ...(idProblems ?? [])];
    if (imageProblem !== undefined) problems.push(imageProblem);
    fields.instance_error = problems.join('; ');
  } else if (imageProblem !== undefined) {
    fields.instance_error = imageProblem;
  }
  return fields;
}

/**
 * The record fields for `value`. `undefined` means "no instance" and gives `{}`; every other
 * value gives an id or an `instance_error` saying what was wrong with it.
 */
export function normaliseInstance(value: unknown): InstanceFields {
  if (typeof value === 'string') {
    if (isUuid(value)) return { instance_uuid: value };
    return { instance_error: value === '' ? 'instance is an empty string' : `instance is ${describeValue(value)}, not a UUID` };
  }
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null) return fromObject(value as Record<string, unknown>);
  return { instance_error: `instance is ${describeValue(value)}, not an id string or instance object` };
}
