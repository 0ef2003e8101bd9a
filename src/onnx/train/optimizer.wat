;; The optimiser-update module of optimizer-simd.ts as WebAssembly text: the reviewable source of the
;; bytes that optimizer-simd.ts emits by hand (no toolchain at run time). test/wasm-wat.test.ts
;; assembles this file with wabt and checks it against `optimizerModuleBytes()` byte for byte.
;;
;; Each function updates n groups of 4 float32 values in place (n >= 1; arrays 16-byte aligned and
;; padded to a multiple of 4 values). Pointers are byte offsets into the imported memory. Every
;; f32x4 operation is IEEE float32, correctly rounded, so the results are bit for bit those of
;; tfjs' optimisers (the same float32 operations in the same order: optimizer.ts).
(module
  (import "env" "memory" (memory 0))

  ;; sgd: w = (-lr)*g + w
  (func $sgd (export "sgd") (param $w i32) (param $g i32) (param $n i32) (param $negLr f32)
    (local $L v128)
    (local.set $L (f32x4.splat (local.get $negLr)))
    (loop $groups
      (v128.store (local.get $w) (f32x4.add (f32x4.mul (local.get $L) (v128.load (local.get $g))) (v128.load (local.get $w))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (br_if $groups (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; momentum (classical): a = mom*a + g; w = (-lr)*a + w
  (func $momentum (export "momentum") (param $w i32) (param $g i32) (param $a i32) (param $n i32) (param $mom f32) (param $negLr f32)
    (local $M v128) (local $L v128) (local $av v128)
    (local.set $M (f32x4.splat (local.get $mom)))
    (local.set $L (f32x4.splat (local.get $negLr)))
    (loop $groups
      (local.set $av (f32x4.add (f32x4.mul (local.get $M) (v128.load (local.get $a))) (v128.load (local.get $g))))
      (v128.store (local.get $a) (local.get $av))
      (v128.store (local.get $w) (f32x4.add (f32x4.mul (local.get $L) (local.get $av)) (v128.load (local.get $w))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (br_if $groups (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; adam: m = m*b1 + g*c1; v = v*b2 + (g*g)*c2; w = ((m/o1) / (sqrt(v/o2) + eps))*(-lr) + w
  ;; (c = 1 - b, o = 1 - b^t: float32 scalars from the caller)
  (func $adam (export "adam") (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $o1 f32) (param $o2 f32) (param $eps f32) (param $negLr f32)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $O1 v128) (local $O2 v128) (local $E v128) (local $L v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $O1 (f32x4.splat (local.get $o1)))
    (local.set $O2 (f32x4.splat (local.get $o2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $L (f32x4.splat (local.get $negLr)))
    (loop $groups
      (local.set $gv (v128.load (local.get $g)))
      (local.set $mv (f32x4.add (f32x4.mul (v128.load (local.get $m)) (local.get $B1)) (f32x4.mul (local.get $gv) (local.get $C1))))
      (local.set $vv (f32x4.add (f32x4.mul (v128.load (local.get $v)) (local.get $B2)) (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $C2))))
      (v128.store (local.get $m) (local.get $mv))
      (v128.store (local.get $v) (local.get $vv))
      (v128.store (local.get $w)
        (f32x4.add
          (f32x4.mul
            (f32x4.div (f32x4.div (local.get $mv) (local.get $O1)) (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $O2))) (local.get $E)))
            (local.get $L))
          (v128.load (local.get $w))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (br_if $groups (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
