//! `jax.lax.reduce`: a reduction with a user-supplied computation over several operands at
//! once (a monoid such as `(value, index)` pairs for an argmax).

use super::{concatenate, reshape, slice_in_dim, transpose};
use crate::array::{Array, Shape};
use crate::prims::ops;

/// `jax.lax.reduce(operands, init_values, computation, dimensions)`: the operands (of one
/// shape) reduced over `dimensions` with `computation`, which combines two lists of partial
/// results (one array per operand) into one and, with the scalar `init_values`, must form a
/// monoid: associative, with `init_values` its identity. It is applied elementwise to whole
/// arrays (write it from elementwise operations), in a balanced tree that keeps the order of
/// the elements, so it need not be commutative. Reducing an empty axis gives the initial
/// values; the result drops `dimensions` from the operands' shape.
///
/// ```
/// use equinox_core::{lax, Array};
/// // An argmax as a two-operand reduction of (value, index) pairs.
/// let values = Array::from_vec(vec![0.5f32, 2.0, -1.0, 3.0, 1.0, 0.0], [2, 3]);
/// let index = Array::from_vec(vec![0i32, 1, 2, 0, 1, 2], [2, 3]);
/// let larger = |a: &[Array], b: &[Array]| {
///     let take_b = lax::gt(&b[0], &a[0]);
///     vec![lax::select(&take_b, &b[0], &a[0]), lax::select(&take_b, &b[1], &a[1])]
/// };
/// let inits = [Array::scalar(f32::NEG_INFINITY), Array::scalar(0i32)];
/// let out = lax::reduce(&[values, index], &inits, larger, &[1]);
/// assert_eq!(out[0].to_vec::<f32>(), vec![2.0, 3.0]);
/// assert_eq!(out[1].to_vec::<i32>(), vec![1, 0]);
/// ```
pub fn reduce<F>(
    operands: &[Array],
    init_values: &[Array],
    computation: F,
    dimensions: &[usize],
) -> Vec<Array>
where
    F: Fn(&[Array], &[Array]) -> Vec<Array>,
{
    if operands.len() != init_values.len() {
        panic!(
            "reduce: Must have same total number of operands as init_values:  {} vs. {}",
            operands.len(),
            init_values.len()
        );
    }
    if operands.is_empty() {
        return Vec::new();
    }
    if init_values.iter().any(|i| i.ndim() != 0) {
        let shapes: Vec<String> = init_values
            .iter()
            .map(|i| i.shape_obj().to_string())
            .collect();
        panic!(
            "reduce found non-scalar initial value: [{}]",
            shapes.join(", ")
        );
    }
    let types = |v: &[Array]| -> String {
        let t: Vec<String> = v.iter().map(|a| a.aval().type_str()).collect();
        t.join(", ")
    };
    if operands
        .iter()
        .zip(init_values)
        .any(|(o, i)| o.dtype() != i.dtype())
    {
        panic!(
            "reduce operand dtypes should match corresponding initial value dtypes, got \
             operands=({}) and initial_values=({})",
            types(operands),
            types(init_values)
        );
    }
    let shape = operands[0].shape().to_vec();
    if operands.iter().any(|o| o.shape() != shape.as_slice()) {
        panic!(
            "reduce: all operands must have the same shape, got ({})",
            types(operands)
        );
    }
    if dimensions.iter().any(|&d| d >= shape.len()) {
        panic!(
            "reduction axes {dimensions:?} contains out-of-bounds indices for {}.",
            operands[0].aval().type_str()
        );
    }
    if (1..dimensions.len()).any(|i| dimensions[..i].contains(&dimensions[i])) {
        panic!("duplicate value in 'axes' of reduction: {dimensions:?}");
    }
    // The reduced axes first, flattened into one: [n, kept...].
    let kept: Vec<usize> = (0..shape.len())
        .filter(|a| !dimensions.contains(a))
        .collect();
    let kept_shape: Vec<usize> = kept.iter().map(|&a| shape[a]).collect();
    let n: usize = dimensions.iter().map(|&a| shape[a]).product();
    let perm: Vec<usize> = dimensions.iter().chain(&kept).copied().collect();
    let mut rows_shape = vec![n];
    rows_shape.extend_from_slice(&kept_shape);
    let init: Vec<Array> = init_values
        .iter()
        .map(|i| ops::broadcast_to_shape(i, &Shape::from(kept_shape.as_slice()), "broadcast_to"))
        .collect();
    if n == 0 {
        return init;
    }
    let mut rows: Vec<Array> = operands
        .iter()
        .map(|o| reshape(&transpose(o, &perm), &rows_shape, None))
        .collect();
    let mut len = n;
    let combine = |a: &[Array], b: &[Array]| -> Vec<Array> {
        let out = computation(a, b);
        let ok = out.len() == a.len()
            && out
                .iter()
                .zip(a)
                .all(|(o, x)| o.shape() == x.shape() && o.dtype() == x.dtype());
        if !ok {
            panic!(
                "reduce: the computation must return one array per operand with its operand's \
                 shape and dtype, applied elementwise; given ({}) it returned ({})",
                types(a),
                types(&out)
            );
        }
        out
    };
    // Pairs of neighbours combine level by level (an odd last row waits for the next level),
    // so the reduction keeps the elements' order.
    while len > 1 {
        let half = len / 2;
        let evens: Vec<Array> = rows
            .iter()
            .map(|r| slice_in_dim(r, 0, 2 * half, 2, 0))
            .collect();
        let odds: Vec<Array> = rows
            .iter()
            .map(|r| slice_in_dim(r, 1, 2 * half, 2, 0))
            .collect();
        let mut next = combine(&evens, &odds);
        if len % 2 == 1 {
            next = next
                .iter()
                .zip(&rows)
                .map(|(c, r)| concatenate(&[c, &slice_in_dim(r, len - 1, len, 1, 0)], 0))
                .collect();
        }
        rows = next;
        len = len.div_ceil(2);
    }
    let reduced: Vec<Array> = rows.iter().map(|r| reshape(r, &kept_shape, None)).collect();
    combine(&init, &reduced)
}
