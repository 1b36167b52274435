//! `tree_equal` and `tree_allclose` (`eqx.tree_equal`, with and without `rtol`/`atol`).

use super::pytree::PyTree;
use crate::Array;

/// True when the two trees have the same structure (static values included), the same leaves
/// filtered out, and equal leaves: same shape, same dtype, equal elements (`eqx.tree_equal`).
/// NaN is not equal to itself, as in numpy. Weak types are not compared.
///
/// ```
/// use equinox_core::{numpy as jnp, tree};
/// let a = (jnp::ones([2]), 3usize);
/// assert!(tree::tree_equal(&a, &(jnp::ones([2]), 3)));
/// assert!(!tree::tree_equal(&a, &(jnp::ones([2]), 4)));
/// assert!(!tree::tree_equal(&a, &(jnp::zeros([2]), 3)));
/// ```
pub fn tree_equal<T: PyTree>(a: &T, b: &T) -> bool {
    tree_compare(a, b, &|x, y| x.storage() == y.storage())
}

/// As [`tree_equal`], but floating-point leaves only need to be close:
/// `|a - b| <= atol + rtol * |b|` elementwise (`eqx.tree_equal(a, b, rtol=..., atol=...)`,
/// numpy's `allclose`). Infinities must match exactly; NaN is never close. Integer and bool
/// leaves are compared exactly.
///
/// ```
/// use equinox_core::{numpy as jnp, tree};
/// let a = vec![jnp::ones([3])];
/// let b = vec![jnp::ones([3]) + 1e-6];
/// assert!(!tree::tree_equal(&a, &b));
/// assert!(tree::tree_allclose(&a, &b, 1e-5, 1e-8));
/// ```
pub fn tree_allclose<T: PyTree>(a: &T, b: &T, rtol: f64, atol: f64) -> bool {
    if rtol == 0.0 && atol == 0.0 {
        return tree_equal(a, b);
    }
    tree_compare(a, b, &|x, y| {
        if !x.dtype().is_float() {
            return x.storage() == y.storage();
        }
        let (xs, ys) = (x.to_vec::<f64>(), y.to_vec::<f64>());
        xs.iter().zip(&ys).all(|(&u, &v)| {
            u == v || (u.is_finite() && v.is_finite() && (u - v).abs() <= atol + rtol * v.abs())
        })
    })
}

/// Structure check, then `leaf_eq` on every pair of real leaves of equal shape and dtype.
fn tree_compare<T: PyTree>(a: &T, b: &T, leaf_eq: &dyn Fn(&Array, &Array) -> bool) -> bool {
    if !a.static_eq(b) {
        return false;
    }
    let mut bs = Vec::with_capacity(a.num_leaves());
    b.visit_leaves(&mut |l| bs.push(l));
    let mut bs = bs.into_iter();
    let mut equal = true;
    a.visit_leaves(&mut |x| {
        let Some(y) = bs.next() else {
            equal = false;
            return;
        };
        if !equal {
            return;
        }
        equal = match (x.is_filtered_out(), y.is_filtered_out()) {
            (true, true) => true,
            (false, false) => x.shape() == y.shape() && x.dtype() == y.dtype() && leaf_eq(x, y),
            _ => false,
        };
    });
    equal && bs.next().is_none()
}
