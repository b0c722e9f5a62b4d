import t from 'tap';
import { CACHE_WORDING } from '../../src/index.js';
import { captured, BASE, IMAGE, UUID } from './fixtures/capture.js';

const ACTIONS = ['fetch', 'convert', 'resize', 'check', 'in_use', 'unused', 'too_young', 'remove', 'precache', 'error'] as const;

/** Nova's exact wording for each action, given IMAGE and BASE. */
const NOVA: Record<(typeof ACTIONS)[number], string> = {
  check: `image ${IMAGE} at (${BASE}): checking`,
  in_use: `image ${IMAGE} at (${BASE}): in use: on this node 1 local, 0 on other nodes sharing this instance storage`,
  unused: `image ${IMAGE} at (${BASE}): image is not in use`,
  too_young: `Base or swap file too young to remove: ${BASE}`,
  remove: `Removing base or swap file: ${BASE}`,
  error: `Failed to remove ${BASE}, error was [Errno 13] Permission denied`,
  fetch: `Fetching image ${IMAGE} to ${BASE}`,
  convert: `${IMAGE} was qcow2, converting to raw`,
  resize: `Running cmd (subprocess): qemu-img resize ${BASE} 21474836480`,
  precache: `Caching image ${IMAGE} because it is not cached yet`,
};

function details(action: string) {
  return {
    image: IMAGE, baseFile: BASE, instance: { uuid: UUID },
    ...(action === 'in_use' ? { local: 1, remote: 0 } : {}),
    ...(action === 'error' ? { error: '[Errno 13] Permission denied' } : {}),
    ...(action === 'resize' ? { size: 21474836480 } : {}),
  };
}

t.test('every cache action, JSON: cache_action, image_id, base_file, instance, Nova wording', async (t) => {
  t.same(Object.keys(CACHE_WORDING).sort(), [...ACTIONS].sort(), 'the table covers every action');
  const { log, out } = captured({ name: 'nova.virt.libvirt.imagecache' });
  for (const action of ACTIONS) log.cache(action, details(action));
  const records = out.records();
  ACTIONS.forEach((action, i) => {
    const r = records[i];
    t.equal(r?.cache_action, action, `${action}: cache_action`);
    t.equal(r?.image_id, IMAGE, `${action}: image_id`);
    t.equal(r?.base_file, BASE, `${action}: base_file`);
    t.equal(r?.instance_uuid, UUID, `${action}: instance_uuid`);
    t.equal(r?.msg, NOVA[action], `${action}: message`);
    t.equal(r?.level, action === 'error' ? 50 : 30, `${action}: level`);
  });
  t.equal(records[ACTIONS.indexOf('in_use')]?.local, 1, 'details are fields');
});

t.test('every cache action, oslo: the message is exactly what Nova writes', async (t) => {
  const { log, out } = captured({ name: 'nova.virt.libvirt.imagecache', format: 'oslo' });
  for (const action of ACTIONS) log.cache(action, details(action));
  const lines = out.lines();
  ACTIONS.forEach((action, i) => {
    t.ok(lines[i]?.endsWith(` nova.virt.libvirt.imagecache [-] [instance: ${UUID}] ${NOVA[action]}`), `${action}: ${lines[i]?.slice(24, 120)}`);
  });
});

t.test('cache(): extra message, image objects, Error details, missing and odd input', async (t) => {
  const { log, out } = captured();
  log.cache('remove', { baseFile: BASE }, 'periodic task');
  log.cache('check', { image: { id: IMAGE }, baseFile: BASE });
  const failure = new Error('EACCES');
  log.cache('error', { baseFile: BASE, error: failure });
  log.cache('check', {} as never);
  log.cache('bogus' as never, { image: IMAGE, baseFile: BASE });
  log.cache('check', null as never);
  log.cache('check', { image: { get id() { throw new Error('x'); } }, baseFile: '' });
  log.cache('check', new Proxy({}, { ownKeys() { throw new Error('trap'); } }) as never);
  const records = out.records();
  t.equal(records[0]?.msg, `Removing base or swap file: ${BASE} -- periodic task`);
  t.equal(records[1]?.image_id, IMAGE);
  t.equal(records[2]?.msg, `Failed to remove ${BASE}, error was EACCES`);
  t.equal(records[2]?.err.message, 'EACCES', 'an Error detail is logged as err');
  t.equal(records[3]?.msg, 'image - at (-): checking');
  t.equal(records[4]?.level, 40);
  t.equal(records[4]?.msg, `image ${IMAGE} at (${BASE}): unknown image cache action "bogus"`);
  t.equal(records[5]?.msg, 'image - at (-): checking', 'null details');
  t.equal(records[6]?.msg, 'image - at (-): checking');
  t.equal(records[7]?.msg, 'image cache record could not be built');
  t.equal(records.length, 8);
});
