//! What the decompositions' StableHLO lowerings share.
//!
//! StableHLO has operations for Cholesky and triangular solves only. For QR and the Hermitian
//! eigenproblem XLA's compilers expand three custom calls into plain HLO themselves (the
//! `QrExpander` and `EighExpander` passes; JAX's TPU lowerings emit the same calls): `Qr`
//! (LAPACK `geqrf`'s packed reflectors and their scales), `ProductOfElementaryHouseholderReflectors`
//! (`orgqr`: the unitary factor they make) and `Eigh` (cyclic Jacobi sweeps). No library stands
//! behind them, so they compile on every plugin. LU has no such call on CPU (XLA expands
//! `LuDecomposition` on TPUs only); it lowers as a loop of ordinary operations, as JAX's
//! `_lu_python` does, and the SVD as a composition of these (see `svd.rs`). The operations
//! around the calls are written with this layer's primitives (`bind`, `prims::ops`) and
//! lowered through `LoweringContext::lower_function`.

use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, Value};
use crate::prims::binary::BinaryOp;
use crate::prims::complex::ComplexOp;
use crate::prims::reduce::{ReduceKind, ReduceOp};
use crate::prims::unary::UnaryOp;
use crate::prims::{bind1, ops};

/// Where the row index compares to the column index as `direction` says (`"GE"`: on or below
/// the diagonal, `"LE"`: on or above it, `"EQ"`: on it), over the last two axes of `shape`.
fn index_mask(cx: &mut LoweringContext, shape: &[usize], direction: &str) -> Value {
    let rank = shape.len();
    let index = ShapeDtype::new(shape.to_vec(), DType::I32);
    let row = cx.op(
        "stablehlo.iota",
        &[],
        &format!("iota_dimension = {} : i64", rank - 2),
        &index,
    );
    let col = cx.op(
        "stablehlo.iota",
        &[],
        &format!("iota_dimension = {} : i64", rank - 1),
        &index,
    );
    cx.compare(direction, &row, &col)
}

/// `x` with the entries outside its lower (or upper) triangle set to zero, over the last two
/// axes; the diagonal is kept.
pub(crate) fn keep_triangle(cx: &mut LoweringContext, x: &Value, lower: bool) -> Value {
    let keep = index_mask(cx, &x.aval.shape, if lower { "GE" } else { "LE" });
    let zero = cx.scalar(x.aval.dtype, 0.0);
    cx.elementwise("stablehlo.select", &[&keep, x, &zero], x.aval.dtype)
}

/// Ones on the diagonal and zeros elsewhere, shaped like `aval` (the leading columns of an
/// identity matrix for a wide or tall shape, repeated over the batch).
pub(crate) fn eye_like(cx: &mut LoweringContext, aval: &ShapeDtype) -> Value {
    let diagonal = index_mask(cx, &aval.shape, "EQ");
    let (one, zero) = (cx.scalar(aval.dtype, 1.0), cx.scalar(aval.dtype, 0.0));
    cx.elementwise("stablehlo.select", &[&diagonal, &one, &zero], aval.dtype)
}

/// A call of `target`, one of the custom calls XLA's compilers expand into HLO themselves.
/// `backend_config` is the expander's parameter string (empty for none).
pub(crate) fn expanded_call(
    cx: &mut LoweringContext,
    target: &str,
    operands: &[&Value],
    backend_config: &str,
    results: &[ShapeDtype],
) -> Vec<Value> {
    let mut attrs = format!("call_target_name = \"{target}\", api_version = 1 : i32");
    if !backend_config.is_empty() {
        attrs.push_str(&format!(", backend_config = \"{backend_config}\""));
    }
    cx.op_with_regions("stablehlo.custom_call", operands, &[], &attrs, results)
}

/// `|x|` (real for complex `x`).
pub(crate) fn abs(x: &Array) -> Array {
    bind1(UnaryOp::Abs, &[x])
}

/// `op` of `x` over `axes`, which are removed.
pub(crate) fn reduce(kind: ReduceKind, x: &Array, axes: &[usize]) -> Array {
    bind1(
        ReduceOp::Reduce {
            kind,
            axes: axes.iter().copied().collect(),
        },
        &[x],
    )
}

/// The Frobenius norm of each matrix (the last two axes), kept as two axes of size one.
pub(crate) fn frobenius(x: &Array) -> Array {
    let r = x.ndim();
    let a = abs(x);
    let squares = reduce(ReduceKind::Sum, &ops::mul(&a, &a), &[r - 2, r - 1]);
    ops::expand_dims(&bind1(UnaryOp::Sqrt, &[&squares]), &[r - 2, r - 1])
}

/// `outs` (results of the decomposition of `x`, each with `x`'s batch axes first) with NaN in
/// every element computed from a matrix of `x` with a non-finite entry, as the CPU kernels
/// (and LAPACK in JAX) give.
pub(crate) fn nan_where_not_finite(x: &Array, outs: Vec<Array>) -> Vec<Array> {
    let r = x.ndim();
    let finite_entries = if x.dtype().is_complex() {
        let parts = [ComplexOp::Real, ComplexOp::Imag].map(|p| bind1(p, &[x]));
        let [re, im] = parts.map(|p| bind1(UnaryOp::IsFinite, &[&p]));
        ops::binary(BinaryOp::And, &re, &im, "isfinite")
    } else {
        bind1(UnaryOp::IsFinite, &[x])
    };
    let finite = reduce(ReduceKind::And, &finite_entries, &[r - 2, r - 1]);
    outs.into_iter()
        .map(|y| {
            let extra: Vec<usize> = (r - 2..y.ndim()).collect();
            let ok = ops::expand_dims(&finite, &extra);
            ops::where_(&ok, &y, &ops::full_like_scalar(&y, f64::NAN))
        })
        .collect()
}
