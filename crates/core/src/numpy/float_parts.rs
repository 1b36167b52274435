//! Splitting numbers into parts, named as in `jax.numpy` and computed with JAX's formulas:
//! `divmod`, `modf`, `frexp`, `ldexp`, `spacing`.

use super::math::{
    add, ceil, equal, floor, floor_divide, greater, greater_equal, isinf, isnan, logical_or,
    nextafter, not_equal, power, remainder, sign, subtract, where_,
};
use super::promotion::{convert, promote_dtypes, to_inexact};
use super::ufuncs::copysign;
use crate::array::{Array, DType};
use crate::prims::bind1;
use crate::prims::convert::ConvertOp;

fn lit(x: &Array, v: f64) -> Array {
    convert(&Array::scalar(v), x.dtype(), false)
}

/// `jnp.divmod(x1, x2)`: `(floor_divide(x1, x2), remainder(x1, x2))`; for floats, CPython's
/// `float_divmod` as JAX computes it (the quotient rounded to a whole number, the remainder
/// with the sign of `x2`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let (q, r) = jnp::divmod(&Array::from_vec(vec![7.0f32, -7.0], [2]), &Array::scalar(2.0f32));
/// assert_eq!(q.to_vec::<f32>(), vec![3.0, -4.0]);
/// assert_eq!(r.to_vec::<f32>(), vec![1.0, 1.0]);
/// ```
pub fn divmod(x1: &Array, x2: &Array) -> (Array, Array) {
    let p = promote_dtypes(&[x1, x2]);
    // `promote_args_numeric`: bools count as int32.
    let p: Vec<Array> = p
        .iter()
        .map(|a| {
            if a.dtype().is_bool() {
                convert(a, DType::I32, false)
            } else {
                a.clone()
            }
        })
        .collect();
    let (x1, x2) = (&p[0], &p[1]);
    if x1.dtype().is_complex() {
        panic!(
            "divmod: complex inputs are not supported (got {})",
            x1.dtype()
        );
    }
    if !x1.dtype().is_inexact() {
        return (floor_divide(x1, x2), remainder(x1, x2));
    }
    let m = super::math::fmod(x1, x2);
    let corrected = where_(&equal(x2, &lit(x2, 0.0)), x1, &subtract(x1, &m));
    let div = corrected / x2;
    let ind = super::math::logical_and(
        &not_equal(&m, &lit(&m, 0.0)),
        &not_equal(&sign(x2), &sign(&m)),
    );
    let m = where_(&ind, &add(&m, x2), &m);
    let div = where_(&ind, &subtract(&div, &lit(&div, 1.0)), &div);
    (super::math::round(&div), m)
}

/// `jnp.modf(x)`: the fractional and the whole parts of `x` (integers become float), both
/// with the sign of `x`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let (f, w) = jnp::modf(&Array::from_vec(vec![2.5f32, -1.25], [2]));
/// assert_eq!(f.to_vec::<f32>(), vec![0.5, -0.25]);
/// assert_eq!(w.to_vec::<f32>(), vec![2.0, -1.0]);
/// ```
pub fn modf(x: &Array) -> (Array, Array) {
    let x = to_inexact(x);
    if x.dtype().is_complex() {
        panic!("modf: complex inputs are not supported (got {})", x.dtype());
    }
    let whole = where_(&greater_equal(&x, &lit(&x, 0.0)), &floor(&x), &ceil(&x));
    (subtract(&x, &whole), whole)
}

/// The bit layout of a float dtype: (integer dtype of its width, mantissa bits, exponent bias).
fn layout(d: DType) -> (DType, i64, i64) {
    match d {
        DType::F64 => (DType::I64, 52, 1023),
        _ => (DType::I32, 23, 127),
    }
}

fn bitcast(x: &Array, d: DType) -> Array {
    bind1(ConvertOp::BitcastConvertType { new_dtype: d }, &[x])
}

/// `2^k` for integer `k` (in the float's normal range), built from its bits.
fn pow2(k: &Array, float: DType) -> Array {
    let (int, nmant, bias) = layout(float);
    let k = convert(k, int, false);
    let bits = super::math::left_shift(&add(&k, &lit(&k, bias as f64)), &lit(&k, nmant as f64));
    bitcast(&bits, float)
}

/// The binary exponent `e` of `frexp` (int32; 0 for 0, infinities and NaN).
fn frexp_exponent(x: &Array) -> Array {
    let (int, nmant, bias) = layout(x.dtype());
    let tiny = if x.dtype() == DType::F64 {
        f64::MIN_POSITIVE
    } else {
        f64::from(f32::MIN_POSITIVE)
    };
    // JAX's `_normalize_float`: subnormals are scaled up by 2^nmant first.
    let sub = super::math::less(&super::math::abs(x), &lit(x, tiny));
    let scaled = where_(&sub, &(x * &lit(x, 2f64.powi(nmant as i32))), x);
    let bits = bitcast(&scaled, int);
    let raw = super::math::bitwise_and(
        &super::math::right_shift(&bits, &lit(&bits, nmant as f64)),
        &lit(&bits, if int == DType::I64 { 2047.0 } else { 255.0 }),
    );
    let e = subtract(&raw, &lit(&raw, (bias - 1) as f64));
    let e = where_(&sub, &subtract(&e, &lit(&e, nmant as f64)), &e);
    let special = logical_or(&logical_or(&isinf(x), &isnan(x)), &equal(x, &lit(x, 0.0)));
    convert(&where_(&special, &lit(&e, 0.0), &e), DType::I32, false)
}

/// `jnp.frexp(x)`: `(mantissa, exponent)` with `x == mantissa * 2 ** exponent`, `|mantissa|`
/// in `[0.5, 1)` (0, infinities and NaN are their own mantissa with exponent 0); the exponent
/// is int32. The mantissa's derivative is `2 ** -exponent`, as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let (m, e) = jnp::frexp(&Array::from_vec(vec![8.0f32, -0.75], [2]));
/// assert_eq!(m.to_vec::<f32>(), vec![0.5, -0.75]);
/// assert_eq!(e.to_vec::<i32>(), vec![4, 0]);
/// ```
pub fn frexp(x: &Array) -> (Array, Array) {
    let x = to_inexact(x);
    if x.dtype().is_complex() {
        panic!(
            "frexp: This operation is only supported for real-valued inputs (got {})",
            x.dtype()
        );
    }
    let orig = x.dtype();
    // Half-precision values are exact in float32; the mantissa converts back exactly.
    let xw = if matches!(orig, DType::F16 | DType::BF16) {
        convert(&x, DType::F32, false)
    } else {
        x.clone()
    };
    let e = crate::lax::stop_gradient(&frexp_exponent(&xw));
    // `x * 2^-e` in two exact steps (a subnormal's `2^-e` alone would overflow).
    let half = floor_divide(&e, &Array::weak_scalar(2));
    let rest = subtract(&e, &half);
    let neg = |k: &Array| pow2(&super::math::negative(k), xw.dtype());
    let m = &(&xw * &neg(&half)) * &neg(&rest);
    let special = logical_or(
        &logical_or(&isinf(&xw), &isnan(&xw)),
        &equal(&xw, &lit(&xw, 0.0)),
    );
    let m = where_(&special, &xw, &m);
    (convert(&m, orig, false), e)
}

/// `jnp.ldexp(x1, x2)`: `x1 * 2 ** x2` for an integer `x2`, computed as JAX does (through
/// [`frexp`], so small `x1` with large `x2` does not overflow early).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let y = jnp::ldexp(&Array::from_vec(vec![0.75f32, 3.0], [2]), &Array::from_vec(vec![2i32, -1], [2]));
/// assert_eq!(y.to_vec::<f32>(), vec![3.0, 1.5]);
/// ```
pub fn ldexp(x1: &Array, x2: &Array) -> Array {
    if x1.dtype().is_complex() || x2.dtype().is_inexact() {
        panic!(
            "ldexp: ldexp not supported for input types ({}, {})",
            x1.dtype(),
            x2.dtype()
        );
    }
    let x1 = to_inexact(x1);
    let x2 = convert(x2, x1.dtype(), false);
    let (m, e) = frexp(&x1);
    let e = convert(
        &add(&convert(&e, x2.dtype(), false), &x2),
        x1.dtype(),
        false,
    );
    let pos = greater(&e, &lit(&e, 0.0));
    let m = where_(&pos, &(&m * &lit(&m, 2.0)), &m);
    let e = where_(&pos, &subtract(&e, &lit(&e, 1.0)), &e);
    let x = &m * &power(&lit(&m, 2.0), &e);
    where_(
        &logical_or(&isinf(&x1), &equal(&x1, &lit(&x1, 0.0))),
        &x1,
        &x,
    )
}

/// `jnp.spacing(x)`: the distance from `x` to the next float away from zero (its sign is
/// `x`'s); integers become float.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// assert_eq!(jnp::spacing(&Array::scalar(1.0f32)).item::<f32>(), f32::EPSILON);
/// ```
pub fn spacing(x: &Array) -> Array {
    let x = to_inexact(x);
    if x.dtype().is_complex() {
        panic!("spacing: jnp.spacing is not defined for complex inputs.");
    }
    let inf = lit(&x, f64::INFINITY);
    if x.dtype() == DType::F16 {
        return subtract(&nextafter(&x, &inf), &x);
    }
    let result = subtract(&nextafter(&x, &copysign(&inf, &x)), &x);
    let smallest = match x.dtype() {
        DType::F64 => f64::from_bits(1),
        DType::BF16 => f64::from(f32::from_bits(1 << 16)),
        _ => f64::from(f32::from_bits(1)),
    };
    where_(
        &equal(&result, &lit(&result, 0.0)),
        &copysign(&lit(&x, smallest), &x),
        &result,
    )
}
