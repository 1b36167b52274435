//! `jax.lax.linalg`: the factorisation primitives (`cholesky`, `triangular_solve`, `lu`, `qr`,
//! `eigh`, `svd`, `eig`) over the last two axes of their operands, batched over the leading
//! ones, with JVP, transpose (where linear) and batching rules. The kernels are
//! [faer](https://docs.rs/faer)'s.

mod eigh;
mod qr;
mod svd;
pub use eigh::eigh;
pub use qr::qr;
pub use svd::{svd, svd_values};
