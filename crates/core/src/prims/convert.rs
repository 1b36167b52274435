//! Dtype conversions: `convert_element_type` and `bitcast_convert_type`.

use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{cast, Array, DType, Element, ShapeDtype, Storage};
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
