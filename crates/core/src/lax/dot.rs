//! `lax.dot_general`.

use crate::array::{Array, DType};
pub use crate::prims::dot_general::DotDimensionNumbers;
use crate::prims::{bind1, dot_general::DotGeneral, ops};

/// The general tensor contraction (`jax.lax.dot_general`): contracts the paired
/// `contracting` axes and pairs up the `batch` axes. The output holds the batch axes, then the
/// remaining lhs axes, then the remaining rhs axes. Both operands must have the same dtype;
/// `preferred_element_type` picks the output dtype.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let a = jnp::ones([2, 3, 4]);
/// let b = jnp::ones([2, 4, 5]);
/// let dn = lax::DotDimensionNumbers::new((&[2], &[1]), (&[0], &[0]));
/// let c = lax::dot_general(&a, &b, dn, None);
/// assert_eq!(c.shape(), &[2, 3, 5]);
/// assert_eq!(c.to_vec::<f32>()[0], 4.0);
/// ```
pub fn dot_general(
    lhs: &Array,
    rhs: &Array,
    dimension_numbers: DotDimensionNumbers,
    preferred_element_type: Option<DType>,
) -> Array {
    bind1(
        DotGeneral {
            dimension_numbers,
            preferred_element_type,
        },
        &[lhs, rhs],
    )
}

/// `jax.lax.ragged_dot(lhs, rhs, group_sizes)`: a matrix product whose `lhs` rows come in
/// consecutive groups, each multiplied by its own matrix: `lhs` is `(m, k)`, `rhs` `(g, k, n)`,
/// `group_sizes` `(g,)` integers; rows `start_i..start_i + group_sizes[i]` use `rhs[i]`, and
/// rows past the last group are zero. The result is `(m, n)`. (Mixture-of-experts layers
/// use it.) Computed as every row against every group's matrix, masked, so it costs `g` dense
/// products; differentiable in `lhs` and `rhs`.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let lhs = jnp::ones([3, 2]);
/// let rhs = Array::from_vec(vec![1.0f32, 1.0, 10.0, 10.0], [2, 2, 1]); // two 2×1 matrices
/// let sizes = Array::from_vec(vec![1i32, 2], [2]);
/// let y = lax::ragged_dot(&lhs, &rhs, &sizes, None);
/// assert_eq!(y.to_vec::<f32>(), vec![2.0, 20.0, 20.0]);
/// ```
pub fn ragged_dot(
    lhs: &Array,
    rhs: &Array,
    group_sizes: &Array,
    preferred_element_type: Option<DType>,
) -> Array {
    let ok = lhs.ndim() == 2
        && rhs.ndim() == 3
        && group_sizes.ndim() == 1
        && rhs.shape()[1] == lhs.shape()[1]
        && group_sizes.shape()[0] == rhs.shape()[0]
        && group_sizes.dtype().is_integer();
    if !ok {
        panic!(
            "ragged_dot: expected lhs (m, k), rhs (g, k, n) and integer group_sizes (g,); got \
             {}, {} and {}",
            lhs.aval(),
            rhs.aval(),
            group_sizes.aval()
        );
    }
    let m = lhs.shape()[0];
    let g = rhs.shape()[0];
    // [m, g, n]: every row against every group's matrix.
    let all = dot_general(
        lhs,
        rhs,
        DotDimensionNumbers::new((&[1], &[1]), (&[], &[])),
        preferred_element_type,
    );
    let sizes = super::convert_element_type(group_sizes, DType::I32);
    let ends = super::cumsum(&sizes, 0, false);
    let starts = super::sub(&ends, &sizes);
    let row = super::broadcasted_iota(DType::I32, [m, g], 0);
    let shape = [m, g];
    let bcast = |v: &Array| super::broadcast_in_dim(v, &shape, &[1]);
    let in_group = super::bitwise_and(
        &super::ge(&row, &bcast(&starts)),
        &super::lt(&row, &bcast(&ends)),
    );
    let mask = super::broadcast_in_dim(&in_group, all.shape(), &[0, 1]);
    let zeros = ops::zeros_like(&all);
    super::reduce_sum(&super::select(&mask, &all, &zeros), &[1])
}
