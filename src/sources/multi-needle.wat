;; One pass over bytes for many needles at once: the fingerprint step of Teddy (Hyperscan's
;; multi-literal matcher, as the Rust aho-corasick crate describes it), in WebAssembly SIMD.
;; Assembled by scripts/build-wasm.js into multi-needle-wasm.ts; driven by needles.ts, which
;; chooses each needle's fingerprint (4 bytes of it, at `anchor`) and its bucket (one of 8 bits).
;;
;; For each of the 4 fingerprint bytes k, two 16-byte tables give, for a byte's low and high
;; nibble, the buckets whose fingerprints allow that nibble there. Sixteen positions at a time,
;; a position q is a candidate for bucket b when bit b survives the AND of the 8 lookups of the
;; bytes q..q+3. Candidates are rare; each is checked byte for byte against its buckets' needles.
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
    (local $p i32) (local $r v128) (local $r2 v128) (local $v v128) (local $c v128) (local $low v128) (local $lanes i32) (local $lane i32) (local $q i32) (local $need i32)
    (local.set $need (i32.shl (i32.load (i32.const 132)) (i32.const 3)))
    (local.set $p (local.get $qFrom))
    (local.set $low (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (block $end (loop $blocks
      (br_if $end (i32.ge_u (local.get $p) (local.get $qTo)))
      ;; Two blocks a turn: most have no candidate, and one test covers both.
      (local.set $r (block (result v128)
        (local.set $v (v128.load (local.get $p)))
        (local.set $c (v128.and
          (i8x16.swizzle (v128.load (i32.const 0)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 16)) (i8x16.shr_u (local.get $v) (i32.const 4)))))
        (local.set $v (v128.load offset=1 (local.get $p)))
        (local.set $c (v128.and (local.get $c) (v128.and
          (i8x16.swizzle (v128.load (i32.const 32)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 48)) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.load offset=2 (local.get $p)))
        (local.set $c (v128.and (local.get $c) (v128.and
          (i8x16.swizzle (v128.load (i32.const 64)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 80)) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.load offset=3 (local.get $p)))
        (local.set $c (v128.and (local.get $c) (v128.and
          (i8x16.swizzle (v128.load (i32.const 96)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 112)) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.get $c)))
      (local.set $r2 (block (result v128)
        (local.set $v (v128.load offset=16 (local.get $p)))
        (local.set $c (v128.and
          (i8x16.swizzle (v128.load (i32.const 0)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 16)) (i8x16.shr_u (local.get $v) (i32.const 4)))))
        (local.set $v (v128.load offset=17 (local.get $p)))
        (local.set $c (v128.and (local.get $c) (v128.and
          (i8x16.swizzle (v128.load (i32.const 32)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 48)) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.load offset=18 (local.get $p)))
        (local.set $c (v128.and (local.get $c) (v128.and
          (i8x16.swizzle (v128.load (i32.const 64)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 80)) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.set $v (v128.load offset=19 (local.get $p)))
        (local.set $c (v128.and (local.get $c) (v128.and
          (i8x16.swizzle (v128.load (i32.const 96)) (v128.and (local.get $v) (local.get $low)))
          (i8x16.swizzle (v128.load (i32.const 112)) (i8x16.shr_u (local.get $v) (i32.const 4))))))
        (local.get $c)))
      (if (i32.eqz (v128.any_true (v128.or (local.get $r) (local.get $r2)))) (then
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $blocks)))
      (if (v128.any_true (local.get $r)) (then
        (v128.store (i32.const 192) (local.get $r))
        (local.set $lanes (i32.xor (i8x16.bitmask (i8x16.eq (local.get $r) (v128.const i64x2 0 0))) (i32.const 0xffff)))
        (block $lanesDone (loop $eachLane
          (br_if $lanesDone (i32.eqz (local.get $lanes)))
          (local.set $lane (i32.ctz (local.get $lanes)))
          (local.set $lanes (i32.and (local.get $lanes) (i32.sub (local.get $lanes) (i32.const 1))))
          (local.set $q (i32.add (local.get $p) (local.get $lane)))
          (br_if $lanesDone (i32.ge_u (local.get $q) (local.get $qTo)))
          (if (i32.gt_u (i32.add (local.get $out) (local.get $need)) (local.get $outEnd)) (then
            (i32.store (i32.const 136) (local.get $out))
            (return (local.get $q))))
          (local.set $out (call $verify (local.get $q) (i32.load8_u (i32.add (i32.const 192) (local.get $lane))) (local.get $from) (local.get $to) (local.get $out)))
          (br $eachLane)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $blocks)))
    (i32.store (i32.const 136) (local.get $out))
    (local.get $qTo))
)
