//! `pad`: low, high and interior padding with a run-time padding value (negative low/high
//! crop). Its transpose in the operand is a strided `slice`.

use super::{scalar_zero, PadConfig, SlicingOp};
use crate::array::{Array, ArrayElement, Shape, ShapeDtype, Storage};
use crate::backend::cpu::indexed::{contiguous_strides, copy_window, View};
use crate::prims::binary::BinaryOp;
use crate::prims::layout::{Axes, LayoutOp};
use crate::prims::rules::py_tuple;
use crate::prims::select::SelectOp;
use crate::prims::{bind1, describe, expect_arity, rules, LinearArg};
use smallvec::SmallVec;

/// The shape rule: `lo + hi + d + (d - 1) * interior` along each axis; weak if the operand and
/// the padding value both are.
pub(super) fn abstract_eval(
    padding_config: &SmallVec<[PadConfig; 6]>,
    args: &[&ShapeDtype],
) -> (Shape, bool) {
    let x = args[0];
    let nd = x.ndim();
    expect_arity("pad", args, 2);
    let v = args[1];
    if v.ndim() != 0 || v.dtype != x.dtype {
        panic!(
            "pad: the padding value must be 0-d with the operand's dtype; got {}",
            describe(args)
        );
    }
    // Spelled out only for a message: this rule also runs on every eager pad.
    let config = || {
        py_tuple(
            &padding_config
                .iter()
                .map(|&(lo, hi, int)| format!("({lo}, {hi}, {int})"))
                .collect::<Vec<_>>(),
        )
    };
    if padding_config.len() != nd {
        panic!(
            "pad: length of padding_config must equal the number of axes of operand, \
             got padding_config {} for operand shape {}; operand {x}",
            config(),
            x.shape
        );
    }
    if padding_config.iter().any(|c| c.2 < 0) {
        panic!(
            "pad: interior padding in padding_config must be nonnegative, got \
             padding_config {}; operand {x}",
            config()
        );
    }
    let dims: Vec<i64> = padding_config
        .iter()
        .zip(x.shape.iter())
        .map(|(&(lo, hi, int), &d)| {
            let d = d as i64;
            lo + hi + d + (d - 1).max(0) * int
        })
        .collect();
    if dims.iter().any(|&d| d < 0) {
        panic!(
            "pad: padding_config {padding_config:?} gives negative sizes {dims:?} for \
             operand {x}"
        );
    }
    (
        Shape(dims.iter().map(|&d| d as usize).collect()),
        x.weak_type && v.weak_type,
    )
}

/// The transpose: the operand's cotangent is the unpadded, destrided `ct`; the padding value's
/// is the sum of the rest.
pub(super) fn transpose(
    padding_config: &SmallVec<[PadConfig; 6]>,
    ct: &Array,
    args: &[LinearArg],
) -> Vec<Option<Array>> {
    let mut out: Vec<Option<Array>> = vec![None; args.len()];
    // Undo lo/hi (padding where they were negative), then take every
    // (interior + 1)-th element; the padding value received everything else.
    let zero = scalar_zero(ct);
    let unpad: SmallVec<[PadConfig; 6]> = padding_config
        .iter()
        .map(|&(lo, hi, _)| (-lo, -hi, 0))
        .collect();
    let unpadded = if unpad.iter().all(|&c| c == (0, 0, 0)) {
        ct.clone()
    } else {
        bind1(
            SlicingOp::Pad {
                padding_config: unpad,
            },
            &[ct, &zero],
        )
    };
    let nd = ct.ndim();
    let t_operand = bind1(
        SlicingOp::Slice {
            start_indices: SmallVec::from_elem(0, nd),
            limit_indices: SmallVec::from_slice(unpadded.shape()),
            strides: padding_config.iter().map(|c| c.2 as usize + 1).collect(),
        },
        &[&unpadded],
    );
    if args[1].is_linear() {
        let all: Axes = (0..nd).collect();
        let total = rules::reduce_sum(ct, all.clone());
        let inner = rules::reduce_sum(&t_operand, all);
        out[1] = Some(bind1(BinaryOp::Sub, &[&total, &inner]));
    }
    if args[0].is_linear() {
        out[0] = Some(t_operand);
    }
    out
}

/// vmap: the batch axis gets no padding; a batched padding value is selected in lane by lane.
pub(super) fn batch(
    padding_config: &SmallVec<[PadConfig; 6]>,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Array, usize) {
    let (x, bx) = match dims[0] {
        Some(b) => (args[0].clone(), b),
        None => (rules::bdim_to_front(args[0], None, axis_size), 0),
    };
    let mut config = padding_config.clone();
    config.insert(bx, (0, 0, 0));
    let op = SlicingOp::Pad {
        padding_config: config,
    };
    match dims[1] {
        None => (bind1(op, &[&x, args[1]]), bx),
        Some(_) => {
            // One padding value per lane: pad with zeros, then select the lane's
            // value wherever the padding landed.
            let padded = bind1(op.clone(), &[&x, &scalar_zero(&x)]);
            let ones = bind1(
                LayoutOp::BroadcastInDim {
                    shape: x.shape_obj().clone(),
                    broadcast_dimensions: Axes::new(),
                },
                &[&Array::scalar(true)],
            );
            let mask = bind1(op, &[&ones, &Array::scalar(false)]);
            let values = bind1(
                LayoutOp::BroadcastInDim {
                    shape: padded.shape_obj().clone(),
                    broadcast_dimensions: Axes::from_slice(&[bx]),
                },
                &[args[1]],
            );
            (bind1(SelectOp::SelectN, &[&mask, &values, &padded]), bx)
        }
    }
}

/// `v` padded with the 0-d `fill` by `config` = `(lo, hi, interior)` along `axis` only.
pub(crate) fn pad_in_dim(v: &Array, fill: &Array, config: PadConfig, axis: usize) -> Array {
    let mut padding_config: SmallVec<[PadConfig; 6]> = SmallVec::from_elem((0, 0, 0), v.ndim());
    padding_config[axis] = config;
    bind1(SlicingOp::Pad { padding_config }, &[v, fill])
}

/// `lax.pad`: fill with the padding value, then copy the operand elements that land inside the
/// output (negative padding crops) to their strided positions.
pub(super) fn eval(x: &Array, value: &Array, config: &[PadConfig], out_shape: &Shape) -> Storage {
    let window = PadWindow::new(x.shape(), config, out_shape);
    crate::with_dtype!(x.dtype(), T => {
        let mut v = vec![value.item::<T>(); out_shape.size()];
        window.copy(&mut v, x.as_slice::<T>());
        T::into_storage(v)
    })
}

/// Where a pad's operand elements land in its output: the window of operand elements that
/// stay (negative padding crops), as strided views of the operand and of the output. The
/// compiled `pad` kernel holds one, computed once.
#[derive(Clone, Debug)]
pub(crate) struct PadWindow {
    src_offset: usize,
    src_strides: Vec<usize>,
    dst_offset: usize,
    dst_strides: Vec<usize>,
    /// The operand elements kept along each axis.
    count: Vec<usize>,
}

impl PadWindow {
    /// The window of an operand of shape `x` padded by `config` into `out_shape`.
    pub(crate) fn new(x: &[usize], config: &[PadConfig], out_shape: &[usize]) -> PadWindow {
        let nd = x.len();
        let xs = contiguous_strides(x);
        let os = contiguous_strides(out_shape);
        let mut w = PadWindow {
            src_offset: 0,
            src_strides: xs.clone(),
            dst_offset: 0,
            dst_strides: vec![0; nd],
            count: vec![0; nd],
        };
        for a in 0..nd {
            let (lo, step) = (config[a].0, config[a].2 + 1);
            let (d, o) = (x[a] as i64, out_shape[a] as i64);
            // Operand positions i land at lo + i * step; keep those within [0, o).
            let first = if lo >= 0 { 0 } else { (-lo + step - 1) / step };
            let last = if o - lo <= 0 {
                -1
            } else {
                ((o - 1 - lo) / step).min(d - 1)
            };
            w.count[a] = (last - first + 1).max(0) as usize;
            w.src_offset += first.max(0) as usize * xs[a];
            if w.count[a] > 0 {
                w.dst_offset += (lo + first * step) as usize * os[a];
            }
            w.dst_strides[a] = step as usize * os[a];
        }
        w
    }

    /// Copies the operand's kept elements from `src` into the output `dst` (already filled
    /// with the padding value).
    pub(crate) fn copy<T: Copy>(&self, dst: &mut [T], src: &[T]) {
        copy_window(
            dst,
            View {
                offset: self.dst_offset,
                strides: &self.dst_strides,
            },
            src,
            View {
                offset: self.src_offset,
                strides: &self.src_strides,
            },
            &self.count,
        );
    }
}
