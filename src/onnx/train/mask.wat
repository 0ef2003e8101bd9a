;; The dropout-mask module of mask-simd.ts as WebAssembly text: the reviewable source of the bytes
;; that mask-simd.ts emits by hand (no toolchain at run time). test/wasm-wat.test.ts assembles this
;; file with wabt and checks it against `maskModuleBytes()` byte for byte.
;;
;; expand turns n groups of 16 random bytes (n >= 1) at $src into 16 float32 units each at $dst:
;; unit i = the float32 with bits $scaleBits when byte i < $threshold (unsigned), else +0. That is
;; ml/models.ts dropoutMaskData's table lookup, unit[byte], for an integer threshold keep·256.
;; Pointers are byte offsets into the imported memory.
(module
  (import "env" "memory" (memory 0))

  (func $expand (export "expand") (param $src i32) (param $dst i32) (param $n i32) (param $threshold i32) (param $scaleBits i32)
    (local $T v128) (local $S v128) (local $lo v128) (local $hi v128)
    (local.set $T (i8x16.splat (local.get $threshold)))
    (local.set $S (i32x4.splat (local.get $scaleBits)))
    (loop $groups
      ;; 16 lane masks (0xff kept, 0x00 dropped), widened to 2 × 8 16-bit lanes
      (local.set $hi (i16x8.extend_high_i8x16_s (local.tee $lo (i8x16.lt_u (v128.load (local.get $src)) (local.get $T)))))
      (local.set $lo (i16x8.extend_low_i8x16_s (local.get $lo)))
      ;; then to 4 × 4 32-bit lanes, each ANDed with the scale's bits
      (v128.store offset=0 (local.get $dst) (v128.and (i32x4.extend_low_i16x8_s (local.get $lo)) (local.get $S)))
      (v128.store offset=16 (local.get $dst) (v128.and (i32x4.extend_high_i16x8_s (local.get $lo)) (local.get $S)))
      (v128.store offset=32 (local.get $dst) (v128.and (i32x4.extend_low_i16x8_s (local.get $hi)) (local.get $S)))
      (v128.store offset=48 (local.get $dst) (v128.and (i32x4.extend_high_i16x8_s (local.get $hi)) (local.get $S)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (br_if $groups (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
