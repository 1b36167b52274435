//! `lax.dot_general`.

use crate::array::{Array, DType};
pub use crate::prims::dot_general::DotDimensionNumbers;
use crate::prims::{bind1, dot_general::DotGeneral};

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
