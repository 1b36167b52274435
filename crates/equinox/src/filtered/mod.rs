//! Filtered transformations (Equinox's `filter_jit`, `filter_grad`, `filter_vmap`, ...): the
//! core transformations applied to a model as a whole, deciding per leaf what is traced,
//! differentiated or batched.
//!
//! In Rust the split Equinox makes between "array" and "everything else" is already in the
//! types: a model's non-`Array` fields are static structure (hashed into `jit`'s cache key,
//! never traced). What the filtered versions add is the per-leaf choice among arrays:
//! - differentiation (`filter_grad`, `filter_jvp`, ...) is with respect to the floating-point
//!   leaves only; integer and boolean leaves get no gradient (a filtered-out placeholder in
//!   the gradient, Equinox's `None`), where `grad` would refuse them;
//! - batching (`filter_vmap`) maps every array leaf at axis 0 unless told otherwise, per leaf.

mod custom;
mod grad;
mod jit;
mod shape;
mod vmap;

pub use custom::{filter_checkpoint, filter_custom_jvp, filter_custom_vjp, filter_pure_callback};
pub use grad::{
    filter_grad, filter_grad_with_aux, filter_hessian, filter_jacfwd, filter_jacrev, filter_jvp,
    filter_value_and_grad, filter_value_and_grad_with_aux, filter_vjp, filter_vjp_with_aux,
    FilterVjp,
};
pub use jit::{filter_jit, filter_jit_donate};
pub use shape::{filter_eval_shape, filter_make_jaxpr};
pub use vmap::{filter_vmap, filter_vmap_with};

use crate::filters::{combine2, is_inexact_array, partition};
use crate::{Array, Module};

/// Splits `x` into its float leaves and the rest (both with `x`'s type).
pub(crate) fn split_inexact<T: Module>(x: &T) -> (T, T) {
    partition(x, is_inexact_array)
}

/// `tree` with the leaves where `keep` is false filtered out (`keep` from another tree of the
/// same structure).
pub(crate) fn keep_where<T: Module>(tree: &T, keep: &[bool], op: &str) -> T {
    let mut i = 0;
    let out = tree.map_leaves(&mut |l| {
        let k = keep.get(i).copied().unwrap_or(false);
        i += 1;
        if k && !l.is_filtered_out() {
            l.clone()
        } else {
            Array::filtered_out(l.aval().clone())
        }
    });
    assert_eq!(
        i,
        keep.len(),
        "{op}: the trees have different numbers of leaves ({i} and {})",
        keep.len()
    );
    out
}

/// Rebuilds the full tree from the differentiated part and the rest.
pub(crate) fn rejoin<T: Module>(diff: &T, rest: &T) -> T {
    combine2(diff, rest)
}
