import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { constants, crc32, deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import { openSource, readSourceChunks, type OpenOptions } from '../../src/sources/read.js';
import type { SourceFile, SourceWarning } from '../../src/sources/source.js';
import { fileSource, tempDir } from './fixtures/helpers.js';

const STDIN: SourceFile = { path: '-', display: '-', host: null, service: null, gzip: false, size: null };

/** 3,000 oslo-like records that do not compress to nothing. */
function osloRecords(count: number): string {
  return Array.from({ length: count }, (_, i) => {
    const pid = 1000 + (i * 7919) % 9000;
    const req = ((i * 2654435761) % 4294967296).toString(16);
    return `2024-01-01 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')} ${pid} INFO nova.compute.manager [req-${req} - - - - -] [instance: ${req}-4f46] record ${i} took ${(i % 97) / 10} seconds\n`;
  }).join('');
}

/** A file made by the real gzip (with its name in the header, as rotated logs have). */
function realGzip(dir: string, name: string, text: string): Buffer {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const made = spawnSync('gzip', ['-f', file]);
  if (made.status !== 0) throw new Error(`gzip failed: ${made.stderr.toString()}`);
  return readFileSync(`${file}.gz`);
}

/** What `gzip -dc` writes for these bytes, whatever it says on stderr. */
function gzipDc(bytes: Buffer): Buffer {
  return spawnSync('gzip', ['-dc'], { input: bytes, maxBuffer: 1 << 30 }).stdout;
}

async function readAll(source: SourceFile, options: OpenOptions = {}): Promise<{ bytes: Buffer; warnings: SourceWarning[] }> {
  const warnings: SourceWarning[] = [];
  const parts: Buffer[] = [];
  for await (const chunk of readSourceChunks(source, { ...options, chunkSize: 64 * 1024, onWarning: (w) => warnings.push(w) })) parts.push(chunk);
  return { bytes: Buffer.concat(parts), warnings };
}

/** Reads bytes as a file and as a stream (stdin, in pieces of `piece` bytes). */
async function readBoth(dir: string, name: string, bytes: Buffer, piece = 64 * 1024): Promise<Array<{ how: string; bytes: Buffer; warnings: SourceWarning[] }>> {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += piece) pieces.push(bytes.subarray(at, at + piece));
  return [
    { how: `${name} as a file`, ...(await readAll(fileSource(file, name))) },
    { how: `${name} as a stream`, ...(await readAll({ ...STDIN, display: name }, { stdin: Readable.from(pieces) })) },
  ];
}

const TEXT = osloRecords(3000);

t.test('damage after the data costs nothing: garbage, bad CRC, bad length (files and streams, as gzip -dc)', async (t) => {
  const dir = tempDir(t);
  const gz = realGzip(dir, 'nova-compute.log', TEXT);
  t.equal(gzipDc(gz).toString(), TEXT, 'the reference');

  const garbage = Buffer.concat([gz, Buffer.from('\nthis is not gzip at all\n')]);
  const badCrc = Buffer.from(gz);
  badCrc[gz.length - 6] = badCrc[gz.length - 6]! ^ 0xff;
  const badLength = Buffer.from(gz);
  badLength[gz.length - 2] = badLength[gz.length - 2]! ^ 0x01;
  const cases: Array<[string, Buffer, string]> = [
    ['garbage.gz', garbage, 'trailing garbage after the gzip data ignored'],
    ['crc.gz', badCrc, `gzip data is corrupt (incorrect data check) after ${TEXT.length} bytes; kept everything before it`],
    ['length.gz', badLength, `gzip data is corrupt (incorrect length check) after ${TEXT.length} bytes; kept everything before it`],
  ];
  for (const [name, bytes, message] of cases) {
    const expected = gzipDc(bytes);
    t.equal(expected.length, TEXT.length, `${name}: gzip -dc keeps everything`);
    for (const read of await readBoth(dir, name, bytes)) {
      t.ok(read.bytes.equals(expected), `${read.how}: byte for byte what gzip -dc gives (${read.bytes.length} of ${expected.length})`);
      t.same(read.warnings, [{ file: name, kind: 'corrupt-gzip', message }], `${read.how}: one warning`);
    }
  }
});

t.test('truncated gzip: everything zlib can decode up to the cut, as gzip -dc', async (t) => {
  const dir = tempDir(t);
  const gz = realGzip(dir, 'cut.log', TEXT);
  // In the header, all through the deflate data, in the trailer, and the trailer missing.
  const cuts = [5, 12, ...Array.from({ length: 12 }, (_, i) => Math.floor(gz.length * (i + 1) / 13)), gz.length - 8, gz.length - 3, gz.length - 1];
  for (const cut of cuts) {
    const bytes = gz.subarray(0, cut);
    const expected = gzipDc(bytes);
    for (const read of await readBoth(dir, `cut-${cut}.gz`, bytes, 4096)) {
      t.ok(read.bytes.equals(expected), `${read.how}: ${read.bytes.length} bytes, gzip -dc ${expected.length}`);
      t.same(read.warnings.map((w) => [w.kind, w.message]), [['truncated-gzip', `gzip data is truncated after ${read.bytes.length} bytes; kept everything before it`]]);
    }
  }
});

t.test('members: concatenated, empty, zero padding; garbage or damage between members', async (t) => {
  const dir = tempDir(t);
  const one = realGzip(dir, 'a.log', TEXT.slice(0, 100_000));
  const two = realGzip(dir, 'b.log', TEXT.slice(100_000));
  const members = Buffer.concat([one, gzipSync(''), two]);
  for (const read of await readBoth(dir, 'members.gz', members)) {
    t.equal(read.bytes.toString(), TEXT, read.how);
    t.same(read.warnings, [], `${read.how}: no warning`);
  }
  for (const read of await readBoth(dir, 'padded.gz', Buffer.concat([members, Buffer.alloc(5000)]))) {
    t.equal(read.bytes.toString(), TEXT, `${read.how}: zero padding is ignored, as gzip does`);
    t.same(read.warnings, []);
  }
  const between = Buffer.concat([one, Buffer.from('garbage'), two]);
  for (const read of await readBoth(dir, 'between.gz', between)) {
    t.ok(read.bytes.equals(gzipDc(between)), `${read.how}: gzip -dc stops at the garbage too`);
    t.same(read.warnings.map((w) => w.message), ['trailing garbage after the gzip data ignored']);
  }
  const badMethod = Buffer.concat([one, Buffer.from([0x1f, 0x8b, 0x78, 0x78])]);
  for (const read of await readBoth(dir, 'method.gz', badMethod)) {
    t.equal(read.bytes.length, 100_000, read.how);
    t.match(read.warnings.map((w) => w.message), [/^gzip data is corrupt \(unknown compression method\) after 100000 bytes/]);
  }
});

t.test('headers with the optional fields; a header that never ends', async (t) => {
  const dir = tempDir(t);
  const body = Buffer.from(TEXT.slice(0, 50_000));
  const deflated = deflateRawSync(body);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(body), 0);
  trailer.writeUInt32LE(body.length, 4);
  // FHCRC | FEXTRA | FNAME | FCOMMENT
  const fields = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3]),
    Buffer.from([4, 0]), Buffer.from('abcd'),
    Buffer.from('name.log\0'), Buffer.from('a comment\0'),
  ]);
  const headerCrc = Buffer.alloc(2);
  headerCrc.writeUInt16LE(crc32(fields) & 0xffff);
  const full = Buffer.concat([fields, headerCrc, deflated, trailer]);
  t.equal(gzipDc(full).length, body.length, 'gzip accepts it');
  for (const read of await readBoth(dir, 'fields.gz', full, 7)) {
    t.ok(read.bytes.equals(body), `${read.how}: the fields are skipped, even cut into small pieces`);
    t.same(read.warnings, []);
  }
  headerCrc[0] = headerCrc[0]! ^ 1;
  for (const read of await readBoth(dir, 'hcrc.gz', Buffer.concat([fields, headerCrc, deflated, trailer]))) {
    t.equal(read.bytes.length, 0);
    t.match(read.warnings.map((w) => w.message), [/corrupt \(header crc mismatch\) after 0 bytes/]);
  }
  const reserved = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 3]), deflated, trailer]);
  for (const read of await readBoth(dir, 'reserved.gz', reserved)) {
    t.match(read.warnings.map((w) => w.message), [/unknown header flags set/]);
  }
  const endless = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]), Buffer.alloc(1100 * 1024, 0x41)]);
  for (const read of await readBoth(dir, 'endless.gz', endless)) {
    t.equal(read.bytes.length, 0);
    t.match(read.warnings.map((w) => w.message), [/corrupt \(header too long\)/]);
  }
});

/** The most zlib can decode of damaged deflate data: its output for the longest prefix that inflates without error. */
function mostDecodable(deflated: Buffer): Buffer {
  let low = 0;
  let high = deflated.length;
  const inflate = (n: number): Buffer => inflateRawSync(deflated.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH });
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    try {
      inflate(mid);
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  return inflate(low);
}

t.test('damage inside the deflate data: a file keeps all zlib can decode, a stream up to its last chunk', async (t) => {
  const dir = tempDir(t);
  const text = osloRecords(30_000);
  const gz = gzipSync(text);
  let seed = 11;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  let failures = 0;
  for (let trial = 0; failures < 4 && trial < 200; trial++) {
    const bytes = Buffer.from(gz);
    const at = 10 + Math.floor(random() * (gz.length - 400));
    for (let i = 0; i < 300; i++) bytes[at + i] = Math.floor(random() * 256);
    const deflated = bytes.subarray(10, bytes.length - 8);
    try {
      inflateRawSync(deflated);
      continue; // this damage only shows in the CRC
    } catch {
      failures++;
    }
    const expected = mostDecodable(deflated);
    const [file, stream] = await readBoth(dir, `damaged-${trial}.gz`, bytes);
    t.ok(file!.bytes.equals(expected), `file: all zlib can decode (${file!.bytes.length} of ${expected.length})`);
    t.equal(file!.warnings.length, 1);
    t.match(file!.warnings[0]!, { kind: 'corrupt-gzip', message: new RegExp(`^gzip data is corrupt \\(.+\\) after ${expected.length} bytes; kept everything before it$`) });
    t.ok(expected.subarray(0, stream!.bytes.length).equals(stream!.bytes), 'stream: a prefix of it');
    t.ok(stream!.bytes.length >= expected.length - 256 * 1024, `stream: loses at most one output chunk (${stream!.bytes.length} of ${expected.length})`);
    t.equal(stream!.warnings.length, 1);
  }
  t.equal(failures, 4, 'four damages that zlib notices inside the data');
});

t.test('a failing input is an error the caller sees; close stops the reading', async (t) => {
  const gz = gzipSync(TEXT);
  const input = new PassThrough();
  const reading = readAll(STDIN, { stdin: input });
  input.write(gz.subarray(0, gz.length >> 1));
  setTimeout(() => input.destroy(new Error('disk on fire')), 20);
  await t.rejects(reading, /disk on fire/);

  const dir = tempDir(t);
  const file = path.join(dir, 'big.gz');
  writeFileSync(file, gzipSync(osloRecords(30_000)));
  const chunks = readSourceChunks(fileSource(file), { chunkSize: 1000 });
  t.equal((await chunks.next()).value?.length, 1000);
  await chunks.return(undefined);
  t.pass('closed in the middle');
  const stream = createReadStream(file);
  const partial = readSourceChunks(STDIN, { stdin: stream, chunkSize: 1000 });
  await partial.next();
  await partial.return(undefined);
  t.ok(stream.destroyed, 'the input stream is closed');
});

t.test('consumed counts the compressed bytes read, for progress against the file size', async (t) => {
  const dir = tempDir(t);
  const gz = realGzip(dir, 'progress.log', TEXT);
  const damaged = Buffer.concat([gz, Buffer.from('junk')]);
  writeFileSync(path.join(dir, 'damaged.gz'), damaged);
  const sources: Array<[string, SourceFile, OpenOptions, number]> = [
    ['file', fileSource(path.join(dir, 'progress.log.gz')), {}, gz.length],
    ['file read twice (damage)', fileSource(path.join(dir, 'damaged.gz')), { onWarning: () => undefined }, damaged.length],
    ['stream', STDIN, { stdin: Readable.from([gz.subarray(0, 1000), gz.subarray(1000)]) }, gz.length],
  ];
  for (const [how, source, options, size] of sources) {
    const reader = await openSource(source, options);
    const target = Buffer.alloc(64 * 1024);
    let total = 0;
    for (let n = 1; n > 0; total += n) n = await reader.read(target, 0, target.length);
    await reader.close();
    t.equal(total, TEXT.length, how);
    t.equal(reader.consumed, size, `${how}: all ${size} bytes`);
  }
});

t.test('many small members (a member per flush): damage in one of them, as gzip -dc', async (t) => {
  const dir = tempDir(t);
  const texts = Array.from({ length: 300 }, (_, i) => osloRecords(20 + (i % 7)).replace(/record /g, `m${i} record `));
  const members = texts.map((text) => gzipSync(text));
  const all = Buffer.concat(members);
  const startOf = (i: number): number => members.slice(0, i).reduce((sum, m) => sum + m.length, 0);
  for (const read of await readBoth(dir, 'members.gz', all, 64 * 1024)) {
    t.equal(read.bytes.toString(), texts.join(''), `${read.how}: whole`);
    t.same(read.warnings, []);
  }
  const badCrc = Buffer.from(all);
  badCrc[startOf(201) - 8] = badCrc[startOf(201) - 8]! ^ 0xff;
  for (const read of await readBoth(dir, 'crc.gz', badCrc, 64 * 1024)) {
    t.ok(read.bytes.equals(gzipDc(badCrc)), `${read.how}: as gzip -dc, the bad member's data included`);
    t.same(read.warnings.map((w) => w.kind), ['corrupt-gzip']);
  }
  const cutAt = startOf(200) + Math.floor(members[200]!.length / 2);
  const cut = all.subarray(0, cutAt);
  // gzip's own inflate may hold back the last byte or so that zlib can already give.
  const decodable = Buffer.concat([Buffer.from(texts.slice(0, 200).join('')), mostDecodable(all.subarray(startOf(200) + 10, cutAt))]);
  const dc = gzipDc(cut);
  t.ok(dc.equals(decodable.subarray(0, dc.length)) && dc.length >= decodable.length - 16, 'gzip -dc gives about as much');
  for (const read of await readBoth(dir, 'cut.gz', cut, 64 * 1024)) {
    t.ok(read.bytes.equals(decodable), `${read.how}: all zlib can decode (${read.bytes.length} of ${decodable.length}, gzip -dc ${dc.length})`);
    t.same(read.warnings.map((w) => w.kind), ['truncated-gzip']);
  }
  // Damage inside member 200's deflate data.
  const damaged = Buffer.from(all);
  const deflated = damaged.subarray(startOf(200) + 10, startOf(201) - 8);
  for (let i = 40; i < 120 && i < deflated.length; i++) deflated[i] = (i * 7919) & 0xff;
  const expected = Buffer.concat([Buffer.from(texts.slice(0, 200).join('')), mostDecodable(deflated)]);
  const [file, stream] = await readBoth(dir, 'damaged.gz', damaged, 64 * 1024);
  t.ok(file!.bytes.equals(expected), `file: the members before and all zlib can decode of the damaged one (${file!.bytes.length} of ${expected.length})`);
  t.ok(expected.subarray(0, stream!.bytes.length).equals(stream!.bytes), 'stream: a prefix of it');
  t.ok(stream!.bytes.length >= texts.slice(0, 200).join('').length, 'stream: every member before the damaged one');
  for (const read of [file!, stream!]) t.same(read.warnings.map((w) => w.kind), ['corrupt-gzip']);
});
