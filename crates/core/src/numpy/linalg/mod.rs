//! `jax.numpy.linalg`: norms, determinants, inverses, solves and decompositions of (batches of)
//! matrices. Functions take stacks of matrices in the last two axes, as in JAX, and are built on
//! the `lax.linalg` primitives ([`crate::lax::linalg`]) so every transformation applies.
//!
//! The products that `jnp.linalg` shares with `jnp` (`matmul`, `outer`, `cross`, `trace`,
//! `diagonal`, `matrix_transpose`) are re-exported here under the same names.

pub use super::{cross, diagonal, matmul, matrix_transpose, outer, trace};

mod solve;
pub use solve::*;
