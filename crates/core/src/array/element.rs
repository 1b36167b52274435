//! The Rust element types that back each [`DType`], and conversions between them.

use super::dtype::DType;
use super::storage::Storage;
use half::{bf16, f16};
use num_complex::{Complex32, Complex64};

/// A Rust type that can be stored in an [`Array`](crate::Array): every dtype's element type,
/// complex ones included.
///
/// Implemented for `bool`, `u8`, `u16`, `u32`, `u64`, `i8`, `i16`, `i32`, `i64`, `half::f16`,
/// `half::bf16`, the 8-bit floats ([`Float8E4M3Fn`](crate::Float8E4M3Fn), ...), `f32`, `f64`,
/// [`Complex32`](crate::Complex32) (`complex64`) and [`Complex64`](crate::Complex64)
/// (`complex128`). Complex numbers have no order, so the ordered real types implement
/// [`Element`] on top of this trait; kernels that compare take `Element`.
pub trait ArrayElement: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    /// The dtype this Rust type stores.
    const DTYPE: DType;
    /// The additive identity.
    fn zero() -> Self;
    /// The multiplicative identity.
    fn one() -> Self;
    /// The value as `f64` (`true` is 1; a complex value gives its real part, as XLA's
    /// `convert` does).
    fn to_f64(self) -> f64;
    /// The value as `i64`; floats truncate toward zero and saturate, NaN gives 0 (complex:
    /// the real part's). A `u64` above `i64::MAX` wraps, so `to_i64() as u64` is its bits.
    fn to_i64(self) -> i64;
    /// Converts from `f64` with the semantics of XLA's `convert`: rounding to nearest for
    /// floats; truncation toward zero with saturation for integers (NaN gives 0); `x != 0`
    /// for `bool`; imaginary part 0 for complex.
    fn from_f64(v: f64) -> Self;
    /// Converts from `i64`: integers wrap (two's complement), floats round to nearest (once),
    /// complex values get imaginary part 0.
    fn from_i64(v: i64) -> Self;
    /// Converts from `u64` like [`ArrayElement::from_i64`]; separate because a `uint64` above
    /// `i64::MAX` must become a large positive float, not a negative one.
    fn from_u64(v: u64) -> Self;
    /// Converts from `v`, the exact `f32` image of a value of dtype `src` (an integer already
    /// rounded to `f32`). Only the 8-bit floats depend on `src` (XLA narrows to them with
    /// rules that depend on the source width); every other type converts `v` like
    /// [`ArrayElement::from_f64`].
    fn from_f32_of(v: f32, src: DType) -> Self {
        let _ = src;
        Self::from_f64(f64::from(v))
    }
    /// The value as a `complex128` (real values get imaginary part 0).
    fn to_c128(self) -> Complex64 {
        Complex64::new(self.to_f64(), 0.0)
    }
    /// Converts from a `complex128`: complex types round each part, real types take the real
    /// part (as `convert_element_type` does).
    fn from_c128(v: Complex64) -> Self {
        Self::from_f64(v.re)
    }
    /// Borrows the elements of a storage of this type, `None` for another dtype.
    fn slice(storage: &Storage) -> Option<&[Self]>;
    /// Wraps a vector into a storage.
    fn into_storage(v: Vec<Self>) -> Storage;
}

/// A real, ordered element type: every [`ArrayElement`] except the complex ones.
///
/// Kernels that compare elements (max, sort, clamp, ...) are generic over this trait.
pub trait Element: ArrayElement + PartialOrd {}

macro_rules! storage_access {
    ($t:ty, $variant:ident) => {
        fn slice(storage: &Storage) -> Option<&[Self]> {
            match storage {
                Storage::$variant(v) => Some(v),
                _ => None,
            }
        }
        fn into_storage(v: Vec<Self>) -> Storage {
            Storage::$variant(v)
        }
    };
}

macro_rules! impl_int_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {}
        impl ArrayElement for $t {
            const DTYPE: DType = DType::$variant;
            fn zero() -> Self {
                0
            }
            fn one() -> Self {
                1
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn from_u64(v: u64) -> Self {
                v as $t
            }
            storage_access!($t, $variant);
        }
    };
}

impl_int_element!(u8, U8);
impl_int_element!(u16, U16);
impl_int_element!(u32, U32);
impl_int_element!(u64, U64);
impl_int_element!(i8, I8);
impl_int_element!(i16, I16);
impl_int_element!(i32, I32);
impl_int_element!(i64, I64);

macro_rules! impl_float_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {}
        impl ArrayElement for $t {
            const DTYPE: DType = DType::$variant;
            fn zero() -> Self {
                0.0
            }
            fn one() -> Self {
                1.0
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn from_u64(v: u64) -> Self {
                v as $t
            }
            storage_access!($t, $variant);
        }
    };
}

impl_float_element!(f32, F32);
impl_float_element!(f64, F64);

macro_rules! impl_half_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {}
        impl ArrayElement for $t {
            const DTYPE: DType = DType::$variant;
            fn zero() -> Self {
                <$t>::ZERO
            }
            fn one() -> Self {
                <$t>::ONE
            }
            fn to_f64(self) -> f64 {
                self.to_f64()
            }
            fn to_i64(self) -> i64 {
                self.to_f32() as i64
            }
            fn from_f64(v: f64) -> Self {
                <$t>::from_f64(v)
            }
            fn from_i64(v: i64) -> Self {
                <$t>::from_f64(v as f64)
            }
            fn from_u64(v: u64) -> Self {
                // Through f32, as XLA converts integers to half precision.
                <$t>::from_f32(v as f32)
            }
            storage_access!($t, $variant);
        }
    };
}

impl_half_element!(f16, F16);
impl_half_element!(bf16, BF16);

impl ArrayElement for bool {
    const DTYPE: DType = DType::Bool;
    fn zero() -> Self {
        false
    }
    fn one() -> Self {
        true
    }
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    fn to_i64(self) -> i64 {
        self as i64
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn from_u64(v: u64) -> Self {
        v != 0
    }
    storage_access!(bool, Bool);
}
impl Element for bool {}

macro_rules! impl_complex_element {
    ($t:ty, $part:ty, $variant:ident) => {
        impl ArrayElement for $t {
            const DTYPE: DType = DType::$variant;
            fn zero() -> Self {
                <$t>::new(0.0, 0.0)
            }
            fn one() -> Self {
                <$t>::new(1.0, 0.0)
            }
            fn to_f64(self) -> f64 {
                self.re as f64
            }
            fn to_i64(self) -> i64 {
                self.re as i64
            }
            fn from_f64(v: f64) -> Self {
                <$t>::new(v as $part, 0.0)
            }
            fn from_i64(v: i64) -> Self {
                <$t>::new(v as $part, 0.0)
            }
            fn from_u64(v: u64) -> Self {
                <$t>::new(v as $part, 0.0)
            }
            fn to_c128(self) -> Complex64 {
                Complex64::new(self.re as f64, self.im as f64)
            }
            fn from_c128(v: Complex64) -> Self {
                <$t>::new(v.re as $part, v.im as $part)
            }
            storage_access!($t, $variant);
        }
    };
}

impl_complex_element!(Complex32, f32, C64);
impl_complex_element!(Complex64, f64, C128);

/// Converts one element to another element type with XLA's `convert` semantics.
///
/// Integers become floats with one rounding of the exact value (`i64 → f32` must not round
/// through `f64` first). Conversions to `f16`/`bf16` from integers or `f64` go through `f32`, as
/// XLA's CPU backend does (so they round twice, exactly like JAX). Complex values become real
/// by dropping the imaginary part (JAX's `convert_element_type`, which warns); real values
/// become complex with imaginary part 0.
#[inline]
pub fn cast<S: ArrayElement, D: ArrayElement>(s: S) -> D {
    if D::DTYPE.is_narrow_float() {
        return cast_to_float8(s);
    }
    let to_half = matches!(D::DTYPE, DType::F16 | DType::BF16);
    if S::DTYPE.is_complex() {
        if D::DTYPE.is_complex() {
            D::from_c128(s.to_c128())
        } else if D::DTYPE == DType::F32 || to_half {
            // complex64's real part is already an f32; complex128's rounds via f32 as f64 does.
            D::from_f64(s.to_f64() as f32 as f64)
        } else {
            D::from_f64(s.to_f64())
        }
    } else if S::DTYPE == DType::F4E2M1Fn && D::DTYPE.is_integer() {
        // XLA clamps a float-to-integer conversion by comparing with the integer type's bounds
        // converted to the float type; float4_e2m1fn saturates every such bound to ±6, so ±6
        // convert to the integer type's extremes (6.0 → int32 is 2147483647 in JAX).
        let v = s.to_f64();
        if v.abs() >= 6.0 {
            D::from_f64(v * f64::INFINITY)
        } else {
            D::from_f64(v)
        }
    } else if S::DTYPE.is_float() {
        if to_half && S::DTYPE == DType::F64 {
            D::from_f64(s.to_f64() as f32 as f64)
        } else {
            D::from_f64(s.to_f64())
        }
    } else if S::DTYPE == DType::U64 {
        // `to_i64` wraps a uint64 above i64::MAX; its bits are the value.
        D::from_u64(s.to_i64() as u64)
    } else if to_half {
        D::from_f64(s.to_i64() as f32 as f64)
    } else {
        D::from_i64(s.to_i64())
    }
}

/// [`cast`] to an 8-bit float: `f64` (and `complex128`) values round directly, everything else
/// (integers included) goes through `f32` and [`ArrayElement::from_f32_of`], as XLA does.
fn cast_to_float8<S: ArrayElement, D: ArrayElement>(s: S) -> D {
    match S::DTYPE {
        DType::F64 | DType::C128 => D::from_f64(s.to_f64()),
        DType::U64 => D::from_f32_of(s.to_i64() as u64 as f32, S::DTYPE),
        d if d.is_integer() || d.is_bool() => D::from_f32_of(s.to_i64() as f32, S::DTYPE),
        _ => D::from_f32_of(s.to_f64() as f32, S::DTYPE),
    }
}

/// Float element types: every transcendental function the primitives need.
///
/// `f16`, `bf16` and the 8-bit floats compute in `f32` and round once at the end, as XLA does
/// on CPU.
pub trait FloatElement: Element + num_traits::Float {
    /// The value as `f32` (exact for f16/bf16/f32).
    fn to_f32(self) -> f32;
    /// Rounds an `f32` to this type.
    fn from_f32(v: f32) -> Self;
}

impl FloatElement for f32 {
    fn to_f32(self) -> f32 {
        self
    }
    fn from_f32(v: f32) -> Self {
        v
    }
}
impl FloatElement for f64 {
    fn to_f32(self) -> f32 {
        self as f32
    }
    fn from_f32(v: f32) -> Self {
        v as f64
    }
}
impl FloatElement for f16 {
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    fn from_f32(v: f32) -> Self {
        f16::from_f32(v)
    }
}
impl FloatElement for bf16 {
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    fn from_f32(v: f32) -> Self {
        bf16::from_f32(v)
    }
}

/// Integer element types (not `bool`) with the wrapping arithmetic XLA uses.
pub trait IntElement:
    Element
    + Ord
    + Eq
    + std::hash::Hash
    + num_traits::PrimInt
    + num_traits::WrappingAdd
    + num_traits::WrappingSub
    + num_traits::WrappingMul
    + num_traits::WrappingNeg
    + num_traits::CheckedRem
{
}
impl IntElement for u8 {}
impl IntElement for u16 {}
impl IntElement for u32 {}
impl IntElement for u64 {}
impl IntElement for i8 {}
impl IntElement for i16 {}
impl IntElement for i32 {}
impl IntElement for i64 {}
