//! `fft`: XLA's discrete Fourier transform over the trailing axes of its operand, JAX's `fft_p`
//! (`jax/_src/lax/fft.py`) with its four transform types, its abstract-evaluation checks and
//! messages, and its transpose and batching rules. The kernels are in
//! [`crate::backend::cpu::fft`].

use super::binary::BinaryOp;
use super::complex::ComplexOp;
use super::{bind1, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, DType, ShapeDtype, Storage};
use crate::backend::cpu::fft::{complex_fft_axis, irfft_rows, rfft_rows, FftFloat};
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};
use crate::prims::ops;
use num_complex::Complex;

/// Which transform [`FftOp`] computes (JAX's `jax.lax.FftType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FftType {
    /// Complex to complex, forward (unnormalised).
    Fft,
    /// Complex to complex, inverse (divided by the product of the lengths).
    Ifft,
    /// Real to complex, forward: the last transformed axis keeps its `n / 2 + 1`
    /// non-redundant frequencies.
    Rfft,
    /// Complex to real, inverse of [`FftType::Rfft`] (divided by the product of the lengths).
    Irfft,
}

impl FftType {
    /// The name JAX prints (`FFT`, `IFFT`, `RFFT`, `IRFFT`).
    pub fn name(self) -> &'static str {
        match self {
            FftType::Fft => "FFT",
            FftType::Ifft => "IFFT",
            FftType::Rfft => "RFFT",
            FftType::Irfft => "IRFFT",
        }
    }
}

/// `fft[fft_type, fft_lengths](x)`: the transform of `x` over its last `fft_lengths.len()`
/// axes, whose (output, for `IRFFT`) lengths are `fft_lengths`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FftOp {
    /// The transform.
    pub fft_type: FftType,
    /// The lengths of the transformed (trailing) axes, at least one.
    pub fft_lengths: Vec<usize>,
}

/// `a * b` with numpy broadcasting (`jnp.multiply`): the Hermitian masks are 1-D and apply
/// along the last axis of a batch of transforms.
fn multiply(a: &Array, b: &Array) -> Array {
    ops::binary(BinaryOp::Mul, a, b, "multiply")
}

impl PrimitiveRule for FftOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let attrs = format!(
            "fft_type = #stablehlo<fft_type {}>, fft_length = {}",
            self.fft_type.name(),
            i64_array(self.fft_lengths.iter().map(|&n| n as i64))
        );
        Ok(vec![cx.op("stablehlo.fft", &[&args[0]], &attrs, &out[0])])
    }

    fn name(&self) -> &'static str {
        "fft"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("fft", args, 1);
        let x = args[0];
        let lengths = &self.fft_lengths;
        let k = lengths.len();
        let shape = x.shape.dims();
        let tuple = rules::py_tuple;
        if k == 0 {
            panic!(
                "fft: fft_lengths must not be empty (operand {})",
                tuple(shape)
            );
        }
        if k > shape.len() {
            panic!(
                "FFT input shape {} must have at least as many input dimensions as fft_lengths \
                 {}.",
                tuple(shape),
                tuple(lengths)
            );
        }
        let minor = &shape[shape.len() - k..];
        let (out_shape, dtype) = match self.fft_type {
            FftType::Rfft => {
                if !matches!(x.dtype, DType::F32 | DType::F64) {
                    panic!("RFFT input must be float32 or float64, got {}", x.dtype);
                }
                if minor != lengths.as_slice() {
                    panic!(
                        "RFFT input shape {} minor dimensions must be equal to fft_lengths {}",
                        tuple(shape),
                        tuple(lengths)
                    );
                }
                let mut out = shape.to_vec();
                *out.last_mut().expect("rank at least one") = lengths[k - 1] / 2 + 1;
                (out, x.dtype.complex_dtype())
            }
            FftType::Irfft => {
                if !x.dtype.is_complex() {
                    panic!(
                        "IRFFT input must be complex64 or complex128, got {}",
                        x.dtype
                    );
                }
                if minor[..k - 1] != lengths[..k - 1] {
                    panic!(
                        "IRFFT input shape {} minor dimensions must be equal to all except the \
                         last fft_length, got fft_lengths={}",
                        tuple(shape),
                        tuple(lengths)
                    );
                }
                // XLA reads exactly the non-redundant half of the last axis.
                if minor[k - 1] != lengths[k - 1] / 2 + 1 {
                    panic!(
                        "IRFFT input shape {} must have {} = fft_lengths[-1] // 2 + 1 entries \
                         in its last dimension, got fft_lengths={}",
                        tuple(shape),
                        lengths[k - 1] / 2 + 1,
                        tuple(lengths)
                    );
                }
                let mut out = shape[..shape.len() - k].to_vec();
                out.extend_from_slice(lengths);
                (out, x.dtype.real_dtype())
            }
            FftType::Fft | FftType::Ifft => {
                if !x.dtype.is_complex() {
                    panic!("FFT input must be complex64 or complex128, got {}", x.dtype);
                }
                if minor != lengths.as_slice() {
                    panic!(
                        "FFT input shape {} minor dimensions must be equal to fft_lengths {}",
                        tuple(shape),
                        tuple(lengths)
                    );
                }
                (shape.to_vec(), x.dtype)
            }
        };
        vec![ShapeDtype {
            shape: out_shape.into(),
            dtype,
            weak_type: false,
        }]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let storage = match (self.fft_type, x.storage()) {
            (FftType::Rfft, Storage::F32(v)) => Storage::C64(self.rfft(v, x.shape())),
            (FftType::Rfft, Storage::F64(v)) => Storage::C128(self.rfft(v, x.shape())),
            (FftType::Irfft, Storage::C64(v)) => Storage::F32(self.irfft(v, x.shape())),
            (FftType::Irfft, Storage::C128(v)) => Storage::F64(self.irfft(v, x.shape())),
            (_, Storage::C64(v)) => Storage::C64(self.complex(v, x.shape())),
            (_, Storage::C128(v)) => Storage::C128(self.complex(v, x.shape())),
            (_, other) => panic!(
                "fft: a {} buffer reached the {} kernel",
                other.dtype(),
                self.fft_type.name()
            ),
        };
        vec![Array::from_storage(storage, out[0].shape.clone())]
    }

    /// Linear: the tangent is the same transform of the tangent.
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::linear_jvp(self.clone(), primals, tangents)
    }

    /// JAX's `_fft_transpose_rule`: `FFT`/`IFFT` are their own transposes (the DFT matrix is
    /// symmetric); `RFFT`'s transpose is an `IRFFT` of the conjugated cotangent with the
    /// Hermitian-duplicated frequencies halved, `IRFFT`'s the conjugate of an `RFFT` with them
    /// doubled (JAX's convention for complex cotangents).
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        debug_assert!(args[0].is_linear(), "fft has one operand, the linear one");
        let ct = cts[0].expect("fft has one output");
        let total: usize = self.fft_lengths.iter().product();
        let result = match self.fft_type {
            FftType::Fft | FftType::Ifft => bind1(self.clone(), &[ct]),
            FftType::Rfft => {
                let conj = bind1(ComplexOp::Conj, &[ct]);
                let halved = multiply(&conj, &self.hermitian_mask(ct.dtype(), true));
                let irfft = FftOp {
                    fft_type: FftType::Irfft,
                    fft_lengths: self.fft_lengths.clone(),
                };
                let out = bind1(irfft, &[&halved]);
                multiply(&out, &Array::scalar(total as f64).astype(out.dtype()))
            }
            FftType::Irfft => {
                let rfft = FftOp {
                    fft_type: FftType::Rfft,
                    fft_lengths: self.fft_lengths.clone(),
                };
                let x = bind1(rfft, &[ct]);
                let mask = self.hermitian_mask(x.dtype(), false);
                let scale = Array::scalar(1.0 / total as f64).astype(x.dtype().real_dtype());
                let scaled = multiply(&multiply(&x, &mask), &scale.astype(x.dtype()));
                bind1(ComplexOp::Conj, &[&scaled])
            }
        };
        vec![Some(result)]
    }

    /// JAX's `_fft_batching_rule`: the transform acts on trailing axes, so the batch axis moves
    /// to the front.
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let x = rules::bdim_to_front(args[0], dims[0], axis_size);
        (vec![bind1(self.clone(), &[&x])], vec![Some(0)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("fft_type", self.fft_type.name().to_string()),
            ("fft_lengths", rules::py_tuple(&self.fft_lengths)),
        ]
    }
}

impl FftOp {
    /// The weights of the `n / 2 + 1` stored frequencies of a real transform of length
    /// `n = fft_lengths[-1]` (1 for the zero and, for even `n`, the Nyquist frequency; 2 for the
    /// others, which stand for a conjugate pair), or their reciprocals, as a `[n / 2 + 1]`
    /// array of the complex `dtype` (it broadcasts against the last axis).
    fn hermitian_mask(&self, dtype: DType, reciprocal: bool) -> Array {
        let n = *self.fft_lengths.last().expect("at least one fft length");
        let m = n / 2 + 1;
        let weights: Vec<f64> = (0..m)
            .map(|i| {
                let paired = i != 0 && !(n.is_multiple_of(2) && i == m - 1);
                match (paired, reciprocal) {
                    (true, true) => 0.5,
                    (true, false) => 2.0,
                    (false, _) => 1.0,
                }
            })
            .collect();
        Array::from_vec(weights, [m]).astype(dtype)
    }

    /// The axis numbers of the transformed axes in a rank-`ndim` operand.
    fn axes(&self, ndim: usize) -> std::ops::Range<usize> {
        ndim - self.fft_lengths.len()..ndim
    }

    /// `FFT`/`IFFT` of a complex buffer of `shape`: one pass per transformed axis.
    fn complex<T: FftFloat>(&self, v: &[Complex<T>], shape: &[usize]) -> Vec<Complex<T>> {
        let mut data = v.to_vec();
        for axis in self.axes(shape.len()) {
            complex_fft_axis(&mut data, shape, axis, self.fft_type == FftType::Ifft);
        }
        data
    }

    /// `RFFT` of a real buffer of `shape`: the real transform of the last axis, then complex
    /// transforms of the other transformed axes.
    fn rfft<T: FftFloat>(&self, v: &[T], shape: &[usize]) -> Vec<Complex<T>> {
        let n = *shape.last().expect("rank at least one");
        let rows = v.len().checked_div(n).unwrap_or(0);
        let mut data = rfft_rows(v, rows, n);
        let mut out_shape = shape.to_vec();
        *out_shape.last_mut().expect("rank at least one") = n / 2 + 1;
        let axes = self.axes(shape.len());
        for axis in axes.start..axes.end - 1 {
            complex_fft_axis(&mut data, &out_shape, axis, false);
        }
        data
    }

    /// `IRFFT` of a complex buffer of `shape` (last axis `n / 2 + 1`): inverse complex
    /// transforms of the leading transformed axes, then the real inverse of the last.
    fn irfft<T: FftFloat>(&self, v: &[Complex<T>], shape: &[usize]) -> Vec<T> {
        let mut data = v.to_vec();
        let axes = self.axes(shape.len());
        for axis in axes.start..axes.end - 1 {
            complex_fft_axis(&mut data, shape, axis, true);
        }
        let n = *self.fft_lengths.last().expect("at least one fft length");
        let m = n / 2 + 1;
        let rows = data.len().checked_div(m).unwrap_or(0);
        irfft_rows(&data, rows, n)
    }
}
