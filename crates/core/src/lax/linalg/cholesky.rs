//! `lax.linalg.cholesky`.

use super::symmetrize::symmetrize;
use crate::array::Array;
use crate::prims::bind1;
use crate::prims::linalg::cholesky::{check_linalg_operand, Cholesky};

/// `lax.linalg.cholesky(x, symmetrize_input=...)`: the lower Cholesky factor `L` of each
/// matrix in the last two axes of `x` (`x = L Lᴴ`), zero above the diagonal. With
/// `symmetrize_input` the factor is that of `(x + xᴴ) / 2` (JAX's default, which makes the
/// derivative symmetric); without it only the lower triangle of `x` is read. A matrix that is
/// not positive definite gives NaNs, as in JAX.
///
/// Panics unless `x` is float32/float64/complex64/complex128 with shape `[..., n, n]`, with
/// JAX's messages.
///
/// ```
/// use equinox_core::{lax, Array};
/// let a = Array::from_vec(vec![4.0f32, 2.0, 2.0, 5.0], [2, 2]);
/// let l = lax::linalg::cholesky(&a, true);
/// assert_eq!(l.to_vec::<f32>(), vec![2.0, 0.0, 1.0, 2.0]);
/// ```
pub fn cholesky(x: &Array, symmetrize_input: bool) -> Array {
    check_linalg_operand("cholesky", 0, x.aval(), 2);
    let r = x.ndim();
    if x.shape()[r - 1] != x.shape()[r - 2] {
        panic!(
            "The input to cholesky must be a square matrix. Got shape {}.",
            crate::prims::rules::py_tuple(&x.shape()[r - 2..])
        );
    }
    let x = if symmetrize_input {
        symmetrize(x)
    } else {
        x.clone()
    };
    bind1(Cholesky, &[&x])
}
