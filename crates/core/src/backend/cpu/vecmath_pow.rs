//! float32 `pow` written to vectorise (see [`super::vecmath`] for the approach):
//! `|x|^y = 2^(y log2 |x|)` with the logarithm, the product and the power of two carried in
//! f64. `log2 |x|` is accurate to about 2^-50 relative and `2^t` to 2^-42, so the f64 result is
//! within ~2^-40 of the true power before its one rounding to f32 (which also rounds results
//! in the subnormal range once, and overflows to inf where the true result does): within 1 ulp
//! of the correctly rounded power, almost always equal to it.
//!
//! Signs and the special cases follow C's `powf` (IEEE 754 `pow`), applied with selects.
//! No fused multiply-adds are used, so every SIMD level gives the same bits.

/// The bits of `sqrt(1/2)` as f32: mantissas are taken in `[sqrt(1/2), sqrt(2))`.
const SQRT_HALF_BITS: i32 = 0x3f35_04f3;
/// Adding and subtracting 1.5 * 2^52 rounds an f64 of magnitude < 2^51 to the nearest integer,
/// and leaves that integer (mod 2^51) in the low mantissa bits of the sum.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// `log2 a` for a finite positive f32 `a` (subnormals included), in f64.
#[inline(always)]
fn log2_wide(a: f32) -> f64 {
    // m * 2^e with m in [sqrt(1/2), sqrt(2)), from the f32 bits as in `vecmath::log_f32`
    // (i32 arithmetic and an i32 to f32 conversion vectorise on every level).
    let subnormal = a < f32::MIN_POSITIVE;
    let scaled = if subnormal { a * 8_388_608.0 } else { a };
    let shifted = (scaled.to_bits() as i32).wrapping_sub(SQRT_HALF_BITS);
    let e = (shifted >> 23) as f32 - if subnormal { 23.0 } else { 0.0 };
    let m = f64::from(f32::from_bits(
        ((shifted & 0x007f_ffff) + SQRT_HALF_BITS) as u32,
    ));
    // ln m = 2 atanh s with s = (m - 1) / (m + 1), |s| <= 0.1716: the series to s^17 (the
    // next term is below 2^-50 relative).
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    const C: [f64; 9] = [
        1.0 / 17.0,
        1.0 / 15.0,
        1.0 / 13.0,
        1.0 / 11.0,
        1.0 / 9.0,
        1.0 / 7.0,
        1.0 / 5.0,
        1.0 / 3.0,
        1.0,
    ];
    let series = C[1..].iter().fold(C[0], |p, &c| p * z + c);
    let ln_m = 2.0 * s * series;
    f64::from(e) + ln_m * std::f64::consts::LOG2_E
}

/// `2^t` in f64 for any `t` (NaN stays NaN); `t` beyond the f32 range is clamped to a value
/// whose power still overflows or underflows f32.
#[inline(always)]
fn exp2_wide(t: f64) -> f64 {
    let t = t.clamp(-160.0, 130.0);
    let shifted = t + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    // |r| <= 1/2 exactly; e^u for u = r ln 2 (|u| <= 0.347) by Taylor to u^10 (the next term
    // is below 2^-42 relative).
    let u = (t - k) * std::f64::consts::LN_2;
    const C: [f64; 11] = super::vecmath::exp_taylor_f64(10);
    let p = C[1..].iter().fold(C[0], |p, &c| p * u + c);
    // 2^k from k's bits in the low mantissa of `shifted` (|k| <= 160: a normal f64).
    let k_bits = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits());
    let scale = f64::from_bits(k_bits.wrapping_add(1023) << 52);
    p * scale
}

/// `x^y` with C's `powf` semantics: `pow(x, ±0) = 1` and `pow(1, y) = 1` even for NaN,
/// `pow(-1, ±inf) = 1`, a negative finite `x` with a non-integer `y` gives NaN, and an odd
/// integer `y` keeps the sign of `x` (so `pow(-0, -3) = -inf`).
#[inline(always)]
pub fn pow_f32(x: f32, y: f32) -> f32 {
    let a = x.abs();
    let l = log2_wide(a);
    // The bit arithmetic above does not see zeros and infinities; their logarithms are exact.
    let l = if a == 0.0 { f64::NEG_INFINITY } else { l };
    let l = if a == f32::INFINITY { f64::INFINITY } else { l };
    let magnitude = exp2_wide(f64::from(y) * l) as f32;

    // Integers include the infinities (they count as even); every f32 of magnitude >= 2^24 is
    // an even integer, for which `y / 2` is integral too.
    let integral = y.trunc() == y;
    let half = y * 0.5;
    let odd = integral && half.trunc() != half;
    let r = if x.is_sign_negative() && odd {
        -magnitude
    } else {
        magnitude
    };
    // A negative base to a fractional power: x86's default NaN (negative), as XLA gives.
    let r = if x < 0.0 && x.is_finite() && !integral {
        -f32::NAN
    } else {
        r
    };
    // NaN operands: the bit arithmetic above would give a number for a NaN x.
    let r = if x.is_nan() || y.is_nan() { x + y } else { r };
    // |x| = 1 with y = ±inf is 0 * inf above; x = 0 or inf with y = 0 likewise.
    let r = if a == 1.0 && y.is_infinite() { 1.0 } else { r };
    if y == 0.0 || x == 1.0 {
        1.0
    } else {
        r
    }
}
