//! Dtype promotion and shape broadcasting for the numpy-level API.

use crate::array::{broadcast_shapes as broadcast_two, promote_types_weak, Array, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::compare::CompareOp;
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::{bind1, Primitive};

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
        return crate::prims::eval_primitive(&op.into(), &[x]).remove(0);
    }
    bind1(op, &[x])
}

/// Converts every array to their common dtype (`jnp`'s `_promote_dtypes`).
pub fn promote_dtypes(arrays: &[&Array]) -> Vec<Array> {
    let (d, w) = result_type(arrays);
    arrays.iter().map(|a| convert(a, d, w)).collect()
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

/// `jnp.broadcast_shapes(*shapes)`: the shape that all `shapes` broadcast to.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::broadcast_shapes(&[&[3, 1], &[4], &[]]), vec![3, 4]);
/// ```
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Vec<usize> {
    let mut out = Shape::scalar();
    for s in shapes {
        out = broadcast_two(&out, s).unwrap_or_else(|| {
            panic!(
                "broadcast_shapes: Incompatible shapes for broadcasting: shapes={:?}",
                shapes
            )
        });
    }
    out.to_vec()
}

pub(crate) fn common_shape(arrays: &[&Array], op: &str) -> Shape {
    arrays.iter().fold(Shape::scalar(), |s, a| {
        broadcast_two(&s, a.shape()).unwrap_or_else(|| {
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

/// Converts integer and bool inputs to float (what `jnp.exp(int_array)` does): float32, or
/// float64 for int64/uint64 as in JAX with 64-bit types enabled; float inputs pass through.
pub(crate) fn to_inexact(x: &Array) -> Array {
    match x.dtype() {
        d if d.is_inexact() => x.clone(),
        DType::I64 | DType::U64 => convert(x, DType::F64, x.weak_type()),
        _ => convert(x, DType::F32, x.weak_type()),
    }
}
