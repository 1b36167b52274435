//! `triangular_solve`: solves `op(A) X = B` or `X op(A) = B` for triangular `A`, with JAX's
//! JVP (in `a`), transpose (it is linear in `b`) and batching rules
//! (`jax/_src/lax/linalg.py`, `_triangular_solve_*`).

use super::cholesky::{
    check_linalg_operand, for_each_matrix, for_each_matrix_is_parallel, linalg_keeping_subnormals,
    py_shape, with_linalg_type, LinalgScalar,
};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::binary::BinaryOp;
use crate::prims::ops;
use crate::prims::{bind1, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::linalg::triangular_solve as ts;
use faer::traits::Conjugate;
use faer::{MatMut, MatRef, Par};

/// `triangular_solve[left_side, lower, transpose_a, conjugate_a, unit_diagonal](a, b)`: `a` is
/// `[..., m, m]`, `b` is `[..., m, n]` (`left_side`, solving `op(a) x = b`) or `[..., n, m]`
/// (solving `x op(a) = b`), with the same leading (batch) axes. `op` transposes when
/// `transpose_a` and conjugates when `conjugate_a` (both: the conjugate transpose `aᴴ`); only
/// the `lower` (or upper) triangle of `a` is read, and its diagonal is taken as ones when
/// `unit_diagonal`. `conjugate_a` has no effect on real matrices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TriangularSolve {
    /// Solve `op(a) x = b` (true) or `x op(a) = b` (false).
    pub left_side: bool,
    /// Use the lower triangle of `a` (true) or the upper one.
    pub lower: bool,
    /// Use `aᵀ`.
    pub transpose_a: bool,
    /// Use the complex conjugate of `a` (no effect for real dtypes).
    pub conjugate_a: bool,
    /// Take the diagonal of `a` as ones without reading it.
    pub unit_diagonal: bool,
}

/// Solves one system in place: `x` (row-major, `b`'s shape) holds `b` and receives the
/// solution; `a` is the row-major `m`×`m` matrix.
fn solve_one<T: LinalgScalar>(p: &TriangularSolve, a: &[T], m: usize, x: &mut [T], par: Par) {
    let n = x.len() / m.max(1);
    let a = MatRef::from_row_major_slice(a, m, m);
    // op(A) and which triangle of it holds the data.
    let (op_a, mut lower) = if p.transpose_a {
        (a.transpose(), !p.lower)
    } else {
        (a, p.lower)
    };
    // X op(A) = B is op(A)ᵀ Xᵀ = Bᵀ: transposed views, no copies.
    let (tri, rhs) = if p.left_side {
        (op_a, MatMut::from_row_major_slice_mut(x, m, n))
    } else {
        lower = !lower;
        (
            op_a.transpose(),
            MatMut::from_row_major_slice_mut(x, n, m).transpose_mut(),
        )
    };
    // faer reads the conjugate through a view, without a copy.
    if p.conjugate_a {
        solve_triangle(tri.conjugate(), lower, p.unit_diagonal, rhs, par)
    } else {
        solve_triangle(tri, lower, p.unit_diagonal, rhs, par)
    }
}

/// `rhs ← tri⁻¹ rhs` for the `lower` (or upper) triangle of `tri`, its diagonal taken as ones
/// when `unit`.
fn solve_triangle<T: LinalgScalar, A: Conjugate<Canonical = T>>(
    tri: MatRef<'_, A>,
    lower: bool,
    unit: bool,
    rhs: MatMut<'_, T>,
    par: Par,
) {
    match (lower, unit) {
        (true, false) => ts::solve_lower_triangular_in_place(tri, rhs, par),
        (true, true) => ts::solve_unit_lower_triangular_in_place(tri, rhs, par),
        (false, false) => ts::solve_upper_triangular_in_place(tri, rhs, par),
        (false, true) => ts::solve_unit_upper_triangular_in_place(tri, rhs, par),
    }
}

/// The work of one triangular solve of an `m`×`m` matrix with `n` right-hand sides: `m²n`,
/// twice its multiply-adds, the measure the parallel thresholds were set with.
fn solve_flops(m: usize, n: usize) -> usize {
    m * m * n
}

fn kernel<T: LinalgScalar>(p: &TriangularSolve, a: &[T], b: &[T], m: usize) -> Vec<T> {
    let mut out = b.to_vec();
    let batch = a.len() / (m * m).max(1);
    if batch == 0 || m == 0 {
        return out;
    }
    let len = b.len() / batch;
    let n = len / m;
    for_each_matrix(&mut out, len, solve_flops(m, n), |i, x, par| {
        solve_one(p, &a[i * m * m..(i + 1) * m * m], m, x, par)
    });
    out
}

impl TriangularSolve {
    /// The same solve with `transpose_a` flipped (the transpose rule's solve).
    fn transposed(&self) -> TriangularSolve {
        TriangularSolve {
            transpose_a: !self.transpose_a,
            ..*self
        }
    }
}

impl PrimitiveRule for TriangularSolve {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let complex = args[0].aval.dtype.is_complex();
        let conjugate = self.conjugate_a && complex;
        let transpose = match (self.transpose_a, conjugate) {
            (true, true) => "ADJOINT",
            (true, false) => "TRANSPOSE",
            (false, _) => "NO_TRANSPOSE",
        };
        // StableHLO conjugates only with the transpose; a plain conjugate goes first.
        let a = if conjugate && !self.transpose_a {
            cx.conj(&args[0])
        } else {
            args[0].clone()
        };
        let attrs = format!(
            "left_side = {}, lower = {}, unit_diagonal = {}, \
             transpose_a = #stablehlo<transpose {transpose}>",
            self.left_side, self.lower, self.unit_diagonal
        );
        Ok(vec![cx.op(
            "stablehlo.triangular_solve",
            &[&a, &args[1]],
            &attrs,
            &out[0],
        )])
    }

    fn name(&self) -> &'static str {
        "triangular_solve"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("triangular_solve", args, 2);
        let (a, b) = (args[0], args[1]);
        for (i, x) in [a, b].into_iter().enumerate() {
            check_linalg_operand("triangular_solve", i, x, 2);
        }
        if a.dtype != b.dtype {
            panic!(
                "lax.triangular_solve requires arguments to have the same dtypes, got {}, {}.",
                a.dtype, b.dtype
            );
        }
        let (ra, rb) = (a.shape.ndim(), b.shape.ndim());
        if ra != rb {
            panic!(
                "All inputs to triangular_solve must have the same number of batch \
                 dimensions, but got [{}, {}] batch dimensions for the inputs.",
                ra - 2,
                rb - 2
            );
        }
        if a.shape[ra - 1] != a.shape[ra - 2] {
            panic!(
                "The first input to triangular_solve must be a square matrix. Got shape {}.",
                rules::py_tuple(&a.shape[ra - 2..])
            );
        }
        let common = if self.left_side { rb - 2 } else { rb - 1 };
        if a.shape[ra - 1] != b.shape[common] {
            panic!(
                "Incompatible shapes for arguments to triangular_solve: {} and {}.",
                rules::py_tuple(&a.shape[ra - 2..]),
                rules::py_tuple(&b.shape[rb - 2..])
            );
        }
        if let Some(axis) = (0..ra - 2).find(|&i| a.shape[i] != b.shape[i]) {
            panic!(
                "All inputs to triangular_solve must have the same batch dimensions: batching \
                 dimension {axis} corresponds to two sizes: {} and {} (a={}, b={}).",
                a.shape[axis],
                b.shape[axis],
                py_shape(a),
                py_shape(b)
            );
        }
        vec![ShapeDtype::new(b.shape.clone(), b.dtype)]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (a, b) = (args[0], args[1]);
        let m = *a.shape().last().expect("rank checked");
        let batch = a.size().checked_div(m * m).unwrap_or(0);
        let n = b.size().checked_div(batch * m).unwrap_or(0);
        let parallel = for_each_matrix_is_parallel(batch, solve_flops(m, n));
        linalg_keeping_subnormals(parallel, || {
            let shape = out[0].shape.clone();
            with_linalg_type!(a.dtype(), T => vec![Array::from_vec(
                kernel::<T>(self, a.as_slice(), b.as_slice(), m),
                shape,
            )])
        })
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let (a, b) = (primals[0], primals[1]);
        let ans = bind1(*self, &[a, b]);
        let a_inverse = |rhs: &Array| bind1(*self, &[a, rhs]);
        let mut total: Option<Array> = tangents[1].map(&a_inverse);
        if let Some(g_a) = tangents[0] {
            // JAX's `_triangular_solve_jvp_rule_a`: -op(A)⁻¹ op(Ȧ) X (or X op(Ȧ) op(A)⁻¹), Ȧ
            // restricted to the triangle the solve reads and op conjugating as the solve does,
            // ordered for the cheaper product.
            let r = ans.ndim();
            let (m, n) = (ans.shape()[r - 2], ans.shape()[r - 1]);
            let k = i64::from(self.unit_diagonal);
            let g = if self.lower {
                ops::tril(g_a, -k)
            } else {
                ops::triu(g_a, k)
            };
            let g = -&g;
            let g = if self.transpose_a {
                ops::matrix_transpose(&g)
            } else {
                g
            };
            let g = if self.conjugate_a { ops::conj(&g) } else { g };
            let t = if self.left_side {
                if m > n {
                    a_inverse(&ops::matmul(&g, &ans))
                } else {
                    ops::matmul(&a_inverse(&g), &ans)
                }
            } else if m < n {
                a_inverse(&ops::matmul(&ans, &g))
            } else {
                ops::matmul(&ans, &a_inverse(&g))
            };
            total = Some(match total {
                None => t,
                Some(acc) => bind1(BinaryOp::AddAny, &[&acc, &t]),
            });
        }
        (vec![ans], vec![total])
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        // Linear in `b` only, like `div` in its numerator.
        let a = args[0].known("triangular_solve");
        let ct_b = cts[0].map(|ct| bind1(self.transposed(), &[a, ct]));
        vec![None, ct_b]
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let a = rules::bdim_to_front(args[0], dims[0], axis_size);
        let b = rules::bdim_to_front(args[1], dims[1], axis_size);
        (vec![bind1(*self, &[&a, &b])], vec![Some(0)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("left_side", rules::py_bool(self.left_side)),
            ("lower", rules::py_bool(self.lower)),
            ("transpose_a", rules::py_bool(self.transpose_a)),
            ("conjugate_a", rules::py_bool(self.conjugate_a)),
            ("unit_diagonal", rules::py_bool(self.unit_diagonal)),
        ]
    }
}
