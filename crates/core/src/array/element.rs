//! The Rust element types that back each [`DType`], and conversions between them.

use super::dtype::DType;
use super::storage::Storage;
use half::{bf16, f16};

/// A Rust type that can be the element type of an [`Array`](crate::Array).
///
/// Implemented for `bool`, `u8`, `u32`, `i32`, `i64`, `half::f16`, `half::bf16`, `f32` and
/// `f64`.
pub trait Element: Copy + Send + Sync + PartialEq + PartialOrd + std::fmt::Debug + 'static {
    /// The dtype this Rust type stores.
    const DTYPE: DType;
    /// The additive identity.
    fn zero() -> Self;
    /// The multiplicative identity.
    fn one() -> Self;
    /// The value as `f64` (`true` is 1).
    fn to_f64(self) -> f64;
    /// The value as `i64`; floats truncate toward zero and saturate, NaN gives 0.
    fn to_i64(self) -> i64;
    /// Converts from `f64` with the semantics of XLA's `convert`: rounding to nearest for
    /// floats; truncation toward zero with saturation for integers (NaN gives 0); `x != 0`
    /// for `bool`.
    fn from_f64(v: f64) -> Self;
    /// Converts from `i64`: integers wrap (two's complement), floats round to nearest.
    fn from_i64(v: i64) -> Self;
    /// Borrows the elements of a storage of this type, `None` for another dtype.
    fn slice(storage: &Storage) -> Option<&[Self]>;
    /// Wraps a vector into a storage.
    fn into_storage(v: Vec<Self>) -> Storage;
}

macro_rules! impl_int_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
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
    };
}

impl_int_element!(u8, U8);
impl_int_element!(u32, U32);
impl_int_element!(i32, I32);
impl_int_element!(i64, I64);

macro_rules! impl_float_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
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
    };
}

impl_float_element!(f32, F32);
impl_float_element!(f64, F64);

macro_rules! impl_half_element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
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
    };
}

impl_half_element!(f16, F16);
impl_half_element!(bf16, BF16);

impl Element for bool {
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
    fn slice(storage: &Storage) -> Option<&[Self]> {
        match storage {
            Storage::Bool(v) => Some(v),
            _ => None,
        }
    }
    fn into_storage(v: Vec<Self>) -> Storage {
        Storage::Bool(v)
    }
}

/// Converts one element to another element type with XLA's `convert` semantics.
///
/// Integers become floats with one rounding of the exact value (`i64 → f32` must not round
/// through `f64` first). Conversions to `f16`/`bf16` from integers or `f64` go through `f32`, as
/// XLA's CPU backend does (so they round twice, exactly like JAX).
#[inline]
pub fn cast<S: Element, D: Element>(s: S) -> D {
    let to_half = matches!(D::DTYPE, DType::F16 | DType::BF16);
    if S::DTYPE.is_float() {
        if to_half && S::DTYPE == DType::F64 {
            D::from_f64(s.to_f64() as f32 as f64)
        } else {
            D::from_f64(s.to_f64())
        }
    } else if to_half {
        D::from_f64(s.to_i64() as f32 as f64)
    } else {
        D::from_i64(s.to_i64())
    }
}

/// Float element types: every transcendental function the primitives need.
///
/// `f16` and `bf16` compute in `f32` and round once at the end, as XLA does on CPU.
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
impl IntElement for u32 {}
impl IntElement for i32 {}
impl IntElement for i64 {}
