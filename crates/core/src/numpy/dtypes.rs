//! Questions about dtypes, named as in `jax.numpy`: `promote_types`, `can_cast`, `isdtype`,
//! `issubdtype`, `isrealobj`, `isscalar`.

use crate::array::{Array, DType, ALL_DTYPES, COMPLEX_DTYPES};

/// `jnp.promote_types(a, b)`: the dtype JAX promotes two strongly typed dtypes to.
///
/// ```
/// use equinox_core::{numpy as jnp, DType};
/// assert_eq!(jnp::promote_types(DType::I32, DType::F32), DType::F32);
/// assert_eq!(jnp::promote_types(DType::U8, DType::I32), DType::I32);
/// ```
pub fn promote_types(a: DType, b: DType) -> DType {
    crate::array::promote_types(a, b)
}

/// numpy's casting rules for [`can_cast_with`] (`casting=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Casting {
    /// Only the same dtype.
    No,
    /// Only the same dtype (byte order does not arise here).
    Equiv,
    /// Casts that keep every value (the default).
    #[default]
    Safe,
    /// Safe casts and casts within a kind (float64 to float32, int64 to int32).
    SameKind,
    /// Any cast.
    Unsafe,
}

/// `np.can_cast(from, to, "safe")` (what `jnp.can_cast` is), row `from`, column `to`, as
/// numpy 2 with ml_dtypes answers it for these dtypes.
const SAFE: [&str; 15] = [
    "111111111111111",
    "011110111111111",
    "001110011001111",
    "000110001000101",
    "000010000000101",
    "000001111111111",
    "000000111001111",
    "000000011000101",
    "000000001000101",
    "000000000101111",
    "000000000011111",
    "000000000001111",
    "000000000000101",
    "000000000000011",
    "000000000000001",
];

/// `np.can_cast(from, to, "same_kind")`.
const SAME_KIND: [&str; 15] = [
    "111111111111111",
    "011111111111111",
    "011111111111111",
    "011111111111111",
    "011111111111111",
    "000001111111111",
    "000001111111111",
    "000001111111111",
    "000001111111111",
    "000000000111111",
    "000000000111111",
    "000000000111111",
    "000000000111111",
    "000000000000011",
    "000000000000011",
];

/// `d`'s row and column in the tables above: their order is [`ALL_DTYPES`] then
/// [`COMPLEX_DTYPES`].
fn position(d: DType) -> usize {
    ALL_DTYPES
        .iter()
        .chain(COMPLEX_DTYPES.iter())
        .position(|&o| o == d)
        .expect("every dtype is in ALL_DTYPES or COMPLEX_DTYPES")
}

/// `jnp.can_cast(from_, to)`: whether `from_` casts to `to` keeping every value (numpy's
/// `casting="safe"`).
///
/// ```
/// use equinox_core::{numpy as jnp, DType};
/// assert!(jnp::can_cast(DType::I32, DType::F64));
/// assert!(!jnp::can_cast(DType::I32, DType::F32));
/// ```
pub fn can_cast(from: DType, to: DType) -> bool {
    can_cast_with(from, to, Casting::Safe)
}

/// `jnp.can_cast(from_, to, casting)`.
pub fn can_cast_with(from: DType, to: DType, casting: Casting) -> bool {
    let table = match casting {
        Casting::No | Casting::Equiv => return from == to,
        Casting::Unsafe => return true,
        _ if from.is_narrow_float() || to.is_narrow_float() => {
            return can_cast_narrow_float(from, to, casting)
        }
        Casting::Safe => &SAFE,
        Casting::SameKind => &SAME_KIND,
    };
    table[position(from)].as_bytes()[position(to)] == b'1'
}

/// [`can_cast_with`] where either side is an 8- or 4-bit float, as ml_dtypes registers the
/// casts with numpy: safely only to bfloat16, float32, float64, complex and itself (not
/// float16 nor another 8-bit float; `float4_e2m1fn` also to every 8-bit float but
/// `float8_e8m0fnu`), and only from bool, uint8 and int8; within the kind from any real number
/// and to any inexact dtype.
fn can_cast_narrow_float(from: DType, to: DType, casting: Casting) -> bool {
    let wide = |d: DType| matches!(d, DType::BF16 | DType::F32 | DType::F64) || d.is_complex();
    let float4_to_float8 = from == DType::F4E2M1Fn && to.is_float8() && to != DType::F8E8M0Fnu;
    match casting {
        Casting::Safe if from.is_narrow_float() => from == to || wide(to) || float4_to_float8,
        Casting::Safe => matches!(from, DType::Bool | DType::U8 | DType::I8),
        _ if from.is_narrow_float() => to.is_inexact(),
        _ => !from.is_complex(),
    }
}

/// A kind of dtype for [`isdtype`] (the array API's kind strings) or one exact dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DTypeKind {
    /// `'bool'`.
    Bool,
    /// `'signed integer'`.
    SignedInteger,
    /// `'unsigned integer'`.
    UnsignedInteger,
    /// `'integral'`: signed or unsigned integers.
    Integral,
    /// `'real floating'`: float16, bfloat16, float32, float64.
    RealFloating,
    /// `'complex floating'`: complex64, complex128.
    ComplexFloating,
    /// `'numeric'`: integral, real floating or complex floating (not bool).
    Numeric,
    /// Exactly this dtype.
    Exactly(DType),
}

impl From<DType> for DTypeKind {
    fn from(d: DType) -> DTypeKind {
        DTypeKind::Exactly(d)
    }
}

impl DTypeKind {
    fn contains(self, d: DType) -> bool {
        match self {
            DTypeKind::Bool => d.is_bool(),
            DTypeKind::SignedInteger => d.is_signed_integer(),
            DTypeKind::UnsignedInteger => d.is_unsigned_integer(),
            DTypeKind::Integral => d.is_integer(),
            DTypeKind::RealFloating => d.is_float(),
            DTypeKind::ComplexFloating => d.is_complex(),
            DTypeKind::Numeric => !d.is_bool(),
            DTypeKind::Exactly(e) => d == e,
        }
    }
}

/// `jnp.isdtype(dtype, kind)`: whether `dtype` belongs to any of `kinds` (a tuple of kinds in
/// JAX).
///
/// ```
/// use equinox_core::{numpy::{self as jnp, DTypeKind}, DType};
/// assert!(jnp::isdtype(DType::BF16, &[DTypeKind::RealFloating]));
/// assert!(!jnp::isdtype(DType::Bool, &[DTypeKind::Numeric]));
/// assert!(jnp::isdtype(DType::I32, &[DTypeKind::Bool, DType::I32.into()]));
/// ```
pub fn isdtype(dtype: DType, kinds: &[DTypeKind]) -> bool {
    kinds.iter().any(|k| k.contains(dtype))
}

/// A node of numpy's scalar-type hierarchy for [`issubdtype`] (`np.generic`, `np.number`, ...)
/// or one exact dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DTypeClass {
    /// `np.generic`: every dtype.
    Generic,
    /// `np.number`: everything but bool.
    Number,
    /// `np.integer`.
    Integer,
    /// `np.signedinteger`.
    SignedInteger,
    /// `np.unsignedinteger`.
    UnsignedInteger,
    /// `np.inexact`: real and complex floats.
    Inexact,
    /// `np.floating` (bfloat16 included, as JAX counts it).
    Floating,
    /// `np.complexfloating`.
    ComplexFloating,
    /// `np.bool_`.
    Bool,
    /// Exactly this dtype.
    Exactly(DType),
}

impl From<DType> for DTypeClass {
    fn from(d: DType) -> DTypeClass {
        DTypeClass::Exactly(d)
    }
}

/// `jnp.issubdtype(arg1, arg2)`: whether `arg1` is `arg2` or below it in numpy's hierarchy.
///
/// ```
/// use equinox_core::{numpy::{self as jnp, DTypeClass}, DType};
/// assert!(jnp::issubdtype(DType::BF16, DTypeClass::Floating));
/// assert!(jnp::issubdtype(DType::U8, DTypeClass::Integer));
/// assert!(!jnp::issubdtype(DType::F32, DType::F64));
/// ```
pub fn issubdtype(arg1: DType, arg2: impl Into<DTypeClass>) -> bool {
    let d = arg1;
    match arg2.into() {
        DTypeClass::Generic => true,
        DTypeClass::Number => !d.is_bool(),
        DTypeClass::Integer => d.is_integer(),
        DTypeClass::SignedInteger => d.is_signed_integer(),
        DTypeClass::UnsignedInteger => d.is_unsigned_integer(),
        DTypeClass::Inexact => d.is_inexact(),
        DTypeClass::Floating => d.is_float(),
        DTypeClass::ComplexFloating => d.is_complex(),
        DTypeClass::Bool => d.is_bool(),
        DTypeClass::Exactly(e) => d == e,
    }
}

/// `jnp.isrealobj(x)`: whether `x`'s dtype is not complex.
pub fn isrealobj(x: &Array) -> bool {
    !x.dtype().is_complex()
}

/// `jnp.isscalar(x)`: whether `x` is 0-d (Rust scalars enter as 0-d arrays).
pub fn isscalar(x: &Array) -> bool {
    x.ndim() == 0
}

/// Machine limits of an integer dtype, as `jnp.iinfo(dtype)` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IInfo {
    /// The dtype described.
    pub dtype: DType,
    /// Number of bits of one element.
    pub bits: u32,
    /// The smallest value (`i128` holds `int64`'s minimum and `uint64`'s maximum alike).
    pub min: i128,
    /// The largest value.
    pub max: i128,
}

/// `jnp.iinfo(dtype)`: the bits and range of an integer dtype.
///
/// ```
/// use equinox_core::{numpy as jnp, DType};
/// let i = jnp::iinfo(DType::I8);
/// assert_eq!((i.min, i.max, i.bits), (-128, 127, 8));
/// assert_eq!(jnp::iinfo(DType::U64).max, u64::MAX as i128);
/// ```
///
/// # Panics
/// For a non-integer dtype (bool included), as numpy's `iinfo` raises.
pub fn iinfo(dtype: DType) -> IInfo {
    let bits = dtype.bits();
    let (min, max) = if dtype.is_signed_integer() {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else if dtype.is_unsigned_integer() {
        (0, (1i128 << bits) - 1)
    } else {
        panic!("iinfo: {dtype} is not an integer dtype");
    };
    IInfo {
        dtype,
        bits,
        min,
        max,
    }
}

/// Machine limits of a float dtype, as `jnp.finfo(dtype)` reports them (the float values
/// widened exactly to `f64`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FInfo {
    /// The dtype described.
    pub dtype: DType,
    /// Number of bits of one element.
    pub bits: u32,
    /// Mantissa bits (without the implicit leading bit).
    pub nmant: u32,
    /// Exponent bits.
    pub nexp: u32,
    /// The smallest power of two that overflows.
    pub maxexp: i32,
    /// The exponent of the smallest normal number.
    pub minexp: i32,
    /// The exponent of `eps`.
    pub machep: i32,
    /// The exponent of `epsneg`.
    pub negep: i32,
    /// Approximate number of exact decimal digits.
    pub precision: u32,
    /// The gap between 1 and the next larger value.
    pub eps: f64,
    /// The gap between 1 and the next smaller value.
    pub epsneg: f64,
    /// The largest finite value.
    pub max: f64,
    /// The smallest finite value (`-max`, except for the unsigned `float8_e8m0fnu`, whose
    /// smallest value is its smallest positive one).
    pub min: f64,
    /// The smallest positive normal value (same as `smallest_normal`).
    pub tiny: f64,
    /// The smallest positive normal value.
    pub smallest_normal: f64,
    /// The smallest positive value.
    pub smallest_subnormal: f64,
    /// `10^-precision` rounded to the dtype.
    pub resolution: f64,
}

/// `jnp.finfo(dtype)`: the limits of a float dtype (8-bit floats included).
///
/// ```
/// use equinox_core::{numpy as jnp, DType};
/// let f = jnp::finfo(DType::F8E4M3Fn);
/// assert_eq!((f.max, f.eps, f.smallest_subnormal), (448.0, 0.125, 0.001953125));
/// assert_eq!(jnp::finfo(DType::F32).eps, f32::EPSILON as f64);
/// ```
///
/// # Panics
/// For a dtype that is not a real float, as numpy's `finfo` raises (it describes a complex
/// dtype by its parts: pass [`DType::real_dtype`]).
pub fn finfo(dtype: DType) -> FInfo {
    use crate::array::ArrayElement;
    use num_traits::Float;
    let (nmant, nexp) = match dtype {
        DType::F16 => (10, 5),
        DType::BF16 => (7, 8),
        DType::F32 => (23, 8),
        DType::F64 => (52, 11),
        DType::F8E3M4 => (4, 3),
        DType::F8E4M3 | DType::F8E4M3B11Fnuz | DType::F8E4M3Fn | DType::F8E4M3Fnuz => (3, 4),
        DType::F8E5M2 | DType::F8E5M2Fnuz => (2, 5),
        DType::F8E8M0Fnu => (0, 8),
        DType::F4E2M1Fn => (1, 2),
        d => panic!("finfo: {d} is not a real floating-point dtype"),
    };
    crate::with_float_dtype!(dtype, T => {
        let f = |v: T| ArrayElement::to_f64(v);
        let (max, min, tiny) = (f(T::max_value()), f(T::min_value()), f(T::min_positive_value()));
        let eps = dtype.eps();
        // The exponent of a power of two (or of the largest one below a value) from its bits.
        let exponent = |v: f64| ((v.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        // float8_e8m0fnu has no subnormals (its smallest value is 2^-127) and eps 1.
        let digits = (-eps.log10()).floor() as u32;
        // ml_dtypes reports at least one digit for the 8-bit floats but 0 for float4_e2m1fn.
        let precision = if dtype == DType::F4E2M1Fn { digits } else { digits.max(1) };
        // float4_e2m1fn's 1 is its smallest normal: the value below it is the subnormal 0.5, a
        // whole eps away, where every other format has 1 - eps / 2.
        let (negep, epsneg) = if dtype == DType::F4E2M1Fn {
            (-(nmant as i32), eps)
        } else {
            (-(nmant as i32) - 1, eps / 2.0)
        };
        let smallest_subnormal = if dtype == DType::F8E8M0Fnu { tiny } else { tiny * eps };
        FInfo {
            dtype,
            bits: dtype.bits(),
            nmant,
            nexp,
            maxexp: exponent(max) + 1,
            minexp: exponent(tiny),
            machep: -(nmant as i32),
            negep,
            precision,
            eps,
            epsneg,
            max,
            min,
            tiny,
            smallest_normal: tiny,
            smallest_subnormal,
            resolution: f(T::from_f64(10f64.powi(-(precision as i32)))),
        }
    }, _ => unreachable!("every dtype with a mantissa width is a float"))
}
