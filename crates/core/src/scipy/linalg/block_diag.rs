//! `jax.scipy.linalg.block_diag`.

use crate::array::Array;
use crate::numpy::{self as jnp, promote_dtypes};

/// `jax.scipy.linalg.block_diag(*arrs)`: the block-diagonal matrix with `arrs` along its
/// diagonal, zeros elsewhere. Scalars count as `1×1` blocks and vectors of length `n` as `1×n`
/// rows; the blocks take their common promoted dtype. No blocks give a `1×0` float32 matrix,
/// as in JAX.
///
/// Panics (with JAX's message) if a block has more than two axes.
///
/// ```
/// use equinox_core::{scipy::linalg, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// let b = Array::scalar(5.0f32);
/// let d = linalg::block_diag(&[&a, &b]);
/// assert_eq!(d.shape(), &[3, 3]);
/// assert_eq!(d.to_vec::<f32>(), vec![1.0, 2.0, 0.0, 3.0, 4.0, 0.0, 0.0, 0.0, 5.0]);
/// ```
pub fn block_diag(arrs: &[&Array]) -> Array {
    if arrs.is_empty() {
        return jnp::zeros([1, 0]);
    }
    let arrs = promote_dtypes(arrs);
    if let Some((i, a)) = arrs.iter().enumerate().find(|(_, a)| a.ndim() > 2) {
        panic!(
            "Arguments to jax.scipy.linalg.block_diag must have at most 2 dimensions, got {} \
             at argument {i}.",
            a.aval()
        );
    }
    let blocks: Vec<Array> = arrs.iter().map(jnp::atleast_2d).collect();
    let total: usize = blocks.iter().map(|b| b.shape()[1]).sum();
    let mut col = 0;
    let padded: Vec<Array> = blocks
        .iter()
        .map(|b| {
            let cols = b.shape()[1];
            let p = jnp::pad(b, &[(0, 0), (col, total - cols - col)], 0.0);
            col += cols;
            p
        })
        .collect();
    jnp::concatenate(&padded.iter().collect::<Vec<_>>(), 0)
}
