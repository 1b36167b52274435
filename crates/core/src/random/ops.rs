//! Small array helpers shared by the samplers, all written with `bind` so that sampling traces
//! like any other computation.
//!
//! Pairing and unpairing the last axis of size 2 (key data) uses broadcasts, selects and
//! bitwise reductions rather than slicing and concatenation, which live in another primitive
//! family; both formulations are exact.

use crate::array::{Array, DType, Element, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::{ReduceKind, ReduceOp};
use crate::prims::select::SelectOp;
use crate::prims::sort::SortOp;
use crate::prims::threefry::ThreefryOp;
use crate::prims::{bind, bind1};

/// A strongly typed 0-d `uint32`.
pub(crate) fn c_u32(v: u32) -> Array {
    Array::scalar(v)
}

/// A 0-d constant of `dtype`, rounded once from `v` (like `np.array(v, dtype)`).
pub(crate) fn c_float(v: f64, dtype: DType) -> Array {
    crate::with_dtype!(dtype, T => Array::scalar(T::from_f64(v)))
}

/// A user-supplied float bound (a Python float in JAX) as a 0-d array of `dtype`: rounded to
/// float32 first, as a weak float32 would be, except for float64.
pub(crate) fn c_user_float(v: f64, dtype: DType) -> Array {
    if dtype == DType::F64 {
        Array::scalar(v)
    } else {
        c_float(v as f32 as f64, dtype)
    }
}

/// `op(x, y)` for one elementwise binary primitive.
pub(crate) fn bin(op: BinaryOp, x: &Array, y: &Array) -> Array {
    bind1(op, &[x, y])
}

/// Converts values to `dtype` (`convert_element_type`).
pub(crate) fn convert(x: &Array, dtype: DType) -> Array {
    if x.dtype() == dtype && !x.weak_type() {
        return x.clone();
    }
    bind1(
        ConvertOp::ConvertElementType {
            new_dtype: dtype,
            weak_type: false,
        },
        &[x],
    )
}

/// Reinterprets bits as `dtype` (`bitcast_convert_type`).
pub(crate) fn bitcast(x: &Array, dtype: DType) -> Array {
    bind1(ConvertOp::BitcastConvertType { new_dtype: dtype }, &[x])
}

/// The `threefry2x32` primitive.
pub(crate) fn threefry(k0: &Array, k1: &Array, x0: &Array, x1: &Array) -> (Array, Array) {
    let mut out = bind(ThreefryOp::Threefry2x32, &[k0, k1, x0, x1]);
    let b1 = out.pop().expect("threefry2x32 has two outputs");
    let b0 = out.pop().expect("threefry2x32 has two outputs");
    (b0, b1)
}

/// Stacks two arrays of one shape `S` into shape `(*S, 2)`.
pub(crate) fn stack_pair(a: &Array, b: &Array) -> Array {
    let nd = a.ndim();
    let mut shape: Shape = a.shape_obj().clone();
    shape.0.push(2);
    let widen = |x: &Array| {
        bind1(
            LayoutOp::BroadcastInDim {
                shape: shape.clone(),
                broadcast_dimensions: (0..nd).collect(),
            },
            &[x],
        )
    };
    let second = bind1(
        LayoutOp::BroadcastInDim {
            shape: shape.clone(),
            broadcast_dimensions: [nd].into_iter().collect(),
        },
        &[&Array::from_vec(vec![false, true], [2])],
    );
    bind1(SelectOp::SelectN, &[&second, &widen(a), &widen(b)])
}

/// Splits a `uint32` array of shape `(*S, 2)` into its two halves of shape `S`.
pub(crate) fn unstack_pair(x: &Array) -> (Array, Array) {
    let nd = x.ndim();
    let half = |mask: [u32; 2]| {
        let m = bind1(
            LayoutOp::BroadcastInDim {
                shape: x.shape_obj().clone(),
                broadcast_dimensions: [nd - 1].into_iter().collect(),
            },
            &[&Array::from_vec(mask.to_vec(), [2])],
        );
        bind1(
            ReduceOp::Reduce {
                kind: ReduceKind::Or,
                axes: [nd - 1].into_iter().collect(),
            },
            &[&bin(BinaryOp::And, x, &m)],
        )
    };
    (half([u32::MAX, 0]), half([0, u32::MAX]))
}

/// The first `k` elements of a 1-D int32 array.
///
/// Each element becomes the int64 `((n - 1 - position) << 32) | bits(element)`, so that
/// `top_k` returns the first `k` positions in order, and the low words are the elements.
pub(crate) fn prefix_i32(x: &Array, k: usize) -> Array {
    let n = x.shape()[0];
    let rank = Array::from_vec((0..n as i64).rev().collect::<Vec<i64>>(), [n]);
    let hi = bin(BinaryOp::ShiftLeft, &rank, &Array::scalar(32i64));
    let lo = convert(&bitcast(x, DType::U32), DType::I64);
    let packed = bin(BinaryOp::Or, &hi, &lo);
    let mut top = bind(SortOp::TopK { k }, &[&packed]);
    top.truncate(1);
    let low = bin(
        BinaryOp::And,
        &top.pop().expect("top_k returns values"),
        &Array::scalar(u32::MAX as i64),
    );
    bitcast(&convert(&low, DType::U32), DType::I32)
}

/// `finfo(dtype).tiny`, the smallest positive normal number.
pub(crate) fn tiny(dtype: DType) -> f64 {
    match dtype {
        DType::F16 => half::f16::MIN_POSITIVE.to_f64(),
        DType::BF16 => half::bf16::MIN_POSITIVE.to_f64(),
        DType::F32 => f32::MIN_POSITIVE as f64,
        _ => f64::MIN_POSITIVE,
    }
}

/// `finfo(dtype).nmant`, the number of explicit mantissa bits.
pub(crate) fn nmant(dtype: DType) -> u32 {
    match dtype {
        DType::F16 => 10,
        DType::BF16 => 7,
        DType::F32 => 23,
        _ => 52,
    }
}

/// Panics (naming `op`) unless `dtype` is a float dtype.
pub(crate) fn check_float(op: &str, dtype: DType) {
    if !dtype.is_float() {
        panic!("random.{op}: dtype must be a floating-point dtype, got {dtype}");
    }
}

/// A 0-d array holding `v` converted to `T` (for integer constants of a sampled dtype).
pub(crate) fn c_int<T: Element>(v: i64) -> Array {
    Array::scalar(T::from_i64(v))
}
