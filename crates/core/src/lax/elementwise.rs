//! `jax.lax`'s elementwise functions: each binds its primitive directly, with lax's
//! conventions: no dtype promotion (mismatched dtypes panic, as JAX's "lax.add requires
//! arguments to have the same dtypes"; weakly typed scalars take the other operand's dtype), no
//! broadcasting beyond 0-d operands, and float-only functions refuse integers.

use super::operands::same_dtypes;
use crate::array::{Array, DType};
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;
use crate::prims::convert::ConvertOp;
use crate::prims::select::SelectOp;
use crate::prims::unary::UnaryOp;

fn binary(op: BinaryOp, name: &str, x: &Array, y: &Array) -> Array {
    let args = same_dtypes(name, &[x, y]);
    bind1(op, &[&args[0], &args[1]])
}

fn compare(op: CompareOp, name: &str, x: &Array, y: &Array) -> Array {
    let args = same_dtypes(name, &[x, y]);
    bind1(op, &[&args[0], &args[1]])
}

macro_rules! lax_unary {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(x: &Array) -> Array {
                bind1($op, &[x])
            }
        )*
    };
}

lax_unary! {
    /// `jax.lax.neg`: `-x` (wrapping for integers).
    neg => UnaryOp::Neg;
    /// `jax.lax.sign`: -1, 0 or 1 by the sign of `x` (NaN stays NaN).
    sign => UnaryOp::Sign;
    /// `jax.lax.abs`: `|x|` (the modulus for complex `x`).
    abs => UnaryOp::Abs;
    /// `jax.lax.floor`: round toward -inf (floats only).
    floor => UnaryOp::Floor;
    /// `jax.lax.ceil`: round toward +inf (floats only).
    ceil => UnaryOp::Ceil;
    /// `jax.lax.is_finite`: true where `x` is neither infinite nor NaN (floats only).
    is_finite => UnaryOp::IsFinite;
    /// `jax.lax.exp`: `e^x`.
    exp => UnaryOp::Exp;
    /// `jax.lax.exp2`: `2^x`.
    exp2 => UnaryOp::Exp2;
    /// `jax.lax.log`: the natural logarithm.
    log => UnaryOp::Log;
    /// `jax.lax.log1p`: `ln(1 + x)`, accurate near 0.
    log1p => UnaryOp::Log1p;
    /// `jax.lax.expm1`: `e^x - 1`, accurate near 0.
    expm1 => UnaryOp::Expm1;
    /// `jax.lax.tanh`: the hyperbolic tangent.
    tanh => UnaryOp::Tanh;
    /// `jax.lax.logistic`: the logistic sigmoid `1 / (1 + e^-x)`.
    logistic => UnaryOp::Logistic;
    /// `jax.lax.sin`: the sine.
    sin => UnaryOp::Sin;
    /// `jax.lax.cos`: the cosine.
    cos => UnaryOp::Cos;
    /// `jax.lax.tan`: the tangent.
    tan => UnaryOp::Tan;
    /// `jax.lax.asin`: the arc sine.
    asin => UnaryOp::Asin;
    /// `jax.lax.acos`: the arc cosine.
    acos => UnaryOp::Acos;
    /// `jax.lax.atan`: the arc tangent.
    atan => UnaryOp::Atan;
    /// `jax.lax.sinh`: the hyperbolic sine.
    sinh => UnaryOp::Sinh;
    /// `jax.lax.cosh`: the hyperbolic cosine.
    cosh => UnaryOp::Cosh;
    /// `jax.lax.asinh`: the inverse hyperbolic sine.
    asinh => UnaryOp::Asinh;
    /// `jax.lax.acosh`: the inverse hyperbolic cosine.
    acosh => UnaryOp::Acosh;
    /// `jax.lax.atanh`: the inverse hyperbolic tangent.
    atanh => UnaryOp::Atanh;
    /// `jax.lax.sqrt`: the square root.
    sqrt => UnaryOp::Sqrt;
    /// `jax.lax.rsqrt`: `1 / sqrt(x)`.
    rsqrt => UnaryOp::Rsqrt;
    /// `jax.lax.cbrt`: the cube root.
    cbrt => UnaryOp::Cbrt;
    /// `jax.lax.square`: `x * x`.
    square => UnaryOp::Square;
    /// `jax.lax.reciprocal`: `1 / x`, as JAX's `integer_pow(x, -1)`.
    reciprocal => UnaryOp::IntegerPow(-1);
    /// `jax.lax.bitwise_not`: bitwise not of integers, logical not of bools.
    bitwise_not => UnaryOp::Not;
    /// `jax.lax.population_count`: the number of set bits of each integer.
    population_count => UnaryOp::PopulationCount;
    /// `jax.lax.clz`: the number of leading zero bits of each integer.
    clz => UnaryOp::Clz;
}

/// `jax.lax.RoundingMethod`: how [`round`] breaks ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RoundingMethod {
    /// Halfway values round away from zero (JAX's default, `RoundingMethod.AWAY_FROM_ZERO`).
    #[default]
    AwayFromZero,
    /// Halfway values round to the even neighbour (`RoundingMethod.TO_NEAREST_EVEN`).
    ToNearestEven,
}

/// `jax.lax.round`: round to the nearest integer, ties broken by `method` (floats only).
pub fn round(x: &Array, method: RoundingMethod) -> Array {
    bind1(
        UnaryOp::Round {
            to_nearest_even: method == RoundingMethod::ToNearestEven,
        },
        &[x],
    )
}

/// `jax.lax.integer_pow`: `x^y` for a fixed integer `y` (negative `y` only for inexact `x`).
pub fn integer_pow(x: &Array, y: i32) -> Array {
    bind1(UnaryOp::IntegerPow(y), &[x])
}

macro_rules! lax_binary {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(x: &Array, y: &Array) -> Array {
                binary($op, stringify!($name), x, y)
            }
        )*
    };
}

lax_binary! {
    /// `jax.lax.add`: `x + y` (wrapping for integers).
    add => BinaryOp::Add;
    /// `jax.lax.sub`: `x - y`.
    sub => BinaryOp::Sub;
    /// `jax.lax.mul`: `x * y`.
    mul => BinaryOp::Mul;
    /// `jax.lax.div`: `x / y`; integer division rounds toward zero (C semantics, unlike
    /// `jnp.floor_divide`).
    div => BinaryOp::Div;
    /// `jax.lax.rem`: the remainder of [`div`], with the sign of `x` (C's `fmod`, unlike
    /// `jnp.remainder`).
    rem => BinaryOp::Rem;
    /// `jax.lax.pow`: `x^y` for floats.
    pow => BinaryOp::Pow;
    /// `jax.lax.max`: the elementwise maximum (NaN if either is NaN).
    max => BinaryOp::Max;
    /// `jax.lax.min`: the elementwise minimum (NaN if either is NaN).
    min => BinaryOp::Min;
    /// `jax.lax.atan2`: the angle of the point `(y=x, x=y)`, `atan(x / y)` in the right quadrant.
    atan2 => BinaryOp::Atan2;
    /// `jax.lax.nextafter`: the next representable float after `x` toward `y`.
    nextafter => BinaryOp::Nextafter;
    /// `jax.lax.bitwise_and`: bitwise and of integers, logical and of bools.
    bitwise_and => BinaryOp::And;
    /// `jax.lax.bitwise_or`: bitwise or of integers, logical or of bools.
    bitwise_or => BinaryOp::Or;
    /// `jax.lax.bitwise_xor`: bitwise xor of integers, logical xor of bools.
    bitwise_xor => BinaryOp::Xor;
    /// `jax.lax.shift_left`: `x << y` (0 when `y` is at least the bit width).
    shift_left => BinaryOp::ShiftLeft;
    /// `jax.lax.shift_right_logical`: `x >> y` shifting in zeros.
    shift_right_logical => BinaryOp::ShiftRightLogical;
    /// `jax.lax.shift_right_arithmetic`: `x >> y` shifting in the sign bit.
    shift_right_arithmetic => BinaryOp::ShiftRightArithmetic;
}

macro_rules! lax_compare {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(x: &Array, y: &Array) -> Array {
                compare($op, stringify!($name), x, y)
            }
        )*
    };
}

lax_compare! {
    /// `jax.lax.eq`: `x == y` as bools.
    eq => CompareOp::Eq;
    /// `jax.lax.ne`: `x != y` as bools.
    ne => CompareOp::Ne;
    /// `jax.lax.lt`: `x < y` as bools.
    lt => CompareOp::Lt;
    /// `jax.lax.le`: `x <= y` as bools.
    le => CompareOp::Le;
    /// `jax.lax.gt`: `x > y` as bools.
    gt => CompareOp::Gt;
    /// `jax.lax.ge`: `x >= y` as bools.
    ge => CompareOp::Ge;
}

/// `jax.lax.select`: `on_true` where the bool `pred` holds, else `on_false` (equal shapes, or
/// a 0-d `pred`).
pub fn select(pred: &Array, on_true: &Array, on_false: &Array) -> Array {
    let cases = same_dtypes("select", &[on_false, on_true]);
    bind1(SelectOp::SelectN, &[pred, &cases[0], &cases[1]])
}

/// `jax.lax.select_n`: `cases[which]` elementwise; `which` is bool (two cases) or int32.
pub fn select_n(which: &Array, cases: &[&Array]) -> Array {
    let cases = same_dtypes("select_n", cases);
    let mut args: Vec<&Array> = vec![which];
    args.extend(cases.iter());
    bind1(SelectOp::SelectN, &args)
}

/// `jax.lax.clamp`: `x` clipped to `[min, max]` (`min`/`max` 0-d or of `x`'s shape).
pub fn clamp(min: &Array, x: &Array, max: &Array) -> Array {
    let args = same_dtypes("clamp", &[min, x, max]);
    bind1(SelectOp::Clamp, &[&args[0], &args[1], &args[2]])
}

/// `jax.lax.convert_element_type`: `x` converted to `new_dtype` (floats to integers truncate
/// toward zero and saturate; NaN becomes 0, as XLA).
pub fn convert_element_type(x: &Array, new_dtype: DType) -> Array {
    bind1(
        ConvertOp::ConvertElementType {
            new_dtype,
            weak_type: false,
        },
        &[x],
    )
}

/// `jax.lax.reduce_precision`: each float rounded (to nearest, ties to even) to a format with
/// `exponent_bits` exponent and `mantissa_bits` mantissa bits, keeping `x`'s dtype (XLA's
/// `ReducePrecision`): values beyond the format's range become ±inf, values below its smallest
/// normal ±0, NaN stays NaN. `(5, 10)` emulates float16, `(8, 7)` bfloat16, `(4, 3)` and
/// `(5, 2)` the float8 formats. Linear for differentiation (the tangent is rounded alike).
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![1.0f32 + 2f32.powi(-11), 65520.0, 1e-5], [3]);
/// // float16's rounding: the tie goes to even, 65520 overflows, 1e-5 is below the smallest
/// // normal.
/// assert_eq!(lax::reduce_precision(&x, 5, 10).to_vec::<f32>(), vec![1.0, f32::INFINITY, 0.0]);
/// ```
pub fn reduce_precision(x: &Array, exponent_bits: i32, mantissa_bits: i32) -> Array {
    bind1(
        ConvertOp::ReducePrecision {
            exponent_bits,
            mantissa_bits,
        },
        &[x],
    )
}

/// `jax.lax.mulhi`: the high half of each integer product (the upper N bits of the 2N-bit
/// product of N-bit integers), as JAX computes it: in a double-width type below 64 bits, by
/// 32-bit partial products (with the signed correction) for int64.
pub fn mulhi(x: &Array, y: &Array) -> Array {
    let args = same_dtypes("mulhi", &[x, y]);
    let (x, y) = (&args[0], &args[1]);
    let d = x.dtype();
    let k = |v: i64, like: DType| convert_element_type(&Array::scalar(v), like);
    match d {
        DType::U8 | DType::I8 | DType::U16 | DType::I16 | DType::I32 | DType::U32 => {
            // The double-width type: int32 holds 8- and 16-bit products; int64 holds i32
            // products, and u32 products modulo 2^64 (the high half is then shifted out
            // logically).
            let bits = d.bits() as i64;
            let wide = if bits <= 16 { DType::I32 } else { DType::I64 };
            let prod = mul(
                &convert_element_type(x, wide),
                &convert_element_type(y, wide),
            );
            let hi = if d.is_signed_integer() {
                shift_right_arithmetic(&prod, &k(bits, wide))
            } else {
                shift_right_logical(&prod, &k(bits, wide))
            };
            convert_element_type(&hi, d)
        }
        DType::I64 | DType::U64 => {
            // JAX's uint64 split multiply (for int64 in its bit patterns: wrapping adds and
            // products and logical shifts give the same bits), plus the signed correction.
            let mask = k(0xFFFF_FFFF, d);
            let s32 = k(32, d);
            let (x_lo, x_hi) = (bitwise_and(x, &mask), shift_right_logical(x, &s32));
            let (y_lo, y_hi) = (bitwise_and(y, &mask), shift_right_logical(y, &s32));
            let lo_lo = mul(&x_lo, &y_lo);
            let lo_hi = mul(&x_lo, &y_hi);
            let hi_lo = mul(&x_hi, &y_lo);
            let hi_hi = mul(&x_hi, &y_hi);
            let cross = add(
                &add(&bitwise_and(&lo_hi, &mask), &bitwise_and(&hi_lo, &mask)),
                &shift_right_logical(&lo_lo, &s32),
            );
            let hi = add(
                &hi_hi,
                &add(
                    &shift_right_logical(&lo_hi, &s32),
                    &add(
                        &shift_right_logical(&hi_lo, &s32),
                        &shift_right_logical(&cross, &s32),
                    ),
                ),
            );
            if d == DType::U64 {
                return hi;
            }
            let s63 = k(63, d);
            let x_sign = shift_right_arithmetic(x, &s63);
            let y_sign = shift_right_arithmetic(y, &s63);
            add(&hi, &add(&mul(&x_sign, y), &mul(&y_sign, x)))
        }
        other => panic!("mulhi: got {other} operands but expected integers"),
    }
}

/// `jax.lax.bitcast_convert_type`: the same bits read as `new_dtype`. A narrower type adds a
/// trailing axis of the pieces (little-endian order, as XLA); a wider one consumes a trailing
/// axis of that many pieces.
pub fn bitcast_convert_type(x: &Array, new_dtype: DType) -> Array {
    let (from, to) = (x.dtype().size_in_bytes(), new_dtype.size_in_bytes());
    let same = |x: &Array, d: DType| bind1(ConvertOp::BitcastConvertType { new_dtype: d }, &[x]);
    if from == to || x.dtype().is_bool() || new_dtype.is_bool() {
        return same(x, new_dtype);
    }
    // The unsigned-as-possible integer type of each width that has one.
    let int_of = |bytes: usize| match bytes {
        1 => DType::U8,
        2 => DType::U16,
        4 => DType::U32,
        _ => DType::U64,
    };
    let (wide, narrow) = (int_of(from.max(to)), int_of(from.min(to)));
    let ratio = from.max(to) / from.min(to);
    let bits = 8 * from.min(to) as i64;
    let k = |v: i64| convert_element_type(&Array::scalar(v), wide);
    if from > to {
        let w = same(x, wide);
        let mask = k((1 << bits) - 1);
        let pieces: Vec<Array> = (0..ratio as i64)
            .map(|i| {
                let piece = bitwise_and(&shift_right_logical(&w, &k(bits * i)), &mask);
                same(&convert_element_type(&piece, narrow), new_dtype)
            })
            .collect();
        let refs: Vec<&Array> = pieces.iter().collect();
        super::stack(&refs, x.ndim())
    } else {
        if x.shape().last() != Some(&ratio) {
            panic!(
                "bitcast_convert_type: converting {} to the wider {new_dtype} needs a last axis \
                 of size {ratio}",
                x.aval()
            );
        }
        let n = x.ndim() - 1;
        let ints = same(x, narrow);
        let mut acc: Option<Array> = None;
        for i in 0..ratio {
            let piece =
                convert_element_type(&super::index_in_dim(&ints, i as isize, n, false), wide);
            let piece = shift_left(&piece, &k(bits * i as i64));
            acc = Some(match acc {
                None => piece,
                Some(a) => bitwise_or(&a, &piece),
            });
        }
        same(&acc.expect("at least two pieces"), new_dtype)
    }
}

/// `jax.lax.dtype`: the array's dtype.
pub fn dtype(x: &Array) -> DType {
    x.dtype()
}

/// `jax.lax.optimization_barrier`: the operands unchanged, each through a `copy` that keeps
/// the optimiser from fusing or deduplicating across it.
pub fn optimization_barrier(operands: &[&Array]) -> Vec<Array> {
    operands
        .iter()
        .map(|x| bind1(UnaryOp::Copy, &[x]))
        .collect()
}
