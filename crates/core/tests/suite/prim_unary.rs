//! Elementwise unary primitives against naive references: every op, every dtype it accepts,
//! random shapes (0-d, size-0 and size-1 dims), inputs produced by transposes/reversals, and
//! the edge cases XLA defines (wrapping, NaN, ±0, ±inf).
use crate::common;

use common::*;
use equinox_core::numpy as jnp;
use equinox_core::prims::bind1;
use equinox_core::prims::unary::UnaryOp;
use equinox_core::{Array, DType};

fn random_shape(rng: &mut Rng) -> Vec<usize> {
    let nd = rng.range(0, 4) as usize;
    rng.shape(nd, 5)
}

/// Uniform floats of `dtype` in [lo, hi], laid out through a random layout op.
fn floats_in(rng: &mut Rng, shape: &[usize], dtype: DType, lo: f64, hi: f64) -> Array {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|_| round_to(dtype, lo + (hi - lo) * rng.uniform()))
        .collect();
    relayout(rng, &Array::from_vec(v, shape.to_vec()).astype(dtype))
}

// Independent references for the special functions (series and asymptotic expansions).

fn erf_ref(x: f64) -> f64 {
    if x.abs() > 3.0 {
        // Continued fraction for erfc, accurate for large |x|.
        let z = x.abs();
        let mut f = 0.0;
        for k in (1..60).rev() {
            f = (k as f64 / 2.0) / (z + f);
        }
        let erfc = (-z * z).exp() / std::f64::consts::PI.sqrt() / (z + f);
        return (1.0 - erfc).copysign(x);
    }
    let mut term = x;
    let mut sum = x;
    for n in 1..200 {
        term *= -x * x / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    2.0 / std::f64::consts::PI.sqrt() * sum
}

fn erf_inv_ref(y: f64) -> f64 {
    // Bisection on the reference erf: slow but obviously right.
    let (mut lo, mut hi) = (-6.0f64, 6.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if erf_ref(mid) < y {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn lgamma_ref(x: f64) -> f64 {
    // Shift up with ln Γ(x) = ln Γ(x + n) - Σ ln(x + k), then Stirling's series.
    let mut shift = 0.0;
    let mut z = x;
    while z < 20.0 {
        shift += z.abs().ln();
        z += 1.0;
    }
    let z2 = z * z;
    let series = 1.0 / (12.0 * z) - 1.0 / (360.0 * z * z2) + 1.0 / (1260.0 * z * z2 * z2)
        - 1.0 / (1680.0 * z * z2 * z2 * z2);
    (z - 0.5) * z.ln() - z + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift
}

fn digamma_ref(x: f64) -> f64 {
    let mut shift = 0.0;
    let mut z = x;
    while z < 20.0 {
        shift += 1.0 / z;
        z += 1.0;
    }
    let z2 = z * z;
    z.ln() - 0.5 / z - 1.0 / (12.0 * z2) + 1.0 / (120.0 * z2 * z2)
        - 1.0 / (252.0 * z2 * z2 * z2)
        - shift
}

/// (op, reference, input range, tolerance multiple of `rtol_for`).
type FloatCase = (UnaryOp, fn(f64) -> f64, f64, f64, f64);

fn float_cases() -> Vec<FloatCase> {
    use UnaryOp::*;
    vec![
        (Neg, |x| -x, -3.0, 3.0, 0.0),
        (
            Sign,
            |x| if x == 0.0 { x } else { x.signum() },
            -3.0,
            3.0,
            0.0,
        ),
        (Abs, f64::abs, -3.0, 3.0, 0.0),
        (Floor, f64::floor, -3.0, 3.0, 0.0),
        (Ceil, f64::ceil, -3.0, 3.0, 0.0),
        (
            Round {
                to_nearest_even: true,
            },
            f64::round_ties_even,
            -4.0,
            4.0,
            0.0,
        ),
        (
            Round {
                to_nearest_even: false,
            },
            f64::round,
            -4.0,
            4.0,
            0.0,
        ),
        (Exp, f64::exp, -5.0, 5.0, 1.0),
        (Exp2, f64::exp2, -5.0, 5.0, 1.0),
        (Log, f64::ln, 0.01, 10.0, 1.0),
        (Log1p, f64::ln_1p, -0.9, 5.0, 1.0),
        (Expm1, f64::exp_m1, -3.0, 3.0, 1.0),
        (Tanh, f64::tanh, -4.0, 4.0, 1.0),
        (Logistic, |x| 1.0 / (1.0 + (-x).exp()), -6.0, 6.0, 1.0),
        (Sin, f64::sin, -4.0, 4.0, 1.0),
        (Cos, f64::cos, -4.0, 4.0, 1.0),
        (Tan, f64::tan, -1.2, 1.2, 2.0),
        (Asin, f64::asin, -0.99, 0.99, 1.0),
        (Acos, f64::acos, -0.99, 0.99, 1.0),
        (Atan, f64::atan, -5.0, 5.0, 1.0),
        (Sinh, f64::sinh, -4.0, 4.0, 1.0),
        (Cosh, f64::cosh, -4.0, 4.0, 1.0),
        (Asinh, f64::asinh, -5.0, 5.0, 1.0),
        (Acosh, f64::acosh, 1.01, 10.0, 1.0),
        (Atanh, f64::atanh, -0.9, 0.9, 1.0),
        (Sqrt, f64::sqrt, 0.0, 10.0, 1.0),
        (Rsqrt, |x| 1.0 / x.sqrt(), 0.01, 10.0, 1.0),
        (Cbrt, f64::cbrt, -10.0, 10.0, 1.0),
        (Erf, erf_ref, -4.0, 4.0, 2.0),
        (Erfc, |x| 1.0 - erf_ref(x), -3.0, 1.0, 2.0),
        (ErfInv, erf_inv_ref, -0.99, 0.99, 4.0),
        (Lgamma, lgamma_ref, 0.1, 8.0, 4.0),
        (Digamma, digamma_ref, 0.1, 8.0, 4.0),
        (Square, |x| x * x, -3.0, 3.0, 1.0),
        (Copy, |x| x, -3.0, 3.0, 0.0),
    ]
}

#[test]
fn float_ops_match_naive_references() {
    let mut rng = Rng::new(11);
    for (op, f, lo, hi, tol) in float_cases() {
        for d in FLOAT_DTYPES {
            for _ in 0..5 {
                let shape = random_shape(&mut rng);
                let x = floats_in(&mut rng, &shape, d, lo, hi);
                let y = bind1(op, &[&x]);
                assert_eq!(y.shape(), &shape[..], "{op:?} {d}");
                assert_eq!(y.dtype(), d, "{op:?} {d}");
                let xs = x.to_vec::<f64>();
                let want: Vec<f64> = xs.iter().map(|&v| round_to(d, f(v))).collect();
                let got = y.to_vec::<f64>();
                if tol == 0.0 {
                    assert_same_bits(&got, &want, &format!("{op:?} {d}"));
                } else {
                    // f64 special functions use other algorithms than the references: allow
                    // a few 1e-12 of slack there.
                    let rtol = if d == DType::F64 {
                        1e-10
                    } else {
                        rtol_for(d) * tol
                    };
                    assert_close(&got, &want, rtol, rtol, &format!("{op:?} {d}"));
                }
            }
        }
    }
}

#[test]
fn integer_pow_matches_repeated_multiplication() {
    let mut rng = Rng::new(12);
    for n in [-3, -1, 0, 1, 2, 3, 5, 7] {
        for d in FLOAT_DTYPES {
            let shape = random_shape(&mut rng);
            let x = floats_in(&mut rng, &shape, d, 0.5, 3.0);
            let y = bind1(UnaryOp::IntegerPow(n), &[&x]);
            let want: Vec<f64> = x
                .to_vec::<f64>()
                .iter()
                .map(|&v| round_to(d, v.powi(n)))
                .collect();
            let rtol = rtol_for(d) * 4.0;
            assert_close(&y.to_vec::<f64>(), &want, rtol, 0.0, &format!("x^{n} {d}"));
        }
        if n < 0 {
            continue;
        }
        for d in INT_DTYPES {
            let shape = random_shape(&mut rng);
            let x = {
                let t = random_ints(&mut rng, &shape, d);
                relayout(&mut rng, &t)
            };
            let y = bind1(UnaryOp::IntegerPow(n), &[&x]);
            assert_eq!(y.dtype(), d);
            let want: Vec<i128> = x
                .to_vec::<i64>()
                .iter()
                .map(|&v| (0..n).fold(1i128, |acc, _| wrap(acc * v as i128, d)))
                .collect();
            let got: Vec<i128> = y.to_vec::<i64>().iter().map(|&v| v as i128).collect();
            assert_eq!(got, want, "x^{n} {d}");
        }
    }
}

#[test]
fn float_special_values_follow_ieee_and_xla() {
    let x = Array::from_vec(
        vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            -0.5,
            0.5,
            2.5,
            -2.5,
        ],
        [9],
    );
    let run = |op: UnaryOp| bind1(op, &[&x]).to_vec::<f64>();
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let cases: Vec<(UnaryOp, Vec<f64>)> = vec![
        (
            UnaryOp::Sign,
            vec![nan, 1.0, -1.0, 0.0, -0.0, -1.0, 1.0, 1.0, -1.0],
        ),
        (
            UnaryOp::Neg,
            vec![nan, -inf, inf, -0.0, 0.0, 0.5, -0.5, -2.5, 2.5],
        ),
        (
            UnaryOp::Abs,
            vec![nan, inf, inf, 0.0, 0.0, 0.5, 0.5, 2.5, 2.5],
        ),
        (
            UnaryOp::Floor,
            vec![nan, inf, -inf, 0.0, -0.0, -1.0, 0.0, 2.0, -3.0],
        ),
        (
            UnaryOp::Ceil,
            vec![nan, inf, -inf, 0.0, -0.0, -0.0, 1.0, 3.0, -2.0],
        ),
        (
            UnaryOp::Round {
                to_nearest_even: true,
            },
            vec![nan, inf, -inf, 0.0, -0.0, -0.0, 0.0, 2.0, -2.0],
        ),
        (
            UnaryOp::Round {
                to_nearest_even: false,
            },
            vec![nan, inf, -inf, 0.0, -0.0, -1.0, 1.0, 3.0, -3.0],
        ),
        (
            UnaryOp::Exp,
            vec![
                nan,
                inf,
                0.0,
                1.0,
                1.0,
                (-0.5f32).exp() as f64,
                0.5f32.exp() as f64,
                2.5f32.exp() as f64,
                (-2.5f32).exp() as f64,
            ],
        ),
        (
            UnaryOp::Tanh,
            vec![
                nan,
                1.0,
                -1.0,
                0.0,
                -0.0,
                // XLA's f32 tanh (what JAX returns), which differs from libm's by an ulp here.
                -0.462_117_165_327_072_14,
                0.462_117_165_327_072_14,
                0.986_614_346_504_211_4,
                -0.986_614_346_504_211_4,
            ],
        ),
        (
            UnaryOp::Sqrt,
            vec![
                nan,
                inf,
                nan,
                0.0,
                -0.0,
                nan,
                0.5f32.sqrt() as f64,
                2.5f32.sqrt() as f64,
                nan,
            ],
        ),
        (
            UnaryOp::Log,
            vec![
                nan,
                inf,
                nan,
                -inf,
                -inf,
                nan,
                0.5f32.ln() as f64,
                2.5f32.ln() as f64,
                nan,
            ],
        ),
        (
            UnaryOp::Square,
            vec![nan, inf, inf, 0.0, 0.0, 0.25, 0.25, 6.25, 6.25],
        ),
    ];
    for (op, want) in cases {
        assert_same_bits(&run(op), &want, &format!("{op:?}"));
    }
    let logistic = run(UnaryOp::Logistic);
    assert!(logistic[0].is_nan());
    assert_eq!(&logistic[1..5], &[1.0, 0.0, 0.5, 0.5]);
    let finite = bind1(UnaryOp::IsFinite, &[&x]);
    assert_eq!(finite.dtype(), DType::Bool);
    assert_eq!(
        finite.to_vec::<bool>(),
        vec![false, false, false, true, true, true, true, true, true]
    );
}

#[test]
fn is_finite_on_every_float_dtype() {
    let mut rng = Rng::new(13);
    for d in FLOAT_DTYPES {
        let shape = random_shape(&mut rng);
        let x = {
            let t = special_floats(&mut rng, &shape, d);
            relayout(&mut rng, &t)
        };
        let y = bind1(UnaryOp::IsFinite, &[&x]);
        assert_eq!(y.dtype(), DType::Bool);
        let want: Vec<bool> = x.to_vec::<f64>().iter().map(|v| v.is_finite()).collect();
        assert_eq!(y.to_vec::<bool>(), want, "{d}");
    }
}

#[test]
fn integer_ops_wrap_like_xla() {
    let mut rng = Rng::new(14);
    type IntCase = (UnaryOp, fn(i128, DType) -> i128);
    let cases: Vec<IntCase> = vec![
        (UnaryOp::Neg, |v, d| wrap(-v, d)),
        (UnaryOp::Sign, |v, _| v.signum()),
        (UnaryOp::Abs, |v, d| wrap(v.abs(), d)),
        (UnaryOp::Square, |v, d| wrap(v * v, d)),
        (UnaryOp::Not, |v, d| wrap(!v, d)),
        (UnaryOp::PopulationCount, |v, d| {
            (wrap(v, DType::I64) as u64 & ((1u128 << d.bits()) - 1) as u64).count_ones() as i128
        }),
        (UnaryOp::Clz, |v, d| {
            let u = (v.rem_euclid(1i128 << d.bits())) as u128;
            (u.leading_zeros() - (128 - d.bits())) as i128
        }),
        (UnaryOp::Copy, |v, _| v),
    ];
    for (op, f) in cases {
        for d in INT_DTYPES {
            for _ in 0..4 {
                let shape = random_shape(&mut rng);
                let x = {
                    let t = random_ints(&mut rng, &shape, d);
                    relayout(&mut rng, &t)
                };
                let y = bind1(op, &[&x]);
                assert_eq!(y.dtype(), d, "{op:?} {d}");
                assert_eq!(y.shape(), &shape[..], "{op:?} {d}");
                let want: Vec<i128> = x.to_vec::<i64>().iter().map(|&v| f(v as i128, d)).collect();
                let got: Vec<i128> = y.to_vec::<i64>().iter().map(|&v| v as i128).collect();
                assert_eq!(got, want, "{op:?} {d} on {:?}", x.to_vec::<i64>());
            }
        }
    }
    // The documented XLA corner: |INT_MIN| wraps to INT_MIN.
    let m = Array::from_vec(vec![i32::MIN, i32::MIN + 1], [2]);
    assert_eq!(
        bind1(UnaryOp::Abs, &[&m]).to_vec::<i32>(),
        vec![i32::MIN, i32::MAX]
    );
    assert_eq!(
        bind1(UnaryOp::Neg, &[&m]).to_vec::<i32>(),
        vec![i32::MIN, i32::MAX]
    );
}

#[test]
fn bool_ops() {
    let mut rng = Rng::new(15);
    for _ in 0..5 {
        let shape = random_shape(&mut rng);
        let x = {
            let t = random_array(&mut rng, &shape, DType::Bool);
            relayout(&mut rng, &t)
        };
        let xs = x.to_vec::<bool>();
        let not = bind1(UnaryOp::Not, &[&x]);
        assert_eq!(not.dtype(), DType::Bool);
        assert_eq!(
            not.to_vec::<bool>(),
            xs.iter().map(|b| !b).collect::<Vec<_>>()
        );
        assert_eq!(bind1(UnaryOp::Copy, &[&x]).to_vec::<bool>(), xs);
    }
}

#[test]
fn weak_type_is_preserved_and_is_finite_is_strong() {
    let w = Array::weak_scalar(2.0);
    assert!(bind1(UnaryOp::Exp, &[&w]).weak_type());
    assert!(!bind1(UnaryOp::IsFinite, &[&w]).weak_type());
    let s = bind1(UnaryOp::Sqrt, &[&w]);
    assert_eq!(s.ndim(), 0);
    assert_eq!(s.item::<f32>(), 2f32.sqrt());
}

#[test]
fn numpy_unary_functions() {
    let mut rng = Rng::new(16);
    // Integer inputs of float functions become float32.
    let i = Array::from_vec(vec![1i32, 4, 9], [3]);
    let r = jnp::sqrt(&i);
    assert_eq!(r.dtype(), DType::F32);
    assert_eq!(r.to_vec::<f32>(), vec![1.0, 2.0, 3.0]);
    assert_eq!(
        jnp::exp(&Array::from_vec(vec![true, false], [2])).to_vec::<f32>(),
        vec![1f32.exp(), 1.0]
    );
    // int64 becomes float64, as in JAX with 64-bit types (explicit 64-bit dtypes stay wide).
    assert_eq!(
        jnp::sqrt(&Array::from_vec(vec![4i64], [1])).dtype(),
        DType::F64
    );
    assert_eq!(
        jnp::sqrt(&Array::from_vec(vec![4u32], [1])).dtype(),
        DType::F32
    );
    assert_eq!(
        jnp::divide(&Array::scalar(1i64), &Array::scalar(4i64)).item::<f64>(),
        0.25
    );
    for d in FLOAT_DTYPES {
        let shape = random_shape(&mut rng);
        let x = floats_in(&mut rng, &shape, d, 0.1, 5.0);
        let xs = x.to_vec::<f64>();
        let check = |name: &str, y: Array, f: &dyn Fn(f64) -> f64| {
            assert_eq!(y.dtype(), d, "{name} {d}");
            let want: Vec<f64> = xs.iter().map(|&v| round_to(d, f(v))).collect();
            let tol = rtol_for(d) * 2.0;
            assert_close(&y.to_vec::<f64>(), &want, tol, tol, &format!("{name} {d}"));
        };
        check("log2", jnp::log2(&x), &f64::log2);
        check("log10", jnp::log10(&x), &f64::log10);
        check("reciprocal", jnp::reciprocal(&x), &|v| 1.0 / v);
        check("trunc", jnp::trunc(&(&x - 2.5)), &|v| {
            round_to(d, v - 2.5).trunc()
        });
        check("round", jnp::round(&x), &f64::round_ties_even);
        check("negative", -&x, &|v| -v);
        check("abs", jnp::abs(&(&x - 2.5)), &|v| {
            round_to(d, v - 2.5).abs()
        });
    }
    // Integer passthroughs and bool/unsigned abs.
    let u = Array::from_vec(vec![3u8, 250], [2]);
    assert_eq!(jnp::abs(&u).to_vec::<u8>(), vec![3, 250]);
    assert_eq!(jnp::floor(&u).to_vec::<u8>(), vec![3, 250]);
    let f = Array::from_vec(vec![f32::NAN, 1.0, f32::INFINITY, f32::NEG_INFINITY], [4]);
    assert_eq!(
        jnp::isnan(&f).to_vec::<bool>(),
        vec![true, false, false, false]
    );
    assert_eq!(
        jnp::isinf(&f).to_vec::<bool>(),
        vec![false, false, true, true]
    );
    assert_eq!(
        jnp::isfinite(&f).to_vec::<bool>(),
        vec![false, true, false, false]
    );
    assert_eq!(jnp::isnan(&u).to_vec::<bool>(), vec![false, false]);
    let i = Array::from_vec(vec![0i32, 5, -1], [3]);
    assert_eq!(
        jnp::logical_not(&i).to_vec::<bool>(),
        vec![true, false, false]
    );
    assert_eq!(jnp::bitwise_not(&i).to_vec::<i32>(), vec![-1, -6, 0]);
    // powf uses integer_pow for integral exponents and pow otherwise.
    let x = Array::from_vec(vec![2.0f32, 3.0], [2]);
    assert_eq!(x.powf(3.0).to_vec::<f32>(), vec![8.0, 27.0]);
    assert_eq!(x.powf(-1.0).to_vec::<f32>(), vec![0.5, 1.0 / 3.0]);
    assert_close(
        &x.powf(0.5).to_vec::<f64>(),
        &[2f64.sqrt(), 3f64.sqrt()],
        1e-6,
        0.0,
        "powf",
    );
}

#[test]
#[should_panic(expected = "exp: got i32[2,3] but expected a floating-point dtype")]
fn exp_rejects_integers() {
    bind1(UnaryOp::Exp, &[&jnp::zeros_dtype([2, 3], DType::I32)]);
}

#[test]
#[should_panic(
    expected = "neg: got bool[4] but expected a numeric (integer or floating-point) dtype"
)]
fn neg_rejects_bool() {
    bind1(UnaryOp::Neg, &[&jnp::zeros_dtype([4], DType::Bool)]);
}

#[test]
#[should_panic(expected = "not: got f32[] but expected an integer or bool dtype")]
fn not_rejects_floats() {
    bind1(UnaryOp::Not, &[&Array::scalar(1.0f32)]);
}

#[test]
#[should_panic(expected = "population_count: got bool[2] but expected an integer dtype")]
fn population_count_rejects_bool() {
    bind1(
        UnaryOp::PopulationCount,
        &[&jnp::zeros_dtype([2], DType::Bool)],
    );
}

#[test]
#[should_panic(
    expected = "integer_pow: negative exponent -2 needs a floating-point operand, got i32[3]"
)]
fn integer_pow_rejects_negative_exponent_on_ints() {
    bind1(
        UnaryOp::IntegerPow(-2),
        &[&jnp::zeros_dtype([3], DType::I32)],
    );
}

#[test]
#[should_panic(expected = "sin: expected 1 operand(s), got 2 (f32[2], f32[2])")]
fn unary_rejects_two_operands() {
    let x = jnp::zeros([2]);
    bind1(UnaryOp::Sin, &[&x, &x]);
}
