//! The 8-bit float element types (`float8_e4m3fn`, `float8_e5m2`, ...) and the 4-bit
//! `float4_e2m1fn`, bit-exact with JAX.
//!
//! Each type is a byte holding one code of its format (`float4_e2m1fn` in the low four bits,
//! as ml_dtypes and XLA store it). Values decode exactly to `f32`.
//! Arithmetic follows XLA's CPU backend, which upcasts every 8-bit float but `float8_e8m0fnu`
//! to `float16` (whose ops it computes in `f32`) and `float8_e8m0fnu` to `f32`: a result is
//! computed in `f32`, rounded to `float16` (except for e8m0) and then to the format, so it can
//! round twice where `astype` from `f32` rounds once. XLA's CPU code also flushes `f32`
//! subnormals to zero, which only `float8_e8m0fnu` can reach (its smallest value `2^-127` is
//! one): in arithmetic that value reads as 0, and a subnormal result becomes 0 (then NaN, as
//! e8m0 has no zero).
//!
//! Encoding follows what JAX's `astype` (XLA's `convert`) gives, which is ml_dtypes' rounding
//! (to nearest, ties to even; overflow to infinity, or to NaN for the formats without one)
//! except in three places where XLA differs and JAX follows XLA:
//!
//! * `float8_e8m0fnu` (a bare exponent) rounds ties up, and its smallest value `2^-127` is an
//!   `f32` subnormal: from `f32` everything in `(0, 2^-127]` becomes `2^-127` and everything
//!   in `(2^-127, 2^-126)` becomes `2^-126`, while from `f64` anything below `2^-127` is NaN.
//! * a `float16`, `bfloat16` or 8-bit float NaN becomes `float8_e5m2`'s all-ones NaN `0x7f`,
//!   sign dropped.
//! * integers convert through `f32` (one extra rounding, visible only for `float8_e8m0fnu`).
//!
//! `float4_e2m1fn` (values 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives) has neither
//! infinity nor NaN: XLA saturates overflow and infinities to ±6 and turns every NaN into `-0`
//! (code `0x8`); its arithmetic rounds through `float16` like the 8-bit formats'.

use super::dtype::DType;
use super::element::{ArrayElement, Element, FloatElement};
use super::storage::Storage;
use std::cmp::Ordering;
use std::num::FpCategory;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

/// How a format spends its top codes on NaN and infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Specials {
    /// IEEE-like: the top exponent holds ±inf (mantissa 0) and NaNs.
    Ieee,
    /// `fn` (finite): no infinity; only the all-ones magnitude `0x7f` is NaN.
    Fn,
    /// `fnuz` (finite, unsigned zero): no infinity, no `-0`; `0x80` is the one NaN.
    Fnuz,
}

/// The layout of a signed 8-bit float format (`float8_e8m0fnu` has its own code paths).
#[derive(Clone, Copy, Debug)]
struct Format {
    /// Mantissa bits; the exponent takes the other `7 - mbits` bits below the sign.
    mbits: u32,
    /// Exponent bias.
    bias: i32,
    specials: Specials,
}

impl Format {
    /// The largest finite magnitude code.
    const fn max_code(self) -> u32 {
        match self.specials {
            Specials::Ieee => self.inf_code() - 1,
            Specials::Fn => 0x7e,
            Specials::Fnuz => 0x7f,
        }
    }

    /// The magnitude code of infinity (meaningful for [`Specials::Ieee`] only).
    const fn inf_code(self) -> u32 {
        0x7f & !((1 << self.mbits) - 1)
    }

    /// The NaN a conversion produces, with the input's sign where the format has one.
    const fn nan_code(self, negative: bool) -> u8 {
        let sign = if negative { 0x80 } else { 0 };
        match self.specials {
            // The quiet NaN: top exponent, top mantissa bit.
            Specials::Ieee => (self.inf_code() | (1 << (self.mbits - 1))) as u8 | sign,
            Specials::Fn => 0x7f | sign,
            Specials::Fnuz => 0x80,
        }
    }

    fn is_nan(self, code: u8) -> bool {
        match self.specials {
            Specials::Ieee => u32::from(code & 0x7f) > self.inf_code(),
            Specials::Fn => code & 0x7f == 0x7f,
            Specials::Fnuz => code == 0x80,
        }
    }

    fn decode(self, code: u8) -> f32 {
        let negative = code & 0x80 != 0;
        if self.is_nan(code) {
            // JAX gives the canonical quiet NaN, negative only for a signed NaN code.
            return if negative && self.specials != Specials::Fnuz {
                -f32::NAN
            } else {
                f32::NAN
            };
        }
        let mag = u32::from(code & 0x7f);
        if self.specials == Specials::Ieee && mag == self.inf_code() {
            return if negative {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            };
        }
        let (e, m) = (mag >> self.mbits, mag & ((1 << self.mbits) - 1));
        let v = if e == 0 {
            m as f32 * pow2_f32(1 - self.bias - self.mbits as i32)
        } else {
            ((1 << self.mbits) + m) as f32 * pow2_f32(e as i32 - self.bias - self.mbits as i32)
        };
        if negative {
            -v
        } else {
            v
        }
    }

    /// Rounds `v` (any `f64`, exact) to the nearest code, ties to even.
    fn encode(self, v: f64) -> u8 {
        let negative = v.is_sign_negative();
        if v.is_nan() {
            return self.nan_code(negative);
        }
        let mag = if v.is_infinite() {
            u32::MAX
        } else {
            let a = v.abs();
            let emin = 1 - self.bias;
            let e = ((a.to_bits() >> 52) as i32 & 0x7ff) - 1023;
            let exp = e.max(emin);
            // Scaling by a power of two is exact, so `q` is the value in units of the last
            // place at `exp`; codes are contiguous, so a carry into the exponent just works.
            let q = a * pow2_f64(self.mbits as i32 - exp);
            ((exp - emin) as u32) * (1 << self.mbits) + q.round_ties_even() as u32
        };
        if mag > self.max_code() {
            return match self.specials {
                Specials::Ieee => self.inf_code() as u8 | if negative { 0x80 } else { 0 },
                _ => self.nan_code(negative),
            };
        }
        match (negative, self.specials) {
            (true, Specials::Fnuz) if mag == 0 => 0,
            (true, _) => mag as u8 | 0x80,
            (false, _) => mag as u8,
        }
    }
}

/// `2^k` for `k` in `f32`'s normal exponent range.
fn pow2_f32(k: i32) -> f32 {
    f32::from_bits(((k + 127) as u32) << 23)
}

/// `2^k` for `k` in `f64`'s normal exponent range.
fn pow2_f64(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `float8_e8m0fnu`'s code for an `f32` (see the module docs for the rounding).
fn e8m0_from_f32(v: f32) -> u8 {
    if v.is_nan() || v.is_infinite() || v <= 0.0 || v.is_sign_negative() {
        return 0xff;
    }
    let bits = v.to_bits();
    let (e, m) = (bits >> 23, bits & 0x7f_ffff);
    if e == 0 {
        return u8::from(m > 1 << 22);
    }
    let code = e + u32::from(m >= 1 << 22);
    if code > 254 {
        0xff
    } else {
        code as u8
    }
}

/// `float8_e8m0fnu`'s code for an `f64` (see the module docs for the rounding).
fn e8m0_from_f64(v: f64) -> u8 {
    if v.is_nan() || v.is_infinite() || v <= 0.0 || v.is_sign_negative() {
        return 0xff;
    }
    let bits = v.to_bits();
    let (e, m) = ((bits >> 52) as i32 - 1023, bits & ((1 << 52) - 1));
    if e < -127 {
        return 0xff;
    }
    if e == -127 {
        return u8::from(m != 0);
    }
    let code = e + 127 + i32::from(m >= 1 << 51);
    if code > 254 {
        0xff
    } else {
        code as u8
    }
}

/// `float8_e8m0fnu`'s value of a code: `2^(code - 127)`, and `0xff` is NaN.
fn e8m0_decode(code: u8) -> f32 {
    match code {
        0xff => f32::NAN,
        // 2^-127 is an f32 subnormal.
        0 => f32::from_bits(1 << 22),
        c => f32::from_bits(u32::from(c) << 23),
    }
}

/// `float4_e2m1fn`'s magnitudes, by the low three bits of a code.
const E2M1_VALUES: [f32; 8] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0];

/// `float4_e2m1fn`'s value of a code (bit 3 is the sign; higher bits are ignored).
fn e2m1_decode(code: u8) -> f32 {
    let v = E2M1_VALUES[usize::from(code & 0x7)];
    if code & 0x8 != 0 {
        -v
    } else {
        v
    }
}

/// `float4_e2m1fn`'s code for `v` (any `f64`, exact): to nearest, ties to even, saturating at
/// ±6; NaN is `-0` (`0x8`), as XLA converts it.
fn e2m1_from_f64(v: f64) -> u8 {
    if v.is_nan() {
        return 0x8;
    }
    let sign = if v.is_sign_negative() { 0x8 } else { 0 };
    let a = v.abs();
    // Every code's magnitude is an integer number of halves up to 2, of ones up to 4 and of
    // twos up to 6; the midpoints go to the code with an even (zero) mantissa bit.
    let mag = match a {
        a if a <= 0.25 => 0,
        a if a < 0.75 => 1,
        a if a <= 1.25 => 2,
        a if a < 1.75 => 3,
        a if a <= 2.5 => 4,
        a if a < 3.5 => 5,
        a if a <= 5.0 => 6,
        _ => 7,
    };
    mag | sign
}

/// Declares one 8-bit float type with its arithmetic (through `f32`) and element traits.
macro_rules! float8_type {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $format:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default)]
        #[repr(transparent)]
        pub struct $name(u8);

        impl $name {
            /// The element with this bit pattern.
            pub const fn from_bits(bits: u8) -> Self {
                $name(bits)
            }

            /// The bit pattern.
            pub const fn to_bits(self) -> u8 {
                self.0
            }

            /// The value, exactly.
            pub fn to_f32(self) -> f32 {
                $format.decode(self.0)
            }

            /// Rounds an `f32` to this format as JAX's `astype` does.
            pub fn from_f32(v: f32) -> Self {
                <Self as ArrayElement>::from_f32_of(v, DType::F32)
            }

            /// Rounds the `f32` result of an operation as XLA does for this format (see the
            /// module docs): the rounding of every arithmetic operator and math function.
            fn computed(v: f32) -> Self {
                $name($format.encode_computed(v))
            }

            /// The operand an operation computes with (the value, subnormals flushed).
            fn operand(self) -> f32 {
                $format.decode_computed(self.0)
            }
        }

        impl ArrayElement for $name {
            const DTYPE: DType = DType::$variant;
            fn zero() -> Self {
                Self::from_f32(0.0)
            }
            fn one() -> Self {
                Self::from_f32(1.0)
            }
            fn to_f64(self) -> f64 {
                f64::from(self.to_f32())
            }
            fn to_i64(self) -> i64 {
                self.to_f32() as i64
            }
            fn from_f64(v: f64) -> Self {
                $name($format.encode_f64(v))
            }
            fn from_i64(v: i64) -> Self {
                // XLA converts integers to 8-bit floats through f32.
                Self::from_f32_of(v as f32, DType::I64)
            }
            fn from_u64(v: u64) -> Self {
                Self::from_f32_of(v as f32, DType::U64)
            }
            fn from_f32_of(v: f32, src: DType) -> Self {
                $name($format.encode_f32(v, src))
            }
            fn slice(storage: &Storage) -> Option<&[Self]> {
                match storage {
                    Storage::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn into_storage(v: Vec<Self>) -> Storage {
                Storage::$variant(v)
            }
        }

        impl Element for $name {}

        impl FloatElement for $name {
            /// The kernels' operand (see the module docs on subnormals).
            fn to_f32(self) -> f32 {
                self.operand()
            }
            /// The kernels' rounding of a result computed in `f32` (through `float16`).
            fn from_f32(v: f32) -> Self {
                $name::computed(v)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.to_f32() == other.to_f32()
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                self.to_f32().partial_cmp(&other.to_f32())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.to_f32(), f)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.to_f32(), f)
            }
        }

        impl From<$name> for f32 {
            fn from(v: $name) -> f32 {
                v.to_f32()
            }
        }

        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                f64::from(v.to_f32())
            }
        }

        float8_binops!($name: Add add, Sub sub, Mul mul, Div div, Rem rem);

        impl Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self::computed(-self.operand())
            }
        }

        impl num_traits::Zero for $name {
            fn zero() -> Self {
                <Self as ArrayElement>::zero()
            }
            fn is_zero(&self) -> bool {
                self.to_f32() == 0.0
            }
        }

        impl num_traits::One for $name {
            fn one() -> Self {
                <Self as ArrayElement>::one()
            }
        }

        impl num_traits::Num for $name {
            type FromStrRadixErr = <f32 as num_traits::Num>::FromStrRadixErr;
            fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
                <f32 as num_traits::Num>::from_str_radix(s, radix).map(Self::from_f32)
            }
        }

        impl num_traits::ToPrimitive for $name {
            fn to_i64(&self) -> Option<i64> {
                num_traits::ToPrimitive::to_i64(&$name::to_f32(*self))
            }
            fn to_u64(&self) -> Option<u64> {
                num_traits::ToPrimitive::to_u64(&$name::to_f32(*self))
            }
            fn to_f32(&self) -> Option<f32> {
                Some($name::to_f32(*self))
            }
            fn to_f64(&self) -> Option<f64> {
                Some(f64::from($name::to_f32(*self)))
            }
        }

        impl num_traits::NumCast for $name {
            fn from<T: num_traits::ToPrimitive>(n: T) -> Option<Self> {
                n.to_f64().map(<Self as ArrayElement>::from_f64)
            }
        }

        impl num_traits::Float for $name {
            fn nan() -> Self {
                Self::from_f32(f32::NAN)
            }
            /// Infinity where the format has one, else the largest finite value: the identity
            /// JAX uses for `min` reductions over such a dtype.
            fn infinity() -> Self {
                $format.infinity(false)
            }
            /// Negative infinity where the format has one, else the lowest finite value: the
            /// identity JAX uses for `max` reductions over such a dtype.
            fn neg_infinity() -> Self {
                $format.infinity(true)
            }
            fn neg_zero() -> Self {
                Self::from_f32(-0.0)
            }
            fn min_value() -> Self {
                $format.min_value()
            }
            fn min_positive_value() -> Self {
                $format.smallest_normal()
            }
            fn epsilon() -> Self {
                $format.epsilon()
            }
            fn max_value() -> Self {
                $format.max_value()
            }
            fn is_nan(self) -> bool {
                self.to_f32().is_nan()
            }
            fn is_infinite(self) -> bool {
                self.to_f32().is_infinite()
            }
            fn is_finite(self) -> bool {
                self.to_f32().is_finite()
            }
            fn is_normal(self) -> bool {
                self.classify() == FpCategory::Normal
            }
            fn classify(self) -> FpCategory {
                let v = self.to_f32();
                let tiny = $format.smallest_normal::<Self>().to_f32();
                match v.classify() {
                    FpCategory::Normal if v.abs() < tiny => FpCategory::Subnormal,
                    c => c,
                }
            }
            fn is_sign_positive(self) -> bool {
                self.to_f32().is_sign_positive()
            }
            fn is_sign_negative(self) -> bool {
                self.to_f32().is_sign_negative()
            }
            fn mul_add(self, a: Self, b: Self) -> Self {
                Self::computed(self.operand().mul_add(a.operand(), b.operand()))
            }
            fn powi(self, n: i32) -> Self {
                Self::computed(self.operand().powi(n))
            }
            fn integer_decode(self) -> (u64, i16, i8) {
                num_traits::Float::integer_decode(self.to_f32())
            }
            float8_unary!(
                floor, ceil, round, trunc, fract, abs, signum, recip, sqrt, exp, exp2, ln,
                log2, log10, cbrt, sin, cos, tan, asin, acos, atan, exp_m1, ln_1p, sinh, cosh,
                tanh, asinh, acosh, atanh
            );
            float8_binary!(powf, log, max, min, hypot, atan2);
            #[allow(deprecated)]
            fn abs_sub(self, other: Self) -> Self {
                Self::computed(num_traits::Float::abs_sub(self.operand(), other.operand()))
            }
            fn sin_cos(self) -> (Self, Self) {
                let (s, c) = self.operand().sin_cos();
                (Self::computed(s), Self::computed(c))
            }
        }
    };
}

/// Arithmetic operators: both sides to `f32`, the result rounded as XLA does.
macro_rules! float8_binops {
    ($name:ident: $($trait:ident $method:ident),*) => {
        $(impl $trait for $name {
            type Output = Self;
            fn $method(self, rhs: Self) -> Self {
                Self::computed(self.operand().$method(rhs.operand()))
            }
        })*
    };
}

/// `num_traits::Float` methods of one argument, through `f32`.
macro_rules! float8_unary {
    ($($method:ident),*) => {
        $(fn $method(self) -> Self {
            Self::computed(self.operand().$method())
        })*
    };
}

/// `num_traits::Float` methods of two arguments, through `f32`.
macro_rules! float8_binary {
    ($($method:ident),*) => {
        $(fn $method(self, other: Self) -> Self {
            Self::computed(self.operand().$method(other.operand()))
        })*
    };
}

/// A format's conversions and limits, shared by the signed 8-bit formats, `float8_e8m0fnu` and
/// `float4_e2m1fn`.
#[derive(Clone, Copy, Debug)]
enum Layout {
    Signed(Format),
    E8M0,
    E2M1,
}

impl Layout {
    fn decode(self, code: u8) -> f32 {
        match self {
            Layout::Signed(f) => f.decode(code),
            Layout::E8M0 => e8m0_decode(code),
            Layout::E2M1 => e2m1_decode(code),
        }
    }

    fn encode_f64(self, v: f64) -> u8 {
        match self {
            Layout::Signed(f) => f.encode(v),
            Layout::E8M0 => e8m0_from_f64(v),
            Layout::E2M1 => e2m1_from_f64(v),
        }
    }

    /// The code for `v`, an exact `f32` image of a value of dtype `src`.
    fn encode_f32(self, v: f32, src: DType) -> u8 {
        match self {
            Layout::E8M0 => e8m0_from_f32(v),
            Layout::E2M1 => e2m1_from_f64(f64::from(v)),
            // XLA narrows float16 (and bfloat16 and the 8-bit floats, which it widens to
            // float16 first) to e5m2 by truncating the bits; a NaN keeps the all-ones mantissa.
            Layout::Signed(f)
                if f.mbits == 2
                    && f.specials == Specials::Ieee
                    && (matches!(src, DType::F16 | DType::BF16) || src.is_float8())
                    && v.is_nan() =>
            {
                0x7f
            }
            Layout::Signed(f) => f.encode(f64::from(v)),
        }
    }

    /// The code for `v`, the `f32` result of an operation on this format's values: rounded
    /// through `float16` as XLA computes these formats (`float8_e8m0fnu` in `f32` directly).
    fn encode_computed(self, v: f32) -> u8 {
        match self {
            Layout::E8M0 if v.is_subnormal() => 0xff,
            Layout::E8M0 => e8m0_from_f32(v),
            Layout::Signed(_) | Layout::E2M1 => {
                self.encode_f32(half::f16::from_f32(v).to_f32(), DType::F16)
            }
        }
    }

    /// The `f32` an operation sees for `code`: the value, or 0 for an `f32` subnormal (see
    /// [`Layout::encode_computed`]).
    fn decode_computed(self, code: u8) -> f32 {
        let v = self.decode(code);
        if v.is_subnormal() {
            0.0
        } else {
            v
        }
    }

    fn value_of_code<T: ArrayElement>(self, code: u8) -> T {
        T::from_f32_of(self.decode(code), DType::F32)
    }

    fn infinity<T: ArrayElement>(self, negative: bool) -> T {
        match self {
            Layout::Signed(f) if f.specials == Specials::Ieee => {
                self.value_of_code(f.inf_code() as u8 | if negative { 0x80 } else { 0 })
            }
            Layout::Signed(f) => {
                self.value_of_code(f.max_code() as u8 | if negative { 0x80 } else { 0 })
            }
            Layout::E8M0 if negative => self.value_of_code(0),
            Layout::E8M0 => self.value_of_code(0xfe),
            Layout::E2M1 => self.value_of_code(if negative { 0xf } else { 0x7 }),
        }
    }

    fn max_value<T: ArrayElement>(self) -> T {
        match self {
            Layout::Signed(f) => self.value_of_code(f.max_code() as u8),
            Layout::E8M0 => self.value_of_code(0xfe),
            Layout::E2M1 => self.value_of_code(0x7),
        }
    }

    fn min_value<T: ArrayElement>(self) -> T {
        match self {
            Layout::Signed(f) => self.value_of_code(f.max_code() as u8 | 0x80),
            Layout::E8M0 => self.value_of_code(0),
            Layout::E2M1 => self.value_of_code(0xf),
        }
    }

    fn smallest_normal<T: ArrayElement>(self) -> T {
        match self {
            Layout::Signed(f) => self.value_of_code(1 << f.mbits),
            Layout::E8M0 => self.value_of_code(0),
            Layout::E2M1 => self.value_of_code(0x2),
        }
    }

    fn epsilon<T: ArrayElement>(self) -> T {
        match self {
            Layout::Signed(f) => T::from_f32_of(pow2_f32(-(f.mbits as i32)), DType::F32),
            Layout::E8M0 => T::one(),
            Layout::E2M1 => T::from_f32_of(0.5, DType::F32),
        }
    }
}

const E3M4: Layout = Layout::Signed(Format {
    mbits: 4,
    bias: 3,
    specials: Specials::Ieee,
});
const E4M3: Layout = Layout::Signed(Format {
    mbits: 3,
    bias: 7,
    specials: Specials::Ieee,
});
const E4M3B11FNUZ: Layout = Layout::Signed(Format {
    mbits: 3,
    bias: 11,
    specials: Specials::Fnuz,
});
const E4M3FN: Layout = Layout::Signed(Format {
    mbits: 3,
    bias: 7,
    specials: Specials::Fn,
});
const E4M3FNUZ: Layout = Layout::Signed(Format {
    mbits: 3,
    bias: 8,
    specials: Specials::Fnuz,
});
const E5M2: Layout = Layout::Signed(Format {
    mbits: 2,
    bias: 15,
    specials: Specials::Ieee,
});
const E5M2FNUZ: Layout = Layout::Signed(Format {
    mbits: 2,
    bias: 16,
    specials: Specials::Fnuz,
});

float8_type!(
    /// `float8_e3m4`: 3 exponent bits (bias 3), 4 mantissa bits, IEEE infinities and NaNs.
    Float8E3M4,
    F8E3M4,
    E3M4
);
float8_type!(
    /// `float8_e4m3`: 4 exponent bits (bias 7), 3 mantissa bits, IEEE infinities and NaNs.
    Float8E4M3,
    F8E4M3,
    E4M3
);
float8_type!(
    /// `float8_e4m3b11fnuz`: 4 exponent bits (bias 11), 3 mantissa bits, no infinity, no
    /// negative zero, `0x80` is NaN.
    Float8E4M3B11Fnuz,
    F8E4M3B11Fnuz,
    E4M3B11FNUZ
);
float8_type!(
    /// `float8_e4m3fn`: 4 exponent bits (bias 7), 3 mantissa bits, no infinity, NaN is
    /// `0x7f`/`0xff` (safetensors' `F8_E4M3`).
    Float8E4M3Fn,
    F8E4M3Fn,
    E4M3FN
);
float8_type!(
    /// `float8_e4m3fnuz`: 4 exponent bits (bias 8), 3 mantissa bits, no infinity, no negative
    /// zero, `0x80` is NaN.
    Float8E4M3Fnuz,
    F8E4M3Fnuz,
    E4M3FNUZ
);
float8_type!(
    /// `float8_e5m2`: 5 exponent bits (bias 15), 2 mantissa bits, IEEE infinities and NaNs
    /// (the top byte of a `float16`; safetensors' `F8_E5M2`).
    Float8E5M2,
    F8E5M2,
    E5M2
);
float8_type!(
    /// `float8_e5m2fnuz`: 5 exponent bits (bias 16), 2 mantissa bits, no infinity, no
    /// negative zero, `0x80` is NaN.
    Float8E5M2Fnuz,
    F8E5M2Fnuz,
    E5M2FNUZ
);
float8_type!(
    /// `float8_e8m0fnu`: an unsigned power of two `2^(code - 127)`; no zero, no sign, no
    /// infinity, `0xff` is NaN (the OCP MX scale format).
    Float8E8M0Fnu,
    F8E8M0Fnu,
    Layout::E8M0
);

float8_type!(
    /// `float4_e2m1fn`: 2 exponent bits (bias 1), 1 mantissa bit, no infinity and no NaN (the
    /// OCP MX element format); one value per byte, in its low four bits.
    Float4E2M1Fn,
    F4E2M1Fn,
    Layout::E2M1
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_f64() {
        fn check<T: ArrayElement>(bits: fn(T) -> u8, from: fn(u8) -> T) {
            for code in 0..=255u8 {
                let v = from(code).to_f64();
                let back = bits(T::from_f64(v));
                if v.is_nan() {
                    assert!(
                        from(back).to_f64().is_nan(),
                        "{:?} code {code:#x}",
                        T::DTYPE
                    );
                } else if v == 0.0 {
                    assert_eq!(from(back).to_f64(), 0.0, "{:?} code {code:#x}", T::DTYPE);
                } else {
                    assert_eq!(back, code, "{:?} code {code:#x}", T::DTYPE);
                }
            }
        }
        check(Float8E3M4::to_bits, Float8E3M4::from_bits);
        check(Float8E4M3::to_bits, Float8E4M3::from_bits);
        check(Float8E4M3B11Fnuz::to_bits, Float8E4M3B11Fnuz::from_bits);
        check(Float8E4M3Fn::to_bits, Float8E4M3Fn::from_bits);
        check(Float8E4M3Fnuz::to_bits, Float8E4M3Fnuz::from_bits);
        check(Float8E5M2::to_bits, Float8E5M2::from_bits);
        check(Float8E5M2Fnuz::to_bits, Float8E5M2Fnuz::from_bits);
        check(Float8E8M0Fnu::to_bits, Float8E8M0Fnu::from_bits);
    }

    #[test]
    fn arithmetic_rounds_through_float16_and_flushes_e8m0_subnormals() {
        // 1 + 2^-4 + 2^-12 is above the e4m3fn midpoint 1.0625, so `astype` rounds it up to
        // 1.125; float16 rounds it down to the midpoint, which then ties to even (1.0): XLA's
        // double rounding in arithmetic.
        let v = 1.0 + 2f32.powi(-4) + 2f32.powi(-12);
        assert_eq!(<Float8E4M3Fn as FloatElement>::from_f32(v).to_bits(), 0x38);
        assert_eq!(Float8E4M3Fn::from_f32(v).to_bits(), 0x39);
        let smallest = Float8E8M0Fnu::from_bits(0);
        assert_eq!(smallest.to_f32(), 2f32.powi(-127));
        assert_eq!((smallest * Float8E8M0Fnu::one()).to_bits(), 0xff);
    }

    #[test]
    fn float4_codes_round_trip_and_conversions_saturate_as_xla() {
        for code in 0..16u8 {
            let v = Float4E2M1Fn::from_bits(code).to_f64();
            assert_eq!(Float4E2M1Fn::from_f64(v).to_bits(), code, "code {code:#x}");
        }
        let enc = |v: f32| Float4E2M1Fn::from_f32(v).to_bits();
        // Ties go to the even code: 0.25 -> 0, 0.75 -> 1, 1.25 -> 1, 5 -> 4.
        assert_eq!(
            [enc(0.25), enc(0.75), enc(1.25), enc(5.0)],
            [0x0, 0x2, 0x2, 0x6]
        );
        // No infinity: overflow and infinities saturate at ±6.
        assert_eq!(
            [enc(7.0), enc(f32::INFINITY), enc(f32::NEG_INFINITY)],
            [0x7, 0x7, 0xf]
        );
        // No NaN: XLA converts every NaN to -0.
        assert_eq!([enc(f32::NAN), enc(-f32::NAN)], [0x8, 0x8]);
        // Arithmetic saturates too.
        let six = Float4E2M1Fn::from_f32(6.0);
        assert_eq!((six + six).to_f32(), 6.0);
    }

    #[test]
    fn limits_match_jax_finfo() {
        use num_traits::Float;
        assert_eq!(Float8E4M3Fn::max_value().to_f32(), 448.0);
        assert_eq!(Float8E4M3Fn::epsilon().to_f32(), 0.125);
        assert_eq!(Float8E5M2::max_value().to_f32(), 57344.0);
        assert_eq!(Float8E4M3Fnuz::max_value().to_f32(), 240.0);
        assert_eq!(Float8E4M3B11Fnuz::max_value().to_f32(), 30.0);
        assert_eq!(Float8E3M4::max_value().to_f32(), 15.5);
        // 448 and 480 tie to the even code 448; 480 itself overflows to NaN.
        assert_eq!(Float8E4M3Fn::from_f32(464.0).to_bits(), 0x7e);
        assert_eq!(Float8E4M3Fn::from_f32(480.0).to_bits(), 0x7f);
        assert_eq!(Float8E4M3Fn::from_f32(f32::NEG_INFINITY).to_bits(), 0xff);
        assert_eq!(Float8E4M3Fnuz::from_f32(-0.0).to_bits(), 0);
        assert_eq!(Float8E8M0Fnu::from_f32(3.0).to_bits(), 129);
        assert_eq!(Float8E8M0Fnu::from_f32(0.0).to_bits(), 0xff);
        assert_eq!(Float4E2M1Fn::max_value().to_f32(), 6.0);
        assert_eq!(Float4E2M1Fn::epsilon().to_f32(), 0.5);
        assert_eq!(Float4E2M1Fn::min_positive_value().to_f32(), 1.0);
    }
}
