//! Random permutations by sorting on random keys (`jax.random.permutation`).

use super::bits::bits32;
use super::key::{split_into, Key};
use crate::array::{normalize_axis, Array, DType};
use crate::lax;
use crate::numpy as jnp;
use crate::prims::bind;
use crate::prims::sort::SortOp;

/// How many sorting rounds JAX's shuffle uses for `size` elements: enough that all 32-bit sort
/// keys are distinct with high probability (`ceil(3 ln(size) / ln(2^32 - 1))`).
fn num_rounds(size: usize) -> usize {
    let r = 3.0 * (size.max(1) as f64).ln() / (u32::MAX as f64).ln();
    r.ceil() as usize
}

/// Sorts `x` along `axis` by fresh random 32-bit keys of `x`'s shape (JAX's `_shuffle`),
/// enough rounds that all sort keys are distinct with high probability.
fn shuffle(mut key: Key, x: &Array, axis: usize) -> Array {
    let mut x = x.clone();
    for _ in 0..num_rounds(x.size()) {
        let [next, sub] = split_into(key);
        key = next;
        let sort_keys = bits32(&sub, x.shape_obj(), "permutation");
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
    shuffle(key, &lax::iota(DType::I32, n), 0)
}

/// `x` with its slices along `axis` randomly permuted
/// (`jax.random.permutation(key, x, axis, independent)`).
///
/// With `independent = false` whole slices move together: as in JAX, the result is
/// `take(x, permutation(key, n), axis)`. With `true` each 1-D lane along `axis` is shuffled
/// independently. 0-d arrays are not accepted (use
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
        shuffle(key, x, axis)
    } else {
        let order = permutation(key, x.shape()[axis]);
        jnp::take(x, &order, Some(axis as isize))
    }
}
