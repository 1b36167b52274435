//! Sorting and searching: `sort`, `argsort`, `searchsorted`, and `lax.top_k`.

use super::axes::Axes;
use super::promotion::{broadcast_to_shape, promote_dtypes};
use crate::array::{Array, DType};
use crate::lax;
use crate::prims::binary::BinaryOp;
use crate::prims::select::SelectOp;
use crate::prims::sort::SortOp;
use crate::prims::{bind, bind1};

/// Resolves a single-axis argument (`None` flattens the array first, as numpy does).
fn one_axis(x: &Array, axis: impl Into<Axes>, op: &str) -> (Array, usize) {
    match axis.into() {
        Axes::All => (super::manipulation::ravel(x), 0),
        a => {
            let dims = a.resolve(x.ndim(), op);
            if dims.len() != 1 {
                panic!("{op}: expected a single axis, got {dims:?}");
            }
            (x.clone(), dims[0])
        }
    }
}

/// Sorts `x` along `axis` (`None`: the flattened array), like `jnp.sort`.
///
/// NaNs go last; `-0.0` and `+0.0` compare equal and keep their order.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![3.0f32, f32::NAN, -1.0, 2.0], [4]);
/// let s = jnp::sort(&x, -1).to_vec::<f32>();
/// assert_eq!(&s[..3], &[-1.0, 2.0, 3.0]);
/// assert!(s[3].is_nan());
/// ```
pub fn sort(x: &Array, axis: impl Into<Axes>) -> Array {
    let (x, dimension) = one_axis(x, axis, "sort");
    bind1(
        SortOp::Sort {
            dimension,
            is_stable: true,
            num_keys: 1,
        },
        &[&x],
    )
}

/// The int32 indices that sort `x` along `axis` (`None`: the flattened array); stable, so equal
/// elements keep their order (`jnp.argsort(x, stable=True)`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![2i32, 1, 2, 0], [4]);
/// assert_eq!(jnp::argsort(&x, 0).to_vec::<i32>(), vec![3, 1, 0, 2]);
/// ```
pub fn argsort(x: &Array, axis: impl Into<Axes>) -> Array {
    let (x, dimension) = one_axis(x, axis, "argsort");
    let idx = lax::broadcasted_iota(DType::I32, x.shape_obj().clone(), dimension);
    let mut outs = bind(
        SortOp::Sort {
            dimension,
            is_stable: true,
            num_keys: 1,
        },
        &[&x, &idx],
    );
    outs.pop().expect("sort returns one output per operand")
}

/// Which insertion point [`searchsorted`] returns among equal elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The first suitable index: `a[i-1] < v <= a[i]`.
    Left,
    /// The last suitable index: `a[i-1] <= v < a[i]`.
    Right,
}

/// Insertion indices (int32, shaped like `v`) that keep the sorted 1-D array `a` sorted,
/// like `jnp.searchsorted(a, v, side)`. NaNs order after every number, as in [`sort`].
///
/// JAX's default `'scan'` method: a binary search of `ceil(log2(n + 1))` fixed steps, each
/// one `gather` of `a` at the midpoints plus a compare and two selects, so it costs
/// `O(v.size() log n)` and traces to a fixed program. For an unsorted `a` the result is
/// whatever that search finds, as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_core::numpy::Side;
/// let a = Array::from_vec(vec![1.0f32, 2.0, 2.0, 3.0], [4]);
/// let v = Array::from_vec(vec![2.0f32, 0.0, 9.0], [3]);
/// assert_eq!(jnp::searchsorted(&a, &v, Side::Left).to_vec::<i32>(), vec![1, 0, 4]);
/// assert_eq!(jnp::searchsorted(&a, &v, Side::Right).to_vec::<i32>(), vec![3, 0, 4]);
/// ```
pub fn searchsorted(a: &Array, v: &Array, side: Side) -> Array {
    if a.ndim() != 1 {
        panic!(
            "searchsorted: the sorted array must be 1-D, got shape {}",
            a.shape_obj()
        );
    }
    let p = promote_dtypes(&[a, v]);
    let (a, v) = (&p[0], &p[1]);
    let n = a.shape()[0];
    if n == 0 {
        return super::creation::zeros_dtype(v.shape(), DType::I32);
    }
    let levels = usize::BITS - n.leading_zeros();
    let mut low = super::creation::zeros_dtype(v.shape(), DType::I32);
    let mut high = broadcast_to_shape(&Array::scalar(n as i32), v.shape_obj(), "searchsorted");
    for _ in 0..levels {
        // `low + (high - low) / 2` cannot overflow.
        let half = bind1(
            BinaryOp::ShiftRightLogical,
            &[&bind1(BinaryOp::Sub, &[&high, &low]), &Array::scalar(1i32)],
        );
        let mid = bind1(BinaryOp::Add, &[&low, &half]);
        // Once `low == high == n` the midpoint is out of range; clamping keeps the gather
        // valid and the selects below leave both bounds unchanged.
        let a_mid =
            super::indexing::take_mode(a, &mid, Some(0), crate::lax::GatherScatterMode::Clip, None);
        // Go left when v sorts before (or, for `Left`, equal to) a[mid].
        let go_left = match side {
            Side::Left => super::math::logical_not(&sort_lt(&a_mid, v)),
            Side::Right => sort_lt(v, &a_mid),
        };
        let new_low = bind1(SelectOp::SelectN, &[&go_left, &mid, &low]);
        high = bind1(SelectOp::SelectN, &[&go_left, &high, &mid]);
        low = new_low;
    }
    high
}

/// `x < y` in [`sort`]'s order (NaN after everything, all NaNs equal).
fn sort_lt(x: &Array, y: &Array) -> Array {
    use super::math::{isnan, less, logical_and, logical_not, logical_or};
    if !x.dtype().is_float() {
        return less(x, y);
    }
    logical_and(&logical_not(&isnan(x)), &logical_or(&isnan(y), &less(x, y)))
}

/// The `k` largest entries along the last axis and their int32 indices, largest first, ties
/// to the lower index (`jax.lax.top_k`). Floats order by IEEE totalOrder (`NaN` largest).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 5.0, 3.0, 5.0], [4]);
/// let (v, i) = jnp::top_k(&x, 3);
/// assert_eq!(v.to_vec::<f32>(), vec![5.0, 5.0, 3.0]);
/// assert_eq!(i.to_vec::<i32>(), vec![1, 3, 2]);
/// ```
pub fn top_k(x: &Array, k: usize) -> (Array, Array) {
    let mut outs = bind(SortOp::TopK { k }, &[x]);
    let idx = outs.pop().expect("top_k returns indices");
    let vals = outs.pop().expect("top_k returns values");
    (vals, idx)
}

impl Array {
    /// Sorted copy along `axis` (`None`: flattened). See [`sort`].
    pub fn sort(&self, axis: impl Into<Axes>) -> Array {
        sort(self, axis)
    }
    /// Stable sorting indices along `axis`. See [`argsort`].
    pub fn argsort(&self, axis: impl Into<Axes>) -> Array {
        argsort(self, axis)
    }
    /// The `k` largest entries along the last axis and their indices. See [`top_k`].
    pub fn top_k(&self, k: usize) -> (Array, Array) {
        top_k(self, k)
    }
}
