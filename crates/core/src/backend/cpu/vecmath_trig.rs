//! float32 `sin`, `cos` and `tan` written to vectorise (see [`super::vecmath`] for the
//! approach): the argument is reduced modulo π/2 and the polynomials evaluated in f64, which
//! leaves an error near 2^-36 before the one rounding to f32, so results are within 1 ulp of the
//! correctly rounded ones (almost always equal to them).
//!
//! The reduction is Cody and Waite's in two steps with a 25-bit `π/2`, exact while the quotient
//! has at most 28 bits, i.e. for |x| < 2^28 π/2 (musl's bound for the same scheme). Inputs at or
//! beyond [`TRIG_REDUCTION_LIMIT`] need more digits of π than that; the elementwise loops
//! recompute those few elements with libm's `sinf`/`cosf`/`tanf` (a Payne–Hanek reduction)
//! after the vectorised pass, see [`crate::backend::cpu::elementwise::Sink::map_patched`].
//!
//! No fused multiply-adds are used: the f64 arithmetic has margin enough without them, and
//! plain operations round identically on every SIMD level, so all levels give the same bits.

/// `2/π` rounded to f64.
const FRAC_2_PI: f64 = std::f64::consts::FRAC_2_PI;
/// `π/2` rounded to 25 significant bits, so that `k * PIO2_HI` is exact for |k| <= 2^28.
const PIO2_HI: f64 = 1.570_796_310_901_641_8;
/// `π/2 - PIO2_HI` rounded to f64.
const PIO2_LO: f64 = 1.589_325_477_352_819_6e-8;
/// Adding and subtracting 1.5 * 2^52 rounds an f64 of magnitude < 2^51 to the nearest integer,
/// and leaves that integer (mod 2^51) in the low mantissa bits of the sum.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// The magnitude from which the vectorised reduction is not exact: 2^28 π/2 rounded up to f32.
/// `|x|` at or above it (and infinities) go to libm; NaN stays in the vectorised pass.
pub const TRIG_REDUCTION_LIMIT: f32 = 421_657_440.0;

/// Whether `x` is one of the rare arguments the vectorised functions leave to libm.
#[inline(always)]
pub fn trig_needs_libm(x: f32) -> bool {
    x.abs() >= TRIG_REDUCTION_LIMIT
}

/// `x = k π/2 + r`: returns `r` (|r| <= π/4 plus rounding) and `k mod 4`.
#[inline(always)]
fn reduce_pio2(x: f32) -> (f64, u64) {
    let x = f64::from(x);
    let shifted = x * FRAC_2_PI + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    // k * PIO2_HI is exact, and x - k * PIO2_HI exact (the two are within a factor of 2 of
    // each other or k is 0); only the small second step rounds.
    let r = (x - k * PIO2_HI) - k * PIO2_LO;
    (r, shifted.to_bits() & 3)
}

/// `sin r` for |r| <= π/4 (Taylor to r^11: the next term is below 2^-36 relative).
#[inline(always)]
fn sin_reduced(r: f64) -> f64 {
    const C: [f64; 5] = [
        -1.0 / 39_916_800.0,
        1.0 / 362_880.0,
        -1.0 / 5040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
    ];
    let z = r * r;
    let p = C[1..].iter().fold(C[0], |p, &c| p * z + c);
    // A product rather than `r + r z p`, so that sin(-0) keeps its sign (-0 + 0 is +0); in
    // f64 the rounding of `1 + z p` is far below what the f32 result can see.
    r * (1.0 + z * p)
}

/// `cos r` for |r| <= π/4 (Taylor to r^12: the next term is below 2^-41).
#[inline(always)]
fn cos_reduced(r: f64) -> f64 {
    const C: [f64; 6] = [
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
        -0.5,
    ];
    let z = r * r;
    let p = C[1..].iter().fold(C[0], |p, &c| p * z + c);
    1.0 + z * p
}

/// `sin(k π/2 + r)` from `sin r` and `cos r`: quadrant `q` rotates by `q` quarter turns.
#[inline(always)]
fn rotate(s: f64, c: f64, q: u64) -> f64 {
    let v = if q & 1 == 0 { s } else { c };
    if q & 2 == 0 {
        v
    } else {
        -v
    }
}

/// `sin x` for |x| < [`TRIG_REDUCTION_LIMIT`] (NaN for NaN).
#[inline(always)]
pub fn sin_f32(x: f32) -> f32 {
    let (r, q) = reduce_pio2(x);
    rotate(sin_reduced(r), cos_reduced(r), q) as f32
}

/// `cos x` for |x| < [`TRIG_REDUCTION_LIMIT`] (NaN for NaN).
#[inline(always)]
pub fn cos_f32(x: f32) -> f32 {
    let (r, q) = reduce_pio2(x);
    // cos x = sin(x + π/2): one more quarter turn.
    rotate(sin_reduced(r), cos_reduced(r), q.wrapping_add(1)) as f32
}

/// `tan x` for |x| < [`TRIG_REDUCTION_LIMIT`] (NaN for NaN): `sin r / cos r` in even
/// quadrants, `-cos r / sin r` in odd ones, each quotient accurate to f64 rounding. (`r` is 0
/// only for x = 0, in quadrant 0, so the odd quotient never divides by zero.)
#[inline(always)]
pub fn tan_f32(x: f32) -> f32 {
    let (r, q) = reduce_pio2(x);
    let (s, c) = (sin_reduced(r), cos_reduced(r));
    let t = if q & 1 == 0 { s / c } else { -c / s };
    t as f32
}
