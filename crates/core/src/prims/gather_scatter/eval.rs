//! The CPU kernels of `gather` and the `scatter` family: the index plan, the fill value and
//! the combiner for each dtype.

use super::{complement, FillValue, GatherScatterMode, GatherScatterOp, ScatterKind};
use crate::array::{Array, ArrayElement, DType, FloatElement, IntElement, ShapeDtype, Storage};
use crate::backend::cpu::indexed::{self, OutOfBounds, WindowPlan};
use crate::prims::binary::{nan_max, nan_min};
use crate::prims::complex_unsupported;

/// Resolves the default fill value of a dtype.
pub(super) fn fill_for(dtype: DType, fill: Option<FillValue>) -> f64 {
    match fill {
        Some(f) => f.get(),
        None => match dtype {
            DType::Bool => 1.0,
            DType::U8 => u8::MAX as f64,
            DType::U16 => u16::MAX as f64,
            DType::U32 => u32::MAX as f64,
            // Rounds up to 2^64, which the conversion to uint64 saturates back to u64::MAX.
            DType::U64 => u64::MAX as f64,
            DType::I8 => i8::MIN as f64,
            DType::I16 => i16::MIN as f64,
            DType::I32 => i32::MIN as f64,
            DType::I64 => i64::MIN as f64,
            _ => f64::NAN,
        },
    }
}

fn indices_as_i64(a: &Array) -> Vec<i64> {
    crate::with_int_dtype!(a.dtype(), T => a.as_slice::<T>().iter().map(|&i| i.to_i64()).collect(),
        _ => unreachable!("abstract_eval accepts only integer indices"))
}

/// [`crate::prims::PrimitiveRule::eval`] of `prim`: lays out the windows as a
/// [`WindowPlan`] and runs the gather or scatter loop.
pub(super) fn eval(prim: &GatherScatterOp, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
    let (x, idx) = (args[0], args[1]);
    let indices = indices_as_i64(idx);
    let batch_shape = idx.shape()[..idx.ndim() - 1].to_vec();
    let index_len = idx.shape()[idx.ndim() - 1];
    let storage = match prim {
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes,
            mode,
            fill_value,
        } => {
            let out_shape = out[0].shape.to_vec();
            let plan = WindowPlan {
                operand_shape: x.shape().to_vec(),
                batch_shape,
                index_len,
                index_map: dn.start_index_map.to_vec(),
                batching: pairs(&dn.operand_batching_dims, &dn.start_indices_batching_dims),
                window_sizes: slice_sizes.to_vec(),
                window_operand_axes: complement(
                    x.ndim(),
                    &dn.collapsed_slice_dims,
                    &dn.operand_batching_dims,
                ),
                window_axes: dn.offset_dims.to_vec(),
                batch_axes: complement(out_shape.len(), &dn.offset_dims, &[]),
                other_shape: out_shape,
            };
            let oob = match mode {
                GatherScatterMode::FillOrDrop => OutOfBounds::Skip,
                _ => OutOfBounds::Clamp,
            };
            let fill = fill_for(x.dtype(), *fill_value);
            crate::with_dtype!(x.dtype(), T => T::into_storage(
                indexed::gather(x.as_slice::<T>(), &indices, &plan, oob, T::from_f64(fill))))
        }
        GatherScatterOp::Scatter {
            kind,
            dimension_numbers: dn,
            mode,
        } => {
            let upd = args[2];
            let window_operand_axes = complement(
                x.ndim(),
                &dn.inserted_window_dims,
                &dn.operand_batching_dims,
            );
            let mut window_sizes = vec![1; x.ndim()];
            for (&a, &u) in window_operand_axes.iter().zip(&dn.update_window_dims) {
                window_sizes[a] = upd.shape()[u];
            }
            let plan = WindowPlan {
                operand_shape: x.shape().to_vec(),
                batch_shape,
                index_len,
                index_map: dn.scatter_dims_to_operand_dims.to_vec(),
                batching: pairs(&dn.operand_batching_dims, &dn.scatter_indices_batching_dims),
                window_sizes,
                window_operand_axes,
                window_axes: dn.update_window_dims.to_vec(),
                batch_axes: complement(upd.ndim(), &dn.update_window_dims, &[]),
                other_shape: upd.shape().to_vec(),
            };
            let oob = match mode {
                GatherScatterMode::Clip => OutOfBounds::Clamp,
                _ => OutOfBounds::Skip,
            };
            scatter_storage(*kind, x, upd, &indices, &plan, oob)
        }
    };
    vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
}

fn pairs(a: &[usize], b: &[usize]) -> Vec<(usize, usize)> {
    a.iter().copied().zip(b.iter().copied()).collect()
}

/// Dispatches on the dtype once and runs the scatter loop with the matching combiner.
fn scatter_storage(
    kind: ScatterKind,
    x: &Array,
    upd: &Array,
    indices: &[i64],
    plan: &WindowPlan,
    oob: OutOfBounds,
) -> Storage {
    fn run<T: ArrayElement>(
        x: &Array,
        upd: &Array,
        indices: &[i64],
        plan: &WindowPlan,
        oob: OutOfBounds,
        f: impl Fn(T, T) -> T,
    ) -> Storage {
        T::into_storage(indexed::scatter(
            x.as_slice::<T>(),
            indices,
            upd.as_slice::<T>(),
            plan,
            oob,
            f,
        ))
    }
    fn float<T: FloatElement>(
        kind: ScatterKind,
        x: &Array,
        u: &Array,
        i: &[i64],
        p: &WindowPlan,
        o: OutOfBounds,
    ) -> Storage {
        match kind {
            ScatterKind::Set => run::<T>(x, u, i, p, o, |_, b| b),
            ScatterKind::Add => run::<T>(x, u, i, p, o, |a, b| a + b),
            ScatterKind::Mul => run::<T>(x, u, i, p, o, |a, b| a * b),
            ScatterKind::Min => run::<T>(x, u, i, p, o, nan_min),
            ScatterKind::Max => run::<T>(x, u, i, p, o, nan_max),
        }
    }
    fn int<T: IntElement>(
        kind: ScatterKind,
        x: &Array,
        u: &Array,
        i: &[i64],
        p: &WindowPlan,
        o: OutOfBounds,
    ) -> Storage {
        match kind {
            ScatterKind::Set => run::<T>(x, u, i, p, o, |_, b| b),
            ScatterKind::Add => run::<T>(x, u, i, p, o, |a, b| a.wrapping_add(&b)),
            ScatterKind::Mul => run::<T>(x, u, i, p, o, |a, b| a.wrapping_mul(&b)),
            ScatterKind::Min => run::<T>(x, u, i, p, o, |a, b| a.min(b)),
            ScatterKind::Max => run::<T>(x, u, i, p, o, |a, b| a.max(b)),
        }
    }
    if let Some(s) = crate::with_complex_dtype!(x.dtype(), T => Some(match kind {
        ScatterKind::Set => run::<T>(x, upd, indices, plan, oob, |_, b| b),
        ScatterKind::Add => run::<T>(x, upd, indices, plan, oob, |a, b| a + b),
        ScatterKind::Mul => run::<T>(x, upd, indices, plan, oob, |a, b| a * b),
        ScatterKind::Min | ScatterKind::Max => complex_unsupported("scatter", x.dtype()),
    }), _ => None)
    {
        return s;
    }
    crate::with_float_dtype!(x.dtype(), T => float::<T>(kind, x, upd, indices, plan, oob),
    _ => crate::with_int_dtype!(x.dtype(), T => int::<T>(kind, x, upd, indices, plan, oob),
        _ => match kind {
            ScatterKind::Set => run::<bool>(x, upd, indices, plan, oob, |_, b| b),
            ScatterKind::Max => run::<bool>(x, upd, indices, plan, oob, |a, b| a | b),
            ScatterKind::Min => run::<bool>(x, upd, indices, plan, oob, |a, b| a & b),
            ScatterKind::Add | ScatterKind::Mul => unreachable!("abstract_eval rejects bool"),
        }))
}
