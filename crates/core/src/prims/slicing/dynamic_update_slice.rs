//! `dynamic_update_slice`: writes an update over the window of its shape at run-time start
//! indices, clamped so the update fits. Its transpose in the update is `dynamic_slice`.

use super::{check_start_indices, clamped_starts, stacked_indices, zero_index, SlicingOp};
use crate::array::{Array, ArrayElement, Shape, ShapeDtype, Storage};
use crate::backend::cpu::indexed::{contiguous_strides, copy_window, View};
use crate::prims::gather_scatter::{
    GatherScatterMode, GatherScatterOp, ScatterDimensionNumbers, ScatterKind,
};
use crate::prims::layout::Axes;
use crate::prims::{bind1, describe, rules, LinearArg};

/// The shape rule: the operand's shape and weak type.
pub(super) fn abstract_eval(args: &[&ShapeDtype]) -> (Shape, bool) {
    let x = args[0];
    let nd = x.ndim();
    if args.len() < 2 {
        panic!(
            "dynamic_update_slice: expected an operand, an update and start indices, \
             got {}",
            describe(args)
        );
    }
    let u = args[1];
    let problem = if u.dtype != x.dtype {
        Some(format!(
            "dynamic_update_slice update dtype must match operand dtype, got update \
             dtype {} for operand dtype {}",
            u.dtype, x.dtype
        ))
    } else if u.ndim() != nd {
        Some(format!(
            "dynamic_update_slice update must have the same rank as operand, got \
             update shape {} for operand shape {}",
            u.shape, x.shape
        ))
    } else if u.shape.iter().zip(x.shape.iter()).any(|(a, b)| a > b) {
        Some(format!(
            "dynamic_update_slice update shape must be smaller than operand shape, \
             got update shape {} for operand shape {}",
            u.shape, x.shape
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        panic!(
            "dynamic_update_slice: the update must have the operand's dtype and rank \
             and be no larger along any axis: {problem}; operand {x} and update {u}"
        );
    }
    check_start_indices("dynamic_update_slice", args, 2, nd);
    (x.shape.clone(), x.weak_type)
}

/// The kernel: a copy of the operand with the update written at the clamped starts.
pub(super) fn eval(args: &[&Array]) -> Storage {
    let x = args[0];
    let u = args[1];
    let starts = clamped_starts(&args[2..], x.shape(), u.shape());
    let xs = contiguous_strides(x.shape());
    let offset: usize = starts.iter().zip(&xs).map(|(s, st)| s * st).sum();
    let us = contiguous_strides(u.shape());
    crate::with_dtype!(x.dtype(), T => {
        let mut v = x.as_slice::<T>().to_vec();
        copy_window(&mut v, View { offset, strides: &xs }, u.as_slice::<T>(),
            View { offset: 0, strides: &us }, u.shape());
        T::into_storage(v)
    })
}

/// The JVP: linear in the operand and the update together.
pub(super) fn jvp(
    prim: &SlicingOp,
    primals: &[&Array],
    tangents: &[Option<&Array>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    if tangents[0].is_none() && tangents[1].is_none() {
        return rules::zero_jvp(prim.clone(), primals);
    }
    let out = bind1(prim.clone(), primals);
    let tx = rules::instantiate(tangents[0], primals[0].aval());
    let tu = rules::instantiate(tangents[1], primals[1].aval());
    let mut args: Vec<&Array> = vec![&tx, &tu];
    args.extend_from_slice(&primals[2..]);
    (vec![out], vec![Some(bind1(prim.clone(), &args))])
}

/// The transpose: the operand's cotangent is `ct` with the window zeroed, the update's is the
/// window of `ct`.
pub(super) fn transpose(ct: &Array, args: &[LinearArg]) -> Vec<Option<Array>> {
    let mut out: Vec<Option<Array>> = vec![None; args.len()];
    let idx: Vec<&Array> = args[2..]
        .iter()
        .map(|a| a.known("dynamic_update_slice"))
        .collect();
    let update = args[1].aval();
    if args[0].is_linear() {
        let zeros = rules::zeros(update);
        let mut dus_args = vec![ct, &zeros];
        dus_args.extend(idx.iter().copied());
        out[0] = Some(bind1(SlicingOp::DynamicUpdateSlice, &dus_args));
    }
    if args[1].is_linear() {
        let mut ds_args = vec![ct];
        ds_args.extend(idx.iter().copied());
        let op = SlicingOp::DynamicSlice {
            slice_sizes: update.shape.0.clone(),
        };
        out[1] = Some(bind1(op, &ds_args));
    }
    out
}

/// vmap of `dynamic_update_slice`. With unbatched starts, operand and update share a batch
/// axis that is written whole. With batched starts each lane writes its own window: a
/// `scatter` (JAX's `_dynamic_update_slice_batching_rule`) in `Clip` mode.
pub(super) fn batch(args: &[&Array], dims: &[Option<usize>], axis_size: usize) -> (Array, usize) {
    let (x, u, idx) = (args[0], args[1], &args[2..]);
    let nd = idx.len();
    let (x, u, b) = if let Some(b) = dims[0].filter(|_| dims[0] == dims[1]) {
        (x.clone(), u.clone(), b)
    } else {
        (
            rules::bdim_to_front(x, dims[0], axis_size),
            rules::bdim_to_front(u, dims[1], axis_size),
            0,
        )
    };
    if dims[2..].iter().all(Option::is_none) {
        let zero = zero_index(idx);
        let mut new_args: Vec<&Array> = vec![&x, &u];
        new_args.extend_from_slice(&idx[..b]);
        new_args.push(&zero);
        new_args.extend_from_slice(&idx[b..]);
        return (bind1(SlicingOp::DynamicUpdateSlice, &new_args), b);
    }
    let (x, u) = (rules::move_axis(&x, b, 0), rules::move_axis(&u, b, 0));
    let indices = stacked_indices(idx, &dims[2..], axis_size);
    let window: Axes = (1..=nd).collect();
    let op = GatherScatterOp::Scatter {
        kind: ScatterKind::Set,
        dimension_numbers: ScatterDimensionNumbers {
            update_window_dims: window.clone(),
            scatter_dims_to_operand_dims: window,
            operand_batching_dims: Axes::from_slice(&[0]),
            scatter_indices_batching_dims: Axes::from_slice(&[0]),
            ..Default::default()
        },
        mode: GatherScatterMode::Clip,
    };
    (bind1(op, &[&x, &indices, &u]), 0)
}
