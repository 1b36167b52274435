//! What the decompositions' StableHLO lowerings share.
//!
//! StableHLO has operations for Cholesky and triangular solves only. For QR and the Hermitian
//! eigenproblem XLA's compilers expand three custom calls into plain HLO themselves (the
//! `QrExpander` and `EighExpander` passes; JAX's TPU lowerings emit the same calls): `Qr`
//! (LAPACK `geqrf`'s packed reflectors and their scales), `ProductOfElementaryHouseholderReflectors`
//! (`orgqr`: the unitary factor they make) and `Eigh` (cyclic Jacobi sweeps). No library stands
//! behind them, so they compile on every plugin. LU has no such call on CPU (XLA expands
//! `LuDecomposition` on TPUs only); it lowers as a loop of ordinary operations, as JAX's
//! `_lu_python` does, and the SVD as a composition of these (see `svd.rs`).

use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::ops;

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

/// Lowers `f`, written with this crate's operations on one matrix (or several, one per
/// argument), over the leading batch axes its arguments share (`batch` of them): the batch is
/// flattened to one axis and `f` vmapped over it, as JAX's `mlir.lower_fun` of a vmapped
/// function does.
pub(crate) fn lower_batched(
    cx: &mut LoweringContext,
    batch: &[usize],
    args: &[Value],
    f: impl Fn(&[Array]) -> Vec<Array>,
) -> Result<Vec<Value>, LoweringError> {
    if batch.is_empty() {
        return cx.lower_function(&|xs: &[Array]| f(xs), args);
    }
    let count: usize = batch.iter().product();
    cx.lower_function(
        &|xs: &[Array]| {
            let flat: Vec<Array> = xs
                .iter()
                .map(|x| {
                    let inner = &x.shape()[batch.len()..];
                    let shape: Vec<usize> = std::iter::once(count)
                        .chain(inner.iter().copied())
                        .collect();
                    ops::reshape(x, &shape)
                })
                .collect();
            let outs = crate::transforms::vmap(|xs: &Vec<Array>| f(xs))(&flat);
            outs.iter()
                .map(|y| {
                    let shape: Vec<usize> = batch.iter().chain(&y.shape()[1..]).copied().collect();
                    ops::reshape(y, &shape)
                })
                .collect()
        },
        args,
    )
}
