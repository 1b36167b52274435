//! Elementwise math, named as in `jax.numpy`: free functions and the matching `Array` methods.

use super::promotion::{
    binary, broadcast_for_elementwise, compare, convert, promote_dtypes, to_inexact,
};
use crate::array::{Array, DType, Element};
use crate::prims::binary::BinaryOp;
use crate::prims::compare::CompareOp;
use crate::prims::unary::UnaryOp;
use crate::prims::{bind1, convert::ConvertOp};

use crate::prims::ops;
pub(crate) use crate::prims::ops::{full_like_scalar, select};

fn unary(op: UnaryOp, x: &Array) -> Array {
    bind1(op, &[x])
}

fn unary_float(op: UnaryOp, x: &Array) -> Array {
    bind1(op, &[&to_inexact(x)])
}

macro_rules! float_unary_fns {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(x: &Array) -> Array {
                unary_float($op, x)
            }
        )*
        impl Array {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> Array {
                    unary_float($op, self)
                }
            )*
        }
    };
}

float_unary_fns! {
    /// `e^x` (integers are converted to float first).
    exp => UnaryOp::Exp;
    /// `2^x`.
    exp2 => UnaryOp::Exp2;
    /// Natural logarithm.
    log => UnaryOp::Log;
    /// `ln(1 + x)`.
    log1p => UnaryOp::Log1p;
    /// `e^x - 1`.
    expm1 => UnaryOp::Expm1;
    /// Square root.
    sqrt => UnaryOp::Sqrt;
    /// `1 / sqrt(x)` (`jax.lax.rsqrt`).
    rsqrt => UnaryOp::Rsqrt;
    /// Cube root.
    cbrt => UnaryOp::Cbrt;
    /// Sine.
    sin => UnaryOp::Sin;
    /// Cosine.
    cos => UnaryOp::Cos;
    /// Tangent.
    tan => UnaryOp::Tan;
    /// Arc sine.
    arcsin => UnaryOp::Asin;
    /// Arc cosine.
    arccos => UnaryOp::Acos;
    /// Arc tangent.
    arctan => UnaryOp::Atan;
    /// Hyperbolic sine.
    sinh => UnaryOp::Sinh;
    /// Hyperbolic cosine.
    cosh => UnaryOp::Cosh;
    /// Hyperbolic tangent.
    tanh => UnaryOp::Tanh;
    /// Inverse hyperbolic sine.
    arcsinh => UnaryOp::Asinh;
    /// Inverse hyperbolic cosine.
    arccosh => UnaryOp::Acosh;
    /// Inverse hyperbolic tangent.
    arctanh => UnaryOp::Atanh;
    /// The error function (`jax.scipy.special.erf`).
    erf => UnaryOp::Erf;
    /// The complementary error function.
    erfc => UnaryOp::Erfc;
    /// The inverse error function (`jax.scipy.special.erfinv`).
    erfinv => UnaryOp::ErfInv;
    /// `ln |Γ(x)|` (`jax.scipy.special.gammaln`).
    gammaln => UnaryOp::Lgamma;
    /// The digamma function.
    digamma => UnaryOp::Digamma;
}

/// Base-2 logarithm.
pub fn log2(x: &Array) -> Array {
    let x = to_inexact(x);
    let ln2 = full_like_scalar(&x, std::f64::consts::LN_2);
    bind1(BinaryOp::Div, &[&unary(UnaryOp::Log, &x), &ln2])
}

/// Base-10 logarithm.
pub fn log10(x: &Array) -> Array {
    let x = to_inexact(x);
    let ln10 = full_like_scalar(&x, std::f64::consts::LN_10);
    bind1(BinaryOp::Div, &[&unary(UnaryOp::Log, &x), &ln10])
}

/// `-x`.
pub fn negative(x: &Array) -> Array {
    unary(UnaryOp::Neg, x)
}
/// `|x|`.
pub fn abs(x: &Array) -> Array {
    if x.dtype().is_bool() || x.dtype().is_unsigned_integer() {
        return x.clone();
    }
    unary(UnaryOp::Abs, x)
}
/// `|x|` (alias of [`abs`]).
pub fn absolute(x: &Array) -> Array {
    abs(x)
}
/// -1, 0 or 1 by the sign of `x`.
pub fn sign(x: &Array) -> Array {
    unary(UnaryOp::Sign, x)
}
/// Round toward -inf (integers pass through).
pub fn floor(x: &Array) -> Array {
    if !x.dtype().is_inexact() {
        return x.clone();
    }
    unary(UnaryOp::Floor, x)
}
/// Round toward +inf (integers pass through).
pub fn ceil(x: &Array) -> Array {
    if !x.dtype().is_inexact() {
        return x.clone();
    }
    unary(UnaryOp::Ceil, x)
}
/// Round half to even, as `jnp.round` with `decimals=0`.
pub fn round(x: &Array) -> Array {
    if !x.dtype().is_inexact() {
        return x.clone();
    }
    unary(
        UnaryOp::Round {
            to_nearest_even: true,
        },
        x,
    )
}
/// Round toward zero.
pub fn trunc(x: &Array) -> Array {
    ops::trunc(x)
}
/// `x * x`.
pub fn square(x: &Array) -> Array {
    unary(UnaryOp::Square, x)
}
/// `1 / x`.
pub fn reciprocal(x: &Array) -> Array {
    ops::reciprocal(x)
}
/// True where `x` is finite.
pub fn isfinite(x: &Array) -> Array {
    if x.dtype().is_complex() {
        let (re, im) = (
            isfinite(&crate::lax::real(x)),
            isfinite(&crate::lax::imag(x)),
        );
        return bind1(BinaryOp::And, &[&re, &im]);
    }
    if !x.dtype().is_float() {
        return full_bool_like(x, true);
    }
    unary(UnaryOp::IsFinite, x)
}
/// True where `x` is NaN.
pub fn isnan(x: &Array) -> Array {
    if !x.dtype().is_inexact() {
        return full_bool_like(x, false);
    }
    bind1(CompareOp::Ne, &[x, x])
}
/// True where `x` is ±inf.
pub fn isinf(x: &Array) -> Array {
    if x.dtype().is_complex() {
        let (re, im) = (isinf(&crate::lax::real(x)), isinf(&crate::lax::imag(x)));
        return bind1(BinaryOp::Or, &[&re, &im]);
    }
    if !x.dtype().is_float() {
        return full_bool_like(x, false);
    }
    let inf = full_like_scalar(x, f64::INFINITY);
    let a = unary(UnaryOp::Abs, x);
    bind1(CompareOp::Eq, &[&a, &inf])
}

fn full_bool_like(x: &Array, v: bool) -> Array {
    super::creation::full(x.shape(), v)
}

/// Logical not (bool) or bitwise not (integers).
pub fn logical_not(x: &Array) -> Array {
    let b = convert(x, DType::Bool, false);
    unary(UnaryOp::Not, &b)
}
/// Bitwise not of integers (logical not of bool).
pub fn bitwise_not(x: &Array) -> Array {
    unary(UnaryOp::Not, x)
}
/// `x^n` for a fixed integer `n` (`jax.lax.integer_pow`).
pub fn integer_pow(x: &Array, n: i32) -> Array {
    unary(UnaryOp::IntegerPow(n), x)
}

macro_rules! binary_fns {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(x: &Array, y: &Array) -> Array {
                binary($op, x, y, stringify!($name))
            }
        )*
    };
}

/// A binary op that JAX maps to a logical op for bools (`_maybe_bool_binop`): `True + True`
/// is `True`, not an error.
fn maybe_bool_binary(op: BinaryOp, bool_op: BinaryOp, x: &Array, y: &Array, name: &str) -> Array {
    let p = promote_dtypes(&[x, y]);
    let op = if p[0].dtype().is_bool() { bool_op } else { op };
    binary(op, &p[0], &p[1], name)
}

/// `x + y` with numpy broadcasting and JAX promotion (logical or for bools).
pub fn add(x: &Array, y: &Array) -> Array {
    maybe_bool_binary(BinaryOp::Add, BinaryOp::Or, x, y, "add")
}
/// `x * y` (logical and for bools).
pub fn multiply(x: &Array, y: &Array) -> Array {
    maybe_bool_binary(BinaryOp::Mul, BinaryOp::And, x, y, "multiply")
}

binary_fns! {
    /// `x - y`.
    subtract => BinaryOp::Sub;
    /// Elementwise maximum (NaN propagates).
    maximum => BinaryOp::Max;
    /// Elementwise minimum (NaN propagates).
    minimum => BinaryOp::Min;
    /// C-style remainder with the sign of `x` (`jnp.fmod`).
    fmod => BinaryOp::Rem;
    /// Bitwise and.
    bitwise_and => BinaryOp::And;
    /// Bitwise or.
    bitwise_or => BinaryOp::Or;
    /// Bitwise xor.
    bitwise_xor => BinaryOp::Xor;
    /// `x << y`.
    left_shift => BinaryOp::ShiftLeft;
    /// Next float after `x` toward `y`.
    nextafter => BinaryOp::Nextafter;
}

/// `x / y`, always producing floats (`jnp.true_divide`).
pub fn divide(x: &Array, y: &Array) -> Array {
    binary(BinaryOp::Div, &to_inexact(x), &to_inexact(y), "divide")
}
/// `x / y`, always producing floats.
pub fn true_divide(x: &Array, y: &Array) -> Array {
    divide(x, y)
}
/// `x ** y`. Integer bases with integer exponents stay integers (binary exponentiation with
/// wrapping, as in JAX, which reads the low 6 bits of the exponent: anything larger overflows
/// for bases above 1); everything else is computed in floats.
pub fn power(x: &Array, y: &Array) -> Array {
    let (d, _) = super::promotion::result_type(&[x, y]);
    if d.is_float() {
        binary(BinaryOp::Pow, x, y, "power")
    } else if d.is_integer() {
        let p = promote_dtypes(&[x, y]);
        let p = broadcast_for_elementwise(&p, "power");
        int_power(&p[0], &p[1])
    } else {
        binary(BinaryOp::Pow, &to_inexact(x), &to_inexact(y), "power")
    }
}

/// JAX's `_pow_int_int`: square-and-multiply over the exponent's low 6 bits.
fn int_power(x: &Array, y: &Array) -> Array {
    let shape = super::promotion::common_shape(&[x, y], "power");
    let b = |a: &Array| super::promotion::broadcast_to_shape(a, &shape, "power");
    let (mut base, mut e) = (b(x), b(y));
    let zero = full_like_scalar(&e, 0.0);
    let one = full_like_scalar(&e, 1.0);
    let base_zero = bind1(CompareOp::Eq, &[&base, &full_like_scalar(&base, 0.0)]);
    let e_nonzero = bind1(CompareOp::Ne, &[&e, &zero]);
    // pow(0, e) is 0 for e != 0 and 1 for e == 0.
    let start_zero = bind1(BinaryOp::And, &[&base_zero, &e_nonzero]);
    let zeros = b(&full_like_scalar(&base, 0.0));
    let ones = b(&full_like_scalar(&base, 1.0));
    let mut acc = select(&start_zero, &zeros, &ones);
    for _ in 0..6 {
        let bit = bind1(BinaryOp::And, &[&e, &one]);
        let odd = bind1(CompareOp::Ne, &[&bit, &zero]);
        acc = select(&odd, &bind1(BinaryOp::Mul, &[&acc, &base]), &acc);
        base = bind1(BinaryOp::Mul, &[&base, &base]);
        e = bind1(BinaryOp::ShiftRightLogical, &[&e, &one]);
    }
    acc
}
/// `atan2(x, y)`.
pub fn arctan2(x: &Array, y: &Array) -> Array {
    binary(BinaryOp::Atan2, &to_inexact(x), &to_inexact(y), "arctan2")
}
/// Arithmetic right shift for signed integers, logical for unsigned (`jnp.right_shift`).
pub fn right_shift(x: &Array, y: &Array) -> Array {
    let promoted = promote_dtypes(&[x, y]);
    let op = if promoted[0].dtype().is_unsigned_integer() {
        BinaryOp::ShiftRightLogical
    } else {
        BinaryOp::ShiftRightArithmetic
    };
    binary(op, &promoted[0], &promoted[1], "right_shift")
}
/// Logical and (inputs are converted to bool).
pub fn logical_and(x: &Array, y: &Array) -> Array {
    binary(
        BinaryOp::And,
        &convert(x, DType::Bool, false),
        &convert(y, DType::Bool, false),
        "logical_and",
    )
}
/// Logical or.
pub fn logical_or(x: &Array, y: &Array) -> Array {
    binary(
        BinaryOp::Or,
        &convert(x, DType::Bool, false),
        &convert(y, DType::Bool, false),
        "logical_or",
    )
}
/// Logical xor.
pub fn logical_xor(x: &Array, y: &Array) -> Array {
    binary(
        BinaryOp::Xor,
        &convert(x, DType::Bool, false),
        &convert(y, DType::Bool, false),
        "logical_xor",
    )
}

/// Remainder with the sign of the divisor (numpy's `%`, `jnp.remainder`). As in JAX, an
/// integer remainder by zero is 0.
pub fn remainder(x: &Array, y: &Array) -> Array {
    ops::remainder(x, y)
}

/// Division rounding toward -inf (numpy's `//`).
pub fn floor_divide(x: &Array, y: &Array) -> Array {
    let p = promote_dtypes(&[x, y]);
    let p = broadcast_for_elementwise(&p, "floor_divide");
    let (x, y) = (&p[0], &p[1]);
    if x.dtype().is_complex() {
        panic!("floor_divide does not support complex-valued inputs");
    }
    if x.dtype().is_float() {
        // JAX's `_float_divmod` (CPython's float_divmod): `x - fmod(x, y)` is replaced by `x`
        // where `y == 0`, so that `-inf // 0` is `-inf` rather than NaN.
        let m = bind1(BinaryOp::Rem, &[x, y]);
        let zero = full_like_scalar(&m, 0.0);
        let y_zero = bind1(CompareOp::Eq, &[y, &zero]);
        let y_zero = super::promotion::broadcast_to_shape(&y_zero, m.shape_obj(), "floor_divide");
        let x_full = super::promotion::broadcast_to_shape(x, m.shape_obj(), "floor_divide");
        let x_corrected = select(&y_zero, &x_full, &bind1(BinaryOp::Sub, &[x, &m]));
        let div = bind1(BinaryOp::Div, &[&x_corrected, y]);
        let m_nonzero = bind1(CompareOp::Ne, &[&m, &zero]);
        let sy = unary(UnaryOp::Sign, y);
        let sm = unary(UnaryOp::Sign, &m);
        let differ = bind1(CompareOp::Ne, &[&sy, &sm]);
        let ind = bind1(BinaryOp::And, &[&m_nonzero, &differ]);
        let one = full_like_scalar(&div, 1.0);
        let div = select(&ind, &bind1(BinaryOp::Sub, &[&div, &one]), &div);
        unary(
            UnaryOp::Round {
                to_nearest_even: false,
            },
            &div,
        )
    } else if x.dtype().is_unsigned_integer() {
        bind1(BinaryOp::Div, &[x, y])
    } else {
        let div = bind1(BinaryOp::Div, &[x, y]);
        let r = bind1(BinaryOp::Rem, &[x, y]);
        let zero = full_like_scalar(&r, 0.0);
        let r_nonzero = bind1(CompareOp::Ne, &[&r, &zero]);
        let differ = bind1(
            CompareOp::Ne,
            &[&unary(UnaryOp::Sign, x), &unary(UnaryOp::Sign, y)],
        );
        let ind = bind1(BinaryOp::And, &[&r_nonzero, &differ]);
        let one = full_like_scalar(&div, 1.0);
        select(&ind, &bind1(BinaryOp::Sub, &[&div, &one]), &div)
    }
}

macro_rules! compare_fns {
    ($($(#[$doc:meta])* $name:ident => $op:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(x: &Array, y: &Array) -> Array {
                compare($op, x, y, stringify!($name))
            }
        )*
    };
}

compare_fns! {
    /// `x == y` (bool).
    equal => CompareOp::Eq;
    /// `x != y`.
    not_equal => CompareOp::Ne;
    /// `x < y`.
    less => CompareOp::Lt;
    /// `x <= y`.
    less_equal => CompareOp::Le;
    /// `x > y`.
    greater => CompareOp::Gt;
    /// `x >= y`.
    greater_equal => CompareOp::Ge;
}

/// `jnp.where(cond, x, y)`: elements of `x` where `cond` is true, else of `y`, with
/// broadcasting and promotion. (`where` is a Rust keyword, hence the underscore.)
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![-1.0f32, 2.0, -3.0], [3]);
/// let zero = jnp::zeros_like(&x);
/// let y = jnp::where_(&jnp::greater(&x, &zero), &x, &zero);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 2.0, 0.0]);
/// ```
pub fn where_(cond: &Array, x: &Array, y: &Array) -> Array {
    ops::where_(cond, x, y)
}

/// Clips `x` to `[lo, hi]` (`jnp.clip`); either bound may be `None`.
pub fn clip(x: &Array, lo: Option<&Array>, hi: Option<&Array>) -> Array {
    if [Some(x), lo, hi]
        .into_iter()
        .flatten()
        .any(|a| a.dtype().is_complex())
    {
        panic!(
            "Clip received a complex value either through the input or the min/max keywords. \
             Complex values have no ordering and cannot be clipped. Please convert to a real \
             value or array by taking the real or imaginary components via \
             jax.numpy.real/imag respectively."
        );
    }
    let mut out = x.clone();
    if let Some(lo) = lo {
        out = maximum(&out, lo);
    }
    if let Some(hi) = hi {
        out = minimum(&out, hi);
    }
    out
}

impl Array {
    /// `|x|`.
    pub fn abs(&self) -> Array {
        abs(self)
    }
    /// `x * x`.
    pub fn square(&self) -> Array {
        square(self)
    }
    /// `-1, 0, 1` by sign.
    pub fn sign(&self) -> Array {
        sign(self)
    }
    /// Round toward -inf.
    pub fn floor(&self) -> Array {
        floor(self)
    }
    /// Round toward +inf.
    pub fn ceil(&self) -> Array {
        ceil(self)
    }
    /// Round half to even.
    pub fn round(&self) -> Array {
        round(self)
    }
    /// `1 / x`.
    pub fn reciprocal(&self) -> Array {
        reciprocal(self)
    }
    /// `x ** y` for an array exponent.
    pub fn pow(&self, y: &Array) -> Array {
        power(self, y)
    }
    /// `x ** y` for a scalar exponent; integer-valued exponents use `integer_pow` as JAX does.
    pub fn powf(&self, y: f64) -> Array {
        if y == y.trunc() && y.abs() <= 1024.0 && (y >= 0.0 || self.dtype().is_float()) {
            integer_pow(self, y as i32)
        } else {
            power(self, &Array::weak_scalar(y))
        }
    }
    /// Elementwise maximum with another array.
    pub fn maximum(&self, y: &Array) -> Array {
        maximum(self, y)
    }
    /// Elementwise minimum with another array.
    pub fn minimum(&self, y: &Array) -> Array {
        minimum(self, y)
    }
    /// Clips to `[lo, hi]` with scalar bounds (weakly typed, so the dtype is kept).
    pub fn clip<T: Element>(&self, lo: T, hi: T) -> Array {
        clip(
            self,
            Some(&Array::weak_scalar(lo)),
            Some(&Array::weak_scalar(hi)),
        )
    }
    /// Converts to another dtype (`x.astype(dtype)`).
    pub fn astype(&self, dtype: DType) -> Array {
        if self.dtype() == dtype && !self.weak_type() {
            return self.clone();
        }
        bind1(
            ConvertOp::ConvertElementType {
                new_dtype: dtype,
                weak_type: false,
            },
            &[self],
        )
    }
    /// True where finite.
    pub fn isfinite(&self) -> Array {
        isfinite(self)
    }
    /// True where NaN.
    pub fn isnan(&self) -> Array {
        isnan(self)
    }
}
