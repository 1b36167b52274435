//! Elementwise binary primitives: arithmetic, `max`/`min`, `pow`, `atan2`, bitwise and shifts.

use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{Array, DType, Element, FloatElement, IntElement, Shape, ShapeDtype, Storage};
use crate::backend::cpu::elementwise::zip_map;
use num_traits::Float;

/// An elementwise binary primitive. Both operands have the same dtype; their shapes are equal
/// or one of them is 0-d (a scalar, as a literal in a jaxpr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `x + y` (wrapping for integers).
    Add,
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
            Add | Sub | Mul | Div | Rem => Accepts::Numeric,
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
    fn name(&self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
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
        let (ok, expected) = match self.accepts() {
            Accepts::Numeric => (d.is_float() || d.is_integer(), "numeric (integer or float)"),
            Accepts::NumericOrBool => (true, ""),
            Accepts::Float => (d.is_float(), "floating-point"),
            Accepts::IntOrBool => (d.is_integer() || d.is_bool(), "integer or bool"),
            Accepts::Int => (d.is_integer(), "integer"),
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
        let storage = crate::with_float_dtype!(x.dtype(), T => float_binary::<T>(*self, x.as_slice(), y.as_slice()),
            _ => crate::with_int_dtype!(x.dtype(), T => int_binary::<T>(*self, x.as_slice(), y.as_slice()),
                _ => bool_binary(*self, x.as_slice(), y.as_slice())));
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }
}

/// NaN-propagating maximum (XLA semantics; `f32::max` would drop the NaN).
#[inline]
pub(crate) fn nan_max<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || a > b {
        a
    } else if b.is_nan() || b > a {
        b
    } else {
        // Equal (including ±0): XLA returns either; prefer +0 like maximum(-0, 0) = 0.
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    }
}

/// NaN-propagating minimum.
#[inline]
pub(crate) fn nan_min<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || a < b {
        a
    } else if b.is_nan() || b < a {
        b
    } else if a.is_sign_negative() {
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
    use BinaryOp::*;
    let out: Vec<T> = match op {
        Add => zip_map(x, y, |a, b| a + b),
        Sub => zip_map(x, y, |a, b| a - b),
        Mul => zip_map(x, y, |a, b| a * b),
        Div => zip_map(x, y, |a, b| a / b),
        Rem => zip_map(x, y, |a, b| a % b),
        Pow => zip_map(x, y, |a, b| a.powf(b)),
        Max => zip_map(x, y, nan_max),
        Min => zip_map(x, y, nan_min),
        Atan2 => zip_map(x, y, |a, b| a.atan2(b)),
        Nextafter => zip_map(x, y, nextafter),
        _ => unreachable!("abstract_eval rejects {} on floats", op.name()),
    };
    T::into_storage(out)
}

fn int_binary<T: IntElement>(op: BinaryOp, x: &[T], y: &[T]) -> Storage {
    use BinaryOp::*;
    let bits = T::DTYPE.bits();
    let zero = <T as Element>::zero();
    let all_ones = !zero;
    let out: Vec<T> = match op {
        Add => zip_map(x, y, |a, b| a.wrapping_add(&b)),
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
