//! Matrix products at every SIMD level this CPU has: `gemm`'s AVX-512 kernels, the AVX2 (FMA)
//! kernels a CPU without AVX-512 runs, and the scalar kernels of a CPU without AVX2, each
//! against a naive f64 loop, on plain, transposed and batched operands and through
//! `conv_general_dilated` (im2col + gemm); the LU factorisation built on those products; and
//! the f32 and f64 matrix–vector kernels, whose bits must not depend on the level.
//! Its own test binary: the level is process-wide.
mod common;

use common::Rng;
use equinox_core::backend::cpu::lu::{lu_in_place, LuElement};
use equinox_core::backend::cpu::matmul::{MatRef, MatmulElement};
use equinox_core::backend::cpu::simd::{self, SimdLevel};
use equinox_core::{lax, numpy as jnp, Array, DType};

/// `lhs · rhs` summed in f64, for `lhs` `m × k` and `rhs` `k × n` given by element functions.
fn naive(
    m: usize,
    k: usize,
    n: usize,
    lhs: impl Fn(usize, usize) -> f64,
    rhs: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let mut out = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k).map(|p| lhs(i, p) * rhs(p, j)).sum();
        }
    }
    out
}

fn random_vec(rng: &mut Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.uniform() * 2.0 - 1.0).collect()
}

/// Products through `MatmulElement::matmul` on shapes around the kernels' register blocks
/// (16/8/4 rows, 6/4 columns) and the threaded path, with `lhs` read transposed in place when
/// `transposed`; relative error against the f64 loop at most `tol` times `k`.
fn check_matmul<T: MatmulElement>(rng: &mut Rng, to: fn(f64) -> T, from: fn(T) -> f64, tol: f64) {
    let shapes = [
        (1, 1, 1),
        (3, 5, 2),
        (17, 9, 13),
        (48, 33, 31),
        (64, 64, 64),
        (129, 70, 257),
        (300, 260, 280), // above the threading threshold
    ];
    for &(m, k, n) in &shapes {
        for transposed in [false, true] {
            let a = random_vec(rng, m * k);
            let b = random_vec(rng, k * n);
            let a_t: Vec<T> = a.iter().map(|&v| to(v)).collect();
            let b_t: Vec<T> = b.iter().map(|&v| to(v)).collect();
            // Stored transposed (k × m), read as m × k with swapped strides.
            let a_store: Vec<T> = if transposed {
                (0..k * m).map(|idx| a_t[(idx % m) * k + idx / m]).collect()
            } else {
                a_t.clone()
            };
            let lhs = if transposed {
                MatRef::new(&a_store, 0, m, k, 1, m)
            } else {
                MatRef::row_major(&a_store, m, k)
            };
            let rhs = MatRef::row_major(&b_t, k, n);
            let mut dst = vec![to(f64::NAN); m * n];
            T::matmul(&mut dst, lhs, rhs, 2);
            let want = naive(
                m,
                k,
                n,
                |i, p| from(a_t[i * k + p]),
                |p, j| from(b_t[p * n + j]),
            );
            for (idx, (&g, &w)) in dst.iter().zip(&want).enumerate() {
                let g = from(g);
                assert!(
                    (g - w).abs() <= tol * k as f64 * (1.0 + w.abs()),
                    "{m}x{k}·{k}x{n} (lhs transposed: {transposed}) at level {:?}: \
                     element {idx} = {g}, want {w}",
                    simd::active_level()
                );
            }
        }
    }
}

/// The bits of matrix–vector products (`W · x`, `x · W`, `Wᵀ · x`, `x · Wᵀ`, overwriting and
/// accumulating) and of rank-one products (an inner dimension of 1) on fixed operands, each first checked against the f64 loop (`eps` per unit of
/// the terms' absolute sum). Their kernels fix the order of summation, so the bits must be the
/// same at every level.
fn matvec_bits<T: MatmulElement>(
    to: fn(f64) -> T,
    from: fn(T) -> f64,
    bits_of: fn(T) -> u64,
    eps: f64,
) -> Vec<u64> {
    let value = |i: usize| ((i * 7919 % 1000) as f64 - 500.0) / 37.0;
    let mut bits = Vec::new();
    for (m, k, n) in [
        (200, 130, 1),
        (1, 130, 200),
        (70, 33, 1),
        (1, 33, 70),
        (9, 7, 1),
        (70, 1, 33),
        (5, 1, 130),
    ] {
        for transposed in [false, true] {
            let a: Vec<T> = (0..m * k).map(|i| to(value(i))).collect();
            let b: Vec<T> = (0..k * n).map(|i| to(value(i + 1))).collect();
            let (ls, rs) = if transposed {
                ((1, m), (1, k))
            } else {
                ((k, 1), (n, 1))
            };
            let lhs = |i: usize, p: usize| from(a[i * ls.0 + p * ls.1]);
            let rhs = |p: usize, j: usize| from(b[p * rs.0 + j * rs.1]);
            let want = naive(m, k, n, lhs, rhs);
            let scale = naive(m, k, n, |i, p| lhs(i, p).abs(), |p, j| rhs(p, j).abs());
            let (lhs, rhs) = (
                MatRef::new(&a, 0, m, k, ls.0, ls.1),
                MatRef::new(&b, 0, k, n, rs.0, rs.1),
            );
            let mut dst = vec![to(0.0); m * n];
            T::matmul(&mut dst, lhs, rhs, 1);
            for ((&g, w), s) in dst.iter().zip(&want).zip(&scale) {
                assert!(
                    (from(g) - w).abs() <= eps * s,
                    "{m}x{k}·{k}x{n}, transposed {transposed}: {} vs {w}",
                    from(g)
                );
            }
            bits.extend(dst.iter().map(|&v| bits_of(v)));
            T::matmul_add(&mut dst, lhs, rhs, 1);
            bits.extend(dst.iter().map(|&v| bits_of(v)));
        }
    }
    bits
}

/// Batched small products (`jnp.matmul` with a batch axis) and a convolution, against naive
/// loops.
fn check_batched_and_conv(rng: &mut Rng) {
    let (b, m, k, n) = (5, 7, 11, 3);
    let a = random_vec(rng, b * m * k);
    let c = random_vec(rng, b * k * n);
    let got = jnp::matmul(
        &Array::from_vec(a.clone(), [b, m, k]).astype(DType::F32),
        &Array::from_vec(c.clone(), [b, k, n]).astype(DType::F32),
    )
    .to_vec::<f64>();
    for bi in 0..b {
        let want = naive(
            m,
            k,
            n,
            |i, p| a[bi * m * k + i * k + p] as f32 as f64,
            |p, j| c[bi * k * n + p * n + j] as f32 as f64,
        );
        common::assert_close(
            &got[bi * m * n..(bi + 1) * m * n],
            &want,
            1e-5,
            1e-5,
            "batched matmul",
        );
    }

    // A 3x3 "SAME" convolution, NCHW/OIHW, one batch element.
    let (cin, cout, h, w) = (3, 4, 9, 8);
    let x = random_vec(rng, cin * h * w);
    let f = random_vec(rng, cout * cin * 9);
    let got = lax::conv(
        &Array::from_vec(x.clone(), [1, cin, h, w]).astype(DType::F32),
        &Array::from_vec(f.clone(), [cout, cin, 3, 3]).astype(DType::F32),
        &[1, 1],
        "SAME",
    )
    .to_vec::<f64>();
    let mut want = vec![0.0; cout * h * w];
    for o in 0..cout {
        for i in 0..h {
            for j in 0..w {
                let mut acc = 0.0;
                for ci in 0..cin {
                    for di in 0..3 {
                        for dj in 0..3 {
                            let (ii, jj) = (i as isize + di - 1, j as isize + dj - 1);
                            if ii >= 0 && jj >= 0 && (ii as usize) < h && (jj as usize) < w {
                                let xv = x[ci * h * w + ii as usize * w + jj as usize];
                                let fv = f[((o * cin + ci) * 3 + di as usize) * 3 + dj as usize];
                                acc += (xv as f32 as f64) * (fv as f32 as f64);
                            }
                        }
                    }
                }
                want[o * h * w + i * w + j] = acc;
            }
        }
    }
    common::assert_close(&got, &want, 1e-5, 1e-5, "conv");
}

/// `lu_in_place` on square, tall and wide matrices large enough to recurse through the
/// products (and to thread them): `P a = L U` to `tol` relative to the largest entry of `a`.
fn check_lu<T: LuElement>(rng: &mut Rng, to: fn(f64) -> T, from: fn(T) -> f64, tol: f64) {
    for (m, n) in [(5, 5), (90, 90), (200, 61), (61, 200), (300, 300)] {
        let a: Vec<T> = random_vec(rng, m * n).into_iter().map(to).collect();
        let mut lu = a.clone();
        let mut pivots = vec![0; m.min(n)];
        lu_in_place(&mut lu, m, n, &mut pivots, 2);
        let mut pa: Vec<f64> = a.iter().map(|&v| from(v)).collect();
        for (i, &p) in pivots.iter().enumerate() {
            assert!(p >= i && p < m, "pivot {i} of a {m}x{n} matrix is {p}");
            for c in 0..n {
                pa.swap(i * n + c, p * n + c);
            }
        }
        let k = m.min(n);
        for i in 0..m {
            for j in 0..n {
                let got: f64 = (0..=i.min(j).min(k - 1))
                    .map(|t| {
                        let l = if t == i { 1.0 } else { from(lu[i * n + t]) };
                        l * from(lu[t * n + j])
                    })
                    .sum();
                assert!(
                    (got - pa[i * n + j]).abs() <= tol * k as f64,
                    "LU of a {m}x{n} matrix at level {:?}: (L U)[{i}, {j}] = {got}, want {}",
                    simd::active_level(),
                    pa[i * n + j]
                );
            }
        }
    }
}

#[test]
fn matmul_at_every_simd_level() {
    let mut tested = Vec::new();
    let mut matvec = Vec::new();
    for level in [SimdLevel::Baseline, SimdLevel::Avx2, SimdLevel::Avx512] {
        if level > simd::detected_level() {
            continue;
        }
        simd::set_max_level(level);
        assert_eq!(simd::active_level(), level);
        let mut rng = Rng::new(7 + level as u64);
        check_matmul::<f32>(&mut rng, |v| v as f32, |v| v as f64, 1e-6);
        check_matmul::<f64>(&mut rng, |v| v, |v| v, 1e-14);
        check_matmul::<half::f16>(&mut rng, half::f16::from_f64, half::f16::to_f64, 2e-3);
        check_matmul::<half::bf16>(&mut rng, half::bf16::from_f64, half::bf16::to_f64, 1e-2);
        check_batched_and_conv(&mut rng);
        check_lu::<f32>(&mut rng, |v| v as f32, |v| v as f64, 1e-6);
        check_lu::<f64>(&mut rng, |v| v, |v| v, 1e-14);
        let mut level_bits =
            matvec_bits::<f32>(|v| v as f32, f64::from, |v| v.to_bits().into(), 1e-6);
        level_bits.extend(matvec_bits::<f64>(|v| v, |v| v, f64::to_bits, 1e-14));
        matvec.push(level_bits);
        assert!(
            matvec[0] == matvec[matvec.len() - 1],
            "matrix-vector or rank-one products give other bits at {level:?} than at the baseline"
        );
        tested.push(level);
    }
    simd::set_max_level(SimdLevel::Avx512);
    eprintln!("matmul checked at levels {tested:?}");
    assert!(tested.contains(&SimdLevel::Baseline));
}
