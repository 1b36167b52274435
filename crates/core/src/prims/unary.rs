//! Elementwise unary primitives: `neg`, `exp`, `log`, `tanh`, `erf_inv`, `integer_pow`, ...

use super::compare::CompareOp;
use super::ops::{add, div, mul, neg, sub};
use super::select::SelectOp;
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, FloatElement, IntElement, ShapeDtype};
use crate::backend::cpu::elementwise::{map, NewVec, Sink};
use crate::backend::cpu::{special, vecmath, vecmath_trig};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use num_traits::Float;

/// An elementwise unary primitive. The output has the input's shape; its dtype is the input's
/// except for `is_finite` (bool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x` (wrapping for integers).
    Neg,
    /// -1, 0 or 1 (NaN stays NaN).
    Sign,
    /// `|x|` (wrapping for the most negative integer, as in XLA).
    Abs,
    /// Round toward -inf.
    Floor,
    /// Round toward +inf.
    Ceil,
    /// Round to an integer: half away from zero, or half to even when `to_nearest_even`.
    Round {
        /// `lax.RoundingMethod.TO_NEAREST_EVEN` when true, `AWAY_FROM_ZERO` when false.
        to_nearest_even: bool,
    },
    /// True where the value is neither infinite nor NaN.
    IsFinite,
    /// `e^x`.
    Exp,
    /// `2^x`.
    Exp2,
    /// Natural logarithm.
    Log,
    /// `ln(1 + x)`, accurate near 0.
    Log1p,
    /// `e^x - 1`, accurate near 0.
    Expm1,
    /// Hyperbolic tangent.
    Tanh,
    /// The logistic sigmoid `1 / (1 + e^-x)`.
    Logistic,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Arc sine.
    Asin,
    /// Arc cosine.
    Acos,
    /// Arc tangent.
    Atan,
    /// Hyperbolic sine.
    Sinh,
    /// Hyperbolic cosine.
    Cosh,
    /// Inverse hyperbolic sine.
    Asinh,
    /// Inverse hyperbolic cosine.
    Acosh,
    /// Inverse hyperbolic tangent.
    Atanh,
    /// Square root.
    Sqrt,
    /// `1 / sqrt(x)`.
    Rsqrt,
    /// Cube root.
    Cbrt,
    /// The error function.
    Erf,
    /// `1 - erf(x)`.
    Erfc,
    /// The inverse error function.
    ErfInv,
    /// `ln |Γ(x)|`.
    Lgamma,
    /// ψ(x) = d/dx ln Γ(x).
    Digamma,
    /// The polygamma function ψ⁽ᵐ⁾(x), the m-th derivative of digamma, for a fixed order
    /// `m >= 1` (`m = 1` is trigamma). JAX's `polygamma` takes the order as an operand; here it
    /// is a parameter, which is all differentiation needs (d ψ⁽ᵐ⁾ = ψ⁽ᵐ⁺¹⁾). Computed in f64
    /// for every float dtype.
    Polygamma(u32),
    /// `x^y` for a fixed integer `y` (negative `y` only for floats).
    IntegerPow(i32),
    /// `x * x`.
    Square,
    /// Bitwise (integers) or logical (bool) not.
    Not,
    /// Number of set bits (integers).
    PopulationCount,
    /// Number of leading zero bits (integers).
    Clz,
    /// The identity (a fresh buffer-less copy; used as a value barrier).
    Copy,
    /// The identity on values that blocks differentiation (`lax.stop_gradient`): its JVP rule
    /// gives a zero tangent, and batching passes the batch dimension through. Accepts any
    /// dtype; eval shares the input buffer.
    StopGradient,
}

/// Which dtypes a unary op accepts.
enum Accepts {
    Float,
    Numeric,
    IntOrBool,
    Int,
    Any,
}

impl UnaryOp {
    /// Whether the op has a complex kernel and JVP rule (see `prims/complex.rs`).
    pub(crate) fn accepts_complex(self) -> bool {
        super::complex::unary_accepts_complex(self)
    }

    fn accepts(self) -> Accepts {
        use UnaryOp::*;
        match self {
            Neg | Sign | Abs | IntegerPow(_) | Square => Accepts::Numeric,
            Not => Accepts::IntOrBool,
            PopulationCount | Clz => Accepts::Int,
            Copy | StopGradient => Accepts::Any,
            _ => Accepts::Float,
        }
    }
}

impl PrimitiveRule for UnaryOp {
    fn name(&self) -> &'static str {
        use UnaryOp::*;
        match self {
            Neg => "neg",
            Sign => "sign",
            Abs => "abs",
            Floor => "floor",
            Ceil => "ceil",
            Round { .. } => "round",
            IsFinite => "is_finite",
            Exp => "exp",
            Exp2 => "exp2",
            Log => "log",
            Log1p => "log1p",
            Expm1 => "expm1",
            Tanh => "tanh",
            Logistic => "logistic",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Asin => "asin",
            Acos => "acos",
            Atan => "atan",
            Sinh => "sinh",
            Cosh => "cosh",
            Asinh => "asinh",
            Acosh => "acosh",
            Atanh => "atanh",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Cbrt => "cbrt",
            Erf => "erf",
            Erfc => "erfc",
            ErfInv => "erf_inv",
            Lgamma => "lgamma",
            Digamma => "digamma",
            Polygamma(_) => "polygamma",
            IntegerPow(_) => "integer_pow",
            Square => "square",
            Not => "not",
            PopulationCount => "population_count",
            Clz => "clz",
            Copy => "copy",
            StopGradient => "stop_gradient",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 1);
        let x = args[0];
        let d = x.dtype;
        let ok = d.is_complex()
            || match self.accepts() {
                Accepts::Float => d.is_float(),
                Accepts::Numeric => d.is_float() || d.is_integer(),
                Accepts::IntOrBool => d.is_integer() || d.is_bool(),
                Accepts::Int => d.is_integer(),
                Accepts::Any => true,
            };
        if !ok {
            let expected = match self.accepts() {
                Accepts::Float => "a floating-point dtype",
                Accepts::Numeric => "a numeric (integer or floating-point) dtype",
                Accepts::IntOrBool => "an integer or bool dtype",
                Accepts::Int => "an integer dtype",
                Accepts::Any => unreachable!(),
            };
            panic!(
                "{}: got {} but expected {expected}",
                self.name(),
                describe(args)
            );
        }
        if *self == UnaryOp::Polygamma(0) {
            panic!(
                "polygamma: order m = 0 is digamma (use the digamma primitive); got {}",
                describe(args)
            );
        }
        if let UnaryOp::IntegerPow(y) = self
            && *y < 0
            && !d.is_inexact()
        {
            panic!(
                "integer_pow: negative exponent {y} needs a floating-point operand, got {}",
                describe(args)
            );
        }
        let mut out = x.clone();
        if *self == UnaryOp::IsFinite {
            out.dtype = DType::Bool;
            out.weak_type = false;
        }
        if *self == UnaryOp::Abs {
            // The modulus of a complex number is real.
            out.dtype = d.real_dtype();
        }
        vec![out]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        if *self == UnaryOp::StopGradient {
            // The identity on values: share the buffer rather than copying it.
            return vec![x.clone().with_weak_type(out[0].weak_type)];
        }
        if x.dtype().is_complex() {
            let storage = super::complex::complex_unary(*self, x);
            return vec![
                Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)
            ];
        }
        let storage = crate::with_float_dtype!(x.dtype(), T => float_unary::<T>(*self, x.as_slice::<T>()),
            _ => crate::with_int_dtype!(x.dtype(), T => int_unary::<T>(*self, x.as_slice::<T>()),
                _ => bool_unary(*self, x.as_slice::<bool>())));
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    /// JAX's rules (`lax.py`, `special.py`), op for op, so that staged derivatives have JAX's
    /// structure: e.g. `d sqrt = t * (0.5 / ans)` (infinite at 0, as JAX), `d abs =
    /// select(x >= 0, t, -t)` (1 at 0), `d tanh = (t + t * ans) * (1 - ans)`.
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        use UnaryOp::*;
        let x = primals[0];
        let t = match tangents[0] {
            Some(t) if x.dtype().is_inexact() => t,
            _ => return rules::zero_jvp(*self, primals),
        };
        if *self == Abs && x.dtype().is_complex() {
            // JAX's `_abs_jvp_rule`: real(t · conj(x) / |x|), with |x| = 0 replaced by 1.
            let ans = bind1(Abs, &[x]);
            let zero = rules::zeros(ans.aval());
            let is_zero = bind1(CompareOp::Eq, &[&ans, &zero]);
            let safe = bind1(
                SelectOp::SelectN,
                &[&is_zero, &ans, &super::ops::ones_like(&ans)],
            );
            let safe = rules::convert(&safe, x.dtype());
            let conj = bind1(super::complex::ComplexOp::Conj, &[x]);
            let d = mul(t, &div(&conj, &safe));
            let tangent = bind1(super::complex::ComplexOp::Real, &[&d]);
            return (vec![ans], vec![Some(tangent)]);
        }
        let ans = bind1(*self, &[x]);
        let c = |v: f64| konst(x, v);
        let un = |op: UnaryOp, a: &Array| bind1(op, &[a]);
        let one = || c(1.0);
        let tangent = match *self {
            Neg => Some(neg(t)),
            Sign | Floor | Ceil | Round { .. } | IsFinite | StopGradient => None,
            Not | PopulationCount | Clz => None,
            Copy => Some(un(Copy, t)),
            Exp => Some(mul(t, &ans)),
            Exp2 => Some(mul(&c(std::f64::consts::LN_2), &mul(t, &ans))),
            Log => Some(div(t, x)),
            Log1p => Some(div(t, &add(x, &one()))),
            Expm1 => Some(mul(t, &add(&ans, &one()))),
            Tanh => Some(mul(&add(t, &mul(t, &ans)), &sub(&one(), &ans))),
            Logistic => Some(mul(t, &mul(&ans, &sub(&one(), &ans)))),
            Sin => Some(mul(t, &un(Cos, x))),
            Cos => Some(neg(&mul(t, &un(Sin, x)))),
            Tan => Some(mul(t, &add(&one(), &un(Square, &ans)))),
            Asin => Some(mul(t, &un(Rsqrt, &sub(&one(), &un(Square, x))))),
            Acos => Some(mul(t, &neg(&un(Rsqrt, &sub(&one(), &un(Square, x)))))),
            Atan => Some(div(t, &add(&one(), &un(Square, x)))),
            Sinh => Some(mul(t, &un(Cosh, x))),
            Cosh => Some(mul(t, &un(Sinh, x))),
            Asinh => Some(mul(t, &un(Rsqrt, &add(&un(Square, x), &one())))),
            Acosh => Some(mul(t, &un(Rsqrt, &sub(&un(Square, x), &one())))),
            Atanh => Some(mul(
                &un(IntegerPow(-1), &add(&one(), x)),
                &div(t, &sub(&one(), x)),
            )),
            Sqrt => Some(mul(t, &div(&c(0.5), &ans))),
            Rsqrt => Some(mul(t, &mul(&c(-0.5), &div(&ans, x)))),
            Cbrt => Some(mul(t, &mul(&c(1.0 / 3.0), &un(IntegerPow(-2), &ans)))),
            Erf | Erfc => {
                let k = 2.0 / std::f64::consts::PI.sqrt();
                let k = if *self == Erf { k } else { -k };
                Some(mul(&c(k), &mul(t, &un(Exp, &neg(&un(Square, x))))))
            }
            ErfInv => Some(mul(
                &c(std::f64::consts::PI.sqrt() / 2.0),
                &mul(t, &un(Exp, &un(Square, &ans))),
            )),
            Lgamma => Some(mul(t, &un(Digamma, x))),
            Digamma => Some(mul(t, &un(Polygamma(1), x))),
            Polygamma(m) => Some(mul(t, &un(Polygamma(m + 1), x))),
            IntegerPow(0) => None,
            IntegerPow(1) => Some(t.clone()),
            IntegerPow(2) | Square => Some(mul(t, &mul(&c(2.0), x))),
            IntegerPow(y) => Some(mul(t, &mul(&c(y as f64), &un(IntegerPow(y - 1), x)))),
            Abs => {
                let nonneg = bind1(CompareOp::Ge, &[x, &c(0.0)]);
                Some(bind1(SelectOp::SelectN, &[&nonneg, &neg(t), t]))
            }
        };
        (vec![ans], vec![tangent])
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("one output");
        debug_assert!(args[0].is_linear());
        match self {
            UnaryOp::Neg => vec![Some(neg(ct))],
            UnaryOp::Copy => vec![Some(bind1(UnaryOp::Copy, &[ct]))],
            _ => rules::not_linear(self.name()),
        }
    }

    /// Elementwise: the batch axis passes through.
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        (vec![bind1(*self, args)], vec![dims[0]])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match *self {
            // `lax.RoundingMethod`: AWAY_FROM_ZERO = 0, TO_NEAREST_EVEN = 1.
            UnaryOp::Round { to_nearest_even } => {
                vec![("rounding_method", (to_nearest_even as u8).to_string())]
            }
            UnaryOp::IntegerPow(y) => vec![("y", y.to_string())],
            UnaryOp::Polygamma(m) => vec![("m", m.to_string())],
            _ => Vec::new(),
        }
    }

    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        use UnaryOp::*;
        let x = &args[0];
        let dtype = out[0].dtype;
        let name = match *self {
            Neg => "stablehlo.negate",
            Sign => "stablehlo.sign",
            Abs => "stablehlo.abs",
            Floor => "stablehlo.floor",
            Ceil => "stablehlo.ceil",
            Round { to_nearest_even } => {
                if to_nearest_even {
                    "stablehlo.round_nearest_even"
                } else {
                    "stablehlo.round_nearest_afz"
                }
            }
            IsFinite => "stablehlo.is_finite",
            Exp => "stablehlo.exponential",
            Exp2 => {
                // As JAX: exp(ln 2 · x).
                let ln2 = cx.scalar(x.aval.dtype, std::f64::consts::LN_2);
                let scaled = cx.elementwise("stablehlo.multiply", &[&ln2, x], dtype);
                return Ok(vec![cx.elementwise(
                    "stablehlo.exponential",
                    &[&scaled],
                    dtype,
                )]);
            }
            Log => "stablehlo.log",
            Log1p => "stablehlo.log_plus_one",
            Expm1 => "stablehlo.exponential_minus_one",
            Tanh => "stablehlo.tanh",
            Logistic => "stablehlo.logistic",
            Sin => "stablehlo.sine",
            Cos => "stablehlo.cosine",
            Tan => "stablehlo.tan",
            Asin => "chlo.asin",
            Acos => "chlo.acos",
            Atan => "chlo.atan",
            Sinh => "chlo.sinh",
            Cosh => "chlo.cosh",
            Asinh => "chlo.asinh",
            Acosh => "chlo.acosh",
            Atanh => "chlo.atanh",
            Sqrt => "stablehlo.sqrt",
            Rsqrt => "stablehlo.rsqrt",
            Cbrt => "stablehlo.cbrt",
            Erf => "chlo.erf",
            Erfc => "chlo.erfc",
            ErfInv => "chlo.erf_inv",
            Lgamma => "chlo.lgamma",
            Digamma => "chlo.digamma",
            Polygamma(m) => {
                let order = cx.scalar(x.aval.dtype, f64::from(m));
                return Ok(vec![cx.elementwise("chlo.polygamma", &[&order, x], dtype)]);
            }
            IntegerPow(n) => return Ok(vec![lower_integer_pow(cx, x, n)]),
            Square => return Ok(vec![cx.elementwise("stablehlo.multiply", &[x, x], dtype)]),
            Not => "stablehlo.not",
            PopulationCount => "stablehlo.popcnt",
            Clz => "stablehlo.count_leading_zeros",
            Copy | StopGradient => return Ok(vec![x.clone()]),
        };
        Ok(vec![cx.elementwise(name, &[x], dtype)])
    }
}

/// A 0-d constant of `like`'s float dtype (JAX's `_const(x, v)`): a literal when staged.
fn konst(like: &Array, v: f64) -> Array {
    if like.dtype().is_complex() {
        return super::complex::complex_konst(like.dtype(), v);
    }
    crate::with_float_dtype!(like.dtype(), T => Array::scalar(T::from_f64(v)),
        _ => unreachable!("derivative constants are only built for float operands, got {}", like.aval()))
}

#[inline]
fn round_half_away<T: Float>(v: T) -> T {
    v.round()
}

#[inline]
fn round_half_even<T: Float>(v: T) -> T {
    let r = v.round();
    let diff = (v - v.trunc()).abs();
    let half = T::from(0.5).expect("0.5 is representable");
    if diff == half {
        let two = T::from(2.0).expect("2 is representable");
        let t = v.trunc();
        if (t / two).trunc() * two == t {
            t
        } else {
            r
        }
    } else {
        r
    }
}

/// Applies a special function computed in f32 (or f64 for `f64` inputs):
/// `tanh` of one element: the formula of the `tanh` loop, for fused formulas that contain it
/// (`compiler/executable/composite.rs`) and must give the same bits.
#[inline(always)]
pub(crate) fn tanh_element<T: FloatElement>(v: T) -> T {
    special_fn(v, special::tanh_f32, f64::tanh)
}

/// `exp` of one element (the formula of the `exp` loop; see [`tanh_element`]).
#[inline(always)]
pub(crate) fn exp_element<T: FloatElement>(v: T) -> T {
    special_fn(v, vecmath::exp_f32, f64::exp)
}

/// `log1p` of one element (the formula of the `log1p` loop; see [`tanh_element`]).
#[inline(always)]
pub(crate) fn log1p_element<T: FloatElement>(v: T) -> T {
    special_fn(v, vecmath::log1p_f32, special::log1p_f64)
}

/// `logistic` of one f32 or f64 element (the formula of the `logistic` loop for those dtypes;
/// see [`tanh_element`]).
#[inline(always)]
pub(crate) fn logistic_element<T: FloatElement>(v: T) -> T {
    special_fn(v, vecmath::logistic_f32, |v| 1.0 / (1.0 + (-v).exp()))
}

/// `integer_pow(x, 3)` of one element, in square-and-multiply's association (shared with the
/// fused formulas, as [`tanh_element`] is).
#[inline(always)]
pub(crate) fn cube<T: FloatElement>(v: T) -> T {
    v * (v * v)
}

/// `f32_fn` for every float dtype but f64 (f16/bf16 round through f32), `f64_fn` for f64.
/// Generic rather than function pointers so each formula inlines into its vectorised loop.
#[inline(always)]
fn special_fn<T: FloatElement>(
    v: T,
    f32_fn: impl Fn(f32) -> f32,
    f64_fn: impl Fn(f64) -> f64,
) -> T {
    if T::DTYPE == DType::F64 {
        T::from_f64(f64_fn(v.to_f64()))
    } else {
        T::from_f32(f32_fn(v.to_f32()))
    }
}

/// `sin`, `cos` or `tan` through `sink`: below f64, the vectorised f32 formula `fast`, with
/// libm's `slow` for the few arguments too large for its reduction; f64 runs libm (`wide`).
fn trig<T: FloatElement, S: Sink<T>>(
    sink: S,
    x: &[T],
    fast: impl Fn(f32) -> f32 + Sync,
    slow: impl Fn(f32) -> f32 + Sync,
    wide: impl Fn(f64) -> f64 + Sync,
) -> S::Out {
    if T::DTYPE == DType::F64 {
        sink.map(x, |v| T::from_f64(wide(v.to_f64())))
    } else {
        sink.map_patched(
            x,
            |v| T::from_f32(fast(v.to_f32())),
            |v| vecmath_trig::trig_needs_libm(v.to_f32()),
            |v| T::from_f32(slow(v.to_f32())),
        )
    }
}

fn powi<T: Copy>(x: T, y: u32, one: T, mul: impl Fn(T, T) -> T) -> T {
    // Square-and-multiply, the same association as XLA's expansion of integer_pow.
    let mut acc = one;
    let mut base = x;
    let mut e = y;
    let mut first = true;
    while e > 0 {
        if e & 1 == 1 {
            acc = if first { base } else { mul(acc, base) };
            first = false;
        }
        e >>= 1;
        if e > 0 {
            base = mul(base, base);
        }
    }
    acc
}

fn float_unary<T: FloatElement>(op: UnaryOp, x: &[T]) -> crate::array::Storage {
    if op == UnaryOp::IsFinite {
        return bool::into_storage(map(x, |v| v.is_finite()));
    }
    T::into_storage(float_unary_map(op, x, NewVec))
}

/// The float-to-float unary ops (all but `is_finite` and `stop_gradient`): what
/// [`float_unary_map`] computes.
pub(crate) fn is_float_to_float(op: UnaryOp) -> bool {
    !matches!(
        op,
        UnaryOp::IsFinite
            | UnaryOp::StopGradient
            | UnaryOp::Not
            | UnaryOp::PopulationCount
            | UnaryOp::Clz
    )
}

/// Each float-to-float unary op's per-element formula, run by `sink`'s loop: the eager
/// primitive allocates ([`NewVec`]), the jit executor writes into its planned buffers
/// ([`crate::backend::cpu::elementwise::IntoSlice`]), so both give the same bits.
pub(crate) fn float_unary_map<T: FloatElement, S: Sink<T>>(
    op: UnaryOp,
    x: &[T],
    sink: S,
) -> S::Out {
    use UnaryOp::*;
    let zero = <T as crate::ArrayElement>::zero();
    let one = <T as crate::ArrayElement>::one();
    match op {
        Neg => sink.map(x, |v| -v),
        Sign => sink.map(x, |v| {
            if v.is_nan() {
                v
            } else if v > zero {
                one
            } else if v < zero {
                -one
            } else {
                v
            }
        }),
        Abs => sink.map(x, |v| v.abs()),
        Floor => sink.map(x, |v| v.floor()),
        Ceil => sink.map(x, |v| v.ceil()),
        Round { to_nearest_even } => {
            if to_nearest_even {
                sink.map(x, round_half_even)
            } else {
                sink.map(x, round_half_away)
            }
        }
        Exp => sink.map(x, exp_element),
        // JAX lowers exp2 to `exp(log(2) * x)` with log(2) rounded to the dtype; do the same
        // so results agree (this is up to a few ulp less accurate than a true exp2).
        Exp2 => {
            let ln2 = T::from_f64(std::f64::consts::LN_2);
            sink.map(x, |v| {
                let y = ln2 * v;
                special_fn(y, vecmath::exp_f32, f64::exp)
            })
        }
        Log => sink.map(x, |v| special_fn(v, vecmath::log_f32, f64::ln)),
        Log1p => sink.map(x, log1p_element),
        Expm1 => sink.map(x, |v| special_fn(v, vecmath::expm1_f32, f64::exp_m1)),
        Tanh => sink.map(x, tanh_element),
        // XLA expands `logistic` into `1 / (1 + exp(-x))` before it widens the half and 8-bit
        // floats, so each of those operations rounds to the element type; JAX's bits are
        // those of the expansion, not of a rounded f32 logistic.
        Logistic if T::DTYPE.size_in_bytes() < 4 => sink.map(x, |v| {
            one / (one + special_fn(-v, vecmath::exp_f32, f64::exp))
        }),
        Logistic => sink.map(x, logistic_element),
        Sin => trig(sink, x, vecmath_trig::sin_f32, libm::sinf, f64::sin),
        Cos => trig(sink, x, vecmath_trig::cos_f32, libm::cosf, f64::cos),
        Tan => trig(sink, x, vecmath_trig::tan_f32, libm::tanf, f64::tan),
        Asin => sink.map(x, |v| v.asin()),
        Acos => sink.map(x, |v| v.acos()),
        Atan => sink.map(x, |v| v.atan()),
        // sinh and cosh follow XLA's CHLO expansions, which JAX's results carry: for |x| >= 1
        // `e^(x + log ½) ∓ e^(-x + log ½)` (no overflow where e^x is inf but e^x / 2 is not),
        // and for sinh with |x| < 1 `(e + e / (e + 1)) / 2` with `e = expm1(x)`.
        Sinh => {
            let (half, log_half) = (T::from_f64(0.5), T::from_f64(0.5f64.ln()));
            sink.map(x, |v| {
                if v.abs() < one {
                    let e = v.exp_m1();
                    (e + e / (e + one)) * half
                } else {
                    (v + log_half).exp() - (-v + log_half).exp()
                }
            })
        }
        Cosh => {
            let log_half = T::from_f64(0.5f64.ln());
            sink.map(x, |v| (v + log_half).exp() + (-v + log_half).exp())
        }
        Asinh => sink.map(x, |v| v.asinh()),
        Acosh => sink.map(x, |v| v.acosh()),
        // XLA's `0.5 * (log1p(x) - log1p(-x))`, accurate near ±1 (unlike `0.5 * log1p(2x /
        // (1 - x))`, which loses most digits for f32 there).
        Atanh => sink.map(x, |v| {
            special_fn(
                v,
                |f| 0.5 * (special::log1p_f32(f) - special::log1p_f32(-f)),
                f64::atanh,
            )
        }),
        Sqrt => sink.map(x, |v| v.sqrt()),
        // `move`: with `one` captured by reference the loop reloads it every element and stays
        // scalar.
        Rsqrt => sink.map(x, move |v| one / v.sqrt()),
        Cbrt => sink.map(x, |v| v.cbrt()),
        Erf => sink.map(x, |v| special_fn(v, special::erf_f32, libm::erf)),
        Erfc => sink.map(x, |v| special_fn(v, libm::erfcf, libm::erfc)),
        ErfInv => sink.map(x, |v| {
            special_fn(v, special::erf_inv_f32, special::erf_inv_f64)
        }),
        Lgamma => sink.map(x, |v| special_fn(v, special::lgamma_f32, libm::lgamma)),
        Digamma => sink.map(x, |v| {
            special_fn(v, special::digamma_f32, special::digamma_f64)
        }),
        Polygamma(m) => sink.map(x, |v| T::from_f64(special::polygamma_f64(m, v.to_f64()))),
        IntegerPow(y) => {
            // The common small powers get a loop each, spelled out in square-and-multiply's
            // association: LLVM vectorises those, but not a loop around powi's bit loop.
            macro_rules! pow_loop {
                ($v:ident => $pow:expr) => {
                    if y >= 0 {
                        sink.map(x, |$v: T| $pow)
                    } else {
                        sink.map(x, |$v: T| one / $pow)
                    }
                };
            }
            match y.unsigned_abs() {
                0 => pow_loop!(_v => one),
                1 => pow_loop!(v => v),
                2 => pow_loop!(v => v * v),
                3 => pow_loop!(v => cube(v)),
                4 => pow_loop!(v => (v * v) * (v * v)),
                p => pow_loop!(v => powi(v, p, one, |a, b| a * b)),
            }
        }
        Square => sink.map(x, |v| v * v),
        Copy => sink.map(x, |v| v),
        IsFinite | Not | PopulationCount | Clz => {
            unreachable!("abstract_eval rejects {} on floats", op.name())
        }
        StopGradient => unreachable!("stop_gradient is handled in eval"),
    }
}

fn int_unary<T: IntElement>(op: UnaryOp, x: &[T]) -> crate::array::Storage {
    use UnaryOp::*;
    let zero = <T as crate::ArrayElement>::zero();
    let one = <T as crate::ArrayElement>::one();
    let signed = T::DTYPE.is_signed_integer();
    let out: Vec<T> = match op {
        Neg => map(x, |v| v.wrapping_neg()),
        Sign => map(x, |v| {
            if v > zero {
                one
            } else if v < zero {
                zero.wrapping_sub(&one)
            } else {
                zero
            }
        }),
        Abs => map(x, |v| {
            if signed && v < zero {
                v.wrapping_neg()
            } else {
                v
            }
        }),
        IntegerPow(y) => {
            let p = y as u32;
            map(x, |v| {
                if p == 0 {
                    one
                } else {
                    powi(v, p, one, |a, b| a.wrapping_mul(&b))
                }
            })
        }
        Square => map(x, |v| v.wrapping_mul(&v)),
        Not => map(x, |v| !v),
        PopulationCount => map(x, |v| T::from_i64(v.count_ones() as i64)),
        Clz => map(x, |v| T::from_i64(v.leading_zeros() as i64)),
        Copy => x.to_vec(),
        _ => unreachable!("abstract_eval rejects {} on integers", op.name()),
    };
    T::into_storage(out)
}

fn bool_unary(op: UnaryOp, x: &[bool]) -> crate::array::Storage {
    match op {
        UnaryOp::Not => bool::into_storage(map(x, |v| !v)),
        UnaryOp::Copy => bool::into_storage(x.to_vec()),
        _ => unreachable!("abstract_eval rejects {} on bool", op.name()),
    }
}

/// `x^n` by repeated squaring, as JAX lowers `integer_pow` (`1 / x^|n|` for negative `n`).
fn lower_integer_pow(cx: &mut LoweringContext, x: &Value, n: i32) -> Value {
    let dtype = x.aval.dtype;
    let mut acc: Option<Value> = None;
    let mut base = x.clone();
    let mut e = n.unsigned_abs();
    while e > 0 {
        if e & 1 == 1 {
            acc = Some(match acc {
                None => base.clone(),
                Some(a) => cx.elementwise("stablehlo.multiply", &[&a, &base], dtype),
            });
        }
        e >>= 1;
        if e > 0 {
            base = cx.elementwise("stablehlo.multiply", &[&base, &base], dtype);
        }
    }
    let positive = match acc {
        Some(a) => a,
        None => {
            let one = cx.scalar(dtype, 1.0);
            cx.broadcast_to(&one, &x.aval.shape)
        }
    };
    if n < 0 {
        let one = cx.scalar(dtype, 1.0);
        cx.elementwise("stablehlo.divide", &[&one, &positive], dtype)
    } else {
        positive
    }
}
