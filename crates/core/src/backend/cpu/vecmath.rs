//! float32 `exp`, `expm1`, `log`, `log1p` and `logistic` written to vectorise: straight-line
//! arithmetic, bit manipulation and selects, no calls and no branches, so the elementwise loops
//! (compiled per SIMD level, see [`super::simd`]) run them 8 or 16 lanes at a time where libm
//! would be called once per element.
//!
//! Accuracy: within 1 ulp of the correctly rounded result over the whole f32 range (tested on a
//! dense sweep plus the special points in `tests/vecmath_ulp.rs`), with IEEE behaviour at ±0,
//! ±inf, NaN, subnormal inputs and outputs, overflow and underflow. Polynomials are evaluated
//! with fused multiply-adds (`mul_add`), which round identically on every SIMD level (a real FMA
//! instruction, or libm's exact `fmaf` on CPUs without one), so results do not depend on the
//! machine.
// Coefficients are written with the digits they were derived with; the compiler rounds them.
#![allow(clippy::excessive_precision)]

/// `ln 2` split so that `k * LN2_HI` is exact for |k| < 2^12 (its low 12 bits are zero).
const LN2_HI: f32 = 0.693_145_751_953_125;
const LN2_LO: f32 = 1.428_606_765_330_187_0e-6;
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// Adding and subtracting 1.5 * 2^23 rounds an f32 of magnitude < 2^22 to the nearest integer
/// (ties to even), with plain additions on every SIMD level.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// Defines `$name::<N>(top)`: the Taylor coefficients of `e^x` from degree `top` down, in
/// Horner order (`[1/top!, 1/(top-1)!, ..., 1/(top-N+1)!]`). Each is one division of exact
/// values (factorials to 13! are exact in f32), so it is the correctly rounded `1/k!`, the
/// value a literal `1.0 / 5040.0` of the same type gives.
macro_rules! exp_taylor {
    ($name:ident: $t:ty) => {
        pub(super) const fn $name<const N: usize>(top: usize) -> [$t; N] {
            let mut c = [0.0; N];
            let mut i = 0;
            while i < N {
                let mut factorial: $t = 1.0;
                let mut k = 2;
                while k <= top - i {
                    factorial *= k as $t;
                    k += 1;
                }
                c[i] = 1.0 / factorial;
                i += 1;
            }
            c
        }
    };
}
exp_taylor!(exp_taylor_f32: f32);
exp_taylor!(exp_taylor_f64: f64);

#[inline(always)]
fn round_to_int(x: f32) -> f32 {
    (x + ROUND_MAGIC) - ROUND_MAGIC
}

/// `2^k` for an integer-valued `k` in [-126, 127]. The biased exponent `k + 127` is read off
/// the bits of `k + 127 + 2^23` (whose low mantissa bits hold it) rather than through an
/// `as i32` cast, whose saturating semantics keep LLVM from vectorising the conversion.
#[inline(always)]
fn pow2(k: f32) -> f32 {
    let biased = (k + (127.0 + 8_388_608.0))
        .to_bits()
        .wrapping_sub(0x4b00_0000);
    f32::from_bits(biased << 23)
}

/// `e^r - 1` for |r| <= ln(2)/2 (Taylor to degree 8: the next term is below 2^-27 relative),
/// accurate relative to the result.
#[inline(always)]
fn expm1_reduced(r: f32) -> f32 {
    const C: [f32; 7] = exp_taylor_f32(8);
    let p = C[1..].iter().fold(C[0], |p, &c| p.mul_add(r, c));
    (r * r).mul_add(p, r)
}

/// `x = k ln 2 + r` with `k` integer-valued and |r| <= ln(2)/2 (Cody and Waite's two-step
/// reduction; exact for |x| < 2^11).
#[inline(always)]
fn reduce_ln2(x: f32) -> (f32, f32) {
    let k = round_to_int(x * LOG2_E);
    let r = (-k).mul_add(LN2_HI, x);
    let r = (-k).mul_add(LN2_LO, r);
    (k, r)
}

/// `e^x`.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    // Clamped so that the reduction and the exponent arithmetic stay in range. The ends need
    // no patching: at 88.8, 2^128 times the reduced exponential (about 1.08) overflows to inf,
    // and at -104 the result (6.8e-46) rounds to 0, as e^x does beyond them. NaN passes the
    // comparisons unchanged.
    let xc = if x < -104.0 { -104.0 } else { x };
    let xc = if xc > 88.8 { 88.8 } else { xc };
    // k = round(x / ln 2), as a float and (read off the bits of k + 1.5 * 2^23) as an integer.
    let shifted = xc * LOG2_E + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    let ki = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) as i32;
    let r = (-k).mul_add(LN2_HI, xc);
    let r = (-k).mul_add(LN2_LO, r);
    // e^r by Taylor to degree 7 in Horner form (|r| <= ln(2)/2: the next term is below
    // 2^-27 relative); fewer operations than 1 + expm1(r), and within 1 ulp all the same.
    const C: [f32; 8] = exp_taylor_f32(7);
    let p = C[1..].iter().fold(C[0], |p, &c| p.mul_add(r, c));
    // Scale by 2^k (k in [-150, 128]) in two exact halves, so that results in the subnormal
    // range round once and k = 128 does not overflow the exponent field. The halves'
    // exponents are built in integers: an `as i32` cast of a float saturates, which keeps
    // LLVM from vectorising it.
    let k1 = ki >> 1;
    let k2 = ki - k1;
    let exp2i = |k: i32| f32::from_bits(((k + 127) as u32) << 23);
    let y = (p * exp2i(k1)) * exp2i(k2);
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `e^x - 1`, accurate near 0.
#[inline(always)]
pub fn expm1_f32(x: f32) -> f32 {
    // Beyond 80, `e^x - 1` is `e^x` to f32 precision; below -18, `e^x` is under half an ulp
    // of 1, so the result rounds to -1.
    let xc = x.clamp(-18.0, 80.0);
    let (k, r) = reduce_ln2(xc);
    let p = expm1_reduced(r);
    let t = pow2(k);
    // 2^k (p + 1) - 1 = 2^k p + (2^k - 1); 2^k - 1 is exact for |k| <= 24 and its rounding
    // is negligible beyond.
    let y = t.mul_add(p, t - 1.0);
    let y = if k == 0.0 { p } else { y };
    let y = if x > 80.0 { exp_f32(x) } else { y };
    let y = if x < -18.0 { -1.0 } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// `ln x`: -NaN below 0 (as XLA gives), -inf at ±0.
#[inline(always)]
pub fn log_f32(x: f32) -> f32 {
    // Subnormals are scaled into the normal range first (and the exponent corrected).
    let subnormal = x < f32::MIN_POSITIVE;
    let xs = if subnormal { x * 8_388_608.0 } else { x };
    let (m, e) = split_sqrt_half(xs);
    let e = e - if subnormal { 23.0 } else { 0.0 };
    let y = log_mantissa(m, e);
    let y = if x == 0.0 { f32::NEG_INFINITY } else { y };
    // XLA's result there is x86's default NaN, which is negative.
    let y = if x < 0.0 { -f32::NAN } else { y };
    if x.is_nan() || x == f32::INFINITY {
        x
    } else {
        y
    }
}

/// `x = m * 2^e` with m in [sqrt(1/2), sqrt(2)) for a positive normal `x`: the exponent of
/// x / sqrt(1/2), read off the bits. (Negative inputs wrap; callers replace their result.)
#[inline(always)]
fn split_sqrt_half(x: f32) -> (f32, f32) {
    let shifted = (x.to_bits() as i32).wrapping_sub(0x3f35_04f3);
    // (An i32 to f32 conversion vectorises; only the reverse is slow.)
    let e = (shifted >> 23) as f32;
    let m = f32::from_bits(((shifted & 0x007f_ffff) + 0x3f35_04f3) as u32);
    (m, e)
}

/// The coefficients of `R(s) / s^2 = 2/3 + 2/5 s^2 + ...` to s^10 in Horner order
/// (|s| <= 0.1716: the next term is below 2^-28 relative).
const LOG_SERIES: [f32; 5] = [2.0 / 11.0, 2.0 / 9.0, 2.0 / 7.0, 2.0 / 5.0, 2.0 / 3.0];

/// `ln(1 + f) = f - (f^2/2 - s (f^2/2 + R))` for `s = f / (2 + f)` and the series part `R`
/// (fdlibm's arrangement: the leading `f` is exact, the rest a small correction).
#[inline(always)]
fn ln_from_series(f: f32, s: f32, r: f32) -> f32 {
    let hfsq = 0.5 * f * f;
    f - s.mul_add(-(hfsq + r), hfsq)
}

/// `ln(m) + e ln 2` for m in [sqrt(1/2), sqrt(2)), in fdlibm's arrangement: with `f = m - 1`
/// and `s = f / (2 + f)`, `ln m = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R))` where
/// `R = s^2 (2/3 + 2/5 s^2 + ...)`; the leading `f` is exact and the rest a small correction.
#[inline(always)]
fn log_mantissa(m: f32, e: f32) -> f32 {
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    const C: [f32; 5] = LOG_SERIES;
    let r = z * C[1..].iter().fold(C[0], |p, &c| p.mul_add(z, c));
    let lnm = ln_from_series(f, s, r);
    e.mul_add(LN2_HI, e.mul_add(LN2_LO, lnm))
}

/// `ln(1 + x)`. For |x| < sqrt(2) - 1 this is XLA's own rational approximation (bit-exact with
/// JAX on CPU); elsewhere `ln(u)` of `u = 1 + x` plus the rounding error of `u`.
#[inline(always)]
pub fn log1p_f32(x: f32) -> f32 {
    let small = super::special::log1p_small_f32(x);
    let large = log1p_large(x);
    if x.abs() < std::f32::consts::SQRT_2 - 1.0 {
        small
    } else {
        large
    }
}

/// `ln(u) + (x - (u - 1)) / u` for `u = 1 + x`: [`log_f32`]'s arithmetic cut to what `u` can
/// be (never subnormal: its smallest positive value is 2^-24) and arranged for a shorter
/// dependency chain (the series in `s^2` by Estrin's scheme, the exponent's low part and the
/// rounding correction added off the chain). Both branches of `log1p` run for every element,
/// and the chain's length, not the operation count, bounded the loop: a standalone loop over
/// 1M random f32 went from 1.99 to 1.51 ms on one core (a jitted `log1p(abs(x))`, about 5%),
/// within 1 ulp all the same.
#[inline(always)]
fn log1p_large(x: f32) -> f32 {
    let u = 1.0 + x;
    // `u - 1` is exact for u in [1/2, 2]; beyond, the correction is below an ulp of ln(u).
    let correction = (x - (u - 1.0)) / u;
    // (Negative u wraps here and is replaced by NaN below.)
    let (m, e) = split_sqrt_half(u);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let z2 = z * z;
    const C: [f32; 5] = LOG_SERIES;
    let series = C[0]
        .mul_add(z2, C[1].mul_add(z, C[2]))
        .mul_add(z2, C[3].mul_add(z, C[4]));
    let lnm = ln_from_series(f, s, z * series);
    let y = e.mul_add(LN2_HI, lnm + e.mul_add(LN2_LO, correction));
    // u = inf: inf (not inf + NaN); u = 0 (x = -1): -inf; u < 0: XLA's negative NaN.
    let y = if u == f32::INFINITY { u } else { y };
    let y = if u == 0.0 { f32::NEG_INFINITY } else { y };
    let y = if u < 0.0 { -f32::NAN } else { y };
    if x.is_nan() {
        x
    } else {
        y
    }
}

/// The logistic function `1 / (1 + e^-x)`, computed as `e^x / (1 + e^x)` for negative `x`
/// so that `e^-x` cannot overflow: results down to the subnormal range stay accurate (XLA's
/// `1 / (1 + e^-x)` gives 0 below -88.7, where it also flushes subnormals).
#[inline(always)]
pub fn logistic_f32(x: f32) -> f32 {
    let t = exp_f32(-x.abs());
    let numerator = if x < 0.0 { t } else { 1.0 };
    numerator / (1.0 + t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taylor_coefficients_are_the_rounded_inverse_factorials() {
        let f32s: [f32; 8] = exp_taylor_f32(7);
        let literal = [
            1.0 / 5040.0,
            1.0 / 720.0,
            1.0 / 120.0,
            1.0 / 24.0,
            1.0 / 6.0,
            0.5,
            1.0,
            1.0,
        ];
        assert_eq!(f32s.map(f32::to_bits), literal.map(f32::to_bits));
        let f64s: [f64; 3] = exp_taylor_f64(10);
        assert_eq!(f64s, [1.0 / 3_628_800.0, 1.0 / 362_880.0, 1.0 / 40_320.0]);
    }
}
