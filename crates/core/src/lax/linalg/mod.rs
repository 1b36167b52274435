//! `jax.lax.linalg`: the factorisation primitives (`cholesky`, `triangular_solve`, `lu`, `qr`,
//! `eigh`, `svd`, `eig`) over the last two axes of their operands, batched over the leading
//! ones, with JVP, transpose (where linear) and batching rules. The kernels are
//! [faer](https://docs.rs/faer)'s.

mod cholesky;
mod eig;
mod eigh;
mod lu;
mod qr;
mod svd;
mod symmetrize;
mod triangular_solve;

pub use cholesky::cholesky;
pub use eig::{eig, eig_with, EigOptions, EigOutputs};
pub use eigh::eigh;
pub(crate) use lu::broadcast_batch;
pub use lu::{lu, lu_pivots_to_permutation, lu_solve};
pub use qr::qr;
pub use svd::{svd, svd_values};
pub use triangular_solve::{triangular_solve, triangular_solve_with, TriangularSolveOptions};
