//! Sorting and searching: `sort`, `argsort`, `searchsorted`, `lexsort`, `sort_complex`,
//! `partition`, `argpartition`, and `lax.top_k`.

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
/// NaNs go last; `-0.0` and `+0.0` compare equal and keep their order. Complex numbers sort
/// by real part, then imaginary part, each in that order.
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
    crate::prims::ops::argsort(&x, dimension)
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

/// `jnp.lexsort(keys, axis=-1)`: the int32 indices that sort by the last key first, ties
/// broken by the key before it, and so on (stable). The keys share one shape; 0-d keys give
/// a 0-d zero.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let first = Array::from_vec(vec![1i32, 0, 1, 0], [4]);
/// let second = Array::from_vec(vec![3i32, 2, 1, 2], [4]);
/// // Sort by `second`, then by `first`.
/// assert_eq!(jnp::lexsort(&[&first, &second], -1).to_vec::<i32>(), vec![2, 1, 3, 0]);
/// ```
pub fn lexsort(keys: &[&Array], axis: isize) -> Array {
    if keys.is_empty() {
        panic!("lexsort: need sequence of keys with len > 0 in lexsort");
    }
    if keys.iter().any(|k| k.shape() != keys[0].shape()) {
        let shapes: Vec<String> = keys.iter().map(|k| k.shape_obj().to_string()).collect();
        panic!(
            "lexsort: all keys need to be the same shape, got {}",
            shapes.join(", ")
        );
    }
    if keys[0].ndim() == 0 {
        return Array::scalar(0i32);
    }
    let dimension = crate::array::normalize_axis(axis, keys[0].ndim(), "lexsort");
    let iota = lax::broadcasted_iota(DType::I32, keys[0].shape_obj().clone(), dimension);
    let mut operands: Vec<&Array> = keys.iter().rev().copied().collect();
    operands.push(&iota);
    let mut outs = bind(
        SortOp::Sort {
            dimension,
            is_stable: true,
            num_keys: keys.len(),
        },
        &operands,
    );
    outs.pop().expect("sort returns one output per operand")
}

/// `jnp.sort_complex(a)`: `a` sorted along its last axis (complex values by real part, then
/// imaginary part) and converted to a complex dtype (complex128 for float64 and int64
/// inputs, complex64 otherwise).
pub fn sort_complex(a: &Array) -> Array {
    let axis = if a.ndim() == 0 { None } else { Some(-1isize) };
    let s = match axis {
        None => a.clone(),
        Some(ax) => sort(a, ax),
    };
    let c = match a.dtype() {
        DType::F64 | DType::I64 | DType::U64 | DType::C128 => DType::C128,
        _ => DType::C64,
    };
    s.astype(c)
}

fn partition_checks(a: &Array, kth: isize, axis: isize, op: &str) -> (Array, usize) {
    if a.dtype().is_complex() {
        panic!("{op}: jnp.{op} for complex dtype is not implemented.");
    }
    if a.ndim() == 0 {
        panic!("{op}: expected an array of rank >= 1, got a 0-d array");
    }
    let axis = crate::array::normalize_axis(axis, a.ndim(), op);
    let k = crate::array::normalize_axis(kth, a.shape()[axis], op);
    (super::manipulation::swapaxes(a, axis as isize, -1), k)
}

/// `-x` in an order-reversing way: `-(x + 1)` for unsigned integers (JAX's trick so 0 works).
fn order_negate(x: &Array) -> Array {
    if x.dtype().is_unsigned_integer() {
        super::math::negative(&super::math::add(x, &Array::weak_scalar(1)))
    } else {
        super::math::negative(x)
    }
}

/// `jnp.partition(a, kth, axis=-1)`: `a` rearranged along `axis` so position `kth` holds the
/// value it would have in sorted order, the `kth` smallest values before it (in ascending
/// order, as JAX's `top_k` leaves them) and the rest after it (in descending order).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![5i32, 1, 4, 2, 3], [5]);
/// assert_eq!(jnp::partition(&x, 2, -1).to_vec::<i32>(), vec![1, 2, 3, 5, 4]);
/// ```
pub fn partition(a: &Array, kth: isize, axis: isize) -> Array {
    let (arr, k) = partition_checks(a, kth, axis, "partition");
    let n = arr.shape()[arr.ndim() - 1];
    // `-top_k(-(arr + 1))[0] - 1` for unsigned integers (wrapping), `-top_k(-arr)[0]` else.
    let bottom = super::math::negative(&top_k(&order_negate(&arr), k + 1).0);
    let bottom = if arr.dtype().is_unsigned_integer() {
        super::math::subtract(&bottom, &Array::weak_scalar(1))
    } else {
        bottom
    };
    let top = top_k(&arr, n - k - 1).0;
    let out = lax::concatenate(&[&bottom, &top], arr.ndim() - 1);
    super::manipulation::swapaxes(&out, -1, axis)
}

/// `jnp.argpartition(a, kth, axis=-1)`: the int32 indices that [`partition`] `a` (the `kth + 1`
/// smallest first, then the others in index order).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![5i32, 1, 4, 2, 3], [5]);
/// assert_eq!(jnp::argpartition(&x, 1, -1).to_vec::<i32>(), vec![1, 3, 0, 2, 4]);
/// ```
pub fn argpartition(a: &Array, kth: isize, axis: isize) -> Array {
    let (arr, k) = partition_checks(a, kth, axis, "argpartition");
    let nd = arr.ndim();
    let n = arr.shape()[nd - 1];
    let bottom_ind = top_k(&order_negate(&arr), k + 1).1;
    // JAX's proxy: ones with zeros at the bottom indices; its top_k lists the other indices
    // in increasing order.
    let mut shape = bottom_ind.shape().to_vec();
    shape.push(1);
    let iota = lax::iota(DType::I32, n);
    let hit = super::math::equal(&bottom_ind.reshape(shape), &iota);
    let taken = super::reductions::any(&hit, nd as isize - 1);
    let proxy = super::math::where_(&taken, &Array::scalar(0.0f32), &Array::scalar(1.0f32));
    let top_ind = top_k(&proxy, n - k - 1).1;
    let out = lax::concatenate(&[&bottom_ind, &top_ind], nd - 1);
    super::manipulation::swapaxes(&out, -1, axis)
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
