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
#![warn(missing_docs)]

pub mod array;
pub mod backend;
pub mod debug;
pub mod jaxpr;
pub mod lax;
pub mod nn;
pub mod numpy;
pub mod prims;
pub mod random;
pub(crate) mod trace;
pub mod transforms;
pub mod tree;

pub use array::{
    broadcast_shapes, promote_types, promote_types_weak, Array, DType, Element, Shape, ShapeDtype,
    ALL_DTYPES,
};
pub use numpy::Axes;

#[doc(hidden)]
pub use half;
/// The half-precision element types, re-exported from the `half` crate.
pub use half::{bf16, f16};
