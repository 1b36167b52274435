//! `jax.scipy.linalg`: triangular solves, Cholesky and LU factor/solve pairs, block-diagonal
//! matrices and the matrix exponential, built on [`crate::lax::linalg`].
