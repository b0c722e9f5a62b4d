import t from 'tap';
import { createHash } from 'node:crypto';
import {
  CACHE_CUES, CACHE_SCAN_CUES, CACHE_WORDINGS, ImageIdByBaseFile, baseFileNameForImage, imageIdForBaseFile, parseBaseFileName, parseCacheMessage,
} from '../../src/records/cache-wording.js';
import type { CacheFact } from '../../src/records/record.js';

const IMG = '0673dd71-34c5-4fbb-86c4-40623fbe45b4';
const SHA = 'a489c868f0c37da93b76227c91bb03908ac0e742';
const BASE = `/var/lib/nova/instances/_base/${SHA}`;
const OTHER = `/var/lib/nova/instances/_base/${'b'.repeat(40)}`;
const IMG2 = 'c2f1e9a4-6b1d-4e0f-9a57-2d8e3b4c5f60';
const INST = '96abccce-8d1f-4e07-b6d1-4b2ab87e23b4';

/** One real wording per table row (Essex … today), in table order, with the fact it must yield. */
const SAMPLES: Array<[string, CacheFact]> = [
  [`image ${IMG} at (${BASE}): checking`, { action: 'check', imageId: IMG, baseFile: BASE }],
  [`image ${IMG} at (${BASE}): in use: on this node 1 local, 0 on other nodes sharing this instance storage`, { action: 'in_use', imageId: IMG, baseFile: BASE }],
  [`image ${IMG} at (${BASE}): image is in use`, { action: 'in_use', imageId: IMG, baseFile: BASE }],
  [`image ${IMG} at (None): warning -- an absent base file is in use! instances: instance-00000001`, { action: 'in_use', imageId: IMG, baseFile: null }],
  [`image ${IMG} at (${BASE}): image is not in use`, { action: 'unused', imageId: IMG, baseFile: BASE }],
  [`image ${IMG} at (${BASE}): image verification failed`, { action: 'corrupt', imageId: IMG, baseFile: BASE }],
  [`image ${IMG} at (${BASE}): image verification skipped, no hash stored`, { action: 'check', imageId: IMG, baseFile: BASE }],
  [`${IMG} (${BASE}): generating checksum`, { action: 'check', imageId: IMG, baseFile: BASE }],
  [`Active base files: ${BASE} ${OTHER}`, { action: 'active', imageId: null, baseFile: BASE, baseFiles: [BASE, OTHER] }],
  [`Removable base files: ${BASE}`, { action: 'unused', imageId: null, baseFile: BASE, baseFiles: [BASE] }],
  [`Corrupt base files: ${OTHER}`, { action: 'corrupt', imageId: null, baseFile: OTHER, baseFiles: [OTHER] }],
  [`Unknown base file: ${BASE}`, { action: 'unknown', imageId: null, baseFile: BASE }],
  [`Base or swap file too young to remove: ${BASE}`, { action: 'too_young', imageId: null, baseFile: BASE }],
  [`Removing base or swap file: ${BASE}`, { action: 'remove', imageId: null, baseFile: BASE }],
  [`Failed to remove ${BASE}, error was [Errno 13] Permission denied`, { action: 'error', imageId: null, baseFile: BASE, error: '[Errno 13] Permission denied' }],
  ['swap_512 swap image was used by instance but no back files existing!', { action: 'error', imageId: null, baseFile: 'swap_512' }],
  // imagecache.py _list_backing_images (DEBUG): the instance's folder name and the backing file's name.
  [`Instance ${INST} is backed by ${SHA}`, { action: 'in_use', imageId: null, baseFile: SHA, instance: INST }],
  // imagecache.py _list_backing_images (WARNING): a backing file no image in Glance explains.
  [`Instance ${INST} is using a backing file ${SHA} which does not appear in the image service`, { action: 'in_use', imageId: null, baseFile: SHA, instance: INST }],
  // conductor/manager.py cache_images (21.0+): ','.join(image_ids); %(host)r of a str.
  [`Preparing to request pre-caching of image(s) ${IMG},${IMG2} on 3 hosts across 1 cells.`, { action: 'precache', imageId: IMG, baseFile: null, imageIds: [IMG, IMG2], precache: 'request' }],
  [`Image pre-cache operation for image(s) ${IMG},${IMG2} completed in 12.34 seconds; 2 cached, 3 existing, 1 errors, 0 unsupported, 1 skipped (down) hosts`, { action: 'precache', imageId: IMG, baseFile: null, imageIds: [IMG, IMG2], precache: 'completed' }],
  [`Image pre-cache operation for image ${IMG2} failed 2 times`, { action: 'precache', imageId: IMG2, baseFile: null, precache: 'failures', count: 2 }],
  ["Skipping image pre-cache request to compute 'cp-4' because it is not up", { action: 'precache', imageId: null, baseFile: null, precache: 'skipped', host: 'cp-4' }],
  // libvirt/driver.py cache_image; compute/manager.py cache_images.
  [`Image ${IMG} already cached; updating timestamp`, { action: 'precache', imageId: IMG, baseFile: null, precache: 'existing' }],
  ['Virt driver does not support image pre-caching; ignoring request', { action: 'precache', imageId: null, baseFile: null, precache: 'unsupported' }],
  [`Failed to cache image ${IMG}: Image ${IMG} could not be found.`, { action: 'precache', imageId: IMG, baseFile: null, precache: 'failed', error: `Image ${IMG} could not be found.` }],
  [`${IMG} was qcow2, converting to raw`, { action: 'convert', imageId: IMG, baseFile: null }],
  [`Running cmd (subprocess): qemu-img convert -t none -O raw -f qcow2 ${BASE}.part ${BASE}.converted`, { action: 'convert', imageId: null, baseFile: BASE }],
  [`Running cmd (subprocess): qemu-img resize ${BASE}_20 21474836480`, { action: 'resize', imageId: null, baseFile: `${BASE}_20` }],
  [`Fetching image ${IMG} to ${BASE}.part`, { action: 'fetch', imageId: IMG, baseFile: BASE }],
  [`Lock "${SHA}" acquired by "nova.virt.libvirt.imagebackend.Image.cache.<locals>.fetch_func_sync" :: waited 0.000s`, { action: 'fetch', imageId: null, baseFile: SHA }],
  [`Caching image ${IMG} by request`, { action: 'precache', imageId: IMG, baseFile: null, precache: 'caching' }],
];

t.test('every row of the wording table, one real message each', async (t) => {
  t.equal(SAMPLES.length, CACHE_WORDINGS.length, 'one sample per row');
  SAMPLES.forEach(([message, want], i) => {
    const row = CACHE_WORDINGS.findIndex((w) => message.includes(w.cue) && w.pattern.test(message));
    t.equal(row, i, `sample ${i} is read by row ${i}`);
    t.same(parseCacheMessage(message), want, message.slice(0, 60));
  });
});

t.test('older and later wordings of the same facts', async (t) => {
  // Essex said "Base file …"; later releases added swap, then ephemeral files.
  t.equal(parseCacheMessage(`Base file too young to remove: ${BASE}`)?.action, 'too_young');
  t.equal(parseCacheMessage(`Base, swap or ephemeral file too young to remove: ${BASE}`)?.action, 'too_young');
  t.equal(parseCacheMessage(`Removing base file: ${BASE}`)?.action, 'remove');
  t.same(parseCacheMessage(`Removing base, swap or ephemeral file: ${BASE}`), { action: 'remove', imageId: null, baseFile: BASE });
  t.equal(parseCacheMessage(`image ${IMG} at (${BASE}): in use: on this node 2 local, 1 on other nodes`)?.action, 'in_use');
});

t.test('wordings the rows above read too', async (t) => {
  // Our logger's precache wording; Essex named the instance folder, and a disk may have no backing file.
  t.same(parseCacheMessage(`Caching image ${IMG} because it is not cached yet`), { action: 'precache', imageId: IMG, baseFile: null, precache: 'caching' });
  t.same(parseCacheMessage(`Instance instance-0000002a is backed by ${SHA}_20`), { action: 'in_use', imageId: null, baseFile: `${SHA}_20`, instance: 'instance-0000002a' });
  t.same(parseCacheMessage(`Instance ${INST.toUpperCase()} is backed by None`), { action: 'in_use', imageId: null, baseFile: null, instance: INST });
  // Python 2's %r of a unicode host.
  t.equal(parseCacheMessage("Skipping image pre-cache request to compute u'cp-9' because it is not up")?.host, 'cp-9');
  t.equal(parseCacheMessage('Caching 2 image(s) by request'), null, 'the compute manager\'s count names no image');
});

t.test("the scan's few needles find every row's line", async (t) => {
  for (const [message] of SAMPLES) t.ok(CACHE_SCAN_CUES.some((cue) => message.includes(cue)), message.slice(0, 60));
  t.ok(CACHE_SCAN_CUES.length < CACHE_CUES.length / 2, 'fewer passes than one per cue');
});

t.test('every cue is a needle of the byte search', async (t) => {
  for (const w of CACHE_WORDINGS) t.ok(CACHE_CUES.includes(w.cue), w.cue);
  t.ok(CACHE_CUES.includes('"cache_action"'), 'our JSON logger\'s field');
  t.equal(new Set(CACHE_CUES).size, CACHE_CUES.length, 'no duplicates');
});

t.test('messages that are not cache-manager messages', async (t) => {
  for (const m of ['', 'Took 12.3 seconds to build instance.', 'image is in use', 'Active base', '(_base/)']) {
    t.equal(parseCacheMessage(m), null, JSON.stringify(m));
  }
  // A huge message is examined only at its start, and fast.
  const huge = 'image x at (' + ')'.repeat(10) + 'image a at ('.repeat(200_000) + '): checking';
  const t0 = Date.now();
  parseCacheMessage(huge);
  t.ok(Date.now() - t0 < 2000, 'bounded work on a pathological message');
});

t.test('a base file is the SHA-1 of its image id', async (t) => {
  t.equal(createHash('sha1').update(IMG).digest('hex'), SHA);
  t.equal(baseFileNameForImage(IMG), SHA);
  t.equal(baseFileNameForImage(IMG, 20), `${SHA}_20`);
  t.same(parseBaseFileName(BASE), { hash: SHA, resizedGb: null, kind: 'image' });
  t.same(parseBaseFileName(`${BASE}_20`), { hash: SHA, resizedGb: 20, kind: 'image' });
  t.same(parseBaseFileName(`${BASE}_sm`), { hash: SHA, resizedGb: null, kind: 'image' });
  t.same(parseBaseFileName(`${BASE}.part`), { hash: SHA, resizedGb: null, kind: 'image' });
  t.same(parseBaseFileName('/var/lib/nova/instances/_base/swap_512'), { hash: null, resizedGb: null, kind: 'swap' });
  t.same(parseBaseFileName('/var/lib/nova/instances/_base/ephemeral_20_40d1d2c'), { hash: null, resizedGb: null, kind: 'ephemeral' });
  t.same(parseBaseFileName('/tmp/whatever'), { hash: null, resizedGb: null, kind: 'other' });
});

t.test('base files tie back to image ids seen anywhere', async (t) => {
  const other = '9a5c0bd0-8d0e-4f46-9a4e-3f8b7a1c2d11';
  t.equal(imageIdForBaseFile(BASE, [other, IMG]), IMG);
  t.equal(imageIdForBaseFile(`${BASE}_20`, [IMG.toUpperCase()]), IMG, 'ids are normalised before hashing');
  t.equal(imageIdForBaseFile(BASE, [other]), null);
  t.equal(imageIdForBaseFile('/var/lib/nova/instances/_base/swap_512', [IMG]), null, 'swap belongs to no image');
  t.equal(imageIdForBaseFile('/var/lib/nova/instances/_base/ephemeral_20_abc', [IMG]), null);
  const index = new ImageIdByBaseFile();
  index.add(IMG);
  index.add(IMG);
  t.equal(index.size, 1);
  t.equal(imageIdForBaseFile(BASE, index), IMG);
  t.equal(index.lookup(OTHER), null);
});
