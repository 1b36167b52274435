//! Array helpers built only on [`bind`]: what the primitives' rules, the `lax` functions and
//! the transformations compute with. They sit here, below `lax` and `numpy`, so that those
//! lower layers never import from the layers built on top of them; the public `lax` and
//! `numpy` functions of the same names call these.
//!
//! The helpers take lax-style arguments (non-negative axes, operands already of one dtype)
//! and do not promote, except where their documentation says so: the promotion section (JAX's
//! dtype promotion and numpy broadcasting, which the numpy layer needs) and the few numpy
//! functions whose promotion the rules rely on when operands differ in weak type (`where_`,
//! `matmul`, `remainder`, `logaddexp`).

use super::binary::BinaryOp;
use super::compare::CompareOp;
use super::complex::ComplexOp;
use super::convert::ConvertOp;
use super::dot_general::{DotDimensionNumbers, DotGeneral};
use super::gather_scatter::{
    FillValue, GatherDimensionNumbers, GatherScatterMode, GatherScatterOp,
};
use super::iota::IotaOp;
use super::layout::{Axes, LayoutOp};
use super::select::SelectOp;
use super::slicing::{PadConfig, SlicingOp};
use super::sort::SortOp;
use super::unary::UnaryOp;
use super::{bind, bind1, eval_primitive_in_current_mode, Primitive};
use crate::array::{broadcast_shapes, promote_types_weak, Array, ArrayElement, DType, Shape};

// ---------------------------------------------------------------------------------------------
// Promotion and numpy broadcasting.
// ---------------------------------------------------------------------------------------------

/// `jnp.result_type` of several arrays, with JAX's weak-type rules: the common dtype and
/// whether it is weak.
pub fn result_type(arrays: &[&Array]) -> (DType, bool) {
    let mut it = arrays.iter();
    let first = it.next().expect("result_type needs at least one array");
    it.fold((first.dtype(), first.weak_type()), |(d, w), a| {
        promote_types_weak(d, w, a.dtype(), a.weak_type())
    })
}

/// Converts `x` to `dtype` with the given weak-type flag (no-op when both already match).
pub(crate) fn convert(x: &Array, dtype: DType, weak_type: bool) -> Array {
    if x.dtype() == dtype && x.weak_type() == weak_type {
        return x.clone();
    }
    let op = ConvertOp::ConvertElementType {
        new_dtype: dtype,
        weak_type,
    };
    if x.is_concrete() && x.ndim() == 0 {
        // A Rust scalar (or other concrete 0-d value) converts now, as a Python scalar does in
        // JAX, so that staged programs hold the literal `2.0:f32[]` rather than a conversion.
        // JAX converts it with numpy, which keeps a subnormal (`finfo.smallest_subnormal`).
        return crate::backend::cpu::subnormals::keeping_subnormals_here(|| {
            eval_primitive_in_current_mode(&op.into(), &[x])
        })
        .remove(0);
    }
    bind1(op, &[x])
}

/// Converts every array to their common dtype (`jnp`'s `_promote_dtypes`).
pub fn promote_dtypes(arrays: &[&Array]) -> Vec<Array> {
    let (d, w) = result_type(arrays);
    arrays.iter().map(|a| convert(a, d, w)).collect()
}

/// Converts integer and bool inputs to float (what `jnp.exp(int_array)` does): float32, or
/// float64 for int64/uint64 as in JAX with 64-bit types enabled; float inputs pass through.
pub(crate) fn to_inexact(x: &Array) -> Array {
    match x.dtype() {
        d if d.is_inexact() => x.clone(),
        DType::I64 | DType::U64 => convert(x, DType::F64, x.weak_type()),
        _ => convert(x, DType::F32, x.weak_type()),
    }
}

/// Broadcasts `x` to `shape` with numpy's rules (trailing axes aligned); panics naming `op`.
pub(crate) fn broadcast_to_shape(x: &Array, shape: &Shape, op: &str) -> Array {
    if x.shape() == &shape[..] {
        return x.clone();
    }
    check_broadcastable(x, shape, op);
    let (nd, xd) = (shape.ndim(), x.ndim());
    bind1(
        LayoutOp::BroadcastInDim {
            shape: shape.clone(),
            broadcast_dimensions: (nd - xd..nd).collect(),
        },
        &[x],
    )
}

/// Panics (naming `op`) unless `x` broadcasts to `shape` by numpy's rules (trailing
/// dimensions equal or 1), without building the broadcast array.
pub(crate) fn check_broadcastable(x: &Array, shape: &Shape, op: &str) {
    let (nd, xd) = (shape.ndim(), x.ndim());
    let compatible = xd <= nd
        && x.shape()
            .iter()
            .enumerate()
            .all(|(i, &s)| s == 1 || s == shape[nd - xd + i]);
    if !compatible {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        panic!(
            "{op}: Incompatible types for broadcasting: input type={} and requested type={}[{}] \
             (an array of shape {} cannot be broadcast to shape {shape})",
            x.aval().type_str(),
            x.dtype().name(),
            dims.join(","),
            x.shape_obj()
        );
    }
}

/// Broadcasts arrays against each other (`jnp.broadcast_arrays`).
pub fn broadcast_arrays(arrays: &[&Array]) -> Vec<Array> {
    let shape = common_shape(arrays, "broadcast_arrays");
    arrays
        .iter()
        .map(|a| broadcast_to_shape(a, &shape, "broadcast_arrays"))
        .collect()
}

/// The shape all `arrays` broadcast to; panics naming `op` when they do not.
pub(crate) fn common_shape(arrays: &[&Array], op: &str) -> Shape {
    arrays.iter().fold(Shape::scalar(), |s, a| {
        broadcast_shapes(&s, a.shape()).unwrap_or_else(|| {
            let shapes: Vec<String> = arrays.iter().map(|a| a.shape_obj().to_string()).collect();
            panic!(
                "{op}: Incompatible shapes for broadcasting: shapes=[{}]",
                shapes.join(", ")
            )
        })
    })
}

/// Broadcasts operands for an elementwise primitive. 0-d operands stay 0-d: the primitives
/// accept them as scalars, which avoids materialising a broadcast.
pub(crate) fn broadcast_for_elementwise(arrays: &[Array], op: &str) -> Vec<Array> {
    let refs: Vec<&Array> = arrays.iter().collect();
    let shape = common_shape(&refs, op);
    arrays
        .iter()
        .map(|a| {
            if a.ndim() == 0 {
                a.clone()
            } else {
                broadcast_to_shape(a, &shape, op)
            }
        })
        .collect()
}

/// A numpy-level binary op: promote dtypes, broadcast shapes, bind the primitive.
pub(crate) fn binary(op: BinaryOp, a: &Array, b: &Array, name: &str) -> Array {
    elementwise2(op, a, b, name)
}

/// A numpy-level comparison: promote dtypes, broadcast shapes, bind the comparison.
pub(crate) fn compare(op: CompareOp, a: &Array, b: &Array, name: &str) -> Array {
    elementwise2(op, a, b, name)
}

/// Promotes and broadcasts two operands, then binds `op`. Strongly typed operands of one dtype
/// and shape (the common case) go straight to the primitive: promotion and broadcasting would
/// only clone them into fresh vectors. (Two weak operands still promote: weak `f64`/`i64`
/// scalars become `f32`/`i32`.)
fn elementwise2(op: impl Into<Primitive>, a: &Array, b: &Array, name: &str) -> Array {
    let strong = !a.weak_type() && !b.weak_type();
    if strong && a.dtype() == b.dtype() && a.shape() == b.shape() {
        return bind1(op, &[a, b]);
    }
    let promoted = promote_dtypes(&[a, b]);
    let args = broadcast_for_elementwise(&promoted, name);
    bind1(op, &[&args[0], &args[1]])
}

/// `jnp.where(cond, x, y)`: elements of `x` where `cond` is true, else of `y`, with
/// broadcasting and promotion.
pub(crate) fn where_(cond: &Array, x: &Array, y: &Array) -> Array {
    let cond = convert(cond, DType::Bool, false);
    let p = promote_dtypes(&[x, y]);
    let refs = [&cond, &p[0], &p[1]];
    let shape = common_shape(&refs, "where");
    let b = |a: &Array| broadcast_to_shape(a, &shape, "where");
    select(&b(&cond), &b(&p[0]), &b(&p[1]))
}

// ---------------------------------------------------------------------------------------------
// Creation.
// ---------------------------------------------------------------------------------------------

/// An array of `shape` filled with `value` (its Rust type sets the dtype): a broadcast scalar
/// rather than a buffer, so that under jit it is computed by the program instead of captured as
/// a constant. A 0-d `shape` gives the scalar itself.
pub(crate) fn full<T: ArrayElement>(shape: impl Into<Shape>, value: T) -> Array {
    let shape = shape.into();
    let scalar = Array::scalar(value);
    if shape.ndim() == 0 {
        return scalar;
    }
    bind1(
        LayoutOp::BroadcastInDim {
            shape,
            broadcast_dimensions: Default::default(),
        },
        &[&scalar],
    )
}

/// Zeros of `shape` and `dtype`.
pub(crate) fn zeros(shape: impl Into<Shape>, dtype: DType) -> Array {
    crate::with_dtype!(dtype, T => full(shape, T::zero()))
}

/// Ones of `shape` and `dtype`.
pub(crate) fn ones(shape: impl Into<Shape>, dtype: DType) -> Array {
    crate::with_dtype!(dtype, T => full(shape, T::one()))
}

/// Zeros with the shape and dtype of `x`.
pub(crate) fn zeros_like(x: &Array) -> Array {
    zeros(x.shape(), x.dtype())
}

/// Ones with the shape and dtype of `x`.
pub(crate) fn ones_like(x: &Array) -> Array {
    ones(x.shape(), x.dtype())
}

/// `value` broadcast to the shape of `x`, in `x`'s dtype.
pub(crate) fn full_like(x: &Array, value: f64) -> Array {
    crate::with_dtype!(x.dtype(), T => full(x.shape(), T::from_f64(value)))
}

/// A 0-d `v` of `x`'s dtype and weak type (converted now: a literal when staged).
pub(crate) fn full_like_scalar(x: &Array, v: f64) -> Array {
    convert(&Array::scalar(v), x.dtype(), x.weak_type())
}

/// The concrete `n × m` float32 matrix with ones on diagonal `k` (`jnp.eye(n, m, k)`).
pub(crate) fn eye(n: usize, m: Option<usize>, k: isize) -> Array {
    let m = m.unwrap_or(n);
    let mut v = vec![0f32; n * m];
    for i in 0..n {
        let j = i as isize + k;
        if j >= 0 && (j as usize) < m {
            v[i * m + j as usize] = 1.0;
        }
    }
    Array::from_vec(v, [n, m])
}

/// `lax.iota`: `[0, 1, ..., size - 1]` in `dtype`.
pub(crate) fn iota(dtype: DType, size: usize) -> Array {
    broadcasted_iota(dtype, [size], 0)
}

/// `lax.broadcasted_iota`: an array of `shape` holding each element's position along
/// `dimension`.
pub(crate) fn broadcasted_iota(dtype: DType, shape: impl Into<Shape>, dimension: usize) -> Array {
    bind1(
        IotaOp {
            dtype,
            shape: shape.into(),
            dimension,
        },
        &[],
    )
}

// ---------------------------------------------------------------------------------------------
// Elementwise arithmetic on operands of one dtype (0-d operands act as scalars).
// ---------------------------------------------------------------------------------------------

/// `-a`.
pub(crate) fn neg(a: &Array) -> Array {
    bind1(UnaryOp::Neg, &[a])
}

/// `a + b`.
pub(crate) fn add(a: &Array, b: &Array) -> Array {
    bind1(BinaryOp::Add, &[a, b])
}

/// `a - b`.
pub(crate) fn sub(a: &Array, b: &Array) -> Array {
    bind1(BinaryOp::Sub, &[a, b])
}

/// `a * b`.
pub(crate) fn mul(a: &Array, b: &Array) -> Array {
    bind1(BinaryOp::Mul, &[a, b])
}

/// `a / b`.
pub(crate) fn div(a: &Array, b: &Array) -> Array {
    bind1(BinaryOp::Div, &[a, b])
}

/// `a == b`.
pub(crate) fn eq(a: &Array, b: &Array) -> Array {
    bind1(CompareOp::Eq, &[a, b])
}

/// `pred ? on_true : on_false` for operands of one shape (`select_n` takes the false case
/// first).
pub(crate) fn select(pred: &Array, on_true: &Array, on_false: &Array) -> Array {
    bind1(SelectOp::SelectN, &[pred, on_false, on_true])
}

/// `1 / x` (`jnp.reciprocal`; integers are converted to float first).
pub(crate) fn reciprocal(x: &Array) -> Array {
    let x = to_inexact(x);
    div(&full_like_scalar(&x, 1.0), &x)
}

/// Rounds towards zero (`jnp.trunc`); integers and bools pass through.
pub(crate) fn trunc(x: &Array) -> Array {
    if !x.dtype().is_inexact() {
        return x.clone();
    }
    let zero = full_like_scalar(x, 0.0);
    let negative = bind1(CompareOp::Lt, &[x, &zero]);
    select(
        &negative,
        &bind1(UnaryOp::Ceil, &[x]),
        &bind1(UnaryOp::Floor, &[x]),
    )
}

/// The real part of complex `x` (`jnp.real`); real arrays pass through.
pub(crate) fn real(x: &Array) -> Array {
    if x.dtype().is_complex() {
        bind1(ComplexOp::Real, &[x])
    } else {
        x.clone()
    }
}

/// The complex conjugate (`jnp.conj`); real arrays pass through.
pub(crate) fn conj(x: &Array) -> Array {
    if x.dtype().is_complex() {
        bind1(ComplexOp::Conj, &[x])
    } else {
        x.clone()
    }
}

/// Remainder with the sign of the divisor (`jnp.remainder`), after promotion and broadcasting.
/// As in JAX, an integer remainder by zero is 0.
pub(crate) fn remainder(x: &Array, y: &Array) -> Array {
    let p = promote_dtypes(&[x, y]);
    let p = broadcast_for_elementwise(&p, "remainder");
    let (x, y) = (&p[0], &p[1]);
    let y = &if y.dtype().is_integer() {
        // JAX divides by 1 where the divisor is 0 (`x % 0 == 0`).
        let zero = full_like_scalar(y, 0.0);
        let one = full_like_scalar(y, 1.0);
        let is_zero = eq(y, &zero);
        let one = broadcast_to_shape(&one, y.shape_obj(), "remainder");
        select(&is_zero, &one, y)
    } else {
        y.clone()
    };
    let trunc_mod = bind1(BinaryOp::Rem, &[x, y]);
    if x.dtype().is_unsigned_integer() || x.dtype().is_bool() {
        return trunc_mod;
    }
    let zero = full_like_scalar(&trunc_mod, 0.0);
    let nonzero = bind1(CompareOp::Ne, &[&trunc_mod, &zero]);
    let mod_neg = bind1(CompareOp::Lt, &[&trunc_mod, &zero]);
    let y_neg = bind1(CompareOp::Lt, &[y, &full_like_scalar(y, 0.0)]);
    let differ = bind1(CompareOp::Ne, &[&mod_neg, &y_neg]);
    let fix = bind1(BinaryOp::And, &[&differ, &nonzero]);
    let fixed = add(&trunc_mod, y);
    select(&fix, &fixed, &trunc_mod)
}

/// `log(exp(x1) + exp(x2))`, computed stably (`jnp.logaddexp`, documented there), with
/// promotion to a common inexact dtype and broadcasting.
pub(crate) fn logaddexp(x1: &Array, x2: &Array) -> Array {
    // Promote first, then go to float: `(i32, f16)` gives f16, as `promote_args_inexact` does.
    let p: Vec<Array> = promote_dtypes(&[x1, x2]).iter().map(to_inexact).collect();
    let p = broadcast_for_elementwise(&p, "logaddexp");
    let (x1, x2) = (&p[0], &p[1]);
    let delta = sub(x1, x2);
    let positive = bind1(CompareOp::Gt, &[&delta, &zeros([], delta.dtype())]);
    // `select_n` needs equal shapes; a 0-d operand (softplus's 0) is broadcast for it.
    let full = |x: &Array| broadcast_to_shape(x, delta.shape_obj(), "logaddexp");
    let amax = select(&positive, &full(x1), &full(x2));
    let u = select(&positive, &neg(&delta), &delta);
    let log1p = bind1(UnaryOp::Log1p, &[&bind1(UnaryOp::Exp, &[&u])]);
    let stable = add(&amax, &log1p);
    // `delta` is inexact, so `isnan` is `delta != delta`.
    let delta_nan = bind1(CompareOp::Ne, &[&delta, &delta]);
    select(&delta_nan, &add(x1, x2), &stable)
}

// ---------------------------------------------------------------------------------------------
// Shapes and layout.
// ---------------------------------------------------------------------------------------------

/// `x` with `new_sizes` (row-major order).
pub(crate) fn reshape(x: &Array, new_sizes: &[usize]) -> Array {
    bind1(
        LayoutOp::Reshape {
            new_sizes: Shape::from(new_sizes),
        },
        &[x],
    )
}

/// Output axis `i` is operand axis `permutation[i]` (bound even for the identity).
pub(crate) fn transpose(x: &Array, permutation: &[usize]) -> Array {
    bind1(
        LayoutOp::Transpose {
            permutation: Axes::from_slice(permutation),
        },
        &[x],
    )
}

/// Moves axis `source` to position `destination`.
pub(crate) fn moveaxis(x: &Array, source: usize, destination: usize) -> Array {
    let mut perm: Axes = (0..x.ndim()).filter(|&i| i != source).collect();
    perm.insert(destination, source);
    bind1(LayoutOp::Transpose { permutation: perm }, &[x])
}

/// Swaps the last two axes (a batch of matrices transposed).
pub(crate) fn matrix_transpose(x: &Array) -> Array {
    let nd = x.ndim();
    let mut perm: Axes = (0..nd).collect();
    perm.swap(nd - 2, nd - 1);
    bind1(LayoutOp::Transpose { permutation: perm }, &[x])
}

/// `x` without the listed axes, which must have size 1.
pub(crate) fn squeeze(x: &Array, dimensions: &[usize]) -> Array {
    let mut d = Axes::from_slice(dimensions);
    d.sort_unstable();
    bind1(LayoutOp::Squeeze { dimensions: d }, &[x])
}

/// `x` with size-1 axes inserted at the listed output positions.
pub(crate) fn expand_dims(x: &Array, dimensions: &[usize]) -> Array {
    let mut d = Axes::from_slice(dimensions);
    d.sort_unstable();
    bind1(LayoutOp::ExpandDims { dimensions: d }, &[x])
}

/// `x` repeated `reps[i]` times along each axis (`jnp.tile`; the shorter of `x.ndim()` and
/// `reps.len()` is padded with leading ones).
pub(crate) fn tile(x: &Array, reps: &[usize]) -> Array {
    let nd = x.ndim().max(reps.len());
    let reps: Vec<usize> = std::iter::repeat_n(1, nd - reps.len())
        .chain(reps.iter().copied())
        .collect();
    let dims: Vec<usize> = std::iter::repeat_n(1, nd - x.ndim())
        .chain(x.shape().iter().copied())
        .collect();
    // View x as [1, d0, 1, d1, ...], broadcast to [r0, d0, r1, d1, ...], then merge pairs.
    let interleaved: Vec<usize> = dims.iter().flat_map(|&d| [1, d]).collect();
    let target: Vec<usize> = reps.iter().zip(&dims).flat_map(|(&r, &d)| [r, d]).collect();
    let out: Vec<usize> = reps.iter().zip(&dims).map(|(&r, &d)| r * d).collect();
    let y = super::rules::reshape(x, &interleaved);
    let y = bind1(
        LayoutOp::BroadcastInDim {
            shape: Shape::new(&target),
            broadcast_dimensions: (0..2 * nd).collect(),
        },
        &[&y],
    );
    super::rules::reshape(&y, &out)
}

/// Joins arrays of one dtype along `dimension` (a single array is returned as it is).
pub(crate) fn concatenate(arrays: &[&Array], dimension: usize) -> Array {
    if arrays.len() == 1 {
        return arrays[0].clone();
    }
    bind1(SlicingOp::Concatenate { dimension }, arrays)
}

/// `a @ b` with numpy's rules (`jnp.matmul`, for operands of at least one axis): the operands
/// are promoted to their common dtype (the linalg rules mix weakly typed tangents with strong
/// constants); 1-D operands are treated as row/column vectors and their axis dropped from the
/// result; leading (batch) axes broadcast. A batch axis of size 1 on one side is not
/// materialised: the other side's axis becomes a free axis of the product.
pub(crate) fn matmul(a: &Array, b: &Array) -> Array {
    let p = promote_dtypes(&[a, b]);
    let (a, b) = (&p[0], &p[1]);
    let (a_mat, b_mat) = (a.ndim() > 1, b.ndim() > 1);
    let a_batch: &[usize] = if a_mat {
        &a.shape()[..a.ndim() - 2]
    } else {
        &[]
    };
    let b_batch: &[usize] = if b_mat {
        &b.shape()[..b.ndim() - 2]
    } else {
        &[]
    };
    let nb = a_batch.len().max(b_batch.len());
    let pad = |s: &[usize]| -> Vec<Option<usize>> {
        std::iter::repeat_n(None, nb - s.len())
            .chain(s.iter().map(|&d| Some(d)))
            .collect()
    };
    let (ab, bb) = (pad(a_batch), pad(b_batch));
    let (mut a_squeeze, mut b_squeeze, mut both_squeeze) = (vec![], vec![], vec![]);
    let (mut a_bdims, mut b_bdims) = (Axes::new(), Axes::new());
    let (mut idx_batch, mut idx_a_other, mut idx_b_other) = (vec![], vec![], vec![]);
    // Classify each broadcast batch position as JAX does: a true batch axis, a free axis of
    // one side (the other is absent or has size 1), or squeezed from both.
    for i in 0..nb {
        match (ab[i], bb[i]) {
            (None, _) => idx_b_other.push(i),
            (_, None) => idx_a_other.push(i),
            (Some(1), Some(1)) => {
                a_squeeze.push(idx_batch.len() + idx_a_other.len() + a_squeeze.len());
                b_squeeze.push(idx_batch.len() + idx_b_other.len() + b_squeeze.len());
                both_squeeze.push(i);
            }
            (Some(1), Some(_)) => {
                idx_b_other.push(i);
                a_squeeze.push(idx_batch.len() + idx_a_other.len() + a_squeeze.len());
            }
            (Some(_), Some(1)) => {
                idx_a_other.push(i);
                b_squeeze.push(idx_batch.len() + idx_b_other.len() + b_squeeze.len());
            }
            (Some(x), Some(y)) if x == y => {
                a_bdims.push(idx_batch.len() + idx_a_other.len());
                b_bdims.push(idx_batch.len() + idx_b_other.len());
                idx_batch.push(i);
            }
            _ => panic!(
                "matmul: incompatible shapes {} and {}: batch axes do not broadcast",
                a.shape_obj(),
                b.shape_obj()
            ),
        }
    }
    if a_mat {
        idx_a_other.push(nb);
    }
    if b_mat {
        idx_b_other.push(nb + a_mat as usize);
    }
    let order: Vec<usize> = idx_batch
        .iter()
        .chain(&idx_a_other)
        .chain(&idx_b_other)
        .copied()
        .collect();
    let mut perm = vec![0usize; order.len()];
    let mut sorted: Vec<(usize, usize)> = order.iter().copied().zip(0..).collect();
    sorted.sort_unstable();
    for (k, &(_, pos)) in sorted.iter().enumerate() {
        perm[k] = pos;
    }
    let a2 = squeeze_if_any(a, &a_squeeze);
    let b2 = squeeze_if_any(b, &b_squeeze);
    let (a_nd, b_nd) = (a2.ndim(), b2.ndim());
    let dn = DotDimensionNumbers {
        lhs_contracting: Axes::from_elem(a_nd - 1, 1),
        rhs_contracting: Axes::from_elem(b_nd - 1 - b_mat as usize, 1),
        lhs_batch: a_bdims,
        rhs_batch: b_bdims,
    };
    if a2.shape()[a_nd - 1] != b2.shape()[b_nd - 1 - b_mat as usize] {
        panic!(
            "matmul: dot_general requires contracting dimensions to have the same shape, got \
             ({},) and ({},); contraction size mismatch between shapes {} and {}",
            a2.shape()[a_nd - 1],
            b2.shape()[b_nd - 1 - b_mat as usize],
            a.shape_obj(),
            b.shape_obj()
        );
    }
    let product = bind1(
        DotGeneral {
            dimension_numbers: dn,
            preferred_element_type: None,
        },
        &[&a2, &b2],
    );
    let out = if perm.iter().enumerate().all(|(i, &p)| i == p) {
        product
    } else {
        transpose(&product, &perm)
    };
    if both_squeeze.is_empty() {
        out
    } else {
        bind1(
            LayoutOp::ExpandDims {
                dimensions: Axes::from_slice(&both_squeeze),
            },
            &[&out],
        )
    }
}

/// `x` without the listed size-1 axes, binding nothing when there are none.
pub(crate) fn squeeze_if_any(x: &Array, axes: &[usize]) -> Array {
    if axes.is_empty() {
        return x.clone();
    }
    bind1(
        LayoutOp::Squeeze {
            dimensions: Axes::from_slice(axes),
        },
        &[x],
    )
}

/// Zeros the elements of the last two axes except where `(col - row) op k` holds.
fn triangle(x: &Array, k: i64, op: CompareOp, name: &str) -> Array {
    let nd = x.ndim();
    if nd < 2 {
        panic!(
            "{name}: expected an array of rank >= 2, got shape {}",
            x.shape_obj()
        );
    }
    let (n, m) = (x.shape()[nd - 2], x.shape()[nd - 1]);
    let row = broadcasted_iota(DType::I32, [n, m], 0);
    let col = broadcasted_iota(DType::I32, [n, m], 1);
    let diff = sub(&col, &row);
    let mask = bind1(op, &[&diff, &Array::scalar(k as i32)]);
    let mask = bind1(
        LayoutOp::BroadcastInDim {
            shape: x.shape_obj().clone(),
            broadcast_dimensions: [nd - 2, nd - 1].into_iter().collect(),
        },
        &[&mask],
    );
    let zero = zeros(x.shape(), x.dtype()).with_weak_type(x.weak_type());
    bind1(SelectOp::SelectN, &[&mask, &zero, x])
}

/// Zeros above diagonal `k` of the last two axes (`jnp.tril`).
pub(crate) fn tril(x: &Array, k: i64) -> Array {
    triangle(x, k, CompareOp::Le, "tril")
}

/// Zeros below diagonal `k` of the last two axes (`jnp.triu`).
pub(crate) fn triu(x: &Array, k: i64) -> Array {
    triangle(x, k, CompareOp::Ge, "triu")
}

// ---------------------------------------------------------------------------------------------
// Slicing, padding and gathers.
// ---------------------------------------------------------------------------------------------

pub(crate) use super::slicing::slice_in_dim;

/// The entry `index` along `axis`, keeping that axis with size 1 when `keepdims`.
pub(crate) fn index_in_dim(x: &Array, index: usize, axis: usize, keepdims: bool) -> Array {
    let y = slice_in_dim(x, index, index + 1, 1, axis);
    if keepdims {
        y
    } else {
        squeeze(&y, &[axis])
    }
}

/// Maps negative signed start indices to `index + size` (JAX's `allow_negative_indices`) and
/// gives all of them one integer dtype.
fn normalize_starts(op: &str, x: &Array, starts: &[Array]) -> Vec<Array> {
    if starts.len() != x.ndim() {
        panic!(
            "{op}: expected one start index per axis of the operand {}, got {}: Length of slice \
             indices must match number of operand dimensions ({} vs {})",
            x.aval(),
            starts.len(),
            starts.len(),
            x.shape_obj()
        );
    }
    let same = starts.iter().all(|s| s.dtype() == starts[0].dtype());
    starts
        .iter()
        .zip(x.shape())
        .map(|(s, &d)| {
            if !s.dtype().is_integer() || s.ndim() != 0 {
                panic!("{op}: start indices must be 0-d integers, got {}", s.aval());
            }
            let s = if same {
                s.clone()
            } else {
                bind1(
                    ConvertOp::ConvertElementType {
                        new_dtype: DType::I32,
                        weak_type: false,
                    },
                    &[s],
                )
            };
            if s.dtype().is_unsigned_integer() {
                return s;
            }
            let zero = int_scalar_like(&s, 0);
            let size = int_scalar_like(&s, d as i64);
            let negative = bind1(CompareOp::Lt, &[&s, &zero]);
            let wrapped = add(&s, &size);
            bind1(SelectOp::SelectN, &[&negative, &s, &wrapped])
        })
        .collect()
}

/// A 0-d array of `like`'s dtype holding `v`.
pub(crate) fn int_scalar_like(like: &Array, v: i64) -> Array {
    crate::with_dtype!(like.dtype(), T => Array::scalar(<T as ArrayElement>::from_i64(v)))
}

/// `lax.dynamic_slice`: the window of size `slice_sizes` starting at run-time indices (one 0-d
/// integer array per axis). Negative starts count from the end; starts are then clamped so the
/// window fits, as in XLA.
pub(crate) fn dynamic_slice(x: &Array, start_indices: &[Array], slice_sizes: &[usize]) -> Array {
    let starts = normalize_starts("dynamic_slice", x, start_indices);
    let mut args: Vec<&Array> = vec![x];
    args.extend(starts.iter());
    bind1(
        SlicingOp::DynamicSlice {
            slice_sizes: slice_sizes.into(),
        },
        &args,
    )
}

/// `lax.dynamic_update_slice`: `x` with `update` written at run-time start indices (negative
/// ones count from the end; then clamped so the update fits).
pub(crate) fn dynamic_update_slice(x: &Array, update: &Array, start_indices: &[Array]) -> Array {
    let starts = normalize_starts("dynamic_update_slice", x, start_indices);
    let mut args: Vec<&Array> = vec![x, update];
    args.extend(starts.iter());
    bind1(SlicingOp::DynamicUpdateSlice, &args)
}

/// `x` with `update` written from run-time `start_index` along `axis` (start 0 along the
/// other axes).
pub(crate) fn dynamic_update_slice_in_dim(
    x: &Array,
    update: &Array,
    start_index: &Array,
    axis: usize,
) -> Array {
    let zero = zeros_like(start_index);
    let mut starts = vec![zero; x.ndim()];
    starts[axis] = start_index.clone();
    dynamic_update_slice(x, update, &starts)
}

/// `x` with `update` written at run-time `index` along `axis`; `update` may lack that axis.
pub(crate) fn dynamic_update_index_in_dim(
    x: &Array,
    update: &Array,
    index: &Array,
    axis: usize,
) -> Array {
    let update = if update.ndim() + 1 == x.ndim() {
        expand_dims(update, &[axis])
    } else {
        update.clone()
    };
    dynamic_update_slice_in_dim(x, &update, index, axis)
}

/// `lax.pad`: `(lo, hi, interior)` padding per axis with a 0-d `padding_value` of `x`'s dtype;
/// negative `lo`/`hi` crop.
pub(crate) fn pad(x: &Array, padding_value: &Array, padding_config: &[PadConfig]) -> Array {
    bind1(
        SlicingOp::Pad {
            padding_config: padding_config.into(),
        },
        &[x, padding_value],
    )
}

/// `lax.gather`. `fill_value` applies under [`GatherScatterMode::FillOrDrop`]; `None` picks
/// JAX's per-dtype default.
pub(crate) fn gather(
    operand: &Array,
    indices: &Array,
    dimension_numbers: GatherDimensionNumbers,
    slice_sizes: &[usize],
    mode: GatherScatterMode,
    fill_value: Option<f64>,
) -> Array {
    bind1(
        GatherScatterOp::Gather {
            dimension_numbers,
            slice_sizes: slice_sizes.into(),
            mode,
            fill_value: match mode {
                GatherScatterMode::FillOrDrop => fill_value.map(FillValue::new),
                _ => None,
            },
        },
        &[operand, indices],
    )
}

/// Integer indices into an axis of `size` as the gather's int32 indices: negative ones count
/// from the end.
pub(crate) fn normalize_index_array(a: &Array, size: usize) -> Array {
    let a = if a.dtype().is_signed_integer() {
        let zero = int_scalar_like(a, 0);
        let n = int_scalar_like(a, size as i64);
        let negative = bind1(CompareOp::Lt, &[a, &zero]);
        let wrapped = add(a, &n);
        let negative = broadcast_to_shape(&negative, a.shape_obj(), "index");
        bind1(SelectOp::SelectN, &[&negative, a, &wrapped])
    } else {
        a.clone()
    };
    convert(&a, DType::I32, false)
}

/// `jnp.take(x, indices, axis)` along a resolved `axis` with the out-of-range `mode` (and fill
/// value for [`GatherScatterMode::FillOrDrop`]): the result has `indices`' shape in place of
/// that axis.
pub(crate) fn take(
    x: &Array,
    indices: &Array,
    axis: usize,
    mode: GatherScatterMode,
    fill_value: Option<f64>,
) -> Array {
    let mut slice_sizes = x.shape().to_vec();
    if slice_sizes[axis] == 0 {
        if indices.size() != 0 {
            panic!(
                "take: cannot take a non-empty selection from an empty axis (shape {})",
                x.shape_obj()
            );
        }
        return x.clone();
    }
    let idx = match mode {
        GatherScatterMode::FillOrDrop => normalize_index_array(indices, slice_sizes[axis]),
        _ => convert(indices, DType::I32, false),
    };
    let nd = idx.ndim();
    slice_sizes[axis] = 1;
    let offset_dims = (0..axis).chain(axis + nd..x.ndim() + nd - 1).collect();
    let dnums = GatherDimensionNumbers {
        offset_dims,
        collapsed_slice_dims: [axis].into_iter().collect(),
        start_index_map: [axis].into_iter().collect(),
        ..Default::default()
    };
    let idx = expand_dims(&idx, &[nd]);
    gather(x, &idx, dnums, &slice_sizes, mode, fill_value)
}

/// `jnp.take_along_axis(x, indices, axis)` along a resolved `axis`, for `indices` of `x`'s
/// rank: `out[..., i, ...] = x[..., indices[..., i, ...], ...]`, with `x` and `indices`
/// broadcast against each other on the other axes. Out-of-range indices give the fill value
/// (NaN for floats).
pub(crate) fn take_along_axis(x: &Array, indices: &Array, axis: usize) -> Array {
    let rank = x.ndim();
    let idx_shape = indices.shape().to_vec();
    let mut arr_shape = x.shape().to_vec();
    arr_shape[axis] = 1;
    let out_shape = broadcast_shapes(&idx_shape, &arr_shape).unwrap_or_else(|| {
        panic!(
            "take_along_axis: indices {} do not broadcast against x {} off axis {axis}",
            indices.aval(),
            x.aval()
        )
    });
    let axis_size = x.shape()[axis];
    if axis_size == 0 {
        return zeros(out_shape, x.dtype());
    }
    let indices = normalize_index_array(indices, axis_size);
    let index_dims: Vec<usize> = (0..rank)
        .filter(|&i| i == axis || idx_shape[i] != 1)
        .collect();
    let mut gather_index_shape: Vec<usize> = index_dims.iter().map(|&i| out_shape[i]).collect();
    gather_index_shape.push(1);
    let gather_indices = reshape(&indices, &gather_index_shape);
    let mut dn = GatherDimensionNumbers::default();
    let mut slice_sizes = Vec::new();
    let mut squeezed = Vec::new();
    let (mut new_i, mut j) = (0usize, 0usize);
    for i in 0..rank {
        if i == axis {
            slice_sizes.push(1);
            dn.start_index_map.push(new_i);
            dn.collapsed_slice_dims.push(new_i);
            new_i += 1;
            j += 1;
        } else if idx_shape[i] == 1 {
            dn.offset_dims.push(i);
            slice_sizes.push(arr_shape[i]);
            new_i += 1;
        } else if arr_shape[i] == 1 {
            squeezed.push(i);
            j += 1;
        } else {
            slice_sizes.push(if arr_shape[i] == 0 { 0 } else { 1 });
            dn.operand_batching_dims.push(new_i);
            dn.start_indices_batching_dims.push(j);
            new_i += 1;
            j += 1;
        }
    }
    let a = squeeze_if_any(x, &squeezed);
    gather(
        &a,
        &gather_indices,
        dn,
        &slice_sizes,
        GatherScatterMode::FillOrDrop,
        None,
    )
}

/// The main diagonal of each matrix in the last two axes, as a new last axis
/// (`jnp.diagonal(x, 0, -2, -1)`): the gather that indexing `x[..., i, i]` with `i = 0..k`
/// builds, equation for equation.
pub(crate) fn diagonal(x: &Array) -> Array {
    let nd = x.ndim();
    let (n, m) = (x.shape()[nd - 2], x.shape()[nd - 1]);
    let moved = transpose(x, &(0..nd).collect::<Vec<_>>());
    let size = n.min(m);
    let mut out_shape = x.shape()[..nd - 2].to_vec();
    out_shape.push(size);
    // Two index arrays (two constants when staged), normalised before indexing knows whether
    // the result is empty.
    let positions = || Array::from_vec((0..size as i32).collect::<Vec<i32>>(), [size]);
    let rows = normalize_index_array(&positions(), n);
    let cols = normalize_index_array(&positions(), m);
    if out_shape.contains(&0) {
        return zeros(out_shape, x.dtype());
    }
    let column = |i: &Array| {
        bind1(
            LayoutOp::BroadcastInDim {
                shape: Shape::new(&[size, 1]),
                broadcast_dimensions: Axes::from_slice(&[0]),
            },
            &[i],
        )
    };
    let columns = [column(&rows), column(&cols)];
    let indices = concatenate(&[&columns[0], &columns[1]], 1);
    let mut slice_sizes = x.shape()[..nd - 2].to_vec();
    slice_sizes.extend([1, 1]);
    let dnums = GatherDimensionNumbers {
        offset_dims: (0..nd - 2).collect(),
        collapsed_slice_dims: [nd - 2, nd - 1].into_iter().collect(),
        start_index_map: [nd - 2, nd - 1].into_iter().collect(),
        ..Default::default()
    };
    gather(
        &moved,
        &indices,
        dnums,
        &slice_sizes,
        GatherScatterMode::PromiseInBounds,
        None,
    )
}

/// The int32 indices that sort `x` along `dimension`, stably (`jnp.argsort(x, stable=True)`).
pub(crate) fn argsort(x: &Array, dimension: usize) -> Array {
    let idx = broadcasted_iota(DType::I32, x.shape_obj().clone(), dimension);
    let mut outs = bind(
        SortOp::Sort {
            dimension,
            is_stable: true,
            num_keys: 1,
        },
        &[x, &idx],
    );
    outs.pop().expect("sort returns one output per operand")
}
