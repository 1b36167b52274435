//! Random permutations by sorting on random keys (`jax.random.permutation`).

use super::bits::bits32;
use super::key::{split_into, Key};
use crate::array::{normalize_axis, Array, Shape};
use crate::prims::layout::LayoutOp;
use crate::prims::sort::SortOp;
use crate::prims::{bind, bind1};

/// How many sorting rounds JAX's shuffle uses for `size` elements: enough that all 32-bit sort
/// keys are distinct with high probability (`ceil(3 ln(size) / ln(2^32 - 1))`).
fn num_rounds(size: usize) -> usize {
    let r = 3.0 * (size.max(1) as f64).ln() / (u32::MAX as f64).ln();
    r.ceil() as usize
}

/// Sorts `x` along `axis` by fresh random 32-bit keys, `rounds` times (JAX's `_shuffle`). The
/// keys have shape `key_shape`: `x`'s shape to shuffle every slice independently, or
/// `(x.shape[axis],)` broadcast along `axis` to move whole slices together.
fn shuffle(mut key: Key, x: &Array, axis: usize, key_shape: &Shape, rounds: usize) -> Array {
    let mut x = x.clone();
    for _ in 0..rounds {
        let [next, sub] = split_into(key);
        key = next;
        let mut sort_keys = bits32(&sub, key_shape, "permutation");
        if sort_keys.shape() != x.shape() {
            sort_keys = bind1(
                LayoutOp::BroadcastInDim {
                    shape: x.shape_obj().clone(),
                    broadcast_dimensions: [axis].into_iter().collect(),
                },
                &[&sort_keys],
            );
        }
        let mut out = bind(
            SortOp::Sort {
                dimension: axis,
                is_stable: true,
                num_keys: 1,
            },
            &[&sort_keys, &x],
        );
        x = out.pop().expect("sort returns every operand");
    }
    x
}

/// A random permutation of `0..n` as int32 (`jax.random.permutation(key, n)`).
///
/// ```
/// use equinox_core::random;
/// let p = random::permutation(random::key(42), 10);
/// assert_eq!(p.to_vec::<i32>(), vec![7, 4, 2, 5, 3, 6, 8, 9, 0, 1]);
/// ```
pub fn permutation(key: Key, n: usize) -> Array {
    let iota = Array::from_vec((0..n as i32).collect::<Vec<i32>>(), [n]);
    shuffle(key, &iota, 0, &Shape::new(&[n]), num_rounds(n))
}

/// `x` with its slices along `axis` randomly permuted
/// (`jax.random.permutation(key, x, axis, independent)`).
///
/// With `independent = false` whole slices move together (the same permutation for every
/// position of the other axes, equal to `x[permutation(key, n)]` along `axis`); with `true`
/// each 1-D lane along `axis` is shuffled independently. 0-d arrays are not accepted (use
/// [`permutation`]).
///
/// ```
/// use equinox_core::{random, Array};
/// let x = Array::from_vec((0..6).collect::<Vec<i32>>(), [3, 2]);
/// let y = random::permutation_array(random::key(0), &x, 0, false);
/// let rows: Vec<i32> = y.to_vec::<i32>();
/// // rows stay intact: each is [2k, 2k + 1]
/// assert!(rows.chunks(2).all(|r| r[1] == r[0] + 1 && r[0] % 2 == 0));
/// ```
pub fn permutation_array(key: Key, x: &Array, axis: isize, independent: bool) -> Array {
    if x.ndim() == 0 {
        panic!(
            "random.permutation: x must be at least 1-D, got {}; use permutation(key, n) for a \
             permutation of 0..n",
            x.aval()
        );
    }
    let axis = normalize_axis(axis, x.ndim(), "random.permutation");
    if independent || x.ndim() == 1 {
        shuffle(key, x, axis, x.shape_obj(), num_rounds(x.size()))
    } else {
        let n = x.shape()[axis];
        shuffle(key, x, axis, &Shape::new(&[n]), num_rounds(n))
    }
}
