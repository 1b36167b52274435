//! # equinox-core
//!
//! The core of Equinox for Rust: [`Array`], the lax-level primitives ([`prims`]), the
//! `jax.numpy`-level API ([`numpy`]), the `jax.nn` functions ([`nn`]) and the pure-Rust CPU
//! backend. Users normally reach all of this through the `equinox` crate
//! (`use equinox as eqx;`).
//!
//! ```
//! use equinox_core::{numpy as jnp, Array};
//! let x = jnp::arange(6.0).reshape([2, 3]);
//! let y = (&x * 2.0).exp().sum(1);
//! assert_eq!(y.shape(), &[2]);
//! ```
//!
//! # Panics and errors
//!
//! Two kinds of failure, two mechanisms, as in JAX:
//! - **A programmer error panics**, at trace time when under a transformation: a wrong shape,
//!   dtype or axis, an index out of range, a shape whose element count overflows `usize`, a
//!   collective over an axis no `vmap` binds. The message names the operation, what it got and
//!   what it expected, in JAX's words where JAX has a message for the same misuse
//!   (`dot_general: dot_general requires contracting dimensions to have the same shape, got
//!   (3,) and (4,); ...`; `tests/suite/misuse_messages.rs` checks a sample against JAX 0.10.2).
//!   These are bugs in the calling program; catching them is not part of normal control flow.
//! - **Anything read from outside returns a `Result`** with a typed error: files, byte
//!   streams, conversions of foreign data ([`numpy::load`], the `equinox` crate's
//!   `serialisation`, the `equinox-datasets` crate). Bad input is an `Err`, never a panic, an
//!   unbounded allocation or a crash; a failed save leaves the previous file intact.
//!
//! Memory safety does not depend on either: every kernel checks the lengths it is handed
//! before it touches a buffer, and shape arithmetic is checked at every constructor.
//!
//! # Cargo features
//!
//! - `ndarray` (off by default): conversions between [`Array`] and `ndarray::ArrayD`
//!   (`Array::from(ndarray_array)`, `Array::to_ndarray`).
#![warn(missing_docs)]
// `unsafe` is allowed only in the CPU kernels that need it (see `backend::cpu`).
#![deny(unsafe_code)]

pub mod array;
pub mod atomic_file;
pub mod backend;
pub mod compiler;
pub mod config;
pub mod debug;
pub mod distributed;
mod float_checks;
pub mod higher_order;
pub mod jaxpr;
pub mod lax;
pub mod nn;
pub mod numpy;
pub mod prims;
pub mod random;
pub mod scipy;
pub(crate) mod trace;
pub mod transforms;
pub mod tree;

pub use array::{
    broadcast_shapes, promote_types, promote_types_weak, Array, ArrayElement, DType, DeviceData,
    Element, Float4E2M1Fn, Float8E3M4, Float8E4M3, Float8E4M3B11Fnuz, Float8E4M3Fn, Float8E4M3Fnuz,
    Float8E5M2, Float8E5M2Fnuz, Float8E8M0Fnu, Shape, ShapeDtype, ALL_DTYPES, COMPLEX_DTYPES,
    FLOAT4_DTYPES, FLOAT8_DTYPES,
};
#[doc(hidden)]
pub use num_complex;
/// The complex element types, re-exported from `num-complex` (the types `gemm` and `faer`
/// use): [`Complex32`] is the element of `complex64` ([`DType::C64`]), [`Complex64`] of
/// `complex128` ([`DType::C128`]); numpy's names count the bits of the pair, Rust's those of a
/// part.
///
/// ```
/// use equinox_core::{Array, Complex32, DType};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 2.0), Complex32::new(0.0, -1.0)], [2]);
/// assert_eq!(z.dtype(), DType::C64);
/// assert_eq!(z.to_string(), "[1.+2.j 0.-1.j]");
/// ```
pub use num_complex::{Complex32, Complex64};
pub use numpy::Axes;

#[doc(hidden)]
pub use half;
/// The half-precision element types, re-exported from the `half` crate.
pub use half::{bf16, f16};
