//! The `jax.lax`-level functions: thin wrappers over primitives with JAX's argument conventions,
//! and functions users reach for by their lax name. One file per concept.
//!
//! Like the numpy layer they only call [`bind`](crate::prims::bind), so they work under every
//! transformation.

mod slicing;
mod stop_gradient;

pub use slicing::*;
pub use stop_gradient::stop_gradient;
