//! Slicing primitives: `slice`, `dynamic_slice`, `dynamic_update_slice`, `pad` and
//! `concatenate`.

use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{Array, Element, Shape, ShapeDtype};
use crate::backend::cpu::indexed::{contiguous_strides, copy_window, View};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
use smallvec::SmallVec;

/// Per-axis sizes or positions (a primitive parameter).
pub type Sizes = SmallVec<[usize; 6]>;

/// Low, high and interior padding of one axis (`lax.pad`'s padding config entry).
pub type PadConfig = (i64, i64, i64);

/// A primitive that selects, pads or joins rectangular regions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SlicingOp {
    /// `operand[start:limit:stride]` along every axis, with static bounds:
    /// `0 <= start <= limit <= dim` and `stride >= 1`.
    Slice {
        /// First element along each axis.
        start_indices: Sizes,
        /// One past the last element along each axis.
        limit_indices: Sizes,
        /// Step along each axis.
        strides: Sizes,
    },
    /// A window of static size `slice_sizes` at a run-time start. Operands: the array, then one
    /// 0-d integer start index per axis (all of one dtype). Starts are clamped so the window
    /// fits, as in XLA.
    DynamicSlice {
        /// The size of the window along each axis (at most the operand's size).
        slice_sizes: Sizes,
    },
    /// Writes `update` over the window of its shape starting at run-time indices. Operands: the
    /// array, the update (same dtype and rank, no larger), then one 0-d integer start index per
    /// axis. Starts are clamped so the update fits.
    DynamicUpdateSlice,
    /// Pads with a 0-d `padding_value` (second operand, same dtype): `lo` elements before,
    /// `hi` after and `interior` between neighbours along each axis. Negative `lo`/`hi` crop.
    Pad {
        /// `(lo, hi, interior)` for each axis; `interior >= 0`.
        padding_config: SmallVec<[PadConfig; 6]>,
    },
    /// Joins operands of one dtype and rank along `dimension`; other axes must match.
    Concatenate {
        /// The axis to join along.
        dimension: usize,
    },
}

fn check_start_indices(op: &str, args: &[&ShapeDtype], first: usize, ndim: usize) {
    let idx = &args[first..];
    if idx.len() != ndim {
        panic!(
            "{op}: expected one start index per operand axis ({ndim}), got {} index operand(s); \
             operands {}",
            idx.len(),
            describe(args)
        );
    }
    if let Some(bad) = idx.iter().find(|a| a.ndim() != 0 || !a.dtype.is_integer()) {
        panic!(
            "{op}: start indices must be 0-d integers, got {bad}; operands {}",
            describe(args)
        );
    }
    if idx.iter().any(|a| a.dtype != idx[0].dtype) {
        panic!(
            "{op}: start indices must all have the same integer dtype; operands {}",
            describe(args)
        );
    }
}

/// Reads 0-d integer arrays as `i64` start positions and clamps each into `[0, dim - size]`.
fn clamped_starts(idx: &[&Array], dims: &[usize], sizes: &[usize]) -> Vec<usize> {
    idx.iter()
        .zip(dims.iter().zip(sizes))
        .map(|(a, (&d, &s))| a.item::<i64>().clamp(0, (d - s) as i64) as usize)
        .collect()
}

impl PrimitiveRule for SlicingOp {
    fn name(&self) -> &'static str {
        match self {
            SlicingOp::Slice { .. } => "slice",
            SlicingOp::DynamicSlice { .. } => "dynamic_slice",
            SlicingOp::DynamicUpdateSlice => "dynamic_update_slice",
            SlicingOp::Pad { .. } => "pad",
            SlicingOp::Concatenate { .. } => "concatenate",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        let name = self.name();
        if args.is_empty() {
            panic!("{name}: expected at least one operand, got none");
        }
        let x = args[0];
        let nd = x.ndim();
        let (shape, weak): (Shape, bool) = match self {
            SlicingOp::Slice {
                start_indices,
                limit_indices,
                strides,
            } => {
                expect_arity(name, args, 1);
                let ok = start_indices.len() == nd
                    && limit_indices.len() == nd
                    && strides.len() == nd
                    && (0..nd).all(|i| {
                        start_indices[i] <= limit_indices[i]
                            && limit_indices[i] <= x.shape[i]
                            && strides[i] >= 1
                    });
                if !ok {
                    panic!(
                        "slice: invalid bounds start_indices={start_indices:?}, \
                         limit_indices={limit_indices:?}, strides={strides:?} for operand {}; \
                         expected one entry per axis with 0 <= start <= limit <= dim and stride >= 1",
                        describe(args)
                    );
                }
                let dims = (0..nd)
                    .map(|i| (limit_indices[i] - start_indices[i]).div_ceil(strides[i]))
                    .collect();
                (Shape(dims), x.weak_type)
            }
            SlicingOp::DynamicSlice { slice_sizes } => {
                check_start_indices(name, args, 1, nd);
                if slice_sizes.len() != nd
                    || slice_sizes.iter().zip(x.shape.iter()).any(|(s, d)| s > d)
                {
                    panic!(
                        "dynamic_slice: slice_sizes {slice_sizes:?} must have one entry per axis, \
                         each at most the operand's size; operand {x}"
                    );
                }
                (Shape(slice_sizes.clone()), x.weak_type)
            }
            SlicingOp::DynamicUpdateSlice => {
                if args.len() < 2 {
                    panic!(
                        "dynamic_update_slice: expected an operand, an update and start indices, \
                         got {}",
                        describe(args)
                    );
                }
                let u = args[1];
                if u.dtype != x.dtype
                    || u.ndim() != nd
                    || u.shape.iter().zip(x.shape.iter()).any(|(a, b)| a > b)
                {
                    panic!(
                        "dynamic_update_slice: the update must have the operand's dtype and rank \
                         and be no larger along any axis; got operand {x} and update {u}"
                    );
                }
                check_start_indices(name, args, 2, nd);
                (x.shape.clone(), x.weak_type)
            }
            SlicingOp::Pad { padding_config } => {
                expect_arity(name, args, 2);
                let v = args[1];
                if v.ndim() != 0 || v.dtype != x.dtype {
                    panic!(
                        "pad: the padding value must be 0-d with the operand's dtype; got {}",
                        describe(args)
                    );
                }
                if padding_config.len() != nd || padding_config.iter().any(|c| c.2 < 0) {
                    panic!(
                        "pad: padding_config {padding_config:?} must have one (lo, hi, interior) \
                         entry per axis with interior >= 0; operand {x}"
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
            SlicingOp::Concatenate { dimension } => {
                let d = *dimension;
                let ok = d < nd
                    && args.iter().all(|a| {
                        a.dtype == x.dtype
                            && a.ndim() == nd
                            && (0..nd).all(|i| i == d || a.shape[i] == x.shape[i])
                    });
                if !ok {
                    panic!(
                        "concatenate: operands must share dtype, rank and every size except \
                         along dimension {d} (which must be < rank); got {}",
                        describe(args)
                    );
                }
                let mut shape = x.shape.clone();
                shape[d] = args.iter().map(|a| a.shape[d]).sum();
                (shape, args.iter().all(|a| a.weak_type))
            }
        };
        vec![ShapeDtype {
            shape,
            dtype: x.dtype,
            weak_type: weak,
        }]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let out_aval = &out[0];
        let storage = match self {
            SlicingOp::Slice {
                start_indices,
                strides,
                ..
            } => strided_window(x, start_indices, strides, &out_aval.shape),
            SlicingOp::DynamicSlice { slice_sizes } => {
                let starts = clamped_starts(&args[1..], x.shape(), slice_sizes);
                let ones: Sizes = SmallVec::from_elem(1, x.ndim());
                strided_window(x, &starts, &ones, &out_aval.shape)
            }
            SlicingOp::DynamicUpdateSlice => {
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
            SlicingOp::Pad { padding_config } => pad(x, args[1], padding_config, &out_aval.shape),
            SlicingOp::Concatenate { dimension } => {
                let d = *dimension;
                let outer: usize = out_aval.shape[..d].iter().product();
                let inner: usize = out_aval.shape[d + 1..].iter().product();
                crate::with_dtype!(x.dtype(), T => {
                    let parts: Vec<&[T]> = args.iter().map(|a| a.as_slice::<T>()).collect();
                    let mut v = Vec::with_capacity(out_aval.size());
                    for o in 0..outer {
                        for (p, a) in parts.iter().zip(args) {
                            let block = a.shape()[d] * inner;
                            v.extend_from_slice(&p[o * block..(o + 1) * block]);
                        }
                    }
                    T::into_storage(v)
                })
            }
        };
        vec![Array::from_storage(storage, out_aval.shape.clone()).with_weak_type(out_aval.weak_type)]
    }
}

/// Copies the strided window starting at `starts` with steps `steps` and shape `shape`.
fn strided_window(
    x: &Array,
    starts: &[usize],
    steps: &[usize],
    shape: &Shape,
) -> crate::array::Storage {
    let s = row_major_strides(x.shape());
    let offset: isize = starts.iter().zip(&s).map(|(&a, &st)| a as isize * st).sum();
    let strides: Vec<isize> = steps
        .iter()
        .zip(&s)
        .map(|(&k, &st)| k as isize * st)
        .collect();
    crate::with_storage!(x.storage(), v => {
        <_ as Element>::into_storage(strided_copy(v, shape, &strides, offset))
    })
}

/// `lax.pad`: fill with the padding value, then copy the operand elements that land inside the
/// output (negative padding crops) to their strided positions.
fn pad(x: &Array, value: &Array, config: &[PadConfig], out_shape: &Shape) -> crate::array::Storage {
    let nd = x.ndim();
    let xs = contiguous_strides(x.shape());
    let os = contiguous_strides(out_shape);
    let mut src_off = 0usize;
    let mut dst_off = 0usize;
    let mut count = vec![0usize; nd];
    let mut src_strides = vec![0usize; nd];
    let mut dst_strides = vec![0usize; nd];
    for a in 0..nd {
        let (lo, step) = (config[a].0, config[a].2 + 1);
        let (d, o) = (x.shape()[a] as i64, out_shape[a] as i64);
        // Operand positions i land at lo + i * step; keep those within [0, o).
        let first = if lo >= 0 { 0 } else { (-lo + step - 1) / step };
        let last = if o - lo <= 0 {
            -1
        } else {
            ((o - 1 - lo) / step).min(d - 1)
        };
        count[a] = (last - first + 1).max(0) as usize;
        src_off += first.max(0) as usize * xs[a];
        if count[a] > 0 {
            dst_off += (lo + first * step) as usize * os[a];
        }
        src_strides[a] = xs[a];
        dst_strides[a] = step as usize * os[a];
    }
    crate::with_dtype!(x.dtype(), T => {
        let mut v = vec![value.item::<T>(); out_shape.size()];
        copy_window(&mut v, View { offset: dst_off, strides: &dst_strides }, x.as_slice::<T>(),
            View { offset: src_off, strides: &src_strides }, &count);
        T::into_storage(v)
    })
}
