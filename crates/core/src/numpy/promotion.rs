//! Dtype promotion and shape broadcasting for the numpy-level API. The rules themselves live
//! in [`crate::prims::ops`], below `lax`, which needs them too; they are re-exported here under
//! the numpy layer's names.

use crate::array::{broadcast_shapes as broadcast_two, Shape};

pub(crate) use crate::prims::ops::{
    binary, broadcast_for_elementwise, broadcast_to_shape, check_broadcastable, common_shape,
    compare, convert, to_inexact,
};
pub use crate::prims::ops::{broadcast_arrays, promote_dtypes, result_type};

/// `jnp.broadcast_shapes(*shapes)`: the shape that all `shapes` broadcast to.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::broadcast_shapes(&[&[3, 1], &[4], &[]]), vec![3, 4]);
/// ```
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Vec<usize> {
    let mut out = Shape::scalar();
    for s in shapes {
        out = broadcast_two(&out, s).unwrap_or_else(|| {
            panic!(
                "broadcast_shapes: Incompatible shapes for broadcasting: shapes={:?}",
                shapes
            )
        });
    }
    out.to_vec()
}
