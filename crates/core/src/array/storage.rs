//! Typed element buffers and the macros that dispatch on a dtype once per operation.

use super::dtype::DType;
use super::narrow_float::{
    Float4E2M1Fn, Float8E3M4, Float8E4M3, Float8E4M3B11Fnuz, Float8E4M3Fn, Float8E4M3Fnuz,
    Float8E5M2, Float8E5M2Fnuz, Float8E8M0Fnu,
};
use half::{bf16, f16};
use num_complex::{Complex32, Complex64};

/// A contiguous, row-major buffer of one dtype. Each variant owns its elements.
#[derive(Clone, Debug, PartialEq)]
pub enum Storage {
    /// `bool` elements.
    Bool(Vec<bool>),
    /// `uint8` elements.
    U8(Vec<u8>),
    /// `uint16` elements.
    U16(Vec<u16>),
    /// `uint32` elements.
    U32(Vec<u32>),
    /// `uint64` elements.
    U64(Vec<u64>),
    /// `int8` elements.
    I8(Vec<i8>),
    /// `int16` elements.
    I16(Vec<i16>),
    /// `int32` elements.
    I32(Vec<i32>),
    /// `int64` elements.
    I64(Vec<i64>),
    /// `float16` elements.
    F16(Vec<f16>),
    /// `bfloat16` elements.
    BF16(Vec<bf16>),
    /// `float32` elements.
    F32(Vec<f32>),
    /// `float64` elements.
    F64(Vec<f64>),
    /// `complex64` elements.
    C64(Vec<Complex32>),
    /// `complex128` elements.
    C128(Vec<Complex64>),
    /// `float8_e3m4` elements.
    F8E3M4(Vec<Float8E3M4>),
    /// `float8_e4m3` elements.
    F8E4M3(Vec<Float8E4M3>),
    /// `float8_e4m3b11fnuz` elements.
    F8E4M3B11Fnuz(Vec<Float8E4M3B11Fnuz>),
    /// `float8_e4m3fn` elements.
    F8E4M3Fn(Vec<Float8E4M3Fn>),
    /// `float8_e4m3fnuz` elements.
    F8E4M3Fnuz(Vec<Float8E4M3Fnuz>),
    /// `float8_e5m2` elements.
    F8E5M2(Vec<Float8E5M2>),
    /// `float8_e5m2fnuz` elements.
    F8E5M2Fnuz(Vec<Float8E5M2Fnuz>),
    /// `float8_e8m0fnu` elements.
    F8E8M0Fnu(Vec<Float8E8M0Fnu>),
    /// `float4_e2m1fn` elements.
    F4E2M1Fn(Vec<Float4E2M1Fn>),
}

impl Storage {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        match self {
            Storage::Bool(_) => DType::Bool,
            Storage::U8(_) => DType::U8,
            Storage::U16(_) => DType::U16,
            Storage::U32(_) => DType::U32,
            Storage::U64(_) => DType::U64,
            Storage::I8(_) => DType::I8,
            Storage::I16(_) => DType::I16,
            Storage::I32(_) => DType::I32,
            Storage::I64(_) => DType::I64,
            Storage::F16(_) => DType::F16,
            Storage::BF16(_) => DType::BF16,
            Storage::F32(_) => DType::F32,
            Storage::F64(_) => DType::F64,
            Storage::C64(_) => DType::C64,
            Storage::C128(_) => DType::C128,
            Storage::F8E3M4(_) => DType::F8E3M4,
            Storage::F8E4M3(_) => DType::F8E4M3,
            Storage::F8E4M3B11Fnuz(_) => DType::F8E4M3B11Fnuz,
            Storage::F8E4M3Fn(_) => DType::F8E4M3Fn,
            Storage::F8E4M3Fnuz(_) => DType::F8E4M3Fnuz,
            Storage::F8E5M2(_) => DType::F8E5M2,
            Storage::F8E5M2Fnuz(_) => DType::F8E5M2Fnuz,
            Storage::F8E8M0Fnu(_) => DType::F8E8M0Fnu,
            Storage::F4E2M1Fn(_) => DType::F4E2M1Fn,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        crate::with_storage!(self, v => v.len())
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A buffer of `n` zeros (`false` for bool).
    pub fn zeros(dtype: DType, n: usize) -> Storage {
        crate::with_dtype!(dtype, T => <T as crate::ArrayElement>::into_storage(vec![<T as crate::ArrayElement>::zero(); n]))
    }
}

/// Runs `$body` with `$T` bound to the Rust element type of `$dtype`, complex dtypes included
/// (`$T: ArrayElement`; use [`with_real_dtype!`] where the body needs an ordered [`Element`]).
///
/// [`Element`]: crate::Element
#[macro_export]
#[doc(hidden)]
macro_rules! with_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DType::F16 => {
                type $T = $crate::half::f16;
                $body
            }
            $crate::DType::BF16 => {
                type $T = $crate::half::bf16;
                $body
            }
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::C64 => {
                type $T = $crate::Complex32;
                $body
            }
            $crate::DType::C128 => {
                type $T = $crate::Complex64;
                $body
            }
            $crate::DType::F8E3M4 => {
                type $T = $crate::Float8E3M4;
                $body
            }
            $crate::DType::F8E4M3 => {
                type $T = $crate::Float8E4M3;
                $body
            }
            $crate::DType::F8E4M3B11Fnuz => {
                type $T = $crate::Float8E4M3B11Fnuz;
                $body
            }
            $crate::DType::F8E4M3Fn => {
                type $T = $crate::Float8E4M3Fn;
                $body
            }
            $crate::DType::F8E4M3Fnuz => {
                type $T = $crate::Float8E4M3Fnuz;
                $body
            }
            $crate::DType::F8E5M2 => {
                type $T = $crate::Float8E5M2;
                $body
            }
            $crate::DType::F8E5M2Fnuz => {
                type $T = $crate::Float8E5M2Fnuz;
                $body
            }
            $crate::DType::F8E8M0Fnu => {
                type $T = $crate::Float8E8M0Fnu;
                $body
            }
            $crate::DType::F4E2M1Fn => {
                type $T = $crate::Float4E2M1Fn;
                $body
            }
        }
    };
}

/// Runs `$body` with `$T` bound to the Rust element type of a real (non-complex) `$dtype`
/// (`$T: Element`, ordered); `$else` for the complex dtypes.
#[macro_export]
#[doc(hidden)]
macro_rules! with_real_dtype {
    ($dtype:expr, $T:ident => $body:expr, _ => $else:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DType::F16 => {
                type $T = $crate::half::f16;
                $body
            }
            $crate::DType::BF16 => {
                type $T = $crate::half::bf16;
                $body
            }
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::F8E3M4 => {
                type $T = $crate::Float8E3M4;
                $body
            }
            $crate::DType::F8E4M3 => {
                type $T = $crate::Float8E4M3;
                $body
            }
            $crate::DType::F8E4M3B11Fnuz => {
                type $T = $crate::Float8E4M3B11Fnuz;
                $body
            }
            $crate::DType::F8E4M3Fn => {
                type $T = $crate::Float8E4M3Fn;
                $body
            }
            $crate::DType::F8E4M3Fnuz => {
                type $T = $crate::Float8E4M3Fnuz;
                $body
            }
            $crate::DType::F8E5M2 => {
                type $T = $crate::Float8E5M2;
                $body
            }
            $crate::DType::F8E5M2Fnuz => {
                type $T = $crate::Float8E5M2Fnuz;
                $body
            }
            $crate::DType::F8E8M0Fnu => {
                type $T = $crate::Float8E8M0Fnu;
                $body
            }
            $crate::DType::F4E2M1Fn => {
                type $T = $crate::Float4E2M1Fn;
                $body
            }
            $crate::DType::C64 | $crate::DType::C128 => $else,
        }
    };
}

/// Runs `$body` with `$T` bound to the Rust type of a complex `$dtype`; `$else` otherwise.
#[macro_export]
#[doc(hidden)]
macro_rules! with_complex_dtype {
    ($dtype:expr, $T:ident => $body:expr, _ => $else:expr) => {
        match $dtype {
            $crate::DType::C64 => {
                type $T = $crate::Complex32;
                $body
            }
            $crate::DType::C128 => {
                type $T = $crate::Complex64;
                $body
            }
            _ => $else,
        }
    };
}

/// Runs `$body` with `$T` bound to the Rust type of a float `$dtype`; `$else` for other dtypes.
#[macro_export]
#[doc(hidden)]
macro_rules! with_float_dtype {
    ($dtype:expr, $T:ident => $body:expr, _ => $else:expr) => {
        match $dtype {
            $crate::DType::F16 => {
                type $T = $crate::half::f16;
                $body
            }
            $crate::DType::BF16 => {
                type $T = $crate::half::bf16;
                $body
            }
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::F8E3M4 => {
                type $T = $crate::Float8E3M4;
                $body
            }
            $crate::DType::F8E4M3 => {
                type $T = $crate::Float8E4M3;
                $body
            }
            $crate::DType::F8E4M3B11Fnuz => {
                type $T = $crate::Float8E4M3B11Fnuz;
                $body
            }
            $crate::DType::F8E4M3Fn => {
                type $T = $crate::Float8E4M3Fn;
                $body
            }
            $crate::DType::F8E4M3Fnuz => {
                type $T = $crate::Float8E4M3Fnuz;
                $body
            }
            $crate::DType::F8E5M2 => {
                type $T = $crate::Float8E5M2;
                $body
            }
            $crate::DType::F8E5M2Fnuz => {
                type $T = $crate::Float8E5M2Fnuz;
                $body
            }
            $crate::DType::F8E8M0Fnu => {
                type $T = $crate::Float8E8M0Fnu;
                $body
            }
            $crate::DType::F4E2M1Fn => {
                type $T = $crate::Float4E2M1Fn;
                $body
            }
            _ => $else,
        }
    };
}

/// Runs `$body` with `$T` bound to the Rust type of an integer `$dtype`; `$else` otherwise.
#[macro_export]
#[doc(hidden)]
macro_rules! with_int_dtype {
    ($dtype:expr, $T:ident => $body:expr, _ => $else:expr) => {
        match $dtype {
            $crate::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            _ => $else,
        }
    };
}

/// Runs `$body` with `$v` bound to the typed vector inside a [`Storage`].
#[macro_export]
#[doc(hidden)]
macro_rules! with_storage {
    ($storage:expr, $v:ident => $body:expr) => {
        match $storage {
            $crate::array::Storage::Bool($v) => $body,
            $crate::array::Storage::U8($v) => $body,
            $crate::array::Storage::U16($v) => $body,
            $crate::array::Storage::U32($v) => $body,
            $crate::array::Storage::U64($v) => $body,
            $crate::array::Storage::I8($v) => $body,
            $crate::array::Storage::I16($v) => $body,
            $crate::array::Storage::I32($v) => $body,
            $crate::array::Storage::I64($v) => $body,
            $crate::array::Storage::F16($v) => $body,
            $crate::array::Storage::BF16($v) => $body,
            $crate::array::Storage::F32($v) => $body,
            $crate::array::Storage::F64($v) => $body,
            $crate::array::Storage::C64($v) => $body,
            $crate::array::Storage::C128($v) => $body,
            $crate::array::Storage::F8E3M4($v) => $body,
            $crate::array::Storage::F8E4M3($v) => $body,
            $crate::array::Storage::F8E4M3B11Fnuz($v) => $body,
            $crate::array::Storage::F8E4M3Fn($v) => $body,
            $crate::array::Storage::F8E4M3Fnuz($v) => $body,
            $crate::array::Storage::F8E5M2($v) => $body,
            $crate::array::Storage::F8E5M2Fnuz($v) => $body,
            $crate::array::Storage::F8E8M0Fnu($v) => $body,
            $crate::array::Storage::F4E2M1Fn($v) => $body,
        }
    };
}
