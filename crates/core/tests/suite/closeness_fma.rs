//! `isclose`/`allclose` and the `fma` primitive against naive references.
use crate::common;

use common::{random_array, Rng, FLOAT_DTYPES};
use equinox_core::numpy as jnp;
use equinox_core::prims::bind1;
use equinox_core::prims::fma::FmaOp;
use equinox_core::{Array, DType};

fn naive_isclose(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= atol + rtol * b.abs()
}

#[test]
fn isclose_matches_the_formula_with_specials_and_broadcasting() {
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1.0,
        1.0 + 1e-9,
    ];
    let mut rng = Rng::new(11);
    for &(rtol, atol) in &[(1e-5, 1e-8), (0.0, 0.0), (0.1, 0.5)] {
        let n = 7;
        let av: Vec<f64> = (0..n * 3)
            .map(|i| {
                if i % 4 == 0 {
                    specials[i % 7]
                } else {
                    rng.uniform() * 2.0 - 1.0
                }
            })
            .collect();
        let bv: Vec<f64> = (0..n)
            .map(|i| {
                if i % 2 == 0 {
                    specials[(i * 3) % 7]
                } else {
                    rng.uniform() * 2.0 - 1.0
                }
            })
            .collect();
        let a = Array::from_vec(av.clone(), [3, n]);
        let b = Array::from_vec(bv.clone(), [n]);
        let got = jnp::isclose(&a, &b, rtol, atol).to_vec::<bool>();
        for r in 0..3 {
            for c in 0..n {
                let want = naive_isclose(av[r * n + c], bv[c], rtol, atol);
                assert_eq!(
                    got[r * n + c],
                    want,
                    "({r}, {c}) a={} b={}",
                    av[r * n + c],
                    bv[c]
                );
            }
        }
    }
    // Integers are compared as floats; the result is bool either way.
    let i = jnp::arange(4);
    let f = jnp::arange(4.0) * (1.0 + 1e-7);
    assert!(jnp::allclose(&i, &f, 1e-5, 1e-8).item::<bool>());
    assert!(!jnp::allclose(&i, &(f + 1.0), 1e-5, 1e-8).item::<bool>());
    assert_eq!(jnp::isclose(&i, &i, 0.0, 0.0).dtype(), DType::Bool);
}

#[test]
fn fma_is_one_rounding_for_every_float_dtype() {
    let mut rng = Rng::new(5);
    for dtype in FLOAT_DTYPES {
        for shape in [vec![], vec![0], vec![1], vec![3, 4]] {
            let a = random_array(&mut rng, &shape, dtype);
            let b = random_array(&mut rng, &shape, dtype);
            let c = random_array(&mut rng, &shape, dtype);
            let got = bind1(FmaOp, &[&a, &b, &c]);
            assert_eq!(got.dtype(), dtype);
            assert_eq!(got.shape(), &shape[..]);
            let (av, bv, cv) = (a.to_vec::<f64>(), b.to_vec::<f64>(), c.to_vec::<f64>());
            let want: Vec<f64> = match dtype {
                // One rounding: the fused result in f64 (exact enough for f32 inputs), then
                // rounded once to the dtype.
                DType::F64 => (0..av.len()).map(|i| av[i].mul_add(bv[i], cv[i])).collect(),
                _ => {
                    let exact: Vec<f64> = (0..av.len()).map(|i| av[i] * bv[i] + cv[i]).collect();
                    Array::from_vec(exact, shape.clone())
                        .astype(dtype)
                        .to_vec::<f64>()
                }
            };
            assert_eq!(got.to_vec::<f64>(), want, "{dtype} {shape:?}");
        }
    }
    // A 0-d operand broadcasts as a scalar.
    let x = jnp::arange(3.0);
    let y = bind1(FmaOp, &[&x, &Array::scalar(2.0f32), &Array::scalar(1.0f32)]);
    assert_eq!(y.to_vec::<f32>(), vec![1.0, 3.0, 5.0]);
}

#[test]
#[should_panic(expected = "fma: got i32[3], i32[3], i32[3] but expected floating-point operands")]
fn fma_rejects_integers() {
    let i = jnp::arange(3);
    bind1(FmaOp, &[&i, &i, &i]);
}
