//! `Array`, dtypes, shapes, buffers, conversions and printing.

#[allow(clippy::module_inception)]
mod array;
mod aval;
mod device;
mod display;
mod dtype;
mod element;
pub(crate) mod le_bytes;
mod narrow_float;
#[cfg(feature = "ndarray")]
mod ndarray_interop;
mod shape;
mod storage;

pub use array::Array;
pub(crate) use aval::unaddressable;
pub use aval::ShapeDtype;
pub use device::DeviceData;
pub use dtype::{
    promote_types, promote_types_weak, DType, ALL_DTYPES, COMPLEX_DTYPES, FLOAT4_DTYPES,
    FLOAT8_DTYPES,
};
pub use element::{cast, ArrayElement, Element, FloatElement, IntElement};
pub use narrow_float::{
    Float4E2M1Fn, Float8E3M4, Float8E4M3, Float8E4M3B11Fnuz, Float8E4M3Fn, Float8E4M3Fnuz,
    Float8E5M2, Float8E5M2Fnuz, Float8E8M0Fnu,
};
#[cfg(feature = "ndarray")]
pub use ndarray_interop::DTypeMismatch;
pub use shape::{broadcast_shapes, normalize_axis, Shape};
pub use storage::Storage;
