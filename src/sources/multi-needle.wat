;; One pass over bytes for many needles at once: the fingerprint step of Teddy (Hyperscan's
;; multi-literal matcher, as the Rust aho-corasick crate describes it), in WebAssembly SIMD.
;; Assembled by scripts/build-wasm.js into multi-needle-wasm.ts; driven by needles.ts, which
;; chooses each needle's fingerprint (4 bytes of it, at `anchor`) and its bucket (one of 8 bits).
;;
;; For each of the 4 fingerprint bytes k, two 16-byte tables give, for a byte's low and high
;; nibble, the buckets whose fingerprints allow that nibble there. Sixteen bytes at a time, each
;; byte is looked up once per k (one load, 8 lookups); a position q is a candidate for bucket b
;; when bit b survives the AND of byte q's lookup for k = 0, q+1's for 1, q+2's for 2 and q+3's
;; for 3, lined up by shifting in the previous block's lookups. Candidates are rare; each is
;; checked byte for byte against its buckets' needles.
;;
;; Memory (bytes): 0..127 the nibble tables (k: low at 32k, high at 32k+16); 132 needle count;
;; 136 where the last scan's hits end; 192..207 scratch for one block's lanes; 256.. the needle
;; table, 16 bytes each: address of its bytes, length, anchor, bucket bit. The caller places the
;; needles' bytes, the hit area and the data; it leaves at least 64 bytes after the data.
(module
  (memory (export "memory") 1)

  ;; Checks the needles of buckets `bits` whose fingerprint would sit at q; writes each whole
  ;; needle found within [from, to) as (start, needle index) at out. Returns the new out.
  (func $verify (param $q i32) (param $bits i32) (param $from i32) (param $to i32) (param $out i32) (result i32)
    (local $i i32) (local $n i32) (local $e i32) (local $s i32) (local $len i32) (local $j i32)
    (local.set $n (i32.load (i32.const 132)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $e (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 4))))
      (if (i32.and (local.get $bits) (i32.load offset=12 (local.get $e))) (then
        (local.set $s (i32.sub (local.get $q) (i32.load offset=8 (local.get $e))))
        (local.set $len (i32.load offset=4 (local.get $e)))
        (if (i32.and (i32.ge_s (local.get $s) (local.get $from)) (i32.le_s (i32.add (local.get $s) (local.get $len)) (local.get $to))) (then
          (local.set $j (i32.const 0))
          (block $differ (loop $compare
            (if (i32.ge_u (local.get $j) (local.get $len)) (then
              (i32.store (local.get $out) (local.get $s))
              (i32.store offset=4 (local.get $out) (local.get $i))
              (local.set $out (i32.add (local.get $out) (i32.const 8)))
              (br $differ)))
            (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $s) (local.get $j)))
                                   (i32.load8_u (i32.add (i32.load (local.get $e)) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $compare)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each)))
    (local.get $out))

  ;; Looks at fingerprint positions q in [qFrom, qTo) for needles lying within [from, to), and
  ;; writes their hits (start, needle index; 8 bytes each) from `out` on, while room for a hit of
  ;; every needle is left before outEnd. Returns the position it stopped at (qTo when done); the
  ;; hits written end at the i32 at address 136. Hits come in fingerprint order, not start order.
  (func (export "scan") (param $qFrom i32) (param $qTo i32) (param $from i32) (param $to i32) (param $out i32) (param $outEnd i32) (result i32)
    (local $p i32) (local $r v128) (local $v v128) (local $lo v128) (local $hi v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128)
    (local $lanes i32) (local $lane i32) (local $q i32) (local $need i32)
    (local.set $need (i32.shl (i32.load (i32.const 132)) (i32.const 3)))
    ;; Each block's lanes are fingerprint ENDS: the bucket bits of byte k of a fingerprint come
    ;; from the block that holds it, this one or (shifted in) the one before. So the block before
    ;; qFrom is looked up first (memory there is readable; what it makes of bytes before qFrom is
    ;; dropped below with every q < qFrom).
    (local.set $p (local.get $qFrom))
    (local.set $v (v128.load (i32.sub (local.get $qFrom) (i32.const 16))))
    (local.set $lo (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
    (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
    (local.set $p0 (v128.and (i8x16.swizzle (v128.load (i32.const 0)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 16)) (local.get $hi))))
    (local.set $p1 (v128.and (i8x16.swizzle (v128.load (i32.const 32)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 48)) (local.get $hi))))
    (local.set $p2 (v128.and (i8x16.swizzle (v128.load (i32.const 64)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 80)) (local.get $hi))))
    (block $end (loop $blocks
      (br_if $end (i32.ge_u (local.get $p) (i32.add (local.get $qTo) (i32.const 3))))
      (local.set $v (v128.load (local.get $p)))
      (local.set $lo (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
      (local.set $hi (i8x16.shr_u (local.get $v) (i32.const 4)))
      (local.set $c0 (v128.and (i8x16.swizzle (v128.load (i32.const 0)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 16)) (local.get $hi))))
      (local.set $c1 (v128.and (i8x16.swizzle (v128.load (i32.const 32)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 48)) (local.get $hi))))
      (local.set $c2 (v128.and (i8x16.swizzle (v128.load (i32.const 64)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 80)) (local.get $hi))))
      (local.set $c3 (v128.and (i8x16.swizzle (v128.load (i32.const 96)) (local.get $lo)) (i8x16.swizzle (v128.load (i32.const 112)) (local.get $hi))))
      (local.set $r (v128.and (v128.and
          (i8x16.shuffle 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 (local.get $p0) (local.get $c0))
          (i8x16.shuffle 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 (local.get $p1) (local.get $c1)))
        (v128.and
          (i8x16.shuffle 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 (local.get $p2) (local.get $c2))
          (local.get $c3))))
      (local.set $p0 (local.get $c0))
      (local.set $p1 (local.get $c1))
      (local.set $p2 (local.get $c2))
      (if (v128.any_true (local.get $r)) (then
        (v128.store (i32.const 192) (local.get $r))
        (local.set $lanes (i32.xor (i8x16.bitmask (i8x16.eq (local.get $r) (v128.const i64x2 0 0))) (i32.const 0xffff)))
        (block $lanesDone (loop $eachLane
          (br_if $lanesDone (i32.eqz (local.get $lanes)))
          (local.set $lane (i32.ctz (local.get $lanes)))
          (local.set $lanes (i32.and (local.get $lanes) (i32.sub (local.get $lanes) (i32.const 1))))
          ;; Where the fingerprint ending in this lane starts.
          (local.set $q (i32.sub (i32.add (local.get $p) (local.get $lane)) (i32.const 3)))
          (if (i32.and (i32.ge_s (local.get $q) (local.get $qFrom)) (i32.lt_s (local.get $q) (local.get $qTo))) (then
            (if (i32.gt_u (i32.add (local.get $out) (local.get $need)) (local.get $outEnd)) (then
              (i32.store (i32.const 136) (local.get $out))
              (return (local.get $q))))
            (local.set $out (call $verify (local.get $q) (i32.load8_u (i32.add (i32.const 192) (local.get $lane))) (local.get $from) (local.get $to) (local.get $out)))))
          (br $eachLane)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $blocks)))
    (i32.store (i32.const 136) (local.get $out))
    (local.get $qTo))
)
