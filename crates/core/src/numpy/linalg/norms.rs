//! `jnp.linalg.norm`, `vector_norm` and `matrix_norm`, written as JAX writes them (reductions of
//! `abs(x)`, and the singular values for the spectral and nuclear norms), so every
//! transformation applies.

use super::super::complex::{conj, real};
use super::super::creation::zeros_dtype;
use super::super::manipulation::{expand_dims, transpose};
use super::super::math::not_equal;
use super::super::math::{abs, power, sqrt};
use super::super::promotion::{convert, to_inexact};
use super::super::reductions::{max, min, sum, sum_keepdims};
use super::decompositions::svdvals;
use crate::array::{normalize_axis, Array};
use std::fmt;

/// The `ord` of a norm: `"fro"`, `"nuc"` or a number (`f64::INFINITY` for `inf`).
///
/// Numbers convert: `NormOrd::from(1)`, `NormOrd::from(f64::NEG_INFINITY)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// The Frobenius norm of a matrix (`ord="fro"`).
    Fro,
    /// The nuclear norm of a matrix, the sum of its singular values (`ord="nuc"`).
    Nuc,
    /// A numeric order: for vectors `sum(|x|^p)^(1/p)` (0 counts the nonzeros, ±inf take the
    /// largest/smallest `|x|`); for matrices 1, -1, 2, -2, inf and -inf.
    P(f64),
}

impl From<f64> for NormOrd {
    fn from(p: f64) -> NormOrd {
        NormOrd::P(p)
    }
}

impl From<i32> for NormOrd {
    fn from(p: i32) -> NormOrd {
        NormOrd::P(f64::from(p))
    }
}

impl fmt::Display for NormOrd {
    /// As Python prints the `ord` in JAX's messages (`fro`, `3`, `inf`, `-inf`, `0.5`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NormOrd::Fro => f.write_str("fro"),
            NormOrd::Nuc => f.write_str("nuc"),
            NormOrd::P(p) if p.is_infinite() => f.write_str(if *p > 0.0 { "inf" } else { "-inf" }),
            NormOrd::P(p) => write!(f, "{p}"),
        }
    }
}

/// Options of [`norm_with`]: JAX's `ord`, `axis` and `keepdims`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NormOptions {
    /// The norm; `None` is the 2-norm of vectors and the Frobenius norm of matrices.
    pub ord: Option<NormOrd>,
    /// One axis (a vector norm) or two (a matrix norm: rows, columns); `None` is every axis
    /// (with `ord: None`, the 2-norm of the flattened array, whatever its rank).
    pub axis: Option<Vec<isize>>,
    /// Keep the reduced axes as size 1.
    pub keepdims: bool,
}

/// `jnp.linalg.norm(x)`: the 2-norm of the flattened array (the Frobenius norm of a matrix).
/// Integer inputs are promoted to float.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![3.0f32, 4.0, 12.0], [3]);
/// assert_eq!(jnp::linalg::norm(&x).item::<f32>(), 13.0);
/// ```
pub fn norm(x: &Array) -> Array {
    norm_with(x, NormOptions::default())
}

/// `jnp.linalg.norm(x, ord, axis, keepdims)`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use jnp::linalg::{NormOptions, NormOrd};
/// let x = Array::from_vec(vec![1.0f32, -2.0, 3.0, 4.0, 5.0, -7.0], [2, 3]);
/// let one = jnp::linalg::norm_with(&x, NormOptions { ord: Some(NormOrd::from(1)), ..Default::default() });
/// assert_eq!(one.item::<f32>(), 10.0); // the largest column sum of |x|
/// let rows = jnp::linalg::norm_with(&x, NormOptions {
///     ord: Some(NormOrd::P(f64::INFINITY)),
///     axis: Some(vec![1]),
///     ..Default::default()
/// });
/// assert_eq!(rows.to_vec::<f32>(), vec![3.0, 7.0]);
/// ```
pub fn norm_with(x: &Array, options: NormOptions) -> Array {
    let x = to_inexact(x);
    let nd = x.ndim();
    let NormOptions {
        ord,
        axis,
        keepdims,
    } = options;
    let axes: Vec<usize> = match axis {
        None if ord.is_none() => return frobenius(&x, None, keepdims),
        None => (0..nd).collect(),
        Some(list) => list
            .iter()
            .map(|&a| normalize_axis(a, nd, "jnp.linalg.norm"))
            .collect(),
    };
    match axes[..] {
        [a] => vector_norm_axes(&x, ord.unwrap_or(NormOrd::P(2.0)), Some(&[a]), keepdims),
        [row, col] => matrix_norm_axes(&x, ord, row, col, keepdims),
        _ => panic!(
            "Improper number of axes for norm: axis=({}). Pass one axis to compute a \
             vector-norm, or two axes to compute a matrix-norm. (jnp.linalg.norm of an array \
             of shape {})",
            axes.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            x.shape_obj()
        ),
    }
}

/// Options of [`vector_norm_with`].
#[derive(Clone, Debug, PartialEq)]
pub struct VectorNormOptions {
    /// The axes to reduce; `None` flattens the array first.
    pub axis: Option<Vec<isize>>,
    /// Keep the reduced axes as size 1.
    pub keepdims: bool,
    /// The order (default 2).
    pub ord: NormOrd,
}

impl Default for VectorNormOptions {
    fn default() -> VectorNormOptions {
        VectorNormOptions {
            axis: None,
            keepdims: false,
            ord: NormOrd::P(2.0),
        }
    }
}

/// `jnp.linalg.vector_norm(x)`: the 2-norm of the flattened array.
pub fn vector_norm(x: &Array) -> Array {
    vector_norm_with(x, VectorNormOptions::default())
}

/// `jnp.linalg.vector_norm(x, axis, keepdims, ord)`: a vector norm over any set of axes (all
/// of them by default).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use jnp::linalg::{NormOrd, VectorNormOptions};
/// let x = Array::from_vec(vec![1.0f32, 0.0, -3.0, 0.0], [2, 2]);
/// let l0 = jnp::linalg::vector_norm_with(&x, VectorNormOptions { ord: NormOrd::from(0), ..Default::default() });
/// assert_eq!(l0.item::<f32>(), 2.0);
/// ```
pub fn vector_norm_with(x: &Array, options: VectorNormOptions) -> Array {
    let x = to_inexact(x);
    let axes: Option<Vec<usize>> = options.axis.map(|list| {
        list.iter()
            .map(|&a| normalize_axis(a, x.ndim(), "jnp.linalg.vector_norm"))
            .collect()
    });
    vector_norm_axes(&x, options.ord, axes.as_deref(), options.keepdims)
}

/// `jnp.linalg.matrix_norm(x)`: the Frobenius norm of each matrix in the last two axes.
pub fn matrix_norm(x: &Array) -> Array {
    matrix_norm_with(x, NormOrd::Fro, false)
}

/// `jnp.linalg.matrix_norm(x, keepdims, ord)` over the last two axes.
pub fn matrix_norm_with(x: &Array, ord: NormOrd, keepdims: bool) -> Array {
    let x = to_inexact(x);
    if x.ndim() < 2 {
        panic!(
            "jnp.linalg.matrix_norm: expected an array of rank >= 2 (a stack of matrices), got \
             shape {}",
            x.shape_obj()
        );
    }
    let nd = x.ndim();
    matrix_norm_axes(&x, Some(ord), nd - 2, nd - 1, keepdims)
}

/// `sqrt(sum(x * x))` over `axes` (all of them for `None`).
fn frobenius(x: &Array, axes: Option<&[usize]>, keepdims: bool) -> Array {
    // JAX's `real(x * conj(x))`: |x|² for complex entries.
    let sq = real(&(x * &conj(x)));
    let s = match (axes, keepdims) {
        (None, false) => sum(&sq, None),
        (None, true) => sum_keepdims(&sq, None),
        (Some(a), false) => sum(&sq, as_axes(a)),
        (Some(a), true) => sum_keepdims(&sq, as_axes(a)),
    };
    sqrt(&s)
}

fn as_axes(axes: &[usize]) -> Vec<i32> {
    axes.iter().map(|&a| a as i32).collect()
}

/// A reduction over `axes` (every axis for `None`), keeping them as size 1 on request.
fn reduce_with(
    x: &Array,
    axes: Option<&[usize]>,
    keepdims: bool,
    f: fn(&Array, Vec<i32>) -> Array,
) -> Array {
    let list: Vec<usize> = axes.map_or_else(|| (0..x.ndim()).collect(), <[usize]>::to_vec);
    let out = f(x, as_axes(&list));
    if keepdims {
        keep_axes(&out, &list)
    } else {
        out
    }
}

/// Reinserts the reduced `axes` (positions in the input) as size 1.
fn keep_axes(out: &Array, axes: &[usize]) -> Array {
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .fold(out.clone(), |acc, &a| expand_dims(&acc, a as isize))
}

/// `max(|x|)` over `axes` with JAX's `initial=0`: an empty reduction gives 0.
fn max_abs(x: &Array, axes: Option<&[usize]>, keepdims: bool) -> Array {
    let list: Vec<usize> = axes.map_or_else(|| (0..x.ndim()).collect(), <[usize]>::to_vec);
    if list.iter().any(|&a| x.shape()[a] == 0) {
        let zeros = zeros_dtype(x.shape(), x.dtype().real_dtype());
        return reduce_with(&zeros, axes, keepdims, sum);
    }
    reduce_with(&abs(x), axes, keepdims, max)
}

fn vector_norm_axes(x: &Array, ord: NormOrd, axes: Option<&[usize]>, keepdims: bool) -> Array {
    let p = match ord {
        NormOrd::P(p) => p,
        other => panic!("Invalid order '{other}' for vector norm."),
    };
    if p == 2.0 {
        return frobenius(x, axes, keepdims);
    }
    if p == f64::INFINITY {
        return max_abs(x, axes, keepdims);
    }
    if p == f64::NEG_INFINITY {
        return reduce_with(&abs(x), axes, keepdims, min);
    }
    if p == 0.0 {
        let zero = convert(&Array::scalar(0.0f32), x.dtype(), false);
        let nonzero = convert(&not_equal(x, &zero), x.dtype().real_dtype(), false);
        return reduce_with(&nonzero, axes, keepdims, sum);
    }
    if p == 1.0 {
        return reduce_with(&abs(x), axes, keepdims, sum);
    }
    let ord = convert(&Array::scalar(p), x.dtype().real_dtype(), false);
    let inv = convert(&Array::scalar(1.0 / p), x.dtype().real_dtype(), false);
    let total = reduce_with(&power(&abs(x), &ord), axes, keepdims, sum);
    power(&total, &inv)
}

fn matrix_norm_axes(
    x: &Array,
    ord: Option<NormOrd>,
    row: usize,
    col: usize,
    keepdims: bool,
) -> Array {
    if row == col {
        panic!(
            "jnp.linalg.norm: a matrix norm needs two different axes, got ({row}, {col}) for \
             shape {}",
            x.shape_obj()
        );
    }
    let ord = ord.unwrap_or(NormOrd::Fro);
    // The 1-norms sum |x| down the rows (over `row`) and reduce across columns; the
    // inf-norms the other way round. A reduced axis before the other one shifts it left.
    let two_step = |sum_axis: usize, other: usize, largest: bool| {
        let summed = if keepdims {
            sum_keepdims(&abs(x), sum_axis as i32)
        } else {
            sum(&abs(x), sum_axis as i32)
        };
        let other = if !keepdims && sum_axis < other {
            other - 1
        } else {
            other
        };
        if largest {
            max_abs(&summed, Some(&[other]), keepdims)
        } else {
            reduce_with(&summed, Some(&[other]), keepdims, min)
        }
    };
    match ord {
        NormOrd::Fro => frobenius(x, Some(&[row, col]), keepdims),
        NormOrd::P(1.0) => two_step(row, col, true),
        NormOrd::P(-1.0) => two_step(row, col, false),
        NormOrd::P(p) if p == f64::INFINITY => two_step(col, row, true),
        NormOrd::P(p) if p == f64::NEG_INFINITY => two_step(col, row, false),
        NormOrd::Nuc | NormOrd::P(2.0) | NormOrd::P(-2.0) => {
            // moveaxis(x, (row, col), (-2, -1)).
            let mut perm: Vec<isize> = (0..x.ndim())
                .filter(|&i| i != row && i != col)
                .map(|i| i as isize)
                .collect();
            perm.extend([row as isize, col as isize]);
            let moved = transpose(x, Some(&perm));
            let s = svdvals(&moved);
            let y = match ord {
                NormOrd::Nuc => sum(&s, -1),
                // Singular values are non-negative: max_abs is their largest, 0 if none.
                NormOrd::P(p) if p > 0.0 => max_abs(&s, Some(&[s.ndim() - 1]), false),
                _ => min(&s, -1),
            };
            if keepdims {
                keep_axes(&y, &[row, col])
            } else {
                y
            }
        }
        other => panic!("Invalid order '{other}' for matrix norm."),
    }
}
