//! `lu` (LU decomposition with partial pivoting, LAPACK's `getrf` conventions) and
//! `lu_pivots_to_permutation`, with JAX's JVP and batching rules
//! (`jax/_src/lax/linalg.py`, `_lu_jvp_rule`, `_generic_lu_pivots_to_permutation`).

use super::cholesky::{
    check_linalg_operand, faer_par, for_each_matrix_threads, linalg_keeping_subnormals,
    splits_batch, with_linalg_type, LinalgScalar,
};
use super::lowering::abs;
use super::triangular_solve::TriangularSolve;
use crate::array::{Array, DType, Shape, ShapeDtype};
use crate::backend::cpu::lu::LuElement;
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::binary::BinaryOp;
use crate::prims::compare::CompareOp;
use crate::prims::ops;
use crate::prims::reduce::{ArgKind, ReduceOp};
use crate::prims::slicing::PadConfig;
use crate::prims::{bind, bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting::factor::{lu_in_place, lu_in_place_scratch};
use faer::traits::math_utils;
use faer::{MatMut, Par};

/// `lu(x) -> (lu, pivots, permutation)` for `x` of shape `[..., m, n]`: `P x = L U` with `L`
/// unit lower triangular (stored below the diagonal of `lu`) and `U` upper triangular (on and
/// above it). `pivots` (int32, `[..., min(m, n)]`) are LAPACK's row swaps (row `i` swapped
/// with row `pivots[i]`, in order); `permutation` (int32, `[..., m]`) is the resulting row
/// order: row `i` of `P x` is row `permutation[i]` of `x`. Singular matrices factor without
/// error (a zero on `U`'s diagonal), as LAPACK does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lu;

/// `lu_pivots_to_permutation[permutation_size](pivots)`: the permutation (int32,
/// `[..., permutation_size]`) that applying the row swaps `pivots` (int32, `[..., k]`, `k <=
/// permutation_size`) in order makes of `0..permutation_size`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LuPivotsToPermutation {
    /// The length of the permutation (the number of rows of the factored matrix).
    pub permutation_size: usize,
}

/// Step `j` of JAX's `_lu_unblocked` on a batch of `m × n` matrices `a` (leading axes are
/// the batch): pivot on the largest `|re| + |im|` on or below the diagonal of column `j` (the
/// first on a tie, as LAPACK's `i?amax`), swap that row with row `j` (in `a` and in the
/// permutation), divide the column below the pivot by it unless it is zero (LAPACK leaves such
/// a column alone, as the CPU kernel does), and subtract the rank-one update from the trailing
/// block. Returns `[j + 1, pivots, permutation, a]`, the next loop state.
fn lu_step(j: &Array, pivots: &Array, permutation: &Array, a: &Array) -> Vec<Array> {
    let r = a.ndim();
    let (m, n) = (a.shape()[r - 2], a.shape()[r - 1]);
    let batch = &a.shape()[..r - 2];
    let zero = Array::scalar(0i32);
    let at = |row: &Array, col: &Array| -> Vec<Array> {
        let mut starts = vec![zero.clone(); r - 2];
        starts.extend([row.clone(), col.clone()]);
        starts
    };
    let with_batch = |dims: &[usize]| -> Vec<usize> { batch.iter().chain(dims).copied().collect() };
    let column = |a: &Array| {
        let c = ops::dynamic_slice(a, &at(&zero, j), &with_batch(&[m, 1]));
        ops::reshape(&c, &with_batch(&[m]))
    };
    let col = column(a);
    let magnitude = if col.dtype().is_complex() {
        let re = abs(&ops::real(&col));
        let im = abs(&bind1(crate::prims::complex::ComplexOp::Imag, &[&col]));
        ops::add(&re, &im)
    } else {
        abs(&col)
    };
    let rows = ops::broadcasted_iota(DType::I32, with_batch(&[m]), r - 2);
    let on_or_below = ops::compare(CompareOp::Ge, &rows, j, "lu");
    let negative_infinity = ops::full_like_scalar(&magnitude, f64::NEG_INFINITY);
    let candidates = ops::where_(&on_or_below, &magnitude, &negative_infinity);
    let pivot_row = bind1(
        ReduceOp::ArgReduce {
            kind: ArgKind::Argmax,
            axis: r - 2,
            index_dtype: DType::I32,
        },
        &[&candidates],
    );
    let pivot_row = ops::expand_dims(&pivot_row, &[r - 2]);
    let pivots = ops::dynamic_update_slice(pivots, &pivot_row, &at(&zero, j)[1..]);
    // Rows j and i swap: row t of the result is row order[t] of a.
    let order = ops::where_(
        &ops::compare(CompareOp::Eq, &rows, j, "lu"),
        &pivot_row,
        &ops::where_(
            &ops::compare(CompareOp::Eq, &rows, &pivot_row, "lu"),
            j,
            &rows,
        ),
    );
    let permutation = ops::take_along_axis(permutation, &order, r - 2);
    let gather_rows =
        ops::broadcast_to_shape(&ops::expand_dims(&order, &[r - 1]), a.shape_obj(), "lu");
    let a = ops::take_along_axis(a, &gather_rows, r - 2);
    let col = column(&a);
    let pivot = ops::reshape(
        &ops::dynamic_slice(&a, &at(j, j), &with_batch(&[1, 1])),
        &with_batch(&[1]),
    );
    let nonzero = ops::compare(
        CompareOp::Ne,
        &pivot,
        &ops::full_like_scalar(&pivot, 0.0),
        "lu",
    );
    let below = ops::compare(CompareOp::Gt, &rows, j, "lu");
    let scale = ops::binary(BinaryOp::And, &below, &nonzero, "lu");
    let col = ops::where_(
        &scale,
        &ops::binary(BinaryOp::Div, &col, &pivot, "lu"),
        &col,
    );
    let col = ops::expand_dims(&col, &[r - 1]);
    let a = ops::dynamic_update_slice(&a, &col, &at(&zero, j));
    let row = ops::dynamic_slice(&a, &at(j, &zero), &with_batch(&[1, n]));
    let outer = ops::binary(BinaryOp::Mul, &col, &row, "lu");
    let cols = ops::broadcasted_iota(DType::I32, with_batch(&[1, n]), r - 1);
    let right = ops::compare(CompareOp::Gt, &cols, j, "lu");
    let trailing = ops::binary(
        BinaryOp::And,
        &ops::expand_dims(&below, &[r - 1]),
        &right,
        "lu",
    );
    let a = ops::sub(
        &a,
        &ops::where_(&trailing, &outer, &ops::zeros_like(&outer)),
    );
    vec![ops::add(j, &Array::scalar(1i32)), pivots, permutation, a]
}

/// LAPACK's unblocked `getf2` on a row-major `m`×`n` matrix: the fallback for complex matrices
/// with a zero pivot, where LAPACK leaves the column below it alone (faer would divide by zero).
/// Pivots are chosen by `|re| + |im|`, as LAPACK's `i?amax` (and faer) do.
fn lu_unblocked<T: LinalgScalar>(a: &mut [T], m: usize, n: usize, perm: &mut [usize]) {
    let abs1 = |x: &T| math_utils::abs1(x);
    for k in 0..m.min(n) {
        let mut p = k;
        for i in k + 1..m {
            if abs1(&a[i * n + k]) > abs1(&a[p * n + k]) {
                p = i;
            }
        }
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
            perm.swap(k, p);
        }
        let pivot = a[k * n + k];
        if pivot != math_utils::zero::<T>() {
            for i in k + 1..m {
                a[i * n + k] /= pivot;
            }
        }
        for i in k + 1..m {
            let l = a[i * n + k];
            for j in k + 1..n {
                a[i * n + j] -= l * a[k * n + j];
            }
        }
    }
}

/// How one matrix factors: real matrices with the recursive row-major kernel
/// ([`crate::backend::cpu::lu`]), complex ones with faer (the default).
trait LuFactor: LinalgScalar {
    /// Factors the row-major `m`×`n` matrix `original` into `a` (row-major, same size, its
    /// contents ignored) with up to `threads` threads; returns the row permutation.
    fn factor(a: &mut [Self], original: &[Self], m: usize, n: usize, threads: usize) -> Vec<usize> {
        let par = faer_par(threads, m * n * m.min(n));
        lu_faer(a, original, m, n, par)
    }

    /// Whether [`LuFactor::factor`] of an `m`×`n` matrix starts a parallel loop when given
    /// `threads` threads.
    fn is_parallel(m: usize, n: usize, threads: usize) -> bool {
        faer_par(threads, m * n * m.min(n)) != Par::Seq
    }
}

impl LuFactor for num_complex::Complex32 {}
impl LuFactor for num_complex::Complex64 {}

impl LuFactor for f32 {
    fn factor(a: &mut [f32], original: &[f32], m: usize, n: usize, threads: usize) -> Vec<usize> {
        lu_row_major(a, original, m, n, threads)
    }

    fn is_parallel(m: usize, n: usize, threads: usize) -> bool {
        threads > 1 && crate::backend::cpu::lu::splits_products(m, n)
    }
}

impl LuFactor for f64 {
    fn factor(a: &mut [f64], original: &[f64], m: usize, n: usize, threads: usize) -> Vec<usize> {
        lu_row_major(a, original, m, n, threads)
    }

    fn is_parallel(m: usize, n: usize, threads: usize) -> bool {
        threads > 1 && crate::backend::cpu::lu::splits_products(m, n)
    }
}

/// [`LuFactor::factor`] through [`crate::backend::cpu::lu::lu_in_place`].
fn lu_row_major<T: LuElement>(
    a: &mut [T],
    original: &[T],
    m: usize,
    n: usize,
    threads: usize,
) -> Vec<usize> {
    a.copy_from_slice(original);
    let mut pivots = vec![0; m.min(n)];
    crate::backend::cpu::lu::lu_in_place(a, m, n, &mut pivots, threads);
    let mut perm: Vec<usize> = (0..m).collect();
    for (i, &p) in pivots.iter().enumerate() {
        perm.swap(i, p);
    }
    perm
}

/// [`LuFactor::factor`] through faer.
fn lu_faer<T: LinalgScalar>(
    a: &mut [T],
    original: &[T],
    m: usize,
    n: usize,
    par: Par,
) -> Vec<usize> {
    let mut perm = vec![0usize; m];
    let mut perm_inv = vec![0usize; m];
    let mut factor = |t: &mut [T]| {
        let view = MatMut::from_column_major_slice_mut(t, m, n);
        let mut buf = MemBuffer::new(lu_in_place_scratch::<usize, T>(
            m,
            n,
            par,
            Default::default(),
        ));
        lu_in_place(
            view,
            &mut perm,
            &mut perm_inv,
            par,
            MemStack::new(&mut buf),
            Default::default(),
        );
    };
    if m == n {
        // A square matrix factors in `a` itself: no column-major buffer to allocate.
        super::column_major::transpose_into(original, m, n, a);
        factor(a);
        super::column_major::transpose_square_in_place(a, n);
    } else {
        let mut t = super::column_major::to_column_major(original, m, n);
        factor(&mut t);
        super::column_major::from_column_major(&t, m, n, a);
    }
    // A zero pivot with rows below it: faer scaled the column by 1/0; redo it as LAPACK does.
    let zero_pivot = (0..m.min(n)).any(|k| k + 1 < m && a[k * n + k] == math_utils::zero::<T>());
    if zero_pivot {
        a.copy_from_slice(original);
        perm = (0..m).collect();
        lu_unblocked(a, m, n, &mut perm);
    }
    perm
}

/// LAPACK's row swaps that produce `perm` (as `getrf` would have applied them).
fn pivots_of(perm: &[usize], k: usize) -> Vec<i32> {
    let m = perm.len();
    let mut rows: Vec<usize> = (0..m).collect();
    let mut pos: Vec<usize> = (0..m).collect();
    let mut pivots = Vec::with_capacity(k);
    for (i, &want) in perm.iter().enumerate().take(k) {
        let j = pos[want];
        pivots.push(j as i32);
        let (ri, rj) = (rows[i], rows[j]);
        rows.swap(i, j);
        pos[ri] = j;
        pos[rj] = i;
    }
    pivots
}

/// The work of one `m`×`n` LU factorisation, `m·n·min(m, n)`, the measure of the parallel
/// thresholds.
fn lu_flops(m: usize, n: usize) -> usize {
    m * n * m.min(n)
}

fn lu_kernel<T: LuFactor>(x: &Array, m: usize, n: usize) -> (Vec<T>, Vec<i32>, Vec<i32>) {
    let src = x.as_slice::<T>();
    // Every matrix of `out` is written whole by `LuFactor::factor`.
    let mut out = vec![math_utils::zero::<T>(); src.len()];
    let len = m * n;
    let batch = out.len().checked_div(len).unwrap_or(0);
    let k = m.min(n);
    let perms = std::sync::Mutex::new(vec![Vec::new(); batch]);
    for_each_matrix_threads(&mut out, len, lu_flops(m, n), |i, a, threads| {
        let p = T::factor(a, &src[i * len..(i + 1) * len], m, n, threads);
        perms.lock().expect("no panics while holding the lock")[i] = p;
    });
    let perms = perms
        .into_inner()
        .expect("no panics while holding the lock");
    let mut pivots = Vec::with_capacity(batch * k);
    let mut permutation = Vec::with_capacity(batch * m);
    for p in &perms {
        pivots.extend(pivots_of(p, k));
        permutation.extend(p.iter().map(|&r| r as i32));
    }
    if batch == 0 {
        // Empty matrices (m or n zero) over a non-empty batch: identity permutations.
        let count = x.shape()[..x.ndim() - 2].iter().product::<usize>();
        permutation = (0..count).flat_map(|_| 0..m as i32).collect();
    }
    (out, pivots, permutation)
}

/// `x`'s rows reordered by `perm` along axis -2 (`x[..., perm, :]`, batched).
pub(crate) fn permute_rows(x: &Array, perm: &Array) -> Array {
    let r = x.ndim();
    let idx = ops::expand_dims(perm, &[r - 1]);
    let idx = ops::broadcast_to_shape(&idx, x.shape_obj(), "broadcast_to");
    ops::take_along_axis(x, &idx, r - 2)
}

/// `x` padded with `(before, after)` zeros of its dtype along each axis (`jnp.pad(x, widths)`).
fn pad_zeros(x: &Array, widths: &[(usize, usize)]) -> Array {
    let config: Vec<PadConfig> = widths
        .iter()
        .map(|&(lo, hi)| (lo as i64, hi as i64, 0))
        .collect();
    ops::pad(
        x,
        &ops::convert(&Array::scalar(0.0), x.dtype(), false),
        &config,
    )
}

/// `lax.linalg.lu_solve(lu, permutation, b, trans)` (documented there): solves with the
/// factorisation of [`Lu`], for `lax` and for the JVP of `eig`.
pub(crate) fn lu_solve(lu: &Array, permutation: &Array, b: &Array, trans: u8) -> Array {
    let r = lu.ndim();
    if r < 2 || lu.shape()[r - 1] != lu.shape()[r - 2] {
        panic!(
            "last two dimensions of LU decomposition must be equal, got shape {:?}",
            lu.shape()
        );
    }
    if b.ndim() < 1 {
        panic!("b matrix must have rank >= 1, got shape {:?}", b.shape());
    }
    if trans > 2 {
        panic!("'trans' value must be 0, 1, or 2, got {trans}");
    }
    let m = lu.shape()[r - 1];
    let rhs_vector = r == b.ndim() + 1;
    let b = if rhs_vector {
        if b.shape()[b.ndim() - 1] != m {
            panic!(
                "When LU decomposition matrix and b have the same number of dimensions, last \
                 axis of LU decomposition matrix (shape {:?}) and b array (shape {:?}) must \
                 match",
                lu.shape(),
                b.shape()
            );
        }
        ops::expand_dims(b, &[b.ndim()])
    } else {
        if b.ndim() < 2 || b.shape()[b.ndim() - 2] != m {
            panic!(
                "When LU decomposition matrix and b different numbers of dimensions, last axis \
                 of LU decomposition matrix (shape {:?}) and second to last axis of b array \
                 (shape {:?}) must match",
                lu.shape(),
                b.shape()
            );
        }
        b.clone()
    };
    let batch = broadcast_batch(
        "lu_solve",
        &[
            &lu.shape()[..r - 2],
            &permutation.shape()[..permutation.ndim() - 1],
            &b.shape()[..b.ndim() - 2],
        ],
    );
    let with = |tail: &[usize]| -> Shape { Shape(batch.iter().chain(tail).copied().collect()) };
    let lu = ops::broadcast_to_shape(lu, &with(&[m, m]), "broadcast_to");
    let permutation = ops::broadcast_to_shape(permutation, &with(&[m]), "broadcast_to");
    let k = b.shape()[b.ndim() - 1];
    let b = ops::broadcast_to_shape(&b, &with(&[m, k]), "broadcast_to");
    let solve = |x: &Array, lower: bool, transpose_a: bool| {
        let options = TriangularSolve {
            left_side: true,
            lower,
            transpose_a,
            conjugate_a: trans == 2,
            unit_diagonal: lower,
        };
        // `b` has `lu`'s rank here, so this is the whole of `lax.linalg.triangular_solve`.
        bind1(options, &[&lu, x])
    };
    let x = if trans == 0 {
        let x = permute_rows(&b, &permutation);
        let x = solve(&x, true, false);
        solve(&x, false, false)
    } else {
        let x = solve(&b, false, true);
        let x = solve(&x, true, true);
        // Undo the row permutation: the inverse permutation is the argsort of `permutation`.
        let inverse = ops::argsort(&permutation, permutation.ndim() - 1).astype(DType::I32);
        permute_rows(&x, &inverse)
    };
    if rhs_vector {
        ops::squeeze(&x, &[x.ndim() - 1])
    } else {
        x
    }
}

/// The broadcast of batch shapes, or a panic naming `op` and the shapes.
pub(crate) fn broadcast_batch(op: &str, shapes: &[&[usize]]) -> Vec<usize> {
    shapes
        .iter()
        .try_fold(Vec::new(), |acc, s| {
            crate::array::broadcast_shapes(&acc, s).map(|s| s.to_vec())
        })
        .unwrap_or_else(|| {
            let shapes: Vec<String> = shapes.iter().map(|s| rules::py_tuple(s)).collect();
            panic!(
                "{op}: Incompatible shapes for broadcasting: shapes=[{}]",
                shapes.join(", ")
            )
        })
}

/// JAX's `_lu_jvp_inner`, over leading batch axes: L̇ = L tril(L⁻¹ Ȧ_P U⁻¹, -1),
/// U̇ = triu(L⁻¹ Ȧ_P U⁻¹) U, returned packed as one matrix.
fn lu_jvp(lu: &Array, a_dot: &Array, permutation: &Array) -> Array {
    let r = lu.ndim();
    let (m, n) = (lu.shape()[r - 2], lu.shape()[r - 1]);
    let k = m.min(n);
    let dtype = lu.dtype();
    let mut pad = vec![(0usize, 0usize); r];
    let cols_k = ops::slice_in_dim(lu, 0, k, 1, r - 1);
    pad[r - 1] = (0, m - k);
    let l = &pad_zeros(&ops::tril(&cols_k, -1), &pad) + &ops::eye(m, None, 0).astype(dtype);
    let rows_k = ops::slice_in_dim(lu, 0, k, 1, r - 2);
    pad[r - 1] = (0, 0);
    pad[r - 2] = (0, n - k);
    let u_eye = pad_zeros(&ops::eye(n - k, None, 0), &[(k, 0), (k, 0)]).astype(dtype);
    let u = &pad_zeros(&ops::triu(&rows_k, 0), &pad) + &u_eye;
    let la = bind1(
        TriangularSolve {
            left_side: true,
            lower: true,
            transpose_a: false,
            conjugate_a: false,
            unit_diagonal: true,
        },
        &[&l, &permute_rows(a_dot, permutation)],
    );
    let lau = bind1(
        TriangularSolve {
            left_side: false,
            lower: false,
            transpose_a: false,
            conjugate_a: false,
            unit_diagonal: false,
        },
        &[&u, &la],
    );
    let l_dot = ops::matmul(&l, &ops::tril(&lau, -1));
    let u_dot = ops::matmul(&ops::triu(&lau, 0), &u);
    &l_dot + &u_dot
}

impl PrimitiveRule for Lu {
    fn name(&self) -> &'static str {
        "lu"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("lu", args, 1);
        let x = args[0];
        check_linalg_operand("lu", 0, x, 2);
        let r = x.shape.ndim();
        let (m, n) = (x.shape[r - 2], x.shape[r - 1]);
        let batch = &x.shape[..r - 2];
        let with = |last: usize| {
            let mut s = batch.to_vec();
            s.push(last);
            ShapeDtype::new(s, DType::I32)
        };
        vec![
            ShapeDtype::new(x.shape.clone(), x.dtype),
            with(m.min(n)),
            with(m),
        ]
    }

    /// A loop of ordinary operations (XLA expands no LU call on CPU): JAX's
    /// `_lu_unblocked`, one column per `stablehlo.while` step (`lu_step`), every matrix of
    /// the batch at once.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let x = &args[0];
        let r = x.aval.shape.len();
        let k = out[1].shape[r - 2];
        let start = cx.lower_function(
            &|_: &[Array]| {
                vec![
                    ops::zeros(out[1].shape.clone(), DType::I32),
                    ops::broadcasted_iota(DType::I32, out[2].shape.clone(), r - 2),
                ]
            },
            &[],
        )?;
        let (pivots, permutation) = (start[0].clone(), start[1].clone());
        if k == 0 {
            return Ok(vec![x.clone(), pivots, permutation]);
        }
        let step = cx.int_scalar(DType::I32, 0);
        let state = cx.while_loop(
            &[step, pivots, permutation, x.clone()],
            |cx, s| {
                let steps = cx.int_scalar(DType::I32, k as i128);
                Ok(cx.compare("LT", &s[0], &steps))
            },
            |cx, s| cx.lower_function(&|a: &[Array]| lu_step(&a[0], &a[1], &a[2], &a[3]), s),
        )?;
        Ok(vec![state[3].clone(), state[1].clone(), state[2].clone()])
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let r = x.ndim();
        let (m, n) = (x.shape()[r - 2], x.shape()[r - 1]);
        let batch = x.size().checked_div(m * n).unwrap_or(0);
        let parallel = splits_batch(batch, lu_flops(m, n))
            || (batch == 1
                && with_linalg_type!(x.dtype(), T => {
                    T::is_parallel(m, n, crate::backend::cpu::matmul::max_threads())
                }));
        linalg_keeping_subnormals(parallel, || {
            let (lu, pivots, perm) = with_linalg_type!(x.dtype(), T => {
                let (a, p, q) = lu_kernel::<T>(x, m, n);
                (Array::from_vec(a, out[0].shape.clone()), p, q)
            });
            vec![
                lu,
                Array::from_vec(pivots, out[1].shape.clone()),
                Array::from_vec(perm, out[2].shape.clone()),
            ]
        })
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let outs = bind(Lu, primals);
        let lu_dot = tangents[0].map(|a_dot| lu_jvp(&outs[0], a_dot, &outs[2]));
        (outs, vec![lu_dot, None, None])
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let x = rules::bdim_to_front(args[0], dims[0], axis_size);
        (bind(Lu, &[&x]), vec![Some(0); 3])
    }
}

impl PrimitiveRule for LuPivotsToPermutation {
    fn name(&self) -> &'static str {
        "lu_pivots_to_permutation"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("lu_pivots_to_permutation", args, 1);
        let p = args[0];
        if p.dtype != DType::I32 {
            panic!(
                "lu_pivots_to_permutation does not accept dtype {} at position 0. Accepted \
                 dtypes at position 0 are subtypes of int32.",
                p.dtype
            );
        }
        let r = p.shape.ndim();
        if r < 1 {
            panic!(
                "Input 0 to lu_pivots_to_permutation must have rank at least 1, but got \
                 shape={}",
                rules::py_tuple(&p.shape)
            );
        }
        let k = p.shape[r - 1];
        if self.permutation_size < k {
            panic!(
                "Output permutation size {} has to exceed the trailing dimension of the \
                 pivots. Got pivots size {k} (operand {})",
                self.permutation_size,
                describe(args)
            );
        }
        let mut s = p.shape[..r - 1].to_vec();
        s.push(self.permutation_size);
        vec![ShapeDtype::new(s, DType::I32)]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let pivots = args[0].as_slice::<i32>();
        let m = self.permutation_size;
        let k = *args[0].shape().last().expect("rank checked");
        let batch = out[0].shape.size() / m.max(1);
        let mut perm = Vec::with_capacity(batch * m);
        for b in 0..batch {
            let mut p: Vec<i32> = (0..m as i32).collect();
            for i in 0..k {
                // Swaps outside the permutation are skipped (XLA's gather/scatter clamp or
                // drop them; LAPACK never produces them).
                let j = pivots[b * k + i];
                if (0..m as i32).contains(&j) {
                    p.swap(i, j as usize);
                }
            }
            perm.extend(p);
        }
        vec![Array::from_vec(perm, out[0].shape.clone())]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::zero_jvp(self.clone(), primals)
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let p = rules::bdim_to_front(args[0], dims[0], axis_size);
        (vec![bind1(self.clone(), &[&p])], vec![Some(0)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("permutation_size", self.permutation_size.to_string())]
    }
}
