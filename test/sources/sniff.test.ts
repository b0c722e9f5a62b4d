import t from 'tap';
import { gzipSync } from 'node:zlib';
import { sniffBytes } from '../../src/sources/sniff.js';

const LINE = Buffer.from('2017-05-16 00:00:00.008 25746 INFO nova.compute.manager [-] hello\n');

function tarHeader(): Buffer {
  const header = Buffer.alloc(512);
  header.write('nova-compute.log', 0);
  header.write('ustar\x0000', 257, 'latin1');
  return header;
}

t.test('files that are never logs are told by their magic numbers, gzip or not', async (t) => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), /PDF/],
    [Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), /7z archive/],
    [Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1'), /RAR/],
    [Buffer.from('GIF89a\x01\x00', 'latin1'), /GIF/],
    [Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64]), /lz4/],
    [Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), /Mach-O/],
    [tarHeader(), /tar archive/],
    [Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(60)]), /ELF/],
  ];
  for (const [bytes, kind] of cases) {
    t.match(sniffBytes(bytes), { gzip: false, binary: kind }, String(kind));
  }
  t.match(sniffBytes(gzipSync(tarHeader())), { gzip: true, binary: /tar archive/ }, 'a .tar.gz');
  t.same(sniffBytes(tarHeader().subarray(0, 260)), { gzip: false, binary: null }, 'too short for the tar magic');
});

t.test('control bytes, NUL holes and random bytes do not make a file binary: only magic numbers do', async (t) => {
  let seed = 3;
  const random = Buffer.from(Array.from({ length: 8192 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  t.same(sniffBytes(random), { gzip: false, binary: null });
  t.same(sniffBytes(Buffer.concat([LINE, random])), { gzip: false, binary: null });
  t.same(sniffBytes(Buffer.concat([Buffer.alloc(4000), LINE])), { gzip: false, binary: null });
  t.same(sniffBytes(Buffer.alloc(0)), { gzip: false, binary: null });
  t.same(sniffBytes(gzipSync(random)), { gzip: true, binary: null });
  t.same(sniffBytes(Buffer.from([0x1f, 0x8b, 0xff])), { gzip: true, binary: null }, 'damage is left to the reader');
});
