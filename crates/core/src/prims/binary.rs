//! Elementwise binary primitives: arithmetic, `max`/`min`, `pow`, `atan2`, bitwise and shifts.

use super::compare::CompareOp;
use super::{bind1, describe, expect_arity, ops, rules, LinearArg, PrimitiveRule};
use crate::array::{
    Array, ArrayElement, DType, FloatElement, IntElement, Shape, ShapeDtype, Storage,
};
use crate::backend::cpu::elementwise::{zip_map, NewVec, Sink};
use crate::backend::cpu::vecmath_pow;
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use num_traits::Float;

/// An elementwise binary primitive. Both operands have the same dtype; their shapes are equal
/// or one of them is 0-d (a scalar, as a literal in a jaxpr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `x + y` (wrapping for integers).
    Add,
    /// `x + y` for accumulating tangents and cotangents (JAX's `add_any`): the same
    /// arithmetic as `add`, kept distinct so staged derivative programs read as JAX's do.
    AddAny,
    /// `x - y`.
    Sub,
    /// `x * y`.
    Mul,
    /// `x / y`; integer division truncates toward zero, `x / 0` is -1 (all ones), as in XLA.
    Div,
    /// Remainder with the sign of `x` (C `fmod`); integer `x % 0` is `x`.
    Rem,
    /// `x ^ y` for floats.
    Pow,
    /// Elementwise maximum; NaN propagates.
    Max,
    /// Elementwise minimum; NaN propagates.
    Min,
    /// `atan2(x, y)`.
    Atan2,
    /// The next representable float after `x` in the direction of `y`.
    Nextafter,
    /// Bitwise (integers) or logical (bool) and.
    And,
    /// Bitwise or logical or.
    Or,
    /// Bitwise or logical exclusive or.
    Xor,
    /// `x << y`; shifts of the bit width or more give 0.
    ShiftLeft,
    /// Logical right shift; shifts of the bit width or more give 0.
    ShiftRightLogical,
    /// Arithmetic right shift; shifts of the bit width or more fill with the sign bit.
    ShiftRightArithmetic,
}

enum Accepts {
    Numeric,
    NumericOrBool,
    Float,
    IntOrBool,
    Int,
}

impl BinaryOp {
    fn accepts(self) -> Accepts {
        use BinaryOp::*;
        match self {
            Add | AddAny | Sub | Mul | Div | Rem => Accepts::Numeric,
            Max | Min => Accepts::NumericOrBool,
            Pow | Atan2 | Nextafter => Accepts::Float,
            And | Or | Xor => Accepts::IntOrBool,
            ShiftLeft | ShiftRightLogical | ShiftRightArithmetic => Accepts::Int,
        }
    }
}

/// The shape rule shared by the elementwise n-ary primitives: equal shapes, where 0-d operands
/// stand for scalars broadcast to the others.
pub(crate) fn elementwise_shape(op: &str, args: &[&ShapeDtype]) -> Shape {
    let mut shape: Option<&Shape> = None;
    for a in args {
        if a.shape.ndim() == 0 {
            continue;
        }
        match shape {
            None => shape = Some(&a.shape),
            Some(s) if *s == a.shape => {}
            Some(_) => panic!(
                "{op}: operands must have equal shapes (or be 0-d scalars), got {}; \
                 use broadcast_in_dim (or the numpy-level functions, which broadcast) first",
                describe(args)
            ),
        }
    }
    shape.cloned().unwrap_or_default()
}

/// The dtype rule shared by elementwise n-ary primitives: all operands have one dtype.
pub(crate) fn common_dtype(op: &str, args: &[&ShapeDtype]) -> DType {
    let d = args[0].dtype;
    if args.iter().any(|a| a.dtype != d) {
        panic!(
            "{op}: operands must have the same dtype, got {}; convert_element_type (astype) first \
             or use the numpy-level functions, which promote",
            describe(args)
        );
    }
    d
}

impl PrimitiveRule for BinaryOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        use BinaryOp::*;
        let name = match self {
            Add | AddAny => "stablehlo.add",
            Sub => "stablehlo.subtract",
            Mul => "stablehlo.multiply",
            Div => "stablehlo.divide",
            Rem => "stablehlo.remainder",
            Pow => "stablehlo.power",
            Max => "stablehlo.maximum",
            Min => "stablehlo.minimum",
            Atan2 => "stablehlo.atan2",
            Nextafter => "chlo.next_after",
            And => "stablehlo.and",
            Or => "stablehlo.or",
            Xor => "stablehlo.xor",
            ShiftLeft => "stablehlo.shift_left",
            ShiftRightLogical => "stablehlo.shift_right_logical",
            ShiftRightArithmetic => "stablehlo.shift_right_arithmetic",
        };
        Ok(vec![cx.elementwise(
            name,
            &[&args[0], &args[1]],
            out[0].dtype,
        )])
    }

    fn name(&self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            AddAny => "add_any",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Rem => "rem",
            Pow => "pow",
            Max => "max",
            Min => "min",
            Atan2 => "atan2",
            Nextafter => "nextafter",
            And => "and",
            Or => "or",
            Xor => "xor",
            ShiftLeft => "shift_left",
            ShiftRightLogical => "shift_right_logical",
            ShiftRightArithmetic => "shift_right_arithmetic",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 2);
        let shape = elementwise_shape(self.name(), args);
        let d = common_dtype(self.name(), args);
        let (ok, expected) = if d.is_complex() {
            // The complex ops (`Primitive::accepts_complex`) were let through.
            (true, "")
        } else {
            match self.accepts() {
                Accepts::Numeric => (d.is_float() || d.is_integer(), "numeric (integer or float)"),
                Accepts::NumericOrBool => (true, ""),
                Accepts::Float => (d.is_float(), "floating-point"),
                Accepts::IntOrBool => (d.is_integer() || d.is_bool(), "integer or bool"),
                Accepts::Int => (d.is_integer(), "integer"),
            }
        };
        if !ok {
            panic!(
                "{}: got {} but expected {expected} operands",
                self.name(),
                describe(args)
            );
        }
        vec![ShapeDtype {
            shape,
            dtype: d,
            weak_type: args.iter().all(|a| a.weak_type),
        }]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (x, y) = (args[0], args[1]);
        let op = if *self == BinaryOp::AddAny {
            BinaryOp::Add
        } else {
            *self
        };
        if x.dtype().is_complex() {
            let storage = super::complex::complex_binary(op, x, y);
            return vec![
                Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)
            ];
        }
        let storage = crate::with_float_dtype!(x.dtype(), T => float_binary::<T>(op, x.as_slice(), y.as_slice()),
            _ => crate::with_int_dtype!(x.dtype(), T => int_binary::<T>(op, x.as_slice(), y.as_slice()),
                _ => bool_binary(op, x.as_slice(), y.as_slice())));
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        use BinaryOp::*;
        if !primals[0].dtype().is_inexact() {
            return rules::zero_jvp(*self, primals);
        }
        let p = *self;
        match p {
            Add | AddAny => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                &[&|t, _, _| t.clone(), &|t, _, _| t.clone()],
            ),
            Sub => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                &[&|t, _, _| t.clone(), &|t, _, _| -t],
            ),
            Mul => rules::bilinear_jvp(p, primals, tangents),
            Div => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                // d(x/y)/dy = -(x/y)/y.
                &[&|t, xy, _| bind1(Div, &[t, xy[1]]), &|t, xy, out| {
                    -&bind1(Mul, &[t, &bind1(Div, &[out, xy[1]])])
                }],
            ),
            Max | Min => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                &[
                    &|t, xy, out| t * &balanced_eq(xy[0], out, xy[1]),
                    &|t, xy, out| t * &balanced_eq(xy[1], out, xy[0]),
                ],
            ),
            Pow => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                &[
                    // y * x^(y-1), taken as 0 where y == 0 (so that x^0 has zero derivative
                    // even at x = 0).
                    &|t, xy, _| {
                        let (x, y) = (xy[0], xy[1]);
                        let zero = rules::zeros(y.aval());
                        let ym1 = y - 1.0;
                        let d = bind1(Mul, &[y, &ops::binary(Pow, x, &ym1, "power")]);
                        let y_is_zero = ops::compare(CompareOp::Eq, y, &zero, "equal");
                        let d = ops::where_(&y_is_zero, &rules::zeros(d.aval()), &d);
                        bind1(Mul, &[t, &d])
                    },
                    // log(x) * x^y, with log(0) replaced by 0 (x^y is 0 there anyway).
                    &|t, xy, out| {
                        let x = xy[0];
                        let zero = rules::zeros(x.aval());
                        let x_is_zero = ops::compare(CompareOp::Eq, x, &zero, "equal");
                        let safe = ops::where_(&x_is_zero, &ops::ones_like(x), x);
                        bind1(Mul, &[t, &bind1(Mul, &[&safe.log(), out])])
                    },
                ],
            ),
            Rem => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                &[&|t, _, _| t.clone(), &|t, xy, _| {
                    let q = bind1(Div, &[xy[0], xy[1]]);
                    -&bind1(Mul, &[t, &ops::trunc(&q)])
                }],
            ),
            Atan2 => rules::jvp_from_partials(
                p,
                primals,
                tangents,
                // d atan2(x, y) = (y dx - x dy) / (x² + y²).
                &[
                    &|t, xy, _| bind1(Mul, &[t, &bind1(Div, &[xy[1], &hypot2(xy)])]),
                    &|t, xy, _| -&bind1(Mul, &[t, &bind1(Div, &[xy[0], &hypot2(xy)])]),
                ],
            ),
            Nextafter | And | Or | Xor | ShiftLeft | ShiftRightLogical | ShiftRightArithmetic => {
                rules::zero_jvp(p, primals)
            }
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        use BinaryOp::*;
        let ct = cts[0].expect("one output");
        let un = |c: Array, i: usize| Some(rules::unbroadcast(&c, args[i].aval()));
        let lin = |i: usize| args[i].is_linear();
        match self {
            Add | AddAny => vec![
                lin(0).then(|| ct.clone()).and_then(|c| un(c, 0)),
                lin(1).then(|| ct.clone()).and_then(|c| un(c, 1)),
            ],
            Sub => vec![
                lin(0).then(|| ct.clone()).and_then(|c| un(c, 0)),
                lin(1).then(|| -ct).and_then(|c| un(c, 1)),
            ],
            Mul => {
                if lin(0) && lin(1) {
                    rules::not_linear("mul of two tangents");
                }
                if lin(0) {
                    vec![un(bind1(Mul, &[ct, args[1].known("mul")]), 0), None]
                } else {
                    vec![None, un(bind1(Mul, &[args[0].known("mul"), ct]), 1)]
                }
            }
            Div => {
                if lin(1) {
                    rules::not_linear("div in its denominator");
                }
                vec![un(bind1(Div, &[ct, args[1].known("div")]), 0), None]
            }
            _ => rules::not_linear(self.name()),
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        rules::elementwise_batch(*self, args, dims, axis_size)
    }
}

/// 1 where `x == z` and `y != z`, 0.5 where both equal `z`, else 0: the share of a `max`/`min`
/// tangent that goes to `x` (ties split evenly, as in JAX).
fn balanced_eq(x: &Array, z: &Array, y: &Array) -> Array {
    let one = ops::ones_like(z);
    let half = &one * 0.5;
    let zero = rules::zeros(z.aval());
    let x_eq = ops::compare(CompareOp::Eq, x, z, "equal");
    let y_eq = ops::compare(CompareOp::Eq, y, z, "equal");
    ops::where_(&x_eq, &ops::where_(&y_eq, &half, &one), &zero)
}

/// `x² + y²` for the atan2 derivative.
fn hypot2(xy: &[&Array]) -> Array {
    let (x, y) = (xy[0], xy[1]);
    &bind1(BinaryOp::Mul, &[x, x]) + &bind1(BinaryOp::Mul, &[y, y])
}

/// NaN-propagating maximum (XLA semantics; `f32::max` would drop the NaN). Equal operands
/// (±0 included) give +0 when either is +0, as `maximum(-0, 0) = 0`.
///
/// The choice is one select on conditions combined without short-circuiting, so that a
/// lane-wise fold or map over it compiles to vector compares and a blend: the branching form
/// kept max reductions, ReLU and max-pooling scalar.
#[inline(always)]
pub(crate) fn nan_max<T: Float>(a: T, b: T) -> T {
    let take_a = a.is_nan() | (a > b) | ((a == b) & !a.is_sign_negative());
    if take_a {
        a
    } else {
        b
    }
}

/// NaN-propagating minimum; equal operands (±0 included) give -0 when either is -0. One
/// select, as [`nan_max`].
#[inline(always)]
pub(crate) fn nan_min<T: Float>(a: T, b: T) -> T {
    let take_a = a.is_nan() | (a < b) | ((a == b) & a.is_sign_negative());
    if take_a {
        a
    } else {
        b
    }
}

fn nextafter<T: FloatElement>(x: T, y: T) -> T {
    if T::DTYPE == DType::F64 {
        T::from_f64(libm::nextafter(x.to_f64(), y.to_f64()))
    } else if T::DTYPE == DType::F32 {
        T::from_f32(libm::nextafterf(x.to_f32(), y.to_f32()))
    } else if T::DTYPE.is_narrow_float() {
        panic!(
            "nextafter: {} is not supported (the 8- and 4-bit floats have no bit-stepping kernel here); \
             cast to float32 first",
            T::DTYPE
        )
    } else {
        // Half types: step the 16-bit sign-magnitude pattern (both conversions are exact).
        let (xf, yf) = (x.to_f64(), y.to_f64());
        if xf.is_nan() || yf.is_nan() {
            return T::nan();
        }
        if xf == yf {
            return y;
        }
        let (bits, back): (u16, fn(u16) -> f64) = if T::DTYPE == DType::F16 {
            (half::f16::from_f64(xf).to_bits(), |b| {
                half::f16::from_bits(b).to_f64()
            })
        } else {
            (half::bf16::from_f64(xf).to_bits(), |b| {
                half::bf16::from_bits(b).to_f64()
            })
        };
        let next = if xf == 0.0 {
            // The smallest subnormal, with the sign of the direction.
            if yf > 0.0 {
                1
            } else {
                0x8001
            }
        } else if (yf > xf) == (xf > 0.0) {
            bits + 1
        } else {
            bits - 1
        };
        T::from_f64(back(next))
    }
}

fn float_binary<T: FloatElement>(op: BinaryOp, x: &[T], y: &[T]) -> Storage {
    T::into_storage(float_binary_map(op, x, y, NewVec))
}

/// The binary ops defined on floats: what [`float_binary_map`] computes.
pub(crate) fn is_float_op(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(
        op,
        Add | AddAny | Sub | Mul | Div | Rem | Pow | Max | Min | Atan2 | Nextafter
    )
}

/// Each float binary op's per-element formula (a one-element operand broadcasts), run by
/// `sink`'s loop: the eager primitive allocates, the jit executor writes into its planned
/// buffers, so both give the same bits.
pub(crate) fn float_binary_map<T: FloatElement, S: Sink<T>>(
    op: BinaryOp,
    x: &[T],
    y: &[T],
    sink: S,
) -> S::Out {
    use BinaryOp::*;
    match op {
        Add | AddAny => sink.zip_map(x, y, |a, b| a + b),
        Sub => sink.zip_map(x, y, |a, b| a - b),
        Mul => sink.zip_map(x, y, |a, b| a * b),
        // An f32 array divided by one f32 (softmax's rows by their sums, a mean's sum by its
        // count) is multiplied by the divisor's reciprocal in f64 and rounded back, with the
        // same bits as dividing (jitted softmax over (1000, 1000) on one thread of the
        // AVX-512 Xeon: fastest calls 0.70 ms against 0.73 dividing). The f64 product
        // is within 2^-52 (relative) of the true quotient, and no quotient of two f32s comes
        // closer than 2^-48 to a point halfway between two f32s (the quotient of a 24-bit by
        // a 24-bit integer, a halfway point a 25-bit one times a power of two: if they
        // differ, they differ by at least one part in 2^24 · 2^24), so both round to the same
        // f32. Nothing overflows or underflows in f64 on the way, and zeros, infinities and
        // NaNs come out as division gives them (`tests::f32_division_by_one_divisor_...`).
        Div if T::DTYPE == DType::F32 && y.len() == 1 && x.len() > 1 => {
            let reciprocal = 1.0 / y[0].to_f64();
            sink.map(x, move |a| T::from_f64(a.to_f64() * reciprocal))
        }
        Div => sink.zip_map(x, y, |a, b| a / b),
        Rem => sink.zip_map(x, y, |a, b| a % b),
        // `inline(always)`: left to itself LLVM keeps this long body out of line (it has a
        // call site per SIMD level), where it runs one element at a time at the baseline level.
        Pow => sink.zip_map(
            x,
            y,
            #[inline(always)]
            |a, b| {
                if T::DTYPE == DType::F64 {
                    a.powf(b)
                } else {
                    T::from_f32(vecmath_pow::pow_f32(a.to_f32(), b.to_f32()))
                }
            },
        ),
        Max => sink.zip_map(x, y, nan_max),
        Min => sink.zip_map(x, y, nan_min),
        Atan2 => sink.zip_map(x, y, |a, b| a.atan2(b)),
        Nextafter => sink.zip_map(x, y, nextafter),
        _ => unreachable!("abstract_eval rejects {} on floats", op.name()),
    }
}

fn int_binary<T: IntElement>(op: BinaryOp, x: &[T], y: &[T]) -> Storage {
    use BinaryOp::*;
    let bits = T::DTYPE.bits();
    let zero = <T as crate::ArrayElement>::zero();
    let all_ones = !zero;
    let out: Vec<T> = match op {
        Add | AddAny => zip_map(x, y, |a, b| a.wrapping_add(&b)),
        Sub => zip_map(x, y, |a, b| a.wrapping_sub(&b)),
        Mul => zip_map(x, y, |a, b| a.wrapping_mul(&b)),
        Div => zip_map(x, y, |a, b| {
            if b == zero {
                all_ones
            } else {
                a.checked_div(&b).unwrap_or(a)
            }
        }),
        Rem => zip_map(x, y, |a, b| {
            if b == zero {
                a
            } else {
                a.checked_rem(&b).unwrap_or(zero)
            }
        }),
        Max => zip_map(x, y, |a, b| if a > b { a } else { b }),
        Min => zip_map(x, y, |a, b| if a < b { a } else { b }),
        And => zip_map(x, y, |a, b| a & b),
        Or => zip_map(x, y, |a, b| a | b),
        Xor => zip_map(x, y, |a, b| a ^ b),
        ShiftLeft => zip_map(x, y, |a, b| {
            let s = b.to_i64();
            if s < 0 || s >= bits as i64 {
                zero
            } else {
                a.unsigned_shl(s as u32)
            }
        }),
        ShiftRightLogical => zip_map(x, y, |a, b| {
            let s = b.to_i64();
            if s < 0 || s >= bits as i64 {
                zero
            } else {
                a.unsigned_shr(s as u32)
            }
        }),
        ShiftRightArithmetic => zip_map(x, y, |a, b| {
            let s = b.to_i64();
            let s = if s < 0 || s >= bits as i64 {
                bits - 1
            } else {
                s as u32
            };
            if T::DTYPE.is_signed_integer() {
                a.signed_shr(s)
            } else {
                // For unsigned types XLA's arithmetic shift still replicates the top bit.
                let top = a.unsigned_shr(bits - 1) != zero;
                let shifted = a.unsigned_shr(s);
                if top && s > 0 {
                    shifted | (all_ones.unsigned_shl(bits - s))
                } else {
                    shifted
                }
            }
        }),
        Pow | Atan2 | Nextafter => unreachable!("abstract_eval rejects {} on integers", op.name()),
    };
    T::into_storage(out)
}

fn bool_binary(op: BinaryOp, x: &[bool], y: &[bool]) -> Storage {
    use BinaryOp::*;
    let out: Vec<bool> = match op {
        And | Min => zip_map(x, y, |a, b| a & b),
        Or | Max => zip_map(x, y, |a, b| a | b),
        Xor => zip_map(x, y, |a, b| a ^ b),
        _ => unreachable!("abstract_eval rejects {} on bool", op.name()),
    };
    bool::into_storage(out)
}

#[cfg(test)]
mod tests {
    use super::{float_binary_map, nan_max, nan_min, BinaryOp};
    use crate::backend::cpu::elementwise::NewVec;

    /// Dividends and divisors over every exponent, subnormals and specials included.
    fn f32_sweep(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        let mut v: Vec<f32> = (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                f32::from_bits((state >> 32) as u32)
            })
            .collect();
        v.extend([
            0.0, -0.0, 1.0, -1.0, 3.0, 0.1, 7e-46, -1e-40, 1.2e-38, 3.4e38,
        ]);
        v.extend([
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ]);
        v
    }

    #[test]
    fn f32_division_by_one_divisor_gives_the_bits_of_dividing() {
        let x = f32_sweep(50_000, 1);
        // A few hundred divisors, and softmax's: sums of exponentials (1 to the row length).
        let mut divisors = f32_sweep(300, 2);
        divisors.extend((1..200).map(|i| 1.0 + i as f32 * 5.123_457));
        for d in divisors {
            let got: Vec<f32> = float_binary_map(BinaryOp::Div, &x, &[d], NewVec);
            for (&a, &q) in x.iter().zip(&got) {
                let want = a / d;
                let same = q.to_bits() == want.to_bits() || (q.is_nan() && want.is_nan());
                assert!(same, "{a:e} / {d:e}: {q:e} against {want:e}");
            }
        }
    }

    /// XLA's max/min: a NaN operand wins, and among equal zeros max gives +0, min gives -0.
    #[test]
    fn nan_max_and_nan_min_propagate_nan_and_order_signed_zeros() {
        let bits = |x: f32| x.to_bits();
        for (a, b) in [
            (f32::NAN, 1.0),
            (1.0, f32::NAN),
            (f32::NAN, f32::NEG_INFINITY),
        ] {
            assert!(
                nan_max(a, b).is_nan() && nan_min(a, b).is_nan(),
                "({a}, {b})"
            );
        }
        for (a, b) in [(-0.0f32, 0.0f32), (0.0, -0.0), (0.0, 0.0), (-0.0, -0.0)] {
            let plus = bits(a) == bits(0.0) || bits(b) == bits(0.0);
            let minus = bits(a) == bits(-0.0) || bits(b) == bits(-0.0);
            assert_eq!(
                bits(nan_max(a, b)),
                bits(if plus { 0.0 } else { -0.0 }),
                "max({a}, {b})"
            );
            assert_eq!(
                bits(nan_min(a, b)),
                bits(if minus { -0.0 } else { 0.0 }),
                "min({a}, {b})"
            );
        }
        for (a, b, hi, lo) in [
            (2.0f64, 1.0, 2.0, 1.0),
            (1.0, 2.0, 2.0, 1.0),
            (f64::NEG_INFINITY, -3.5, -3.5, f64::NEG_INFINITY),
            (f64::INFINITY, 7.0, f64::INFINITY, 7.0),
        ] {
            assert_eq!((nan_max(a, b), nan_min(a, b)), (hi, lo), "({a}, {b})");
        }
    }
}
