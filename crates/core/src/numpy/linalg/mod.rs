//! `jax.numpy.linalg`: norms, determinants, inverses, solves and decompositions of (batches of)
//! matrices. Functions take stacks of matrices in the last two axes, as in JAX, and are built on
//! the `lax.linalg` primitives ([`crate::lax::linalg`]) so every transformation applies.
//!
//! The products that `jnp.linalg` shares with `jnp` (`matmul`, `matrix_transpose`, `vecdot`,
//! `tensordot`) are re-exported here under the same names.

mod decompositions;
mod norms;
mod products;
mod solve;

pub use super::{matmul, matrix_transpose, tensordot, vecdot};
pub use decompositions::*;
pub use norms::*;
pub use products::*;
pub use solve::*;
