//! More elementwise functions, named as in `jax.numpy` and computed with JAX's formulas:
//! `hypot`, `sinc`, `logaddexp2`, `copysign`, `signbit`, `heaviside`, `float_power`,
//! `nan_to_num`, `gcd`, `lcm`, and `select`.

use super::joining::stack;
use super::math::{full_like_scalar, isnan, select as select2};
use super::promotion::{broadcast_arrays, broadcast_for_elementwise, convert, promote_dtypes};
use super::reductions::{any, argmax};
use crate::array::{Array, DType};
use crate::lax;
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;
use crate::prims::convert::ConvertOp;
use crate::prims::select::SelectOp;
use crate::prims::unary::UnaryOp;

/// `promote_args_inexact`: common dtype, then float, then broadcast (0-d operands stay 0-d).
fn inexact2(x: &Array, y: &Array, op: &str) -> (Array, Array) {
    let p: Vec<Array> = promote_dtypes(&[x, y])
        .iter()
        .map(super::promotion::to_inexact)
        .collect();
    let mut b = broadcast_for_elementwise(&p, op);
    // The selects below need equal shapes, so a 0-d operand beside a larger one is broadcast.
    let shape = super::promotion::common_shape(&[&b[0], &b[1]], op);
    for a in b.iter_mut() {
        *a = super::promotion::broadcast_to_shape(a, &shape, op);
    }
    let y = b.pop().expect("two operands");
    (b.pop().expect("two operands"), y)
}

fn cmp(op: CompareOp, x: &Array, y: &Array) -> Array {
    bind1(op, &[x, y])
}

fn full_of(x: &Array, v: f64) -> Array {
    super::promotion::broadcast_to_shape(&full_like_scalar(x, v), x.shape_obj(), "full")
}

/// `jnp.hypot(x1, x2)`: `sqrt(x1² + x2²)` without overflow, JAX's formula: with
/// `a = max(|x1|, |x2|)` and `b = min(..)`, `a * sqrt(1 + (b / a)²)` (0 where `a == 0`), and
/// `inf` where either input is infinite (even beside a NaN).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![3.0f32, 1e30], [2]);
/// let y = Array::from_vec(vec![4.0f32, 1e30], [2]);
/// let h = jnp::hypot(&x, &y).to_vec::<f32>();
/// assert_eq!(h[0], 5.0);
/// assert!((h[1] / 1.4142135e30 - 1.0).abs() < 1e-6);
/// ```
pub fn hypot(x1: &Array, x2: &Array) -> Array {
    let (x1, x2) = inexact2(x1, x2, "hypot");
    let (x1, x2) = (bind1(UnaryOp::Abs, &[&x1]), bind1(UnaryOp::Abs, &[&x2]));
    let inf = full_of(&x1, f64::INFINITY);
    let idx_inf = bind1(
        BinaryOp::Or,
        &[
            &cmp(CompareOp::Eq, &x1, &inf),
            &cmp(CompareOp::Eq, &x2, &inf),
        ],
    );
    let (hi, lo) = (
        bind1(BinaryOp::Max, &[&x1, &x2]),
        bind1(BinaryOp::Min, &[&x1, &x2]),
    );
    let zero = cmp(CompareOp::Eq, &hi, &full_of(&hi, 0.0));
    let safe = select2(&zero, &full_of(&hi, 1.0), &hi);
    let ratio = bind1(BinaryOp::Div, &[&lo, &safe]);
    let root = bind1(
        UnaryOp::Sqrt,
        &[&bind1(
            BinaryOp::Add,
            &[&full_of(&hi, 1.0), &bind1(UnaryOp::Square, &[&ratio])],
        )],
    );
    let x = select2(&zero, &hi, &bind1(BinaryOp::Mul, &[&hi, &root]));
    select2(&idx_inf, &inf, &x)
}

/// `jnp.sinc(x)`: `sin(πx) / (πx)`, 1 at 0 (with derivative 0 there, as JAX's rule gives).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0.0f32, 1.0, 0.5], [3]);
/// let s = jnp::sinc(&x).to_vec::<f32>();
/// assert_eq!(s[0], 1.0);
/// assert!(s[1].abs() < 1e-7);
/// assert!((s[2] - 2.0 / std::f32::consts::PI).abs() < 1e-7);
/// ```
pub fn sinc(x: &Array) -> Array {
    let x = super::promotion::to_inexact(x);
    let eq_zero = cmp(CompareOp::Eq, &x, &full_of(&x, 0.0));
    let pi_x = bind1(BinaryOp::Mul, &[&full_of(&x, std::f64::consts::PI), &x]);
    let safe = select2(&eq_zero, &full_of(&x, 1.0), &pi_x);
    // JAX's Maclaurin term `pi_x * 0 + 1`: 1 whose derivative is 0.
    let at_zero = bind1(
        BinaryOp::Add,
        &[
            &bind1(BinaryOp::Mul, &[&pi_x, &full_of(&x, 0.0)]),
            &full_of(&x, 1.0),
        ],
    );
    let ratio = bind1(BinaryOp::Div, &[&bind1(UnaryOp::Sin, &[&safe]), &safe]);
    select2(&eq_zero, &at_zero, &ratio)
}

/// `jnp.logaddexp2(x1, x2)`: `log2(2^x1 + 2^x2)` computed stably (JAX's formula:
/// `max + log1p(2^-|x1 - x2|) / ln 2`, and `x1 + x2` where the difference is NaN, so equal
/// infinities give themselves).
pub fn logaddexp2(x1: &Array, x2: &Array) -> Array {
    let (x1, x2) = inexact2(x1, x2, "logaddexp2");
    let amax = bind1(BinaryOp::Max, &[&x1, &x2]);
    let delta = bind1(BinaryOp::Sub, &[&x1, &x2]);
    let invln2 = full_of(&amax, 1.0 / std::f64::consts::LN_2);
    let neg_abs = bind1(UnaryOp::Neg, &[&bind1(UnaryOp::Abs, &[&delta])]);
    let tail = bind1(UnaryOp::Log1p, &[&bind1(UnaryOp::Exp2, &[&neg_abs])]);
    let stable = bind1(
        BinaryOp::Add,
        &[&amax, &bind1(BinaryOp::Mul, &[&invln2, &tail])],
    );
    select2(&isnan(&delta), &bind1(BinaryOp::Add, &[&x1, &x2]), &stable)
}

/// `jnp.signbit(x)`: true where the sign bit is set (so for `-0.0` and negative NaNs too);
/// `x < 0` for integers, false for bools.
pub fn signbit(x: &Array) -> Array {
    let d = x.dtype();
    if d.is_bool() {
        return super::creation::full(x.shape(), false);
    }
    if d.is_integer() {
        return cmp(CompareOp::Lt, x, &full_of(x, 0.0));
    }
    // A float's sign bit is the sign of the same bits read as a signed integer.
    let (x, int) = match d {
        DType::F64 => (x.clone(), DType::I64),
        DType::F32 => (x.clone(), DType::I32),
        _ => (convert(x, DType::F32, false), DType::I32),
    };
    let bits = bind1(ConvertOp::BitcastConvertType { new_dtype: int }, &[&x]);
    cmp(CompareOp::Lt, &bits, &full_of(&bits, 0.0))
}

/// `jnp.copysign(x1, x2)`: `|x1|` with the sign bit of `x2` (integers become float).
pub fn copysign(x1: &Array, x2: &Array) -> Array {
    let (x1, x2) = inexact2(x1, x2, "copysign");
    let a = bind1(UnaryOp::Abs, &[&x1]);
    select2(&signbit(&x2), &bind1(UnaryOp::Neg, &[&a]), &a)
}

/// `jnp.heaviside(x1, x2)`: 0 where `x1 < 0`, 1 where `x1 > 0`, `x2` where `x1 == 0` (NaN
/// where `x1` is NaN).
pub fn heaviside(x1: &Array, x2: &Array) -> Array {
    let (x1, x2) = inexact2(x1, x2, "heaviside");
    let zero = full_of(&x1, 0.0);
    let inner = select2(&isnan(&x1), &x1, &x2);
    let inner = select2(&cmp(CompareOp::Gt, &x1, &zero), &full_of(&x1, 1.0), &inner);
    select2(&cmp(CompareOp::Lt, &x1, &zero), &zero, &inner)
}

/// `jnp.float_power(x, y)`: `x ** y` computed in floating point (integers become float).
pub fn float_power(x: &Array, y: &Array) -> Array {
    let (x, y) = inexact2(x, y, "float_power");
    bind1(BinaryOp::Pow, &[&x, &y])
}

/// Options of [`nan_to_num_with`]: the replacements for NaN (JAX's default 0), +inf and -inf
/// (default: the dtype's largest and smallest finite values).
#[derive(Clone, Copy, Debug, Default)]
pub struct NanToNumOptions {
    /// Replaces NaN.
    pub nan: f64,
    /// Replaces +inf (`None`: the largest finite value of the dtype).
    pub posinf: Option<f64>,
    /// Replaces -inf (`None`: the most negative finite value of the dtype).
    pub neginf: Option<f64>,
}

/// `jnp.nan_to_num(x)`: NaN becomes 0 and ±inf the largest finite values of the dtype;
/// integer and bool arrays pass through.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![f32::NAN, f32::INFINITY, -1.5], [3]);
/// assert_eq!(jnp::nan_to_num(&x).to_vec::<f32>(), vec![0.0, f32::MAX, -1.5]);
/// ```
pub fn nan_to_num(x: &Array) -> Array {
    nan_to_num_with(x, NanToNumOptions::default())
}

/// `jnp.nan_to_num(x, nan=..., posinf=..., neginf=...)`.
pub fn nan_to_num_with(x: &Array, options: NanToNumOptions) -> Array {
    let d = x.dtype();
    if !d.is_float() {
        return x.clone();
    }
    let (max, min) = match d {
        DType::F64 => (f64::MAX, f64::MIN),
        DType::F16 => (65504.0, -65504.0),
        DType::BF16 => (f64::from(half::bf16::MAX), f64::from(half::bf16::MIN)),
        d if d.is_narrow_float() => (super::finfo(d).max, super::finfo(d).min),
        _ => (f64::from(f32::MAX), f64::from(f32::MIN)),
    };
    let nan = full_of(x, options.nan);
    let out = select2(&isnan(x), &nan, x);
    let pinf = full_of(x, f64::INFINITY);
    let out = select2(
        &cmp(CompareOp::Eq, &out, &pinf),
        &full_of(x, options.posinf.unwrap_or(max)),
        &out,
    );
    let ninf = full_of(x, f64::NEG_INFINITY);
    select2(
        &cmp(CompareOp::Eq, &out, &ninf),
        &full_of(x, options.neginf.unwrap_or(min)),
        &out,
    )
}

fn integer_pair(x1: &Array, x2: &Array, op: &str) -> (Array, Array) {
    let p = promote_dtypes(&[x1, x2]);
    if !p[0].dtype().is_integer() {
        panic!(
            "{op}: the arguments must be integers, got {:?} and {:?} (promoting to {:?})",
            x1.dtype(),
            x2.dtype(),
            p[0].dtype()
        );
    }
    let b = broadcast_arrays(&[&p[0], &p[1]]);
    (b[0].clone(), b[1].clone())
}

fn int_abs(x: &Array) -> Array {
    if x.dtype().is_unsigned_integer() {
        x.clone()
    } else {
        bind1(UnaryOp::Abs, &[x])
    }
}

/// `jnp.gcd(x1, x2)`: the greatest common divisor of integers (Euclid's algorithm in a
/// `while_loop`, as JAX runs it: `gcd(0, 0) = 0`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![12i32, -18, 0], [3]);
/// let b = Array::from_vec(vec![8i32, 12, 5], [3]);
/// assert_eq!(jnp::gcd(&a, &b).to_vec::<i32>(), vec![4, 6, 5]);
/// ```
pub fn gcd(x1: &Array, x2: &Array) -> Array {
    let (x1, x2) = integer_pair(x1, x2, "gcd");
    gcd_abs(&int_abs(&x1), &int_abs(&x2))
}

fn gcd_abs(x1: &Array, x2: &Array) -> Array {
    let (g, _) = lax::while_loop(
        |(_, b): &(Array, Array)| any(&cmp(CompareOp::Ne, b, &full_of(b, 0.0)), None),
        |(a, b): &(Array, Array)| {
            let zero = full_of(b, 0.0);
            let nz = cmp(CompareOp::Ne, b, &zero);
            // JAX's `lax.rem(a, b)` is discarded where b == 0; dividing by 1 there keeps the
            // remainder defined.
            let safe_b = select2(&nz, b, &full_of(b, 1.0));
            let (a, b) = (
                select2(&nz, b, a),
                select2(&nz, &bind1(BinaryOp::Rem, &[a, &safe_b]), &zero),
            );
            let lt = cmp(CompareOp::Lt, &a, &b);
            (select2(&lt, &b, &a), select2(&lt, &a, &b))
        },
        &(x1.clone(), x2.clone()),
    );
    g
}

/// `jnp.lcm(x1, x2)`: the least common multiple of integers (`|x1| * (|x2| // gcd)`, 0 where
/// the gcd is 0).
pub fn lcm(x1: &Array, x2: &Array) -> Array {
    let (x1, x2) = integer_pair(x1, x2, "lcm");
    let (x1, x2) = (int_abs(&x1), int_abs(&x2));
    let d = gcd_abs(&x1, &x2);
    let zero = full_of(&d, 0.0);
    let is_zero = cmp(CompareOp::Eq, &d, &zero);
    let safe_d = select2(&is_zero, &full_of(&d, 1.0), &d);
    let m = bind1(
        BinaryOp::Mul,
        &[&x1, &bind1(BinaryOp::Div, &[&x2, &safe_d])],
    );
    select2(&is_zero, &zero, &m)
}

/// `jnp.select(condlist, choicelist, default)`: elementwise, the choice of the first true
/// condition, else `default` (all broadcast together; dtypes promoted).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = jnp::arange(5);
/// let small = jnp::less(&x, &Array::weak_scalar(2));
/// let big = jnp::greater(&x, &Array::weak_scalar(3));
/// let y = jnp::select(&[&small, &big], &[&x, &(&x * 10)], &Array::weak_scalar(-1));
/// assert_eq!(y.to_vec::<i32>(), vec![0, 1, -1, -1, 40]);
/// ```
pub fn select(condlist: &[&Array], choicelist: &[&Array], default: &Array) -> Array {
    if condlist.len() != choicelist.len() {
        panic!(
            "select: condlist must have length equal to choicelist ({} vs {})",
            condlist.len(),
            choicelist.len()
        );
    }
    if condlist.is_empty() {
        panic!("select: condlist must be non-empty");
    }
    let mut choices: Vec<&Array> = vec![default];
    choices.extend_from_slice(choicelist);
    let choices = promote_dtypes(&choices);
    // `stack(broadcast_arrays(False, *condlist))`: a leading all-false row makes argmax pick
    // index 0 (the default) where no condition holds.
    let no = Array::scalar(false);
    let mut conds: Vec<Array> = vec![no];
    conds.extend(condlist.iter().map(|c| convert(c, DType::Bool, false)));
    let conds = broadcast_arrays(&conds.iter().collect::<Vec<_>>());
    let stacked = stack(&conds.iter().collect::<Vec<_>>(), 0);
    let idx = argmax(&stacked, 0);
    let mut all: Vec<&Array> = vec![&idx];
    all.extend(choices.iter());
    let b = broadcast_arrays(&all);
    let refs: Vec<&Array> = b.iter().collect();
    bind1(SelectOp::SelectN, &refs)
}
