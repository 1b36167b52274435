//! Dtype conversions: `convert_element_type` and `bitcast_convert_type`.

use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{cast, Array, ArrayElement, DType, ShapeDtype, Storage};
use crate::backend::cpu::elementwise::map;

/// A dtype conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConvertOp {
    /// Converts values (`astype`): float→int truncates toward zero and saturates (NaN → 0),
    /// int→int wraps, anything→bool is `x != 0`.
    ConvertElementType {
        /// The target dtype.
        new_dtype: DType,
        /// Whether the result is weakly typed.
        weak_type: bool,
    },
    /// Reinterprets the bits of each element as another dtype of the same width
    /// (`f32 <-> u32 <-> i32`, `f64 <-> i64`, `f16 <-> bf16`).
    BitcastConvertType {
        /// The target dtype.
        new_dtype: DType,
    },
}

impl PrimitiveRule for ConvertOp {
    fn name(&self) -> &'static str {
        match self {
            ConvertOp::ConvertElementType { .. } => "convert_element_type",
            ConvertOp::BitcastConvertType { .. } => "bitcast_convert_type",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 1);
        match *self {
            ConvertOp::ConvertElementType {
                new_dtype,
                weak_type,
            } => vec![ShapeDtype {
                shape: args[0].shape.clone(),
                dtype: new_dtype,
                weak_type,
            }],
            ConvertOp::BitcastConvertType { new_dtype } => {
                if new_dtype.size_in_bytes() != args[0].dtype.size_in_bytes()
                    || new_dtype.is_bool()
                    || args[0].dtype.is_bool()
                {
                    panic!(
                        "bitcast_convert_type: cannot reinterpret {} as {new_dtype}; both dtypes \
                         must be non-bool and of the same width",
                        describe(args)
                    );
                }
                vec![ShapeDtype::new(args[0].shape.clone(), new_dtype)]
            }
        }
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let storage = match *self {
            ConvertOp::ConvertElementType { new_dtype, .. } => {
                if new_dtype == x.dtype() {
                    x.storage().clone()
                } else {
                    crate::with_dtype!(x.dtype(), S => crate::with_dtype!(new_dtype, D => {
                        D::into_storage(map(x.as_slice::<S>(), cast::<S, D>))
                    }))
                }
            }
            ConvertOp::BitcastConvertType { new_dtype } => bitcast(x.storage(), new_dtype),
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    /// `convert_element_type` is linear between float dtypes (the tangent is converted the
    /// same way) and has a zero tangent when either side is not float; `bitcast_convert_type`
    /// has a zero tangent (JAX's `defjvp_zero`).
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let x = primals[0];
        let out = bind1(*self, &[x]);
        let tangent = match (*self, tangents[0]) {
            (ConvertOp::ConvertElementType { new_dtype, .. }, Some(t))
                if new_dtype.is_inexact() && x.dtype().is_inexact() =>
            {
                Some(bind1(*self, &[t]))
            }
            _ => None,
        };
        (vec![out], vec![tangent])
    }

    /// Converts the cotangent back to the operand's dtype and weak type.
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        match self {
            ConvertOp::ConvertElementType { .. } => {
                let ct = cts[0].expect("one output");
                let aval = args[0].aval();
                let back = ConvertOp::ConvertElementType {
                    new_dtype: aval.dtype,
                    weak_type: aval.weak_type,
                };
                vec![Some(bind1(back, &[ct]))]
            }
            ConvertOp::BitcastConvertType { .. } => rules::not_linear(self.name()),
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
            ConvertOp::ConvertElementType {
                new_dtype,
                weak_type,
            } => vec![
                ("new_dtype", new_dtype.name().to_string()),
                (
                    "weak_type",
                    if weak_type { "True" } else { "False" }.to_string(),
                ),
            ],
            ConvertOp::BitcastConvertType { new_dtype } => {
                vec![("new_dtype", new_dtype.name().to_string())]
            }
        }
    }
}

fn bitcast(s: &Storage, to: DType) -> Storage {
    use half::{bf16, f16};
    match (s, to) {
        (Storage::F32(v), DType::U32) => Storage::U32(map(v, f32::to_bits)),
        (Storage::F32(v), DType::I32) => Storage::I32(map(v, |x| x.to_bits() as i32)),
        (Storage::U32(v), DType::F32) => Storage::F32(map(v, f32::from_bits)),
        (Storage::I32(v), DType::F32) => Storage::F32(map(v, |x| f32::from_bits(x as u32))),
        (Storage::U32(v), DType::I32) => Storage::I32(map(v, |x| x as i32)),
        (Storage::I32(v), DType::U32) => Storage::U32(map(v, |x| x as u32)),
        (Storage::F64(v), DType::I64) => Storage::I64(map(v, |x| x.to_bits() as i64)),
        (Storage::I64(v), DType::F64) => Storage::F64(map(v, |x| f64::from_bits(x as u64))),
        (Storage::F16(v), DType::BF16) => Storage::BF16(map(v, |x| bf16::from_bits(x.to_bits()))),
        (Storage::BF16(v), DType::F16) => Storage::F16(map(v, |x| f16::from_bits(x.to_bits()))),
        (s, d) if s.dtype() == d => s.clone(),
        (s, d) => unreachable!("abstract_eval rejects bitcast from {} to {d}", s.dtype()),
    }
}
