//! Small array helpers shared by the samplers, all written with `bind` so that sampling traces
//! like any other computation.

use crate::array::{Array, ArrayElement, DType, Element};
use crate::lax;
use crate::numpy as jnp;
use crate::prims::binary::BinaryOp;
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::prng::PrngOp;
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
    let mut out = bind(PrngOp::Threefry2x32, &[k0, k1, x0, x1]);
    let b1 = out.pop().expect("threefry2x32 has two outputs");
    let b0 = out.pop().expect("threefry2x32 has two outputs");
    (b0, b1)
}

/// Element `i` of the last axis, with that axis removed (`x[..., i]`): `slice` + `squeeze`,
/// as JAX lowers a static integer index (`k1, k2 = key` unpacks key data this way).
pub(crate) fn last_axis_element(x: &Array, i: usize) -> Array {
    let axis = x.ndim() - 1;
    bind1(
        LayoutOp::Squeeze {
            dimensions: [axis].into_iter().collect(),
        },
        &[&lax::slice_in_dim(x, i, i + 1, 1, axis)],
    )
}

/// `jnp.stack([a, b], axis=a.ndim)`: two arrays of one shape `S` as shape `(*S, 2)`.
pub(crate) fn stack_pair(a: &Array, b: &Array) -> Array {
    jnp::stack(&[a, b], a.ndim() as isize)
}

/// `finfo(dtype).tiny`, the smallest positive normal number.
pub(crate) fn tiny(dtype: DType) -> f64 {
    match dtype {
        DType::F16 => half::f16::MIN_POSITIVE.to_f64(),
        DType::BF16 => half::bf16::MIN_POSITIVE.to_f64(),
        DType::F32 => f32::MIN_POSITIVE as f64,
        d if d.is_narrow_float() => crate::numpy::finfo(d).tiny,
        _ => f64::MIN_POSITIVE,
    }
}

/// `finfo(dtype).nmant`, the number of explicit mantissa bits.
pub(crate) fn nmant(dtype: DType) -> u32 {
    match dtype {
        DType::F16 => 10,
        DType::BF16 => 7,
        DType::F32 => 23,
        d if d.is_narrow_float() => crate::numpy::finfo(d).nmant,
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

/// JAX's `threefry_2x32(keypair, count)` on a 1-D `uint32` count array, as the legacy
/// (non-partitionable) scheme uses it: the counts (padded with one zero to an even length) are
/// split into halves that form the two threefry input words, and the two output words are
/// concatenated back (dropping the padding).
pub(crate) fn threefry_2x32_flat(k0: &Array, k1: &Array, count: &Array) -> Array {
    let len = count.shape()[0];
    let padded = if len % 2 == 1 {
        lax::concatenate(&[count, &Array::from_vec(vec![0u32], [1])], 0)
    } else {
        count.clone()
    };
    let half = padded.shape()[0] / 2;
    let x0 = lax::slice_in_dim(&padded, 0, half, 1, 0);
    let x1 = lax::slice_in_dim(&padded, half, 2 * half, 1, 0);
    let (b0, b1) = threefry(k0, k1, &x0, &x1);
    let out = lax::concatenate(&[&b0, &b1], 0);
    if len % 2 == 1 {
        lax::slice_in_dim(&out, 0, len, 1, 0)
    } else {
        out
    }
}
