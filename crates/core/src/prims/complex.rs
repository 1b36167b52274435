//! Complex-number primitives (`real`, `imag`, `conj`, `complex`) and the complex kernels of the
//! elementwise families (`unary.rs`, `binary.rs` call into `complex_unary` and
//! `complex_binary` for `complex64`/`complex128` operands).

use super::binary::BinaryOp;
use super::unary::UnaryOp;
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, ShapeDtype, Storage};
use crate::backend::cpu::elementwise::{map, zip_map};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use num_complex::Complex;
use num_traits::Float;

/// A primitive moving between complex numbers and their real parts, JAX's `real_p`,
/// `imag_p`, `conj_p` and `complex_p`. All four are linear (over the reals), with JAX's
/// transpose rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComplexOp {
    /// The real part of a complex operand (a float result of the parts' dtype).
    Real,
    /// The imaginary part of a complex operand.
    Imag,
    /// The complex conjugate of a complex operand.
    Conj,
    /// `complex(x, y) = x + i·y` from two operands of one float dtype (`float32 → complex64`,
    /// `float64 → complex128`); equal shapes or a 0-d operand, like the binary primitives.
    Complex,
}

impl PrimitiveRule for ComplexOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let o = &out[0];
        let x = &args[0];
        Ok(vec![match self {
            ComplexOp::Real => cx.op("stablehlo.real", &[x], "", o),
            ComplexOp::Imag => cx.op("stablehlo.imag", &[x], "", o),
            ComplexOp::Complex => cx.elementwise("stablehlo.complex", &[x, &args[1]], o.dtype),
            ComplexOp::Conj => cx.conj(x),
        }])
    }

    fn name(&self) -> &'static str {
        match self {
            ComplexOp::Real => "real",
            ComplexOp::Imag => "imag",
            ComplexOp::Conj => "conj",
            ComplexOp::Complex => "complex",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        if *self == ComplexOp::Complex {
            expect_arity(self.name(), args, 2);
            let (x, y) = (args[0], args[1]);
            if x.dtype != y.dtype || !matches!(x.dtype, DType::F32 | DType::F64) {
                panic!(
                    "complex: got {} but expected two operands of one dtype, float32 or float64",
                    describe(args)
                );
            }
            let shape = if x.shape.ndim() == 0 {
                y.shape.clone()
            } else if y.shape.ndim() == 0 || x.shape == y.shape {
                x.shape.clone()
            } else {
                panic!(
                    "complex: operands {} must have equal shapes (or be 0-d)",
                    describe(args)
                );
            };
            return vec![ShapeDtype {
                shape,
                dtype: x.dtype.complex_dtype(),
                weak_type: x.weak_type && y.weak_type,
            }];
        }
        expect_arity(self.name(), args, 1);
        let x = args[0];
        if !x.dtype.is_complex() {
            // JAX's message for lax.real(float32 array).
            panic!(
                "{} does not accept dtype {}. Accepted dtypes are subtypes of complexfloating.",
                self.name(),
                x.dtype
            );
        }
        let dtype = match self {
            ComplexOp::Conj => x.dtype,
            _ => x.dtype.real_dtype(),
        };
        vec![ShapeDtype {
            shape: x.shape.clone(),
            dtype,
            weak_type: x.weak_type,
        }]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let storage = match self {
            ComplexOp::Complex => {
                let (x, y) = (args[0], args[1]);
                match x.dtype() {
                    DType::F32 => Storage::C64(zip_map(
                        x.as_slice::<f32>(),
                        y.as_slice::<f32>(),
                        Complex::new,
                    )),
                    _ => Storage::C128(zip_map(
                        x.as_slice::<f64>(),
                        y.as_slice::<f64>(),
                        Complex::new,
                    )),
                }
            }
            op => match args[0].storage() {
                Storage::C64(v) => parts(*op, v, Storage::F32, Storage::C64),
                Storage::C128(v) => parts(*op, v, Storage::F64, Storage::C128),
                other => panic!(
                    "{}: a {} buffer reached the complex kernel",
                    self.name(),
                    other.dtype()
                ),
            },
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    /// All four are linear: the tangent is the primitive applied to the tangents.
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::linear_jvp(*self, primals, tangents)
    }

    /// JAX's rules (`lax.py`): `real` → `complex(t, 0)`, `imag` → `complex(0, -t)`, `conj` →
    /// `conj(t)`, `complex` → `(real(t), imag(-t))`. Transposition is linear over the reals,
    /// not conjugate-linear, which is what makes `grad` return JAX's conjugated gradients.
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("one output");
        match self {
            ComplexOp::Real => {
                let zero = rules::zeros(&ShapeDtype::new(ct.shape_obj().clone(), ct.dtype()));
                vec![Some(bind1(ComplexOp::Complex, &[ct, &zero]))]
            }
            ComplexOp::Imag => {
                let zero = rules::zeros(&ShapeDtype::new(ct.shape_obj().clone(), ct.dtype()));
                let neg = bind1(UnaryOp::Neg, &[ct]);
                vec![Some(bind1(ComplexOp::Complex, &[&zero, &neg]))]
            }
            ComplexOp::Conj => vec![Some(bind1(ComplexOp::Conj, &[ct]))],
            ComplexOp::Complex => {
                let neg = bind1(UnaryOp::Neg, &[ct]);
                let part = |op: ComplexOp, c: &Array, i: usize| {
                    args[i]
                        .is_linear()
                        .then(|| rules::unbroadcast(&bind1(op, &[c]), args[i].aval()))
                };
                vec![part(ComplexOp::Real, ct, 0), part(ComplexOp::Imag, &neg, 1)]
            }
        }
    }

    /// Elementwise: the batch axis passes through.
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        rules::elementwise_batch(*self, args, dims, axis_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            ComplexOp::Conj => vec![("input_dtype", "complex".to_string())],
            _ => Vec::new(),
        }
    }
}

/// `real`, `imag` or `conj` of a complex buffer.
fn parts<F: Float + Send + Sync>(
    op: ComplexOp,
    v: &[Complex<F>],
    real: fn(Vec<F>) -> Storage,
    complex: fn(Vec<Complex<F>>) -> Storage,
) -> Storage {
    match op {
        ComplexOp::Real => real(map(v, |z| z.re)),
        ComplexOp::Imag => real(map(v, |z| z.im)),
        _ => complex(map(v, |z| z.conj())),
    }
}

/// The unary primitives with complex kernels; `abs` returns the real modulus.
pub(crate) fn unary_accepts_complex(op: UnaryOp) -> bool {
    use UnaryOp::*;
    matches!(
        op,
        Neg | Sign
            | Abs
            | Exp
            | Log
            | Log1p
            | Expm1
            | Tanh
            | Sin
            | Cos
            | Sqrt
            | IntegerPow(_)
            | Square
            | Copy
            | StopGradient
    )
}

/// `op` on a complex array (an op [`unary_accepts_complex`] lists).
pub(crate) fn complex_unary(op: UnaryOp, x: &Array) -> Storage {
    match x.storage() {
        Storage::C64(v) => unary_kernel(op, v, Storage::F32, Storage::C64),
        Storage::C128(v) => unary_kernel(op, v, Storage::F64, Storage::C128),
        other => panic!(
            "{}: a {} buffer reached the complex kernel",
            op.name(),
            other.dtype()
        ),
    }
}

fn unary_kernel<F: Float + Send + Sync>(
    op: UnaryOp,
    v: &[Complex<F>],
    real: fn(Vec<F>) -> Storage,
    complex: fn(Vec<Complex<F>>) -> Storage,
) -> Storage {
    use UnaryOp::*;
    let one = F::one();
    let two = one + one;
    let c = |f: fn(Complex<F>) -> Complex<F>| complex(map(v, f));
    match op {
        Abs => real(map(v, |z| z.norm())),
        Neg => c(|z| -z),
        // z / |z|, and 0 at 0 (numpy's and JAX's sign for complex).
        Sign => complex(map(v, |z| {
            let r = z.norm();
            if r == F::zero() {
                z
            } else {
                z / r
            }
        })),
        Exp => c(|z| z.exp()),
        Log => c(|z| z.ln()),
        // log(1 + z) = ½·log1p(2x + x² + y²) + i·atan2(y, 1 + x), accurate near 0.
        Log1p => complex(map(v, |z| {
            let re = (two * z.re + z.re * z.re + z.im * z.im).ln_1p() / two;
            Complex::new(re, z.im.atan2(one + z.re))
        })),
        // e^z - 1 = (expm1(x)·cos y - 2 sin²(y/2)) + i·e^x sin y, accurate near 0.
        Expm1 => complex(map(v, |z| {
            let h = (z.im / two).sin();
            let re = z.re.exp_m1() * z.im.cos() - two * h * h;
            Complex::new(re, z.re.exp() * z.im.sin())
        })),
        Tanh => c(|z| z.tanh()),
        Sin => c(|z| z.sin()),
        Cos => c(|z| z.cos()),
        Sqrt => c(|z| z.sqrt()),
        Square => c(|z| z * z),
        IntegerPow(y) => complex(map(v, move |z| int_pow(z, y))),
        Copy | StopGradient => complex(v.to_vec()),
        other => super::complex_unsupported(other.name(), <Complex<F>>::dtype_of()),
    }
}

/// `z^y` by square-and-multiply (`1 / z^-y` for negative `y`), as XLA expands `integer_pow`.
fn int_pow<F: Float>(z: Complex<F>, y: i32) -> Complex<F> {
    let mut acc = Complex::new(F::one(), F::zero());
    let mut base = z;
    let mut e = y.unsigned_abs();
    while e > 0 {
        if e & 1 == 1 {
            acc = acc * base;
        }
        e >>= 1;
        if e > 0 {
            base = base * base;
        }
    }
    if y < 0 {
        smith_div(Complex::new(F::one(), F::zero()), acc)
    } else {
        acc
    }
}

/// `x / y` by Smith's algorithm, as XLA divides complex numbers: dividing by the larger part of
/// `y` first avoids the overflow of `|y|²` and rounds less (`(a+bi) / c` is exactly `a/c + b/c·i`).
fn smith_div<F: Float>(x: Complex<F>, y: Complex<F>) -> Complex<F> {
    if y.re.abs() < y.im.abs() {
        let ratio = y.re / y.im;
        let denom = y.im + y.re * ratio;
        Complex::new((x.re * ratio + x.im) / denom, (x.im * ratio - x.re) / denom)
    } else {
        let ratio = y.im / y.re;
        let denom = y.re + y.im * ratio;
        Complex::new((x.re + x.im * ratio) / denom, (x.im - x.re * ratio) / denom)
    }
}

/// `op` on two complex arrays of one dtype (equal lengths, or one of length 1).
pub(crate) fn complex_binary(op: BinaryOp, x: &Array, y: &Array) -> Storage {
    match (x.storage(), y.storage()) {
        (Storage::C64(a), Storage::C64(b)) => Storage::C64(binary_kernel(op, a, b)),
        (Storage::C128(a), Storage::C128(b)) => Storage::C128(binary_kernel(op, a, b)),
        (a, b) => panic!(
            "{}: {} and {} buffers reached the complex kernel",
            op.name(),
            a.dtype(),
            b.dtype()
        ),
    }
}

fn binary_kernel<F: Float + Send + Sync>(
    op: BinaryOp,
    a: &[Complex<F>],
    b: &[Complex<F>],
) -> Vec<Complex<F>> {
    match op {
        BinaryOp::Add | BinaryOp::AddAny => zip_map(a, b, |x, y| x + y),
        BinaryOp::Sub => zip_map(a, b, |x, y| x - y),
        BinaryOp::Mul => zip_map(a, b, |x, y| x * y),
        BinaryOp::Div => zip_map(a, b, smith_div),
        // 0^y is 0 for y with positive real part and 1 for y = 0, as XLA's complex pow.
        BinaryOp::Pow => zip_map(a, b, |x, y| {
            if x == Complex::new(F::zero(), F::zero()) {
                if y == Complex::new(F::zero(), F::zero()) {
                    Complex::new(F::one(), F::zero())
                } else {
                    x
                }
            } else {
                x.powc(y)
            }
        }),
        other => super::complex_unsupported(other.name(), <Complex<F>>::dtype_of()),
    }
}

/// The dtype of a complex element type, for messages.
trait ComplexDType {
    fn dtype_of() -> DType;
}

impl<F: Float> ComplexDType for Complex<F> {
    fn dtype_of() -> DType {
        if std::mem::size_of::<F>() == 8 {
            DType::C128
        } else {
            DType::C64
        }
    }
}

/// A 0-d complex constant `v + 0i` of `like`'s complex dtype.
pub(crate) fn complex_konst(like: DType, v: f64) -> Array {
    crate::with_complex_dtype!(like, T => Array::scalar(<T as ArrayElement>::from_f64(v)),
        _ => panic!("complex constant: {like} is not a complex dtype"))
}
