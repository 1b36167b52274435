//! `jax.lax.associative_scan`: an inclusive scan with an associative binary function in
//! O(log n) parallel steps, by JAX's recursive odd/even algorithm (so results round as JAX's).

use super::elementwise::{add, bitwise_or, convert_element_type};
use super::{concatenate, pad, rev, slice_in_dim};
use crate::array::{Array, DType};

/// `jax.lax.associative_scan(fn, elems, reverse, axis)` over a flat list of arrays (JAX's
/// pytree of arrays, flattened): `fn(a, b)` combines two lists of partial results elementwise
/// and must be associative. Every array must have the same size along `axis`; the result has
/// the inputs' shapes, element `i` combining elements `0..=i` (or `i..` when `reverse`).
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]);
/// let s = lax::associative_scan(|a, b| vec![lax::add(&a[0], &b[0])], &[x], false, 0);
/// assert_eq!(s[0].to_vec::<f32>(), vec![1.0, 3.0, 6.0, 10.0]);
/// ```
pub fn associative_scan<F>(f: F, elems: &[Array], reverse: bool, axis: usize) -> Vec<Array>
where
    F: Fn(&[Array], &[Array]) -> Vec<Array>,
{
    if elems.is_empty() {
        return Vec::new();
    }
    if axis >= elems[0].ndim() {
        panic!(
            "associative_scan: axis {axis} is out of range for shape {}",
            elems[0].shape_obj()
        );
    }
    let n = elems[0].shape()[axis];
    if elems
        .iter()
        .any(|e| e.ndim() <= axis || e.shape()[axis] != n)
    {
        let shapes: Vec<String> = elems.iter().map(|e| e.shape_obj().to_string()).collect();
        panic!(
            "Array inputs to associative_scan must have the same first dimension. (saw: [{}])",
            shapes.join(", ")
        );
    }
    let elems: Vec<Array> = if reverse {
        elems.iter().map(|e| rev(e, &[axis])).collect()
    } else {
        elems.to_vec()
    };
    let out = scan(&f, &elems, axis);
    if reverse {
        out.iter().map(|e| rev(e, &[axis])).collect()
    } else {
        out
    }
}

fn slice(e: &Array, start: usize, stride: usize, axis: usize) -> Array {
    let n = e.shape()[axis];
    slice_in_dim(e, start.min(n), n, stride, axis)
}

/// JAX's `_scan`: combine adjacent pairs, scan those recursively (the odd positions), then
/// combine the results with the even-position inputs and interleave.
fn scan<F>(f: &F, elems: &[Array], axis: usize) -> Vec<Array>
where
    F: Fn(&[Array], &[Array]) -> Vec<Array>,
{
    let n = elems[0].shape()[axis];
    if n < 2 {
        return elems.to_vec();
    }
    let firsts: Vec<Array> = elems
        .iter()
        .map(|e| slice_in_dim(e, 0, n - 1, 2, axis))
        .collect();
    let seconds: Vec<Array> = elems.iter().map(|e| slice(e, 1, 2, axis)).collect();
    let reduced = f(&firsts, &seconds);
    let odd = scan(f, &reduced, axis);
    let evens_in: Vec<Array> = elems.iter().map(|e| slice(e, 2, 2, axis)).collect();
    let even = if n.is_multiple_of(2) {
        let m = odd[0].shape()[axis];
        let heads: Vec<Array> = odd
            .iter()
            .map(|e| slice_in_dim(e, 0, m - 1, 1, axis))
            .collect();
        f(&heads, &evens_in)
    } else {
        f(&odd, &evens_in)
    };
    elems
        .iter()
        .zip(even)
        .zip(odd)
        .map(|((e, r), o)| {
            let first = slice_in_dim(e, 0, 1, 1, axis);
            let even = concatenate(&[&first, &r], axis);
            interleave(&even, &o, axis)
        })
        .collect()
}

/// JAX's `_interleave`: `a` at the even positions and `b` at the odd ones, by padding each with
/// zeros between elements and adding (or-ing, for bools).
fn interleave(a: &Array, b: &Array, axis: usize) -> Array {
    let (na, nb) = (a.shape()[axis], b.shape()[axis]);
    let mut a_pad = vec![(0i64, 0i64, 0i64); a.ndim()];
    let mut b_pad = vec![(0i64, 0i64, 0i64); b.ndim()];
    a_pad[axis] = (0, if na == nb { 1 } else { 0 }, 1);
    b_pad[axis] = (1, if na == nb { 0 } else { 1 }, 1);
    let zero = |x: &Array| convert_element_type(&Array::scalar(0i32), x.dtype());
    let (pa, pb) = (pad(a, &zero(a), &a_pad), pad(b, &zero(b), &b_pad));
    if a.dtype() == DType::Bool {
        bitwise_or(&pa, &pb)
    } else {
        add(&pa, &pb)
    }
}
