//! Special functions with XLA's CPU numerics where JAX's results depend on them.
// Coefficients are written as published (to f64 precision) and rounded to f32 by the compiler,
// exactly as XLA rounds the same constants.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

/// XLA's f32 `log1p` (`xla/codegen/intrinsic/log1p.cc`): a Cephes rational approximation
/// evaluated with FMA for `|x| < sqrt(2) - 1`, `ln(1 + x)` otherwise. The small branch is
/// bit-exact with JAX on CPU, which matters for `random.normal` (through [`erf_inv_f32`], which
/// keeps this exact form; the `log1p` primitive runs the vectorised
/// [`super::vecmath::log1p_f32`], which shares the small branch).
pub fn log1p_f32(x: f32) -> f32 {
    if x.abs() < std::f32::consts::SQRT_2 - 1.0 {
        log1p_small_f32(x)
    } else {
        (x as f64 + 1.0).ln() as f32
    }
}

/// The small-argument branch of XLA's f32 `log1p` (valid for `|x| < sqrt(2) - 1`).
#[inline(always)]
pub fn log1p_small_f32(x: f32) -> f32 {
    const NUM: [f32; 7] = [
        4.527_000_086_244_52e-5,
        4.985_410_282_319_337_6e-1,
        6.578_732_594_206_104_5,
        2.991_191_932_855_307_3e1,
        6.094_966_798_098_778_7e1,
        5.711_296_359_058_553_8e1,
        2.003_955_349_920_128_2e1,
    ];
    const DEN: [f32; 7] = [
        1.0,
        1.506_290_908_346_919_2e1,
        8.304_756_596_796_721e1,
        2.217_623_982_373_285_6e2,
        3.090_987_222_531_206e2,
        2.164_278_861_449_594_7e2,
        6.011_866_049_760_384_4e1,
    ];
    let poly = |cs: &[f32]| cs.iter().fold(0.0f32, |p, &c| p.mul_add(x, c));
    let x2 = x * x;
    let r = poly(&NUM) / poly(&DEN);
    let small = (x * x2) * r;
    let small = (-0.5f32).mul_add(x2, small);
    x + small
}

/// f32 `erf` as XLA computes it on CPU (Eigen's rational approximation with FMA, clamped to
/// ±1 beyond |x| ≈ 3.8325).
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    const ALPHA: [f32; 5] = [
        0.000_229_050_66,
        0.003_408_291,
        0.050_955_694,
        0.185_208_33,
        1.128_379_1,
    ];
    const BETA: [f32; 7] = [
        -1.179_160_3e-7,
        2.354_796_6e-5,
        0.001_017_962_5,
        0.014_070_47,
        0.110_985_05,
        0.497_469_26,
        1.0,
    ];
    // Straight-line with a final select (NaN stays NaN: the comparison is false), so loops
    // over it vectorise.
    let x2 = x * x;
    let p = ALPHA
        .iter()
        .skip(1)
        .fold(ALPHA[0], |p, &c| p.mul_add(x2, c));
    let q = BETA.iter().skip(1).fold(BETA[0], |q, &c| q.mul_add(x2, c));
    let y = x * p / q;
    if x.abs() >= 3.832_506_9 {
        1.0f32.copysign(x)
    } else {
        y
    }
}

/// f32 inverse error function: M. Giles' single-precision approximation, which XLA expands
/// `erf_inv` into, with FMA-contracted Horner steps (bit-exact with JAX on CPU wherever XLA's
/// `log1p` is reproduced, see [`log1p_f32`]).
pub fn erf_inv_f32(x: f32) -> f32 {
    const A: [f32; 9] = [
        2.810_226_4e-8,
        3.432_739_4e-7,
        -3.523_387_7e-6,
        -4.391_506_5e-6,
        0.000_218_580_87,
        -0.001_253_725,
        -0.004_177_682,
        0.246_640_73,
        1.501_409_4,
    ];
    const B: [f32; 9] = [
        -0.000_200_214_26,
        0.000_100_950_56,
        0.001_349_343_2,
        -0.003_673_428_4,
        0.005_739_507_7,
        -0.007_622_461,
        0.009_438_870_5,
        1.001_674_1,
        2.832_976_8,
    ];
    let w = -log1p_f32(-x * x);
    let (w, cs) = if w < 5.0 {
        (w - 2.5, &A)
    } else {
        (w.sqrt() - 3.0, &B)
    };
    let p = cs.iter().skip(1).fold(cs[0], |p, &c| p.mul_add(w, c));
    if x.abs() == 1.0 {
        x * f32::INFINITY
    } else {
        p * x
    }
}

/// XLA's f64 `log1p` on CPU: the same Cephes rational approximation as [`log1p_f32`], in f64
/// with FMA-contracted Horner steps, for `|x| < sqrt(2) - 1`; `ln(1 + x)` otherwise. Bit-exact
/// with JAX (which makes [`erf_inv_f64`] bit-exact).
pub fn log1p_f64(x: f64) -> f64 {
    const NUM: [f64; 7] = [
        4.527_000_086_244_52e-5,
        4.985_410_282_319_337_6e-1,
        6.578_732_594_206_104_5,
        2.991_191_932_855_307_3e1,
        6.094_966_798_098_778_7e1,
        5.711_296_359_058_553_8e1,
        2.003_955_349_920_128_2e1,
    ];
    const DEN: [f64; 7] = [
        1.0,
        1.506_290_908_346_919_2e1,
        8.304_756_596_796_721e1,
        2.217_623_982_373_285_6e2,
        3.090_987_222_531_205_977_493_8e2,
        2.164_278_861_449_594_7e2,
        6.011_866_049_760_384_4e1,
    ];
    if x.abs() < std::f64::consts::SQRT_2 - 1.0 {
        let poly = |cs: &[f64]| cs.iter().fold(0.0f64, |p, &c| p.mul_add(x, c));
        let x2 = x * x;
        let r = poly(&NUM) / poly(&DEN);
        let small = (-0.5f64).mul_add(x2, (x * x2) * r);
        x + small
    } else {
        (x + 1.0).ln()
    }
}

/// f64 inverse error function: M. Giles' double-precision approximation (three branches on
/// `w = -log1p(-x²)`), which XLA expands `erf_inv` into for f64, with FMA-contracted Horner
/// steps. Bit-exact with JAX on CPU.
pub fn erf_inv_f64(x: f64) -> f64 {
    const A: [f64; 23] = [
        -3.644_412_064_017_819_7e-21,
        -1.685_059_138_182_016_6e-19,
        1.285_848_071_525_640_1e-18,
        1.115_787_767_802_518_1e-17,
        -1.333_171_662_854_620_9e-16,
        2.097_276_787_596_856_2e-17,
        6.637_638_134_358_324e-15,
        -4.054_566_272_975_207e-14,
        -8.151_934_197_605_472e-14,
        2.633_509_315_308_232_3e-12,
        -1.297_513_325_345_353_2e-11,
        -5.415_412_054_294_628e-11,
        1.051_212_273_321_532_3e-9,
        -4.112_633_980_346_984e-9,
        -2.907_036_995_788_200_5e-8,
        4.234_787_782_793_240_4e-7,
        -1.365_469_200_083_467_9e-6,
        -1.388_252_336_278_646_9e-5,
        1.867_342_080_340_571_4e-4,
        -7.407_025_341_662_67e-4,
        -6.033_670_871_430_149e-3,
        2.401_581_824_255_896_2e-1,
        1.653_654_562_683_102_7,
    ];
    const B: [f64; 19] = [
        2.213_737_692_177_578_7e-9,
        9.075_656_193_888_539e-8,
        -2.751_740_629_706_454_5e-7,
        1.823_962_921_438_922_8e-8,
        1.502_740_396_890_982_8e-6,
        -4.013_867_526_981_546e-6,
        2.923_444_908_995_544_6e-6,
        1.247_530_448_167_177_9e-5,
        -4.731_822_900_905_573_4e-5,
        6.828_485_145_957_318e-5,
        2.403_111_038_709_789_4e-5,
        -3.550_375_203_628_474_8e-4,
        9.532_893_797_373_805e-4,
        -1.688_275_556_023_504_7e-3,
        2.491_442_096_107_850_8e-3,
        -3.751_208_507_569_241_2e-3,
        5.370_914_553_590_063_6e-3,
        1.005_258_967_694_159_2,
        3.083_885_610_492_220_8,
    ];
    const C: [f64; 17] = [
        -2.710_992_061_643_857_3e-11,
        -2.555_641_816_996_525_2e-10,
        1.507_657_269_350_054_8e-9,
        -3.789_465_440_126_737e-9,
        7.615_701_208_078_339e-9,
        -1.496_002_662_714_924e-8,
        2.914_795_345_090_108e-8,
        -6.771_199_775_845_234e-8,
        2.290_048_222_802_665_5e-7,
        -9.929_827_294_231_7e-7,
        4.526_062_597_223_154e-6,
        -1.968_177_810_553_167e-5,
        7.599_527_703_001_776e-5,
        -2.150_301_193_004_447_7e-4,
        -1.387_193_183_362_312_2e-4,
        1.010_300_464_864_534_4,
        4.849_906_401_408_584,
    ];
    let w = -log1p_f64(-x * x);
    let (w, cs): (f64, &[f64]) = if w < 6.25 {
        (w - 3.125, &A)
    } else if w < 16.0 {
        (w.sqrt() - 3.25, &B)
    } else {
        (w.sqrt() - 5.0, &C)
    };
    let p = cs.iter().skip(1).fold(cs[0], |p, &c| p.mul_add(w, c));
    if x.abs() == 1.0 {
        x * f64::INFINITY
    } else {
        p * x
    }
}

/// The digamma function ψ(x), in f64: reflection for negative arguments, recurrence up to
/// x ≥ 10, then seven terms of the asymptotic series.
pub fn digamma_f64(mut x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x <= 0.0 && x == x.floor() {
        return f64::NAN;
    }
    let mut result = 0.0;
    if x < 0.0 {
        // ψ(1 - x) - ψ(x) = π cot(πx)
        result -= std::f64::consts::PI / (std::f64::consts::PI * x).tan();
        x = 1.0 - x;
    }
    // Shifting up to x >= 10 leaves the series' first omitted term (B₁₆/16 x⁻¹⁶) below
    // 1e-16 relative.
    while x < 10.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Σ B₂ₖ/(2k) x⁻²ᵏ for k = 1..7, by Horner's rule in x⁻².
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0
                                    - inv2
                                        * (1.0 / 132.0
                                            - inv2 * (691.0 / 32760.0 - inv2 / 12.0))))));
    result + x.ln() - 0.5 * inv - series
}

/// f32 `tanh` as XLA computes it on CPU (`EmitFastTanh` with FMA, Eigen's rational
/// approximation): `x` itself for `|x| < 0.0004`, otherwise an odd degree-13 / even degree-6
/// rational function of `x` clamped to ±7.998811721801758 (where it reaches exactly ±1).
/// Bit-exact with `jnp.tanh` on float32 (checked on thousands of inputs). Matching it matters
/// where `tanh` is near ±1 and the result is then cancelled, as in `gelu`'s `1 + tanh(...)`.
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    // XLA's coefficients, written as the float32 values they round to.
    const NUM: [f32; 7] = [
        -2.760_768_4e-16,
        2.000_188e-13,
        -8.604_672e-11,
        5.122_297_3e-8,
        1.485_722_35e-5,
        6.372_619_5e-4,
        4.893_524_6e-3,
    ];
    const DEN: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_7e-3, 4.893_525e-3];
    const CLAMP: f32 = 7.998_811_7;
    // `clamp` keeps NaN as NaN; ±inf become ±CLAMP and so give ±1.
    let xc = x.clamp(-CLAMP, CLAMP);
    let x2 = xc * xc;
    // Horner steps as fused multiply-adds, as XLA emits them. `mul_add` rounds the same on
    // every SIMD level (an FMA instruction where the loop is compiled for AVX2/AVX-512, libm's
    // exact `fmaf` elsewhere).
    let fma = |a: f32, b: f32, c: f32| a.mul_add(b, c);
    let num = NUM[1..].iter().fold(NUM[0], |p, &c| fma(x2, p, c));
    let den = DEN[1..].iter().fold(DEN[0], |p, &c| fma(x2, p, c));
    // A select rather than an early return, so loops over tanh vectorise.
    if x.abs() < 0.0004 {
        x
    } else {
        (xc * num) / den
    }
}

/// Lanczos approximation parameters shared by XLA's `lgamma` and `digamma` (g = 7, n = 9).
const LANCZOS_GAMMA: f64 = 7.0;
const LANCZOS_BASE: f64 = 0.999_999_999_999_809_9;
const LANCZOS_COEFFS: [f64; 8] = [
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// f32 `lgamma` (`ln |Γ(x)|`) as XLA computes it on CPU (the CHLO expansion): the Lanczos
/// approximation for `x >= 0.5`, Euler's reflection below, `+inf` at poles and `±inf`.
/// Computed in f32 with XLA's association, including the one multiply-add that XLA's CPU
/// compiler fuses, so results agree with `jax.scipy.special.gammaln` to an ulp or two; it is
/// less accurate than libm near the roots at 1 and 2 (`lgamma(1)` is 4.8e-7), as JAX is.
pub fn lgamma_f32(input: f32) -> f32 {
    use std::f64::consts::PI;
    let (half, one) = (0.5f32, 1.0f32);
    let reflect = input < half;
    let z = if reflect { -input } else { input - one };
    let a = LANCZOS_COEFFS
        .iter()
        .enumerate()
        .fold(LANCZOS_BASE as f32, |a, (i, &c)| {
            a + (c as f32) / (z + (i + 1) as f32)
        });
    let lg_half = (LANCZOS_GAMMA + 0.5) as f32;
    let t = z + lg_half;
    let log_t = (LANCZOS_GAMMA + 0.5).ln() as f32 + log1p_f32(z / lg_half);
    let sum = (z + half) - t / log_t;
    // `sum * log_t + c` as one fused multiply-add (the f32 product is exact in f64).
    let log_sqrt_two_pi = ((2f64.ln() + PI.ln()) / 2.0) as f32;
    let r = (sum as f64 * log_t as f64 + log_sqrt_two_pi as f64) as f32;
    let lgamma = r + a.ln();
    let abs = input.abs();
    let abs_frac = abs - abs.floor();
    let reduced = if abs_frac > half {
        one - abs_frac
    } else {
        abs_frac
    };
    let denom = ((PI as f32) * reduced).sin().ln();
    let reflection = if denom.is_finite() {
        (PI.ln() as f32 - denom) - lgamma
    } else {
        -denom
    };
    if input.is_infinite() {
        f32::INFINITY
    } else if reflect {
        reflection
    } else {
        lgamma
    }
}

/// f32 digamma ψ(x) as XLA computes it on CPU (the CHLO expansion: the derivative of the
/// Lanczos approximation for `x >= 0.5`, reflection below, NaN at the poles `0, -1, -2, ...`).
pub fn digamma_f32(input: f32) -> f32 {
    use std::f32::consts::PI;
    let (half, one) = (0.5f32, 1.0f32);
    let reflect = input < half;
    let z = if reflect { -input } else { input - one };
    let (mut num, mut denom) = (0.0f32, LANCZOS_BASE as f32);
    for (i, &c) in LANCZOS_COEFFS.iter().enumerate() {
        let c = c as f32;
        let z_term = z + (i + 1) as f32;
        num -= c / (z_term * z_term);
        denom += c / z_term;
    }
    let lg_half = (LANCZOS_GAMMA + 0.5) as f32;
    let t = z + lg_half;
    let log_t = (LANCZOS_GAMMA + 0.5).ln() as f32 + log1p_f32(z / lg_half);
    let digamma = log_t + num / denom - LANCZOS_GAMMA as f32 / t;
    let reduced = input + (input + half).floor().abs();
    let (s, c) = (PI * reduced).sin_cos();
    let reflection = digamma - PI * c / s;
    if input <= 0.0 && input == input.floor() {
        f32::NAN
    } else if reflect {
        reflection
    } else {
        digamma
    }
}

/// Bernoulli numbers `B_2, B_4, ..., B_20`, for the asymptotic series of [`polygamma_f64`].
const BERNOULLI_EVEN: [f64; 10] = [
    1.0 / 6.0,
    -1.0 / 30.0,
    1.0 / 42.0,
    -1.0 / 30.0,
    5.0 / 66.0,
    -691.0 / 2730.0,
    7.0 / 6.0,
    -3617.0 / 510.0,
    43867.0 / 798.0,
    -174611.0 / 330.0,
];

/// The polygamma function ψ⁽ⁿ⁾(x) (the n-th derivative of digamma) for `n >= 1`, in f64.
///
/// `ψ⁽ⁿ⁾(x) = (-1)ⁿ⁺¹ n! Σₖ 1/(x+k)ⁿ⁺¹`: the recurrence `ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) + (-1)ⁿ⁺¹ n!/xⁿ⁺¹`
/// shifts `x` up to at least `20 + n`, where the asymptotic (Euler–Maclaurin) series
/// `(-1)ⁿ⁺¹ [(n-1)!/xⁿ + n!/(2xⁿ⁺¹) + Σ B₂ₖ (2k+n-1)!/((2k)! x²ᵏ⁺ⁿ)]` converges to f64
/// precision within ten terms. Both sums have terms of one sign for `x > 0`, so the result is
/// accurate to a few ulp there. Negative non-integer `x` take `|x|` recurrence steps. Poles
/// (`x = 0, -1, -2, ...`) give `(-1)ⁿ⁺¹ ∞`, `+∞` gives 0 and `-∞` or NaN give NaN, as in
/// `scipy.special.polygamma` (except at `-∞`, where scipy returns ∞).
pub fn polygamma_f64(n: u32, x: f64) -> f64 {
    debug_assert!(n >= 1, "polygamma_f64 is for n >= 1 (n = 0 is digamma)");
    let sign = if n % 2 == 1 { 1.0 } else { -1.0 };
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return sign * 0.0;
    }
    if x <= 0.0 && x == x.floor() {
        return sign * f64::INFINITY;
    }
    let n_f = n as f64;
    // n! and (n-1)!, exact in f64 up to n = 18 and correctly rounded well beyond.
    let fact_nm1: f64 = (1..n).map(|k| k as f64).product();
    let fact_n = fact_nm1 * n_f;
    let threshold = 20.0 + n_f;
    let mut x = x;
    let mut sum = 0.0;
    while x < threshold {
        sum += fact_n / x.powi(n as i32 + 1);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let inv_n = inv.powi(n as i32);
    let mut series = fact_nm1 * inv_n + 0.5 * fact_n * inv_n * inv;
    // term_k = B_2k (2k+n-1)!/(2k)! / x^(2k+n); `ratio` = (2k+n-1)!/(2k)! is updated from
    // k to k + 1 rather than computed from large factorials. For k = 1 it is (n+1)!/2.
    let mut ratio = fact_n * (n_f + 1.0) / 2.0;
    let mut power = inv_n * inv2;
    for (k, b) in BERNOULLI_EVEN.iter().enumerate() {
        let k = (k + 1) as f64;
        let term = b * ratio * power;
        series += term;
        if term.abs() <= f64::EPSILON * series.abs() {
            break;
        }
        // (2k+n+1)!/(2k+2)! = (2k+n-1)!/(2k)! * (2k+n)(2k+n+1) / ((2k+1)(2k+2)).
        ratio *= (2.0 * k + n_f) * (2.0 * k + n_f + 1.0) / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
        power *= inv2;
    }
    sign * (sum + series)
}
