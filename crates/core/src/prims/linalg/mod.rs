//! The linear-algebra primitives, one family per file with its shape rule, kernel, JVP,
//! transpose and batching rules. The public API is [`crate::lax::linalg`].

pub mod cholesky;
mod column_major;
pub mod eig;
pub mod eigh;
mod lowering;
pub mod lu;
pub mod qr;
pub mod svd;
pub mod triangular_solve;
