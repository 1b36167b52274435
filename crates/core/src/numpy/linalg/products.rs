//! The products and matrix views of `jnp.linalg` that differ from their `jnp` namesakes: they
//! act on the last axes (`diagonal`, `trace`), require vectors (`outer`, `cross`), or chain
//! several matrices in the cheapest order (`multi_dot`).

use super::super::manipulation::{expand_dims, squeeze};
use super::super::{matmul, CrossOptions};
use crate::array::Array;

/// `jnp.linalg.diagonal(x, offset)`: the diagonal `offset` of each matrix in the last two axes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(8).reshape([2, 2, 2]);
/// assert_eq!(jnp::linalg::diagonal(&x, 0).to_vec::<i32>(), vec![0, 3, 4, 7]);
/// ```
pub fn diagonal(x: &Array, offset: i64) -> Array {
    super::super::diagonal(x, offset, -2, -1)
}

/// `jnp.linalg.trace(x, offset)`: the trace of each matrix in the last two axes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(8.0).reshape([2, 2, 2]);
/// assert_eq!(jnp::linalg::trace(&x, 0).to_vec::<f32>(), vec![3.0, 11.0]);
/// ```
pub fn trace(x: &Array, offset: i64) -> Array {
    super::super::trace(x, offset, -2, -1)
}

/// `jnp.linalg.outer(x1, x2)`: the outer product of two vectors (both must be 1-d, unlike
/// [`jnp::outer`](super::super::outer), which flattens).
pub fn outer(x1: &Array, x2: &Array) -> Array {
    if x1.ndim() != 1 || x2.ndim() != 1 {
        panic!(
            "Input arrays must be one-dimensional, but they are x1.ndim={} x2.ndim={} \
             (jnp.linalg.outer of shapes {} and {})",
            x1.ndim(),
            x2.ndim(),
            x1.shape_obj(),
            x2.shape_obj()
        );
    }
    super::super::outer(x1, x2)
}

/// `jnp.linalg.cross(x1, x2, axis)`: the cross product of 3-vectors along `axis` (default -1
/// in JAX), with the other axes broadcast.
pub fn cross(x1: &Array, x2: &Array, axis: isize) -> Array {
    let size = |x: &Array| {
        if x.ndim() == 0 {
            return 0;
        }
        let a = crate::array::normalize_axis(axis, x.ndim(), "jnp.linalg.cross");
        x.shape()[a]
    };
    if size(x1) != 3 || size(x2) != 3 {
        panic!(
            "Both input arrays must be (arrays of) 3-dimensional vectors, but they have \
             x1.shape[axis]={} and x2.shape[axis]={} (shapes {} and {}, axis={axis})",
            size(x1),
            size(x2),
            x1.shape_obj(),
            x2.shape_obj()
        );
    }
    super::super::cross_with(
        x1,
        x2,
        CrossOptions {
            axis: Some(axis),
            ..Default::default()
        },
    )
}

/// `jnp.linalg.multi_dot(arrays)`: the product of a chain of matrices, multiplied in the order
/// that needs the fewest flops (the classic matrix-chain dynamic programme, as NumPy). The
/// first array may be a vector (a row) and the last one a vector (a column).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let (a, b, c) = (jnp::ones([10, 100]), jnp::ones([100, 5]), jnp::ones([5]));
/// let y = jnp::linalg::multi_dot(&[&a, &b, &c]);
/// assert_eq!(y.shape(), &[10]);
/// assert_eq!(y.to_vec::<f32>()[0], 500.0);
/// ```
pub fn multi_dot(arrays: &[&Array]) -> Array {
    let n = arrays.len();
    if n < 2 {
        panic!("multi_dot requires at least two arrays; got len(arrays)={n}");
    }
    let shapes: Vec<String> = arrays.iter().map(|a| a.shape_obj().to_string()).collect();
    let ends_ok = matches!(arrays[0].ndim(), 1 | 2) && matches!(arrays[n - 1].ndim(), 1 | 2);
    if !ends_ok || arrays[1..n - 1].iter().any(|a| a.ndim() != 2) {
        panic!(
            "multi_dot: input arrays must all be two-dimensional, except for the first and \
             last array which may be 1 or 2 dimensional. Got array shapes [{}]",
            shapes.join(", ")
        );
    }
    if arrays
        .windows(2)
        .any(|w| w[0].shape()[w[0].ndim() - 1] != w[1].shape()[0])
    {
        panic!(
            "multi_dot: last dimension of each array must match first dimension of following \
             array. Got array shapes [{}]",
            shapes.join(", ")
        );
    }
    let first_vector = arrays[0].ndim() == 1;
    let last_vector = arrays[n - 1].ndim() == 1;
    let mats: Vec<Array> = arrays
        .iter()
        .enumerate()
        .map(|(i, a)| match (i, a.ndim()) {
            (0, 1) => expand_dims(a, 0),
            (_, 1) => expand_dims(a, 1),
            _ => (*a).clone(),
        })
        .collect();
    // dims[i] x dims[i + 1] is the shape of matrix i.
    let mut dims: Vec<usize> = mats.iter().map(|m| m.shape()[0]).collect();
    dims.push(mats[n - 1].shape()[1]);
    let split = chain_order(&dims);
    let out = multiply_range(&mats, &split, 0, n - 1);
    match (first_vector, last_vector) {
        (true, true) => squeeze(&out, [0, 1]),
        (true, false) => squeeze(&out, 0),
        (false, true) => squeeze(&out, 1),
        (false, false) => out,
    }
}

/// The matrix-chain split points: `split[i][j]` is where the cheapest product of matrices
/// `i..=j` divides.
fn chain_order(dims: &[usize]) -> Vec<Vec<usize>> {
    let n = dims.len() - 1;
    let mut cost = vec![vec![0u128; n]; n];
    let mut split = vec![vec![0usize; n]; n];
    for len in 1..n {
        for i in 0..n - len {
            let j = i + len;
            cost[i][j] = u128::MAX;
            for k in i..j {
                let c = cost[i][k]
                    + cost[k + 1][j]
                    + (dims[i] as u128) * (dims[k + 1] as u128) * (dims[j + 1] as u128);
                if c < cost[i][j] {
                    cost[i][j] = c;
                    split[i][j] = k;
                }
            }
        }
    }
    split
}

fn multiply_range(mats: &[Array], split: &[Vec<usize>], i: usize, j: usize) -> Array {
    if i == j {
        return mats[i].clone();
    }
    let k = split[i][j];
    matmul(
        &multiply_range(mats, split, i, k),
        &multiply_range(mats, split, k + 1, j),
    )
}
