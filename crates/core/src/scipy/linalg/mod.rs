//! `jax.scipy.linalg`: triangular solves, Cholesky and LU factor/solve pairs, the LU
//! decomposition as explicit `P`, `L`, `U` matrices, block-diagonal matrices and the matrix
//! exponential, ported from `jax/_src/scipy/linalg.py` on top of [`crate::lax::linalg`], so
//! every transformation (`grad`, `jvp`, `vmap`, `jit`) applies.
//!
//! The solvers broadcast leading (batch) axes the way JAX's `jnp.vectorize` does for their
//! core signatures `(n,n),(n)->(n)` and `(n,n),(n,k)->(n,k)`, and fail with its messages.

mod block_diag;
mod cholesky;
mod core_dims;
mod expm;
mod lu;
mod solve_triangular;

pub use block_diag::block_diag;
pub use cholesky::{cho_factor, cho_factor_with, cho_solve, ChoFactorOptions};
pub use expm::{expm, expm_with, ExpmOptions};
pub use lu::{lu, lu_factor, lu_permute_l, lu_solve, lu_solve_with, LuSolveOptions};
pub use solve_triangular::{solve_triangular, solve_triangular_with, SolveTriangularOptions};
