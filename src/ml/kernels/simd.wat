;; The SIMD kernel module of simd.ts as WebAssembly text: the reviewable source of the bytes that
;; simd.ts emits by hand (there is no toolchain at run time). test/wasm-wat.test.ts assembles this
;; file with wabt and checks it against simd.ts `simdModuleBytes()` byte for byte, so an edit to one
;; without the other fails the suite. Pointers are byte offsets into tfjs-backend-wasm's heap (the
;; imported memory); what each function computes is described in simd.ts.
(module
  (import "env" "memory" (memory 0))

  ;; g: conv filter-gradient partial sums of one image, one filter tap, 16 output channels
  ;; (stride 1, 'valid', 1 input channel): OUT[c] = sum_{oh<OH, ow<OW} X[xp + oh*Wb + 4*ow] * DY[dp + (oh*OW + ow)*COb + 4*c].
  ;; dy rows are only 4-byte aligned (align=4 on the v128 loads and stores).
  (func $g (export "g")
    (param $xp i32) (param $dp i32) (param $op i32) (param $oh i32) (param $OW i32) (param $Wb i32) (param $COb i32)
    (local $ow i32) (local $xi i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xv v128)
    (loop $rows
      (local.set $ow (local.get $OW))
      (local.set $xi (local.get $xp))
      (loop $cols
        (local.set $xv (f32x4.splat (f32.load (local.get $xi))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xv) (v128.load offset=0 align=4 (local.get $dp)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $xv) (v128.load offset=16 align=4 (local.get $dp)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $xv) (v128.load offset=32 align=4 (local.get $dp)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $xv) (v128.load offset=48 align=4 (local.get $dp)))))
        (local.set $dp (i32.add (local.get $dp) (local.get $COb)))
        (local.set $xi (i32.add (local.get $xi) (i32.const 4)))
        (br_if $cols (local.tee $ow (i32.sub (local.get $ow) (i32.const 1)))))
      (local.set $xp (i32.add (local.get $xp) (local.get $Wb)))
      (br_if $rows (local.tee $oh (i32.sub (local.get $oh) (i32.const 1)))))
    (v128.store offset=0 align=4 (local.get $op) (local.get $a0))
    (v128.store offset=16 align=4 (local.get $op) (local.get $a1))
    (v128.store offset=32 align=4 (local.get $op) (local.get $a2))
    (v128.store offset=48 align=4 (local.get $op) (local.get $a3)))

  ;; m: MaxPoolGrad, 2x2 window, stride 2, no padding, NHWC, one image, C = 4*CV channels
  ;; (Cb = 4*C, rowb = 4*W*C bytes, dd = dx - x in bytes). dy goes to the first maximum of each window.
  (func $m (export "m")
    (param $xp i32) (param $dp i32) (param $dd i32) (param $oh i32) (param $OW i32) (param $CV i32) (param $Cb i32) (param $rowb i32)
    (local $ow i32) (local $cv i32) (local $q i32) (local $r i32)
    (local $ninf v128) (local $a v128) (local $b v128) (local $c v128) (local $v v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $g v128)
    (local.set $ninf (f32x4.splat (f32.const -inf)))
    (loop $rows
      (local.set $q (local.get $xp))
      (local.set $ow (local.get $OW))
      (loop $win
        (local.set $cv (local.get $CV))
        (loop $ch
          (local.set $r (i32.add (local.get $q) (local.get $rowb)))
          (local.set $a (v128.load (local.get $q)))
          (local.set $b (v128.load (i32.add (local.get $q) (local.get $Cb))))
          (local.set $c (v128.load (local.get $r)))
          (local.set $m3 (v128.load (i32.add (local.get $r) (local.get $Cb)))) ;; d, the 4th tap
          (local.set $m0 (f32x4.gt (local.get $a) (local.get $ninf)))
          (local.set $v (v128.bitselect (local.get $a) (local.get $ninf) (local.get $m0)))
          (local.set $m1 (f32x4.gt (local.get $b) (local.get $v)))
          (local.set $v (v128.bitselect (local.get $b) (local.get $v) (local.get $m1)))
          (local.set $m2 (f32x4.gt (local.get $c) (local.get $v)))
          (local.set $v (v128.bitselect (local.get $c) (local.get $v) (local.get $m2)))
          (local.set $m3 (f32x4.gt (local.get $m3) (local.get $v)))
          (local.set $g (v128.load (local.get $dp)))
          (v128.store (i32.add (i32.add (local.get $r) (local.get $Cb)) (local.get $dd)) (v128.and (local.get $g) (local.get $m3)))
          (v128.store (i32.add (local.get $r) (local.get $dd)) (v128.and (local.get $g) (v128.andnot (local.get $m2) (local.get $m3))))
          (local.set $m3 (v128.or (local.get $m3) (local.get $m2)))
          (v128.store (i32.add (i32.add (local.get $q) (local.get $Cb)) (local.get $dd)) (v128.and (local.get $g) (v128.andnot (local.get $m1) (local.get $m3))))
          (local.set $m3 (v128.or (local.get $m3) (local.get $m1)))
          (v128.store (i32.add (local.get $q) (local.get $dd)) (v128.and (local.get $g) (v128.andnot (local.get $m0) (local.get $m3))))
          (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $ch (local.tee $cv (i32.sub (local.get $cv) (i32.const 1)))))
        (local.set $q (i32.add (local.get $q) (local.get $Cb))) ;; skip the window's 2nd column
        (br_if $win (local.tee $ow (i32.sub (local.get $ow) (i32.const 1)))))
      (local.set $xp (i32.add (local.get $xp) (i32.add (local.get $rowb) (local.get $rowb))))
      (br_if $rows (local.tee $oh (i32.sub (local.get $oh) (i32.const 1))))))

  ;; b: broadcast add of a bias row, OUT[r*C + j] = X[r*C + j] + B[j] (C = Cb/4, a multiple of 4; rows >= 1).
  (func $b (export "b")
    (param $xp i32) (param $bp i32) (param $op i32) (param $rows i32) (param $Cb i32)
    (local $j i32)
    (loop $rows
      (local.set $j (i32.const 0))
      (loop $cols
        (v128.store (i32.add (local.get $op) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $xp) (local.get $j))) (v128.load (i32.add (local.get $bp) (local.get $j)))))
        (br_if $cols (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $Cb))))
      (local.set $xp (i32.add (local.get $xp) (local.get $Cb)))
      (local.set $op (i32.add (local.get $op) (local.get $Cb)))
      (br_if $rows (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))))
