//! `Array`, dtypes, shapes, buffers, conversions and printing.

#[allow(clippy::module_inception)]
mod array;
mod aval;
mod display;
mod dtype;
mod element;
mod ndarray_interop;
mod shape;
mod storage;

pub use array::Array;
pub(crate) use aval::unaddressable;
pub use aval::ShapeDtype;
pub use dtype::{promote_types, promote_types_weak, DType, ALL_DTYPES, COMPLEX_DTYPES};
pub use element::{cast, ArrayElement, Element, FloatElement, IntElement};
pub use ndarray_interop::DTypeMismatch;
pub use shape::{broadcast_shapes, normalize_axis, Shape};
pub use storage::Storage;
