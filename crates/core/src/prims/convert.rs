//! Dtype conversions: `convert_element_type`, `bitcast_convert_type`, and `reduce_precision`
//! (a value rounded to a narrower float format, kept in its own dtype).

use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{cast, Array, ArrayElement, DType, ShapeDtype, Storage};
use crate::backend::cpu::elementwise::map;
use crate::backend::cpu::subnormals;
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

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
    /// (`f32 <-> u32 <-> i32`, `f64 <-> i64`, `f16 <-> bf16`, `float8_* <-> uint8 <-> int8`).
    BitcastConvertType {
        /// The target dtype.
        new_dtype: DType,
    },
    /// Rounds each float to the nearest value (ties to even) of a format with `exponent_bits`
    /// exponent bits and `mantissa_bits` mantissa bits, keeping the operand's dtype (XLA's
    /// `ReducePrecision`): too large becomes ±inf, below the format's smallest normal ±0, NaN
    /// stays NaN. Parameters wider than the dtype's leave that part unchanged.
    ReducePrecision {
        /// Exponent bits of the narrower format (at least 1).
        exponent_bits: i32,
        /// Mantissa bits of the narrower format (at least 0).
        mantissa_bits: i32,
    },
}

impl PrimitiveRule for ConvertOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let x = &args[0];
        let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
        Ok(vec![match *self {
            ConvertOp::ConvertElementType { new_dtype, .. } => {
                if new_dtype == x.aval.dtype {
                    x.clone()
                } else if new_dtype == DType::Bool {
                    // As JAX: `x != 0` (a plain convert to i1 would truncate integers).
                    let zero = cx.scalar(x.aval.dtype, 0.0);
                    let zero = cx.broadcast_to(&zero, &x.aval.shape);
                    let kind = if x.aval.dtype.is_inexact() {
                        "FLOAT"
                    } else if x.aval.dtype.is_signed_integer() {
                        "SIGNED"
                    } else {
                        "UNSIGNED"
                    };
                    cx.op(
                        "stablehlo.compare",
                        &[x, &zero],
                        &format!(
                            "comparison_direction = #stablehlo<comparison_direction NE>, \
                             compare_type = #stablehlo<comparison_type {kind}>"
                        ),
                        &out,
                    )
                } else if x.aval.dtype.is_complex() && !new_dtype.is_complex() {
                    // Complex to real keeps the real part, as `astype` does.
                    let re_aval = ShapeDtype::new(x.aval.shape.clone(), x.aval.dtype.real_dtype());
                    let re = cx.op("stablehlo.real", &[x], "", &re_aval);
                    if re_aval.dtype == new_dtype {
                        re
                    } else {
                        cx.op("stablehlo.convert", &[&re], "", &out)
                    }
                } else {
                    cx.op("stablehlo.convert", &[x], "", &out)
                }
            }
            ConvertOp::BitcastConvertType { .. } => {
                cx.op("stablehlo.bitcast_convert", &[x], "", &out)
            }
            ConvertOp::ReducePrecision {
                exponent_bits,
                mantissa_bits,
            } => cx.op(
                "stablehlo.reduce_precision",
                &[x],
                &format!(
                    "exponent_bits = {exponent_bits} : i32, mantissa_bits = {mantissa_bits} : i32"
                ),
                &out,
            ),
        }])
    }

    fn name(&self) -> &'static str {
        match self {
            ConvertOp::ConvertElementType { .. } => "convert_element_type",
            ConvertOp::BitcastConvertType { .. } => "bitcast_convert_type",
            ConvertOp::ReducePrecision { .. } => "reduce_precision",
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
                    || new_dtype.is_complex()
                    || args[0].dtype.is_complex()
                {
                    panic!(
                        "bitcast_convert_type: cannot reinterpret {} as {new_dtype}; both dtypes \
                         must be real, non-bool and of the same width",
                        describe(args)
                    );
                }
                vec![ShapeDtype::new(args[0].shape.clone(), new_dtype)]
            }
            ConvertOp::ReducePrecision {
                exponent_bits,
                mantissa_bits,
            } => {
                if exponent_bits < 1 {
                    panic!("reduce_precision: exponent_bits must be positive; got {exponent_bits}");
                }
                if mantissa_bits < 0 {
                    panic!(
                        "reduce_precision: mantissa_bits must be non-negative; got \
                         {mantissa_bits}"
                    );
                }
                if !args[0].dtype.is_float() {
                    panic!(
                        "reduce_precision does not accept dtype {}. Accepted dtypes are subtypes \
                         of floating.",
                        args[0].dtype
                    );
                }
                vec![args[0].clone()]
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
                    let convert = || {
                        crate::with_dtype!(x.dtype(), S => crate::with_dtype!(new_dtype, D => {
                            D::into_storage(map(x.as_slice::<S>(), cast::<S, D>))
                        }))
                    };
                    if converts_on_bits(x.dtype()) || converts_on_bits(new_dtype) {
                        // XLA converts to and from these on the bits, so their subnormals
                        // survive its flushing (`float32(1e-39).astype(bfloat16)` keeps it);
                        // `cast` goes through f64 with hardware steps flushing would zero.
                        subnormals::keeping_subnormals_over(x.size(), convert)
                    } else {
                        convert()
                    }
                }
            }
            ConvertOp::BitcastConvertType { new_dtype } => bitcast(x.storage(), new_dtype),
            ConvertOp::ReducePrecision {
                exponent_bits,
                mantissa_bits,
            } => {
                let format = Narrow {
                    exponent_bits: exponent_bits as u32,
                    mantissa_bits: mantissa_bits as u32,
                };
                reduce_precision(x.storage(), format)
            }
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    /// `convert_element_type` is linear between float dtypes (the tangent is converted the
    /// same way) and has a zero tangent when either side is not float; `bitcast_convert_type`
    /// has a zero tangent (JAX's `defjvp_zero`); `reduce_precision` is linear (JAX's
    /// `deflinear`: the tangent is rounded the same way).
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
            (ConvertOp::ReducePrecision { .. }, Some(t)) => Some(bind1(*self, &[t])),
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
            ConvertOp::ReducePrecision { .. } => {
                vec![Some(bind1(*self, &[cts[0].expect("one output")]))]
            }
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
                ("weak_type", rules::py_bool(weak_type)),
            ],
            ConvertOp::BitcastConvertType { new_dtype } => {
                vec![("new_dtype", new_dtype.name().to_string())]
            }
            ConvertOp::ReducePrecision {
                exponent_bits,
                mantissa_bits,
            } => vec![
                ("exponent_bits", exponent_bits.to_string()),
                ("mantissa_bits", mantissa_bits.to_string()),
            ],
        }
    }
}

/// Whether XLA converts to and from `dtype` with bit operations (16- and 8-bit floats), which
/// keep subnormals where its arithmetic flushes them.
fn converts_on_bits(dtype: DType) -> bool {
    matches!(dtype, DType::F16 | DType::BF16) || dtype.is_narrow_float()
}

/// The narrower float format of `reduce_precision`.
#[derive(Clone, Copy)]
struct Narrow {
    exponent_bits: u32,
    mantissa_bits: u32,
}

/// A float format's layout: total width, exponent and mantissa bits.
#[derive(Clone, Copy)]
struct Layout {
    width: u32,
    exponent_bits: u32,
    mantissa_bits: u32,
}

/// Rounds the bit pattern `x` of a float of layout `src` to `to`, as XLA's elemental emitter
/// does: add the round-to-nearest-even bias below the last kept mantissa bit and truncate
/// (a carry into the exponent is the correct rounding up), then send exponents beyond the
/// narrower format's range to ±inf and those at or below its smallest normal to ±0 (the
/// narrower format has no subnormals). NaNs are returned unchanged: rounding could otherwise
/// turn one into an infinity.
fn reduce_precision_bits(x: u64, src: Layout, to: Narrow) -> u64 {
    let exponent_mask = ((1u64 << src.exponent_bits) - 1) << src.mantissa_bits;
    let mantissa_mask = (1u64 << src.mantissa_bits) - 1;
    if x & exponent_mask == exponent_mask && x & mantissa_mask != 0 {
        return x;
    }
    let mut r = x;
    if to.mantissa_bits < src.mantissa_bits {
        let shift = src.mantissa_bits - to.mantissa_bits;
        let last_kept = 1u64 << shift;
        let bias = ((r & last_kept) >> shift) + (last_kept >> 1) - 1;
        r = (r + bias) & !(last_kept - 1);
    }
    if to.exponent_bits < src.exponent_bits {
        let sign = r & (1u64 << (src.width - 1));
        let bias = (1u64 << (src.exponent_bits - 1)) - 1;
        let reduced_bias = (1u64 << (to.exponent_bits - 1)) - 1;
        let exponent = r & exponent_mask;
        if exponent > (bias + reduced_bias) << src.mantissa_bits {
            r = sign | exponent_mask;
        } else if exponent <= (bias - reduced_bias) << src.mantissa_bits {
            r = sign;
        }
    }
    r
}

fn reduce_precision(s: &Storage, to: Narrow) -> Storage {
    use half::{bf16, f16};
    let layout = |width, exponent_bits, mantissa_bits| Layout {
        width,
        exponent_bits,
        mantissa_bits,
    };
    match s {
        Storage::F32(v) => {
            let src = layout(32, 8, 23);
            Storage::F32(map(v, |x| {
                f32::from_bits(reduce_precision_bits(x.to_bits().into(), src, to) as u32)
            }))
        }
        Storage::F64(v) => {
            let src = layout(64, 11, 52);
            Storage::F64(map(v, |x| {
                f64::from_bits(reduce_precision_bits(x.to_bits(), src, to))
            }))
        }
        Storage::F16(v) => {
            let src = layout(16, 5, 10);
            Storage::F16(map(v, |x| {
                f16::from_bits(reduce_precision_bits(x.to_bits().into(), src, to) as u16)
            }))
        }
        Storage::BF16(v) => {
            let src = layout(16, 8, 7);
            Storage::BF16(map(v, |x| {
                bf16::from_bits(reduce_precision_bits(x.to_bits().into(), src, to) as u16)
            }))
        }
        // The 8-bit floats compute in f32, as XLA upcasts them; the f32 result rounds back.
        s if s.dtype().is_narrow_float() => {
            let Storage::F32(rounded) = reduce_precision(&Storage::F32(map_to_f32(s)), to) else {
                unreachable!("reduce_precision keeps the f32 dtype")
            };
            crate::with_float_dtype!(s.dtype(), T => T::into_storage(map(
                &rounded,
                <T as crate::array::FloatElement>::from_f32,
            )), _ => unreachable!())
        }
        s => unreachable!("abstract_eval rejects reduce_precision of {}", s.dtype()),
    }
}

/// The exact `f32` values of an 8-bit float storage.
fn map_to_f32(s: &Storage) -> Vec<f32> {
    crate::with_float_dtype!(s.dtype(), T => map(
        T::slice(s).expect("the storage's own element type"),
        <T as crate::array::FloatElement>::to_f32,
    ), _ => unreachable!("map_to_f32 takes a float storage, not {}", s.dtype()))
}

fn bitcast(s: &Storage, to: DType) -> Storage {
    if s.dtype() == to {
        return s.clone();
    }
    // Every pair abstract_eval admits has one width: go through the bits, zero-extended.
    from_bits(&to_bits(s), to)
}

/// The bit pattern of each element, zero-extended to 64 bits.
fn to_bits(s: &Storage) -> Vec<u64> {
    match s {
        Storage::U8(v) => map(v, |x| x as u64),
        Storage::I8(v) => map(v, |x| x as u8 as u64),
        Storage::U16(v) => map(v, |x| x as u64),
        Storage::I16(v) => map(v, |x| x as u16 as u64),
        Storage::F16(v) => map(v, |x| x.to_bits() as u64),
        Storage::BF16(v) => map(v, |x| x.to_bits() as u64),
        Storage::U32(v) => map(v, |x| x as u64),
        Storage::I32(v) => map(v, |x| x as u32 as u64),
        Storage::F32(v) => map(v, |x| x.to_bits() as u64),
        Storage::U64(v) => v.clone(),
        Storage::I64(v) => map(v, |x| x as u64),
        Storage::F64(v) => map(v, f64::to_bits),
        Storage::F8E3M4(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E4M3(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E4M3B11Fnuz(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E4M3Fn(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E4M3Fnuz(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E5M2(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E5M2Fnuz(v) => map(v, |x| x.to_bits() as u64),
        Storage::F8E8M0Fnu(v) => map(v, |x| x.to_bits() as u64),
        Storage::F4E2M1Fn(v) => map(v, |x| x.to_bits() as u64),
        s => unreachable!("abstract_eval rejects bitcast from {}", s.dtype()),
    }
}

/// Elements of `to` from bit patterns of its width (the high bits are zero).
pub(crate) fn from_bits(b: &[u64], to: DType) -> Storage {
    use half::{bf16, f16};
    match to {
        DType::U8 => Storage::U8(map(b, |x| x as u8)),
        DType::I8 => Storage::I8(map(b, |x| x as u8 as i8)),
        DType::U16 => Storage::U16(map(b, |x| x as u16)),
        DType::I16 => Storage::I16(map(b, |x| x as u16 as i16)),
        DType::F16 => Storage::F16(map(b, |x| f16::from_bits(x as u16))),
        DType::BF16 => Storage::BF16(map(b, |x| bf16::from_bits(x as u16))),
        DType::U32 => Storage::U32(map(b, |x| x as u32)),
        DType::I32 => Storage::I32(map(b, |x| x as u32 as i32)),
        DType::F32 => Storage::F32(map(b, |x| f32::from_bits(x as u32))),
        DType::U64 => Storage::U64(b.to_vec()),
        DType::I64 => Storage::I64(map(b, |x| x as i64)),
        DType::F64 => Storage::F64(map(b, f64::from_bits)),
        DType::F8E3M4 => Storage::F8E3M4(map(b, |x| crate::Float8E3M4::from_bits(x as u8))),
        DType::F8E4M3 => Storage::F8E4M3(map(b, |x| crate::Float8E4M3::from_bits(x as u8))),
        DType::F8E4M3B11Fnuz => {
            Storage::F8E4M3B11Fnuz(map(b, |x| crate::Float8E4M3B11Fnuz::from_bits(x as u8)))
        }
        DType::F8E4M3Fn => Storage::F8E4M3Fn(map(b, |x| crate::Float8E4M3Fn::from_bits(x as u8))),
        DType::F8E4M3Fnuz => {
            Storage::F8E4M3Fnuz(map(b, |x| crate::Float8E4M3Fnuz::from_bits(x as u8)))
        }
        DType::F8E5M2 => Storage::F8E5M2(map(b, |x| crate::Float8E5M2::from_bits(x as u8))),
        DType::F8E5M2Fnuz => {
            Storage::F8E5M2Fnuz(map(b, |x| crate::Float8E5M2Fnuz::from_bits(x as u8)))
        }
        DType::F8E8M0Fnu => {
            Storage::F8E8M0Fnu(map(b, |x| crate::Float8E8M0Fnu::from_bits(x as u8)))
        }
        DType::F4E2M1Fn => {
            Storage::F4E2M1Fn(map(b, |x| crate::Float4E2M1Fn::from_bits(x as u8 & 0xf)))
        }
        d => unreachable!("abstract_eval rejects bitcast to {d}"),
    }
}
