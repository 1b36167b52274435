//! Accuracy of the vectorised float32 math (`backend/cpu/vecmath*.rs` and the XLA-form
//! `tanh`/`erf`) through the public primitives: a dense sweep of the whole f32 range (every
//! 613th bit pattern of each sign, ~14M values per function; for `pow`, pairs) plus the special
//! points, against the correctly rounded result (the f64 function rounded to f32), and the same
//! bits at every SIMD level (the baseline and AVX2 loops against the best one the CPU has).
//!
//! The kernels are checked in IEEE arithmetic: operations flush subnormals by default, as XLA
//! does (`config::set_flush_subnormals`), which would read every subnormal input as 0. This
//! binary turns flushing off for all its tests.

use equinox_core::backend::cpu::simd::{self, SimdLevel};
use equinox_core::prims::bind1;
use equinox_core::prims::unary::UnaryOp;
use equinox_core::{config, numpy as jnp, Array};

/// Turns off flushing: every test here checks IEEE results, subnormals included.
fn ieee() {
    config::set_flush_subnormals(false);
}

/// Position of an f32 on the ordered line of all f32s (so adjacent floats differ by 1).
fn ordered(x: f32) -> i64 {
    let b = x.to_bits() as i32;
    i64::from(if b < 0 { i32::MIN - b } else { b })
}

fn ulp_distance(a: f32, b: f32) -> u64 {
    if a.is_nan() && b.is_nan() {
        return 0;
    }
    if a.is_nan() || b.is_nan() {
        return u64::MAX;
    }
    ordered(a).abs_diff(ordered(b))
}

/// Every 613th positive and negative finite f32, the specials and the neighbourhoods of
/// interesting points.
fn sweep(extra: &[f32]) -> Vec<f32> {
    let mut xs: Vec<f32> = (0..0x7f80_0000u32)
        .step_by(613)
        .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        .collect();
    let specials = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        f32::from_bits(0x007f_ffff),
        f32::MAX,
        f32::MIN,
        1.0,
        -1.0,
        0.5,
        2.0,
    ];
    xs.extend(specials);
    for &p in extra {
        let mut v = p;
        let mut w = p;
        for _ in 0..64 {
            xs.push(v);
            xs.push(w);
            v = f32::from_bits(v.to_bits() + 1);
            w = f32::from_bits(w.to_bits().saturating_sub(1));
        }
    }
    xs
}

/// Checks `op` against `reference` (in f64) within `max_ulp`, and that every SIMD level gives
/// the same bits.
fn check(
    name: &str,
    op: fn(&Array) -> Array,
    reference: fn(f64) -> f64,
    max_ulp: u64,
    extra: &[f32],
) {
    let xs = sweep(extra);
    let x = Array::from_vec(xs.clone(), [xs.len()]);
    let got = op(&x).to_vec::<f32>();
    let mut worst = (0u64, 0.0f32);
    for (&xi, &g) in xs.iter().zip(&got) {
        let want = reference(f64::from(xi)) as f32;
        let d = ulp_distance(g, want);
        if d > worst.0 {
            worst = (d, xi);
        }
        assert!(
            d <= max_ulp,
            "{name}({xi:e}) = {g:e}, correctly rounded {want:e}: {d} ulp"
        );
    }
    eprintln!("{name}: worst {} ulp at {:e}", worst.0, worst.1);
    same_bits_at_every_level(name, &got, || op(&x));
}

/// The lower SIMD levels' loops give the bits `best` (from the CPU's best level) holds.
fn same_bits_at_every_level(name: &str, best: &[f32], run: impl Fn() -> Array) {
    for level in [SimdLevel::Baseline, SimdLevel::Avx2] {
        simd::set_max_level(level);
        let lower = run().to_vec::<f32>();
        simd::set_max_level(SimdLevel::Avx512);
        let same = best
            .iter()
            .zip(&lower)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        assert!(
            same,
            "{name}: the {level:?} loop differs from the {:?} loop",
            simd::detected_level()
        );
    }
}

#[test]
fn exp_is_within_one_ulp() {
    ieee();
    // The overflow and underflow thresholds, and where results turn subnormal.
    check(
        "exp",
        jnp::exp,
        f64::exp,
        1,
        &[88.722_84, -103.972_08, -87.336_55, -0.0, 1e-8],
    );
}

#[test]
fn expm1_is_within_one_ulp() {
    ieee();
    check(
        "expm1",
        jnp::expm1,
        f64::exp_m1,
        1,
        &[1e-7, 0.346_573_6, -0.346_573_6, 80.0, -18.0, 88.722_84],
    );
}

#[test]
fn log_is_within_one_ulp() {
    ieee();
    check(
        "log",
        jnp::log,
        f64::ln,
        1,
        &[
            1.0,
            std::f32::consts::FRAC_1_SQRT_2,
            std::f32::consts::SQRT_2,
            f32::MIN_POSITIVE,
        ],
    );
}

#[test]
fn log1p_is_within_one_ulp() {
    ieee();
    check(
        "log1p",
        jnp::log1p,
        f64::ln_1p,
        1,
        &[0.414_213_57, -0.414_213_57, -1.0, 1.0],
    );
}

#[test]
fn logistic_is_within_two_ulp() {
    ieee();
    let sigmoid = |x: &Array| equinox_core::nn::sigmoid(x);
    check(
        "logistic",
        sigmoid,
        |x| 1.0 / (1.0 + (-x).exp()),
        2,
        &[0.0, 88.0, -88.0, 17.0, -104.0],
    );
}

/// tanh and erf reproduce XLA's rational approximations (tanh bit for bit with JAX, see
/// `numpy_parity.rs`), so they carry XLA's error rather than the 1-ulp target: at most 4 ulp
/// for tanh (near |x| = 0.001) and 5 for erf (near |x| = 3.5) over the sweep. The bounds are
/// those measured, so a change that made either worse fails here.
#[test]
fn tanh_and_erf_keep_xlas_accuracy() {
    ieee();
    check(
        "tanh",
        jnp::tanh,
        f64::tanh,
        4,
        &[0.0004, -0.0004, 7.998_811_7, 0.5],
    );
    let erf = |x: &Array| bind1(UnaryOp::Erf, &[x]);
    check("erf", erf, libm::erf, 5, &[3.832_507, -3.832_507, 0.5]);
}

/// Points where the reduction modulo π/2 is delicate: the f32s nearest multiples of π/2 (whose
/// reduced argument is tiny), the edges of the first octants, and the limit of the vectorised
/// reduction (beyond it libm recomputes the element).
fn trig_points() -> Vec<f32> {
    let multiples = (1..200).chain((5..28).flat_map(|j| [(1 << j) - 1, 1 << j, (1 << j) + 1]));
    let mut points: Vec<f32> = multiples
        .map(|k: i64| (k as f64 * std::f64::consts::FRAC_PI_2) as f32)
        .collect();
    points.extend([
        std::f32::consts::FRAC_PI_4,
        -std::f32::consts::FRAC_PI_4,
        421_657_440.0,
        -421_657_440.0,
        1e22,
        1e-30,
    ]);
    points
}

#[test]
fn sin_cos_tan_are_within_one_ulp() {
    ieee();
    let points = trig_points();
    check("sin", jnp::sin, f64::sin, 1, &points);
    check("cos", jnp::cos, f64::cos, 1, &points);
    let tan = |x: &Array| bind1(UnaryOp::Tan, &[x]);
    check("tan", tan, f64::tan, 1, &points);
}

#[test]
fn sin_cos_tan_keep_ieee_special_values() {
    ieee();
    let x = Array::from_vec(
        vec![0.0f32, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN],
        [5],
    );
    let bits = |a: Array| {
        a.to_vec::<f32>()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    let nan = f32::NAN.to_bits();
    let same_nan = |v: Vec<u32>| {
        v.iter()
            .map(|&b| if f32::from_bits(b).is_nan() { nan } else { b })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        same_nan(bits(jnp::sin(&x))),
        vec![0, 0x8000_0000, nan, nan, nan]
    );
    assert_eq!(
        same_nan(bits(jnp::cos(&x))),
        vec![0x3f80_0000, 0x3f80_0000, nan, nan, nan]
    );
    let tan = bind1(UnaryOp::Tan, &[&x]);
    assert_eq!(same_nan(bits(tan)), vec![0, 0x8000_0000, nan, nan, nan]);
}

/// `rsqrt` stays `1 / sqrt(x)` rounded twice (within 1 ulp): XLA's CPU rsqrt refines the
/// hardware estimate with a Newton step, whose bits depend on the CPU, so no portable formula
/// reproduces JAX's bits; this one is never further from them than 3 ulp.
#[test]
fn rsqrt_is_within_one_ulp() {
    ieee();
    check(
        "rsqrt",
        jnp::rsqrt,
        |x| 1.0 / x.sqrt(),
        1,
        &[1.0, 4.0, f32::MIN_POSITIVE],
    );
}

/// `xs` against every `y` of `ys`, and the pairs of `pairs`.
fn pow_cases(xs: &[f32], ys: &[f32], pairs: &[(f32, f32)]) -> (Vec<f32>, Vec<f32>) {
    let (mut x, mut y): (Vec<f32>, Vec<f32>) = pairs.iter().copied().unzip();
    for &yi in ys {
        x.extend_from_slice(xs);
        y.extend(std::iter::repeat_n(yi, xs.len()));
    }
    (x, y)
}

#[test]
fn pow_is_within_one_ulp() {
    ieee();
    // Every 4099th f32 of each sign (about 1M values), against exponents that keep the results
    // in range over part of it, overflow or underflow elsewhere, and the special exponents.
    let xs: Vec<f32> = (0..0x7f80_0000u32)
        .step_by(4099)
        .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        .chain([
            1.0,
            -1.0,
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ])
        .collect();
    let ys = [
        2.5,
        -2.5,
        0.5,
        -0.5,
        1.0 / 3.0,
        3.0,
        -3.0,
        2.0,
        -2.0,
        1.0,
        -1.0,
        0.0,
        -0.0,
        7.0,
        0.001,
        100.3,
        -100.3,
        151.0,
        -151.0,
        1e10,
        -1e10,
        16_777_217.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
    ];
    // Random pairs with x near 1 and large y (where log2 x must be accurate far beyond f32),
    // and with results near the overflow and underflow thresholds.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 40) as f32 / 16_777_216.0
    };
    let mut pairs = Vec::new();
    for _ in 0..1_000_000 {
        let (u, v) = (uniform(), uniform());
        pairs.push((1.0 + (u - 0.5) * 1e-3, (v - 0.5) * 2e5));
        pairs.push((u * 4.0, (v - 0.5) * 300.0));
        pairs.push((2.0 + u, 127.0 + 30.0 * (v - 0.5)));
    }
    let (x, y) = pow_cases(&xs, &ys, &pairs);
    let (xa, ya) = (
        Array::from_vec(x.clone(), [x.len()]),
        Array::from_vec(y.clone(), [y.len()]),
    );
    let got = jnp::power(&xa, &ya).to_vec::<f32>();
    let mut worst = (0u64, 0.0f32, 0.0f32);
    for ((&xi, &yi), &g) in x.iter().zip(&y).zip(&got) {
        let want = f64::from(xi).powf(f64::from(yi)) as f32;
        let d = ulp_distance(g, want);
        if d > worst.0 {
            worst = (d, xi, yi);
        }
        assert!(
            d <= 1,
            "pow({xi:e}, {yi:e}) = {g:e}, correctly rounded {want:e}: {d} ulp"
        );
    }
    eprintln!(
        "pow: worst {} ulp at ({:e}, {:e})",
        worst.0, worst.1, worst.2
    );
    same_bits_at_every_level("pow", &got, || jnp::power(&xa, &ya));
}

/// C's `powf` special cases, value by value (signed zeros and infinities included).
#[test]
fn pow_follows_c_special_cases() {
    ieee();
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    #[rustfmt::skip]
    let cases: [(f32, f32, f32); 35] = [
        (nan, 0.0, 1.0), (nan, -0.0, 1.0), (1.0, nan, 1.0), (1.0, inf, 1.0),
        (-1.0, inf, 1.0), (-1.0, -inf, 1.0), (nan, 1.0, nan), (2.0, nan, nan),
        (-2.0, 3.0, -8.0), (-2.0, 2.0, 4.0), (-2.0, -1.0, -0.5), (-8.0, 1.0 / 3.0, nan),
        (-0.0, -3.0, -inf), (-0.0, -2.0, inf), (-0.0, -0.5, inf), (0.0, -3.0, inf),
        (-0.0, 3.0, -0.0), (-0.0, 2.0, 0.0), (-0.0, 0.5, 0.0), (0.0, 0.5, 0.0),
        (0.5, inf, 0.0), (0.5, -inf, inf), (2.0, inf, inf), (2.0, -inf, 0.0),
        (-inf, -3.0, -0.0), (-inf, -2.0, 0.0), (-inf, 3.0, -inf), (-inf, 0.5, inf),
        (inf, -0.5, 0.0), (inf, 0.5, inf), (2.0, 128.0, inf), (2.0, -149.0, f32::from_bits(1)),
        (2.0, -150.0, 0.0), (-2.0, 8_388_609.0, -inf), (-2.0, 16_777_216.0, inf),
    ];
    let x = Array::from_vec(cases.iter().map(|c| c.0).collect(), [cases.len()]);
    let y = Array::from_vec(cases.iter().map(|c| c.1).collect(), [cases.len()]);
    let got = jnp::power(&x, &y).to_vec::<f32>();
    for (&(xi, yi, want), g) in cases.iter().zip(got) {
        let same = g.to_bits() == want.to_bits() || (g.is_nan() && want.is_nan());
        assert!(same, "pow({xi:e}, {yi:e}) = {g:e}, want {want:e}");
    }
}

#[test]
fn invalid_log_and_pow_give_xlas_negative_nan() {
    ieee();
    // XLA's CPU results are x86's default NaN, whose sign bit is set, for an invalid operand;
    // a NaN operand passes through with its sign. From JAX 0.10.2:
    // `jnp.log(jnp.array([-1, -inf, nan, -nan], jnp.float32))` and
    // `jnp.power(jnp.array([-2, -2, nan, 2], jnp.float32), jnp.array([0.5, 1.5, 1, nan]))`.
    let bits = |a: &Array| {
        a.to_vec::<f32>()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<u32>>()
    };
    let x = Array::from_vec(vec![-1.0f32, f32::NEG_INFINITY, f32::NAN, -f32::NAN], [4]);
    assert_eq!(
        bits(&jnp::log(&x)),
        [0xffc0_0000, 0xffc0_0000, 0x7fc0_0000, 0xffc0_0000]
    );
    let base = Array::from_vec(vec![-2.0f32, -2.0, f32::NAN, 2.0], [4]);
    let exponent = Array::from_vec(vec![0.5f32, 1.5, 1.0, f32::NAN], [4]);
    assert_eq!(
        bits(&jnp::power(&base, &exponent)),
        [0xffc0_0000, 0xffc0_0000, 0x7fc0_0000, 0x7fc0_0000]
    );
}
