//! `jnp.linalg`'s factorisation-based functions: `cholesky`, `solve`, `inv`, `det`, `slogdet`,
//! `tensorsolve`, `tensorinv` and `matrix_power`, ported from `jax/_src/numpy/linalg.py`
//! (including the custom JVPs of `det` and `slogdet`) on top of [`crate::lax::linalg`].

use crate::array::{Array, DType};
use crate::lax;
use crate::lax::linalg::{broadcast_batch, TriangularSolveOptions};
use crate::numpy as jnp;
use crate::numpy::promotion::{promote_dtypes, to_inexact};
use crate::prims::linalg::lu::permute_rows;
use crate::transforms::custom_jvp;

/// Options of [`cholesky_with`] (JAX's keywords and defaults).
#[derive(Clone, Copy, Debug)]
pub struct CholeskyOptions {
    /// Return the upper factor `U = Lᴴ` (`a = Uᴴ U`) instead of `L`.
    pub upper: bool,
    /// Factor `(a + aᴴ) / 2` (reading both triangles; better behaved under differentiation)
    /// rather than only the lower triangle of `a`.
    pub symmetrize_input: bool,
}

impl Default for CholeskyOptions {
    fn default() -> Self {
        CholeskyOptions {
            upper: false,
            symmetrize_input: true,
        }
    }
}

/// `jnp.linalg.cholesky(a)`: the lower Cholesky factor `L` of each (symmetrised) matrix in the
/// last two axes, `a = L Lᴴ`; NaNs where a matrix is not positive definite. Integers promote
/// to float. See [`cholesky_with`].
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![4.0f32, 2.0, 2.0, 5.0], [2, 2]);
/// assert_eq!(jnp::linalg::cholesky(&a).to_vec::<f32>(), vec![2.0, 0.0, 1.0, 2.0]);
/// ```
pub fn cholesky(a: &Array) -> Array {
    cholesky_with(a, CholeskyOptions::default())
}

/// `jnp.linalg.cholesky(a, upper=, symmetrize_input=)`.
///
/// ```
/// use equinox_core::{numpy as jnp, numpy::linalg::CholeskyOptions, Array};
/// let a = Array::from_vec(vec![4.0f32, 2.0, 2.0, 5.0], [2, 2]);
/// let u = jnp::linalg::cholesky_with(&a, CholeskyOptions { upper: true, ..Default::default() });
/// assert_eq!(u.to_vec::<f32>(), vec![2.0, 1.0, 0.0, 2.0]);
/// ```
pub fn cholesky_with(a: &Array, options: CholeskyOptions) -> Array {
    let a = to_inexact(a);
    let l = lax::linalg::cholesky(&a, options.symmetrize_input);
    if options.upper {
        jnp::conj(&jnp::matrix_transpose(&l))
    } else {
        l
    }
}

/// `a` and `b` converted to their common inexact dtype (JAX's `promote_dtypes_inexact`).
fn promote_inexact(a: &Array, b: &Array) -> (Array, Array) {
    let v = promote_dtypes(&[a, b]);
    (to_inexact(&v[0]), to_inexact(&v[1]))
}

fn py(shape: &[usize]) -> String {
    crate::prims::rules::py_tuple(shape)
}

/// `jnp.linalg.solve(a, b)`: `x` with `a @ x = b`, for `a` of shape `[..., m, m]` and `b` of
/// shape `[m]` (one vector for every matrix) or `[..., m, n]`, batch axes broadcast (JAX 0.5+
/// semantics: a `b` with more than one axis is always a stack of matrices). Computed from the
/// LU factorisation; a singular matrix gives infinities or NaNs, as in JAX.
///
/// Panics with JAX's messages when `a` has fewer than two axes or the shapes do not fit.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![2.0f64, 1.0, 1.0, 3.0], [2, 2]);
/// let b = Array::from_vec(vec![3.0f64, 5.0], [2]);
/// let x = jnp::linalg::solve(&a, &b).to_vec::<f64>();
/// assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12);
/// ```
pub fn solve(a: &Array, b: &Array) -> Array {
    let (a, b) = promote_inexact(a, b);
    let (ra, rb) = (a.ndim(), b.ndim());
    if ra < 2 {
        panic!(
            "left hand array must be at least two dimensional; got a.shape={}",
            py(a.shape())
        );
    }
    let m = a.shape()[ra - 1];
    if rb > 1 && ra == rb + 1 && m == b.shape()[rb - 1] && m != b.shape()[rb - 2] {
        panic!(
            "Invalid shapes for solve: {}, {}. Prior to JAX v0.5.0, this would have been \
             treated as a batched 1-dimensional solve. To recover this behavior, use solve(a, \
             b[..., None]).squeeze(-1).",
            py(a.shape()),
            py(b.shape())
        );
    }
    let vector = rb == 1;
    let signature = if vector {
        "(m,m),(m)->(m)"
    } else {
        "(m,m),(m,n)->(m,n)"
    };
    let core = if vector { 1 } else { 2 };
    if rb < core {
        panic!(
            "solve: b must have at least one axis for the signature {signature}, got shape {}",
            py(b.shape())
        );
    }
    let b_m = b.shape()[rb - core];
    for other in [a.shape()[ra - 2], b_m] {
        if other != m {
            panic!(
                "inconsistent size for core dimension 'm': {other} vs {m} on vectorized \
                 function with excluded=frozenset() and signature='{signature}'"
            );
        }
    }
    let batch = broadcast_batch("solve", &[&a.shape()[..ra - 2], &b.shape()[..rb - core]]);
    let with = |tail: &[usize]| -> Vec<usize> { batch.iter().chain(tail).copied().collect() };
    let a = jnp::broadcast_to(&a, with(&[m, m]));
    let b = jnp::broadcast_to(&b, with(&b.shape()[rb - core..]));
    let (lu, _, permutation) = lax::linalg::lu(&a);
    lax::linalg::lu_solve(&lu, &permutation, &b, 0)
}

/// `jnp.linalg.inv(a)`: the inverse of each matrix in the last two axes (a solve against the
/// identity); a singular matrix gives infinities or NaNs, as in JAX.
///
/// Panics unless `a` has shape `[..., n, n]`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![2.0f32, 0.0, 0.0, 4.0], [2, 2]);
/// assert_eq!(jnp::linalg::inv(&a).to_vec::<f32>(), vec![0.5, 0.0, 0.0, 0.25]);
/// ```
pub fn inv(a: &Array) -> Array {
    let r = a.ndim();
    if r < 2 || a.shape()[r - 1] != a.shape()[r - 2] {
        panic!(
            "Argument to inv must have shape [..., n, n], got {}.",
            py(a.shape())
        );
    }
    let a = to_inexact(a);
    let n = a.shape()[r - 1];
    let eye = jnp::broadcast_to(&jnp::eye(n).astype(a.dtype()), a.shape_obj().clone());
    solve(&a, &eye)
}

/// `a[..., i, j]`.
fn entry(a: &Array, i: usize, j: usize) -> Array {
    let r = a.ndim();
    let row = lax::slice_in_dim(a, i, i + 1, 1, r - 2);
    let e = lax::slice_in_dim(&row, j, j + 1, 1, r - 1);
    jnp::squeeze(&e, [-2, -1])
}

/// `a` of dtype `like`'s, filled with `v`, in `like`'s shape.
fn full(like: &Array, v: f64) -> Array {
    jnp::full_like(like, v)
}

fn det_2x2(a: &Array) -> Array {
    &(&entry(a, 0, 0) * &entry(a, 1, 1)) - &(&entry(a, 0, 1) * &entry(a, 1, 0))
}

fn det_3x3(a: &Array) -> Array {
    let e = |i, j| entry(a, i, j);
    let term =
        |(i0, j0): (usize, usize), (i1, j1), (i2, j2)| &(&e(i0, j0) * &e(i1, j1)) * &e(i2, j2);
    let plus = &(&term((0, 0), (1, 1), (2, 2)) + &term((0, 1), (1, 2), (2, 0)))
        + &term((0, 2), (1, 0), (2, 1));
    let minus = &(&term((0, 2), (1, 1), (2, 0)) + &term((0, 0), (1, 2), (2, 1)))
        + &term((0, 1), (1, 0), (2, 2));
    &plus - &minus
}

/// The number of row swaps in LU pivots that actually move a row (`pivots != arange`).
fn swap_count(pivots: &Array) -> Array {
    let k = *pivots.shape().last().expect("pivots have an axis");
    let iota = lax::iota(DType::I32, k);
    jnp::count_nonzero(&jnp::not_equal(pivots, &iota), -1)
}

/// JAX's `_cofactor_solve`: `(det(a), adj(a) @ b)`, well defined for matrices of rank n-1
/// (where `det(a) * solve(a, b)` would be NaN) and zero for lower ranks. The JVP of `det`.
fn cofactor_solve(a: &Array, b: &Array) -> (Array, Array) {
    let r = a.ndim();
    let n = a.shape()[r - 1];
    if n == 1 {
        return (entry(a, 0, 0), b.clone());
    }
    let (lu, pivots, permutation) = lax::linalg::lu(a);
    let diag = jnp::diagonal(&lu, 0, -2, -1);
    let parity = swap_count(&pivots);
    let sign = (&(&jnp::remainder(&parity, &Array::scalar(2i32)) * -2) + 1).astype(a.dtype());
    // JAX takes the last two entries of cumprod(diag) * sign: the determinant and
    // det(U) / u_nn. Two products give them (the cumulative product has no complex kernel).
    let k = diag.ndim() - 1;
    let det = &jnp::prod(&diag, -1) * &sign;
    let below_corner = &jnp::prod(&lax::slice_in_dim(&diag, 0, n - 1, 1, k), -1) * &sign;
    let rows = lax::broadcasted_iota(DType::I32, [n, n], 0);
    let cols = lax::broadcasted_iota(DType::I32, [n, n], 1);
    let corner = jnp::logical_and(
        &jnp::equal(&rows, &Array::scalar((n - 1) as i32)),
        &jnp::equal(&cols, &Array::scalar((n - 1) as i32)),
    );
    let corner_value =
        jnp::expand_dims(&(&jnp::ones_like(&below_corner) / &below_corner), [-2, -1]);
    let lu = jnp::where_(&corner, &corner_value, &lu);
    let upper = TriangularSolveOptions {
        left_side: true,
        lower: false,
        ..Default::default()
    };
    // Matrices whose U (with the corner replaced) is still singular have rank < n - 1.
    let ones = jnp::ones_like(&jnp::squeeze(&lax::slice_in_dim(b, 0, 1, 1, r - 1), -1));
    let d = lax::linalg::triangular_solve_with(&lu, &ones, upper);
    let d = jnp::any(&jnp::logical_or(&jnp::isnan(&d), &jnp::isinf(&d)), -1);
    let d = jnp::broadcast_to(&jnp::expand_dims(&d, [-2, -1]), b.shape_obj().clone());
    let zeros = jnp::zeros_like(b);
    let x = jnp::where_(&d, &zeros, b);
    let x = permute_rows(&x, &permutation);
    let unit_lower = TriangularSolveOptions {
        left_side: true,
        lower: true,
        unit_diagonal: true,
        ..Default::default()
    };
    let x = lax::linalg::triangular_solve_with(&lu, &x, unit_lower);
    let head = lax::slice_in_dim(&x, 0, n - 1, 1, r - 2);
    let tail = lax::slice_in_dim(&x, n - 1, n, 1, r - 2);
    let head = &head * &jnp::expand_dims(&det, [-2, -1]);
    let x = jnp::concatenate(&[&head, &tail], -2);
    let x = lax::linalg::triangular_solve_with(&lu, &x, upper);
    (det, jnp::where_(&d, &zeros, &x))
}

/// `jnp.linalg.det(a)`: the determinant of each matrix in the last two axes. 2×2 and 3×3
/// matrices use the explicit formulas; larger ones `sign * exp(logabsdet)` of [`slogdet`],
/// differentiated by JAX's rule (the adjugate, through an LU cofactor solve, so gradients stay
/// finite at singular matrices).
///
/// Panics unless `a` has shape `[..., n, n]`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// assert_eq!(jnp::linalg::det(&a).to_vec::<f32>(), vec![-2.0]);
/// ```
pub fn det(a: &Array) -> Array {
    let a = to_inexact(a);
    let r = a.ndim();
    if r < 2 || a.shape()[r - 1] != a.shape()[r - 2] {
        panic!(
            "Argument to _det() must have shape [..., n, n], got {}",
            py(a.shape())
        );
    }
    match a.shape()[r - 1] {
        2 => det_2x2(&a),
        3 => det_3x3(&a),
        _ => custom_jvp(
            |a: &Array| {
                let (sign, logdet) = slogdet(a);
                &sign * &logdet.exp()
            },
            |x: &Array, g: &Array| {
                let (y, z) = cofactor_solve(x, g);
                (y, jnp::trace(&z, 0, -1, -2))
            },
        )(&a),
    }
}

fn slogdet_small(a: &Array) -> (Array, Array) {
    let n = a.shape()[a.ndim() - 1];
    let det = if n == 1 { entry(a, 0, 0) } else { det_2x2(a) };
    (jnp::sign(&det), jnp::abs(&det).log())
}

/// The tangent of the sign from that of `logdet` (`ans_dot`, complex for complex `a`): JAX's
/// `(ans_dot - real(ans_dot)) * sign` for complex matrices, zero for real ones. Returns the
/// sign's tangent and the (real) tangent of `log|det|`.
fn sign_and_logdet_tangents(sign: &Array, ans_dot: Array) -> (Array, Array) {
    if !ans_dot.dtype().is_complex() {
        return (jnp::zeros_like(sign), ans_dot);
    }
    let real = jnp::real(&ans_dot);
    let sign_dot = &(&ans_dot - &real.astype(ans_dot.dtype())) * sign;
    (sign_dot, real)
}

fn slogdet_small_jvp(x: &Array, g: &Array) -> ((Array, Array), (Array, Array)) {
    let n = x.shape()[x.ndim() - 1];
    let (sign, ans) = slogdet_small(x);
    let ans_dot = if n == 1 {
        &entry(g, 0, 0) / &entry(x, 0, 0)
    } else {
        let e = |m: &Array, i, j| entry(m, i, j);
        let num = &(&(&(&e(g, 0, 0) * &e(x, 1, 1)) - &(&e(g, 0, 1) * &e(x, 1, 0)))
            - &(&e(g, 1, 0) * &e(x, 0, 1)))
            + &(&e(g, 1, 1) * &e(x, 0, 0));
        &num / &det_2x2(x)
    };
    let (sign_dot, ans_dot) = sign_and_logdet_tangents(&sign, ans_dot);
    ((sign, ans), (sign_dot, ans_dot))
}

fn slogdet_lu(a: &Array) -> (Array, Array) {
    let (lu, pivots, _) = lax::linalg::lu(a);
    let diag = jnp::diagonal(&lu, 0, -2, -1);
    let zero = jnp::zeros_like(&diag);
    let is_zero = jnp::any(&jnp::equal(&diag, &zero), -1);
    let (parity, sign) = if a.dtype().is_complex() {
        // The phases of U's diagonal.
        let phases = &diag / &jnp::abs(&diag).astype(diag.dtype());
        (swap_count(&pivots), jnp::prod(&phases, -1))
    } else {
        let negative = jnp::count_nonzero(&jnp::less(&diag, &zero), -1);
        (
            &swap_count(&pivots) + &negative,
            jnp::ones_like(&entry(a, 0, 0)),
        )
    };
    let parity_sign =
        (&(&jnp::remainder(&parity, &Array::scalar(2i32)) * -2) + 1).astype(a.dtype());
    let sign = &sign * &parity_sign;
    let sign = jnp::where_(&is_zero, &full(&sign, 0.0), &sign);
    let logdet = jnp::sum(&jnp::abs(&diag).log(), -1);
    let logdet = jnp::where_(&is_zero, &full(&logdet, f64::NEG_INFINITY), &logdet);
    (sign, logdet)
}

fn slogdet_jvp(x: &Array, g: &Array) -> ((Array, Array), (Array, Array)) {
    let (sign, ans) = slogdet(x);
    let ans_dot = jnp::trace(&solve(x, g), 0, -1, -2);
    let (sign_dot, ans_dot) = sign_and_logdet_tangents(&sign, ans_dot);
    ((sign, ans), (sign_dot, ans_dot))
}

/// `jnp.linalg.slogdet(a) -> (sign, logabsdet)`: the sign (0 for a singular matrix) and the
/// log of the absolute value of the determinant of each matrix in the last two axes, from the
/// LU factorisation (1×1 and 2×2 by formula), with JAX's custom JVP: the sign's tangent is
/// zero and `d logabsdet = trace(solve(a, da))`.
///
/// Panics unless `a` has shape `[..., n, n]`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![0.0f64, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0], [3, 3]);
/// let (sign, logabsdet) = jnp::linalg::slogdet(&a);
/// assert_eq!(sign.to_vec::<f64>(), vec![0.0]);
/// assert_eq!(logabsdet.to_vec::<f64>(), vec![f64::NEG_INFINITY]);
/// ```
pub fn slogdet(a: &Array) -> (Array, Array) {
    let a = to_inexact(a);
    let r = a.ndim();
    if r < 2 || a.shape()[r - 1] != a.shape()[r - 2] {
        panic!(
            "Argument to slogdet() must have shape [..., n, n], got {}",
            py(a.shape())
        );
    }
    let n = a.shape()[r - 1];
    if n == 1 || n == 2 {
        custom_jvp(slogdet_small, |x: &Array, g: &Array| {
            let (p, t) = slogdet_small_jvp(x, g);
            (p, t)
        })(&a)
    } else {
        custom_jvp(slogdet_lu, slogdet_jvp)(&a)
    }
}

/// Options of [`tensorsolve_with`].
#[derive(Clone, Debug, Default)]
pub struct TensorsolveOptions {
    /// Axes of `a` to move to the end before solving (JAX's `axes`; `None`: none).
    pub axes: Option<Vec<isize>>,
}

/// `jnp.linalg.tensorsolve(a, b)`: `x` with `tensordot(a, x, x.ndim) = b`, where `a`'s leading
/// axes have `b`'s shape and the product of the rest equals `b`'s size. See
/// [`tensorsolve_with`].
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = jnp::reshape(&jnp::eye(4), [2, 2, 2, 2]);
/// let b = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// assert_eq!(jnp::linalg::tensorsolve(&a, &b).to_vec::<f32>(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
pub fn tensorsolve(a: &Array, b: &Array) -> Array {
    tensorsolve_with(a, b, TensorsolveOptions::default())
}

/// `jnp.linalg.tensorsolve(a, b, axes=)`: [`tensorsolve`] after moving `axes` of `a` to the
/// end. Panics with JAX's messages when the shapes do not fit.
pub fn tensorsolve_with(a: &Array, b: &Array, options: TensorsolveOptions) -> Array {
    let mut a = a.clone();
    if let Some(axes) = &options.axes {
        let end = a.ndim() as isize - 1;
        for &axis in axes {
            a = jnp::moveaxis(&a, axis, end);
        }
    }
    let nb = b.ndim();
    if a.ndim() < nb || a.shape()[..nb] != b.shape()[..] {
        panic!(
            "After moving axes to end, leading shape of a must match shape of b. got \
             a.shape={}, b.shape={}",
            py(a.shape()),
            py(b.shape())
        );
    }
    let out_shape = a.shape()[nb..].to_vec();
    let out_size: usize = out_shape.iter().product();
    if b.size() != out_size {
        panic!(
            "Input arrays must have prod(a.shape[:b.ndim]) == prod(a.shape[b.ndim:]); got \
             a.shape={}, b.ndim={nb}.",
            py(a.shape())
        );
    }
    let a = jnp::reshape(&a, [b.size(), out_size]);
    jnp::reshape(&solve(&a, &jnp::ravel(b)), out_shape)
}

/// `jnp.linalg.tensorinv(a)` with JAX's default `ind=2`. See [`tensorinv_with`].
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = jnp::reshape(&(&jnp::eye(4) * 2.0), [4, 2, 2]);
/// let inv = jnp::linalg::tensorinv_with(&a, 1);
/// assert_eq!(inv.shape(), &[2, 2, 4]);
/// assert_eq!(inv.to_vec::<f32>()[0], 0.5);
/// ```
pub fn tensorinv(a: &Array) -> Array {
    tensorinv_with(a, 2)
}

/// `jnp.linalg.tensorinv(a, ind)`: the inverse of `a` seen as a matrix from its first `ind`
/// axes to the rest; the result has shape `a.shape[ind:] + a.shape[:ind]`. Panics (with JAX's
/// messages) unless `ind > 0` and both sides have the same size.
pub fn tensorinv_with(a: &Array, ind: usize) -> Array {
    if ind == 0 {
        panic!("ind must be a positive integer; got ind={ind}");
    }
    let ind = ind.min(a.ndim());
    let (contracting, batch) = a.shape().split_at(ind);
    let (rows, cols) = (
        contracting.iter().product::<usize>(),
        batch.iter().product::<usize>(),
    );
    if rows != cols {
        panic!(
            "tensorinv is only possible when the product of the first `ind` dimensions equals \
             that of the remaining dimensions. got arr.shape={} with ind={ind}.",
            py(a.shape())
        );
    }
    let out: Vec<usize> = batch.iter().chain(contracting).copied().collect();
    jnp::reshape(&inv(&jnp::reshape(a, [rows, cols])), out)
}

/// `jnp.linalg.matrix_power(a, n)`: `a` multiplied by itself `n` times (by repeated squaring),
/// the identity for `n = 0`, powers of the inverse for `n < 0`.
///
/// Panics unless `a` has shape `[..., m, m]`, with JAX's messages.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 1.0, 0.0, 1.0], [2, 2]);
/// assert_eq!(jnp::linalg::matrix_power(&a, 5).to_vec::<f32>(), vec![1.0, 5.0, 0.0, 1.0]);
/// ```
pub fn matrix_power(a: &Array, n: i64) -> Array {
    let r = a.ndim();
    if r < 2 {
        panic!("{r}-dimensional array given. Array must be at least two-dimensional");
    }
    if a.shape()[r - 2] != a.shape()[r - 1] {
        panic!("Last 2 dimensions of the array must be square");
    }
    if n == 0 {
        let eye = jnp::eye(a.shape()[r - 1]).astype(a.dtype());
        return jnp::broadcast_to(&eye, a.shape_obj().clone());
    }
    let a = if n < 0 { inv(a) } else { a.clone() };
    let mut n = n.unsigned_abs();
    match n {
        1 => return a,
        2 => return jnp::matmul(&a, &a),
        3 => return jnp::matmul(&jnp::matmul(&a, &a), &a),
        _ => {}
    }
    let mut z: Option<Array> = None;
    let mut result: Option<Array> = None;
    while n > 0 {
        let zz = match &z {
            None => a.clone(),
            Some(z) => jnp::matmul(z, z),
        };
        if n % 2 == 1 {
            result = Some(match &result {
                None => zz.clone(),
                Some(r) => jnp::matmul(r, &zz),
            });
        }
        z = Some(zz);
        n /= 2;
    }
    result.expect("n > 0 sets the result")
}
