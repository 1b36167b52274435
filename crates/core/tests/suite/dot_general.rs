//! `dot_general` against a naive loop: random batch/contracting/free layouts (axes in random
//! order, so operands are seen both in place and after a copy), size-0/1 axes, every dtype,
//! `preferred_element_type`, the threaded paths, and misuse.
use crate::common;

use common::{unravel, Rng};
use equinox_core::lax::{self, DotDimensionNumbers};
use equinox_core::{Array, DType, ALL_DTYPES};

/// The reference: every output element summed over every contraction index in f64 (or in
/// wrapping i64 for integers, `or` of `and`s for bool).
fn naive(
    lhs: &Array,
    rhs: &Array,
    dn: &DotDimensionNumbers,
    out_dtype: DType,
) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let (ls, rs) = (lhs.shape().to_vec(), rhs.shape().to_vec());
    let lfree: Vec<usize> = (0..ls.len())
        .filter(|a| !dn.lhs_contracting.contains(a) && !dn.lhs_batch.contains(a))
        .collect();
    let rfree: Vec<usize> = (0..rs.len())
        .filter(|a| !dn.rhs_contracting.contains(a) && !dn.rhs_batch.contains(a))
        .collect();
    let out_shape: Vec<usize> = dn
        .lhs_batch
        .iter()
        .map(|&a| ls[a])
        .chain(lfree.iter().map(|&a| ls[a]))
        .chain(rfree.iter().map(|&a| rs[a]))
        .collect();
    let cshape: Vec<usize> = dn.lhs_contracting.iter().map(|&a| ls[a]).collect();
    let (lv, rv) = (lhs.to_vec::<f64>(), rhs.to_vec::<f64>());
    let n_out: usize = out_shape.iter().product();
    let n_c: usize = cshape.iter().product();
    let (mut vals, mut mags) = (vec![0.0; n_out], vec![0.0; n_out]);
    for (o, (val, mag)) in vals.iter_mut().zip(mags.iter_mut()).enumerate() {
        let oi = unravel(o, &out_shape);
        let nb = dn.lhs_batch.len();
        let mut li = vec![0; ls.len()];
        let mut ri = vec![0; rs.len()];
        for (k, (&a, &b)) in dn.lhs_batch.iter().zip(&dn.rhs_batch).enumerate() {
            li[a] = oi[k];
            ri[b] = oi[k];
        }
        for (k, &a) in lfree.iter().enumerate() {
            li[a] = oi[nb + k];
        }
        for (k, &a) in rfree.iter().enumerate() {
            ri[a] = oi[nb + lfree.len() + k];
        }
        let (mut acc, mut acc_i, mut acc_b) = (0.0f64, 0i64, false);
        for c in 0..n_c {
            let ci = unravel(c, &cshape);
            for (k, (&a, &b)) in dn
                .lhs_contracting
                .iter()
                .zip(&dn.rhs_contracting)
                .enumerate()
            {
                li[a] = ci[k];
                ri[b] = ci[k];
            }
            let x = lv[common::ravel(&li, &ls)];
            let y = rv[common::ravel(&ri, &rs)];
            acc += x * y;
            *mag += (x * y).abs();
            acc_i = acc_i.wrapping_add((x as i64).wrapping_mul(y as i64));
            acc_b |= x != 0.0 && y != 0.0;
        }
        *val = if out_dtype.is_float() {
            acc
        } else if out_dtype.is_bool() {
            acc_b as u8 as f64
        } else {
            acc_i as f64
        };
    }
    // Integers wrap to the output width.
    let vals = if out_dtype.is_integer() {
        Array::from_vec(
            vals.iter().map(|&v| v as i64).collect::<Vec<_>>(),
            out_shape.clone(),
        )
        .astype(out_dtype)
        .to_vec::<f64>()
    } else {
        vals
    };
    (vals, mags, out_shape)
}

/// Checks `got` against the reference with a tolerance relative to Σ|x·y| per element (the
/// scale of the rounding error of any summation order).
fn check(got: &Array, lhs: &Array, rhs: &Array, dn: &DotDimensionNumbers, what: &str) {
    let (want, mags, shape) = naive(lhs, rhs, dn, got.dtype());
    assert_eq!(got.shape(), &shape[..], "{what}: shape");
    let g = got.to_vec::<f64>();
    let eps = match got.dtype() {
        DType::F16 => 2e-3,
        DType::BF16 => 1.6e-2,
        DType::F32 => 1e-6,
        DType::F64 => 1e-14,
        _ => 0.0,
    };
    let in_eps = match lhs.dtype() {
        DType::F16 => 1e-3,
        DType::BF16 => 8e-3,
        _ => 0.0,
    };
    for i in 0..g.len() {
        let tol = (eps + in_eps) * (mags[i] + want[i].abs()) + 1e-30;
        assert!(
            (g[i] - want[i]).abs() <= tol,
            "{what}: element {i}: got {}, want {} (tol {tol})",
            g[i],
            want[i]
        );
    }
}

/// A random operand of `shape` whose axes are stored in a random order: it is built in the
/// permuted order and transposed back, like a transposed view in JAX.
fn permuted_operand(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let nd = shape.len();
    let mut perm: Vec<usize> = (0..nd).collect();
    for i in (1..nd).rev() {
        perm.swap(i, rng.range(0, i as i64 + 1) as usize);
    }
    let stored: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let x = common::random_array(rng, &stored, dtype);
    let mut inv = vec![0isize; nd];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i as isize;
    }
    if nd == 0 {
        x
    } else {
        x.transpose(&inv)
    }
}

/// A random contraction problem: axis roles are assigned at random positions of each operand.
fn random_problem(
    rng: &mut Rng,
    dtype: DType,
    max_dim: usize,
) -> (Array, Array, DotDimensionNumbers) {
    let nb = rng.range(0, 3) as usize;
    let nc = rng.range(0, 3) as usize;
    let nl = rng.range(0, 3) as usize;
    let nr = rng.range(0, 3) as usize;
    let bs = rng.shape(nb, max_dim);
    let cs = rng.shape(nc, max_dim);
    let lf = rng.shape(nl, max_dim);
    let rf = rng.shape(nr, max_dim);
    let shuffle = |rng: &mut Rng, n: usize| {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            p.swap(i, rng.range(0, i as i64 + 1) as usize);
        }
        p
    };
    // Position of each role's axes within the operand.
    let lpos = shuffle(rng, nb + nc + nl);
    let rpos = shuffle(rng, nb + nc + nr);
    let mut lshape = vec![0; nb + nc + nl];
    let mut rshape = vec![0; nb + nc + nr];
    for i in 0..nb {
        lshape[lpos[i]] = bs[i];
        rshape[rpos[i]] = bs[i];
    }
    for i in 0..nc {
        lshape[lpos[nb + i]] = cs[i];
        rshape[rpos[nb + i]] = cs[i];
    }
    for i in 0..nl {
        lshape[lpos[nb + nc + i]] = lf[i];
    }
    for i in 0..nr {
        rshape[rpos[nb + nc + i]] = rf[i];
    }
    let dn = DotDimensionNumbers::new(
        (&lpos[nb..nb + nc], &rpos[nb..nb + nc]),
        (&lpos[..nb], &rpos[..nb]),
    );
    let lhs = permuted_operand(rng, &lshape, dtype);
    let rhs = permuted_operand(rng, &rshape, dtype);
    (lhs, rhs, dn)
}

#[test]
fn random_contractions_every_dtype() {
    let mut rng = Rng::new(7);
    for dtype in ALL_DTYPES {
        for case in 0..40 {
            let (lhs, rhs, dn) = random_problem(&mut rng, dtype, 5);
            let out = lax::dot_general(&lhs, &rhs, dn.clone(), None);
            assert_eq!(out.dtype(), dtype);
            check(
                &out,
                &lhs,
                &rhs,
                &dn,
                &format!(
                    "{dtype} case {case} {dn:?} {:?} {:?}",
                    lhs.shape(),
                    rhs.shape()
                ),
            );
        }
    }
}

#[test]
fn large_products_use_the_threaded_paths() {
    let mut rng = Rng::new(11);
    for dtype in [DType::F32, DType::F64, DType::F16, DType::BF16, DType::I32] {
        // One big product (threaded inside gemm), and many mid-sized ones (batches in parallel).
        let a = common::random_array(&mut rng, &[130, 70], dtype);
        let b = common::random_array(&mut rng, &[90, 70], dtype);
        let dn = DotDimensionNumbers::new((&[1], &[1]), (&[], &[]));
        check(
            &lax::dot_general(&a, &b, dn.clone(), None),
            &a,
            &b,
            &dn,
            &format!("{dtype} big"),
        );
        let a = common::random_array(&mut rng, &[9, 40, 33], dtype);
        let b = common::random_array(&mut rng, &[33, 9, 41], dtype);
        let dn = DotDimensionNumbers::new((&[2], &[0]), (&[0], &[1]));
        check(
            &lax::dot_general(&a, &b, dn.clone(), None),
            &a,
            &b,
            &dn,
            &format!("{dtype} batched"),
        );
    }
}

#[test]
fn preferred_element_type_sets_the_output_dtype() {
    let mut rng = Rng::new(3);
    let cases = [
        (DType::BF16, DType::F32),
        (DType::F16, DType::F32),
        (DType::F32, DType::F64),
        (DType::F32, DType::BF16),
        (DType::I32, DType::F32),
        (DType::U8, DType::I32),
        (DType::I32, DType::I64),
        (DType::Bool, DType::I32),
    ];
    for (inp, out) in cases {
        for _ in 0..5 {
            let (lhs, rhs, dn) = random_problem(&mut rng, inp, 4);
            let got = lax::dot_general(&lhs, &rhs, dn.clone(), Some(out));
            assert_eq!(got.dtype(), out, "{inp} -> {out}");
            check(&got, &lhs, &rhs, &dn, &format!("{inp} -> {out}"));
        }
    }
}

#[test]
fn u8_products_wrap() {
    let a = Array::from_vec(vec![200u8, 100], [1, 2]);
    let b = Array::from_vec(vec![2u8, 3], [2, 1]);
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    // 400 + 300 = 700 = 2·256 + 188.
    assert_eq!(lax::dot_general(&a, &b, dn, None).to_vec::<u8>(), vec![188]);
}

#[test]
fn output_layout_is_batch_lhs_free_rhs_free() {
    let a = equinox_core::numpy::ones([2, 3, 4]); // batch 0, contract 2
    let b = equinox_core::numpy::ones([5, 4, 2]); // batch 2, contract 1
    let dn = DotDimensionNumbers::new((&[2], &[1]), (&[0], &[2]));
    let c = lax::dot_general(&a, &b, dn, None);
    assert_eq!(c.shape(), &[2, 3, 5]);
    assert!(c.to_vec::<f32>().iter().all(|&v| v == 4.0));
}

#[test]
#[should_panic(
    expected = "dot_general: dot_general requires contracting dimensions to have the same shape, got "
)]
fn contracting_size_mismatch() {
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    lax::dot_general(
        &equinox_core::numpy::ones([2, 3]),
        &equinox_core::numpy::ones([4, 2]),
        dn,
        None,
    );
}

#[test]
#[should_panic(
    expected = "dot_general: the operands must have the same dtype; operands f32[2,3], i32[3]"
)]
fn mixed_dtypes() {
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let b = equinox_core::numpy::ones([3]).astype(DType::I32);
    lax::dot_general(&equinox_core::numpy::ones([2, 3]), &b, dn, None);
}

#[test]
#[should_panic(expected = "dot_general: batch axes must be disjoint from contracting axes")]
fn batch_overlaps_contracting() {
    let dn = DotDimensionNumbers::new((&[0], &[0]), (&[0], &[0]));
    let x = equinox_core::numpy::ones([3, 3]);
    lax::dot_general(&x, &x, dn, None);
}

#[test]
#[should_panic(expected = "dot_general: rhs_contracting axes must be less than the operand rank 2")]
fn axis_out_of_range() {
    let dn = DotDimensionNumbers::new((&[1], &[2]), (&[], &[]));
    let x = equinox_core::numpy::ones([3, 3]);
    lax::dot_general(&x, &x, dn, None);
}

#[test]
#[should_panic(expected = "dot_general: preferred_element_type uint8 must not be narrower")]
fn narrowing_integer_preferred_type() {
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let x = equinox_core::numpy::ones([3, 3]).astype(DType::I32);
    lax::dot_general(&x, &x, dn, Some(DType::U8));
}

/// `MatmulElement::matmul_add` adds the product to what `dst` holds, for each family of
/// element types (gemm's f32/f64, complex, the narrow floats through f32, the integer loop),
/// with a transposed (strided) left operand.
#[test]
fn matmul_add_adds_the_product_to_the_destination() {
    use equinox_core::backend::cpu::matmul::{MatRef, MatmulElement};
    fn check<T: MatmulElement>(from: impl Fn(f64) -> T, to: impl Fn(T) -> f64, tol: f64) {
        let (m, k, n) = (5, 7, 6);
        // lhs is stored (k, m) and viewed transposed.
        let lhs: Vec<T> = (0..k * m).map(|i| from((i % 5) as f64 - 2.0)).collect();
        let rhs: Vec<T> = (0..k * n).map(|i| from((i % 3) as f64 + 1.0)).collect();
        let start: Vec<T> = (0..m * n).map(|i| from((i % 4) as f64)).collect();
        let mut dst = start.clone();
        let (l, r) = (
            MatRef::new(&lhs, 0, m, k, 1, m),
            MatRef::row_major(&rhs, k, n),
        );
        T::matmul_add(&mut dst, l, r, 1);
        for i in 0..m {
            for j in 0..n {
                let product: f64 = (0..k)
                    .map(|p| to(lhs[p * m + i]) * to(rhs[p * n + j]))
                    .sum();
                let want = to(start[i * n + j]) + product;
                let got = to(dst[i * n + j]);
                assert!(
                    (got - want).abs() <= tol * want.abs().max(1.0),
                    "{}: ({i}, {j}) got {got}, want {want}",
                    std::any::type_name::<T>()
                );
            }
        }
    }
    check(|v| v as f32, f64::from, 1e-6);
    check(|v| v, |v| v, 1e-12);
    check(|v| v as i32, f64::from, 0.0);
    check(half::bf16::from_f64, half::bf16::to_f64, 1e-2);
    check(
        |v| num_complex::Complex32::new(v as f32, 0.0),
        |c| f64::from(c.re),
        1e-6,
    );
}

/// A column-major right operand (a transposed weight, `x · Wᵀ`, which `matmul` copies into
/// row-major order first from 16 rows on) gives exactly the bits of the same product with the
/// operand stored row-major, for `matmul` and `matmul_add`, on one and two threads: jitted
/// programs read transposes in place and promise eager's bits, where transposes are
/// materialised. (Below 16 rows gemm's small-product paths round by layout.)
#[test]
fn a_transposed_right_operand_gives_the_row_major_products_bits() {
    use equinox_core::backend::cpu::matmul::{MatRef, MatmulElement};
    let mut rng = Rng::new(11);
    for (m, k, n) in [(16, 40, 24), (17, 33, 20), (128, 300, 96), (200, 512, 130)] {
        let lhs: Vec<f32> = (0..m * k)
            .map(|_| (rng.uniform() * 2.0 - 1.0) as f32)
            .collect();
        // `w` is (n, k): the transposed view is the (k, n) right operand.
        let w: Vec<f32> = (0..n * k)
            .map(|_| (rng.uniform() * 2.0 - 1.0) as f32)
            .collect();
        let rhs_row_major: Vec<f32> = (0..k * n).map(|i| w[(i % n) * k + i / n]).collect();
        let start: Vec<f32> = (0..m * n)
            .map(|_| (rng.uniform() * 2.0 - 1.0) as f32)
            .collect();
        for threads in [1, 2] {
            let l = MatRef::row_major(&lhs, m, k);
            let (mut want, mut got) = (vec![0.0f32; m * n], vec![0.0f32; m * n]);
            f32::matmul(
                &mut want,
                l,
                MatRef::row_major(&rhs_row_major, k, n),
                threads,
            );
            f32::matmul(&mut got, l, MatRef::new(&w, 0, k, n, 1, k), threads);
            assert_eq!(got, want, "matmul {m}x{k}x{n}, {threads} threads");
            let (mut want, mut got) = (start.clone(), start.clone());
            f32::matmul_add(
                &mut want,
                l,
                MatRef::row_major(&rhs_row_major, k, n),
                threads,
            );
            f32::matmul_add(&mut got, l, MatRef::new(&w, 0, k, n, 1, k), threads);
            assert_eq!(got, want, "matmul_add {m}x{k}x{n}, {threads} threads");
        }
    }
}
