//! Slicing primitives: `slice`, `dynamic_slice`, `dynamic_update_slice`, `pad` and
//! `concatenate`.

use super::gather_scatter::{
    GatherDimensionNumbers, GatherScatterMode, GatherScatterOp, ScatterDimensionNumbers,
    ScatterKind,
};
use super::layout::{Axes, LayoutOp};
use super::rules::py_tuple;
use super::select::SelectOp;
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, Shape, ShapeDtype};
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
                let (starts, limits) = (py_tuple(start_indices), py_tuple(limit_indices));
                let shape = &x.shape;
                // JAX's `_slice_shape_rule`, sentence by sentence.
                let problem = if start_indices.len() != nd {
                    Some(format!(
                        "slice start_indices must have length equal to the number of dimensions \
                         of the operand, got indices {starts} for operand shape {shape}"
                    ))
                } else if limit_indices.len() != nd {
                    Some(format!(
                        "slice limit_indices must have the same length as start_indices, got \
                         start_indices {starts} and limit_indices {limits}"
                    ))
                } else if strides.len() != nd {
                    Some(format!(
                        "slice strides must have length equal to the number of dimensions of \
                         the operand, got strides {} for operand shape {shape}",
                        py_tuple(strides)
                    ))
                } else if (0..nd).any(|i| limit_indices[i] > x.shape[i]) {
                    Some(format!(
                        "slice limit_indices must be less than or equal to operand shape, got \
                         limit_indices {limits} for operand shape {shape}"
                    ))
                } else if (0..nd).any(|i| limit_indices[i] < start_indices[i]) {
                    Some(format!(
                        "slice limit_indices must be greater than or equal to start_indices, got \
                         start_indices {starts} and limit_indices {limits}"
                    ))
                } else if strides.iter().any(|&st| st < 1) {
                    Some(format!(
                        "slice strides must be positive, got {}",
                        py_tuple(strides)
                    ))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    panic!(
                        "slice: invalid bounds: {problem}; operand {}",
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
                if slice_sizes.len() != nd {
                    panic!(
                        "dynamic_slice: slice_sizes must have the same length as the operand's \
                         rank, got slice_sizes {} for operand shape {}",
                        py_tuple(slice_sizes),
                        x.shape
                    );
                }
                if slice_sizes.iter().zip(x.shape.iter()).any(|(s, d)| s > d) {
                    panic!(
                        "dynamic_slice: slice slice_sizes must be less than or equal to operand \
                         shape, got slice_sizes {} for operand shape {}; operand {x}",
                        py_tuple(slice_sizes),
                        x.shape
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
                let config = py_tuple(
                    &padding_config
                        .iter()
                        .map(|&(lo, hi, int)| format!("({lo}, {hi}, {int})"))
                        .collect::<Vec<_>>(),
                );
                if padding_config.len() != nd {
                    panic!(
                        "pad: length of padding_config must equal the number of axes of operand, \
                         got padding_config {config} for operand shape {}; operand {x}",
                        x.shape
                    );
                }
                if padding_config.iter().any(|c| c.2 < 0) {
                    panic!(
                        "pad: interior padding in padding_config must be nonnegative, got \
                         padding_config {config}; operand {x}"
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
                let shapes = || {
                    args.iter()
                        .map(|a| a.shape.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                // JAX's `_concatenate_shape_rule`, sentence by sentence.
                let problem = if args.iter().any(|a| a.ndim() != nd) {
                    Some(format!(
                        "Cannot concatenate arrays with different numbers of dimensions: got {}",
                        shapes()
                    ))
                } else if d >= nd {
                    Some(format!(
                        "concatenate dimension out of bounds: dimension {d} for shapes {}",
                        shapes()
                    ))
                } else if args
                    .iter()
                    .any(|a| (0..nd).any(|i| i != d && a.shape[i] != x.shape[i]))
                {
                    Some(format!(
                        "Cannot concatenate arrays with shapes that differ in dimensions other \
                         than the one being concatenated: concatenating along dimension {d} for \
                         shapes {}",
                        shapes()
                    ))
                } else if args.iter().any(|a| a.dtype != x.dtype) {
                    let dtypes: Vec<&str> = args.iter().map(|a| a.dtype.name()).collect();
                    Some(format!(
                        "Cannot concatenate arrays with different dtypes: got {}",
                        dtypes.join(", ")
                    ))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    panic!(
                        "concatenate: operands must share dtype, rank and every size except \
                         along dimension {d}: {problem}; operands {}",
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

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        if !primals[0].dtype().is_inexact() {
            return rules::zero_jvp(self.clone(), primals);
        }
        match self {
            SlicingOp::Slice { .. } | SlicingOp::Pad { .. } | SlicingOp::Concatenate { .. } => {
                rules::linear_jvp(self.clone(), primals, tangents)
            }
            SlicingOp::DynamicSlice { .. } => {
                // Linear in the operand; the start indices are integers (no tangent).
                let Some(t) = tangents[0] else {
                    return rules::zero_jvp(self.clone(), primals);
                };
                let out = bind1(self.clone(), primals);
                let mut args: Vec<&Array> = vec![t];
                args.extend_from_slice(&primals[1..]);
                (vec![out], vec![Some(bind1(self.clone(), &args))])
            }
            SlicingOp::DynamicUpdateSlice => {
                if tangents[0].is_none() && tangents[1].is_none() {
                    return rules::zero_jvp(self.clone(), primals);
                }
                let out = bind1(self.clone(), primals);
                let tx = rules::instantiate(tangents[0], primals[0].aval());
                let tu = rules::instantiate(tangents[1], primals[1].aval());
                let mut args: Vec<&Array> = vec![&tx, &tu];
                args.extend_from_slice(&primals[2..]);
                (vec![out], vec![Some(bind1(self.clone(), &args))])
            }
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("a transpose rule gets a cotangent");
        let known = |from: usize| -> Vec<&Array> {
            args[from..].iter().map(|a| a.known(self.name())).collect()
        };
        let mut out: Vec<Option<Array>> = vec![None; args.len()];
        match self {
            SlicingOp::Slice {
                start_indices,
                strides,
                ..
            } => {
                // Pad the cotangent back with zeros: `start` before, the stride gaps between,
                // and whatever the last selected element leaves after.
                let operand = args[0].aval();
                let config = (0..operand.ndim())
                    .map(|i| {
                        let (start, stride, d) = (start_indices[i], strides[i], ct.shape()[i]);
                        let end = if d == 0 {
                            start
                        } else {
                            start + (d - 1) * stride + 1
                        };
                        (
                            start as i64,
                            (operand.shape[i] - end) as i64,
                            stride as i64 - 1,
                        )
                    })
                    .collect();
                out[0] = Some(bind1(
                    SlicingOp::Pad {
                        padding_config: config,
                    },
                    &[ct, &scalar_zero(ct)],
                ));
            }
            SlicingOp::DynamicSlice { .. } => {
                let zeros = rules::zeros(args[0].aval());
                let mut dus_args = vec![&zeros, ct];
                dus_args.extend(known(1));
                out[0] = Some(bind1(SlicingOp::DynamicUpdateSlice, &dus_args));
            }
            SlicingOp::DynamicUpdateSlice => {
                let idx = known(2);
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
            }
            SlicingOp::Pad { padding_config } => {
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
                    out[1] = Some(bind1(super::binary::BinaryOp::Sub, &[&total, &inner]));
                }
                if args[0].is_linear() {
                    out[0] = Some(t_operand);
                }
            }
            SlicingOp::Concatenate { dimension } => {
                let mut offset = 0;
                for (i, a) in args.iter().enumerate() {
                    let size = a.aval().shape[*dimension];
                    if a.is_linear() {
                        out[i] = Some(slice_in_dim(ct, offset, offset + size, 1, *dimension));
                    }
                    offset += size;
                }
            }
        }
        out
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let (out, out_dim) = match self {
            SlicingOp::Slice {
                start_indices,
                limit_indices,
                strides,
            } => {
                let b = dims[0].expect("the only operand is batched");
                let (mut s, mut l, mut st) = (
                    start_indices.clone(),
                    limit_indices.clone(),
                    strides.clone(),
                );
                s.insert(b, 0);
                l.insert(b, axis_size);
                st.insert(b, 1);
                let op = SlicingOp::Slice {
                    start_indices: s,
                    limit_indices: l,
                    strides: st,
                };
                (bind1(op, args), b)
            }
            SlicingOp::DynamicSlice { slice_sizes } => {
                dynamic_slice_batch(slice_sizes, args, dims, axis_size)
            }
            SlicingOp::DynamicUpdateSlice => dynamic_update_slice_batch(args, dims, axis_size),
            SlicingOp::Pad { padding_config } => {
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
            SlicingOp::Concatenate { dimension } => {
                let shared = dims[0].filter(|_| dims.iter().all(|d| *d == dims[0]));
                if let Some(b) = shared {
                    let d = if *dimension >= b {
                        dimension + 1
                    } else {
                        *dimension
                    };
                    (bind1(SlicingOp::Concatenate { dimension: d }, args), b)
                } else {
                    let moved: Vec<Array> = args
                        .iter()
                        .zip(dims)
                        .map(|(a, d)| rules::bdim_to_front(a, *d, axis_size))
                        .collect();
                    let refs: Vec<&Array> = moved.iter().collect();
                    let op = SlicingOp::Concatenate {
                        dimension: dimension + 1,
                    };
                    (bind1(op, &refs), 0)
                }
            }
        };
        (vec![out], vec![Some(out_dim)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            SlicingOp::Slice {
                start_indices,
                limit_indices,
                strides,
            } => vec![
                ("limit_indices", py_tuple(limit_indices)),
                ("start_indices", py_tuple(start_indices)),
                (
                    "strides",
                    if strides.iter().all(|&s| s == 1) {
                        "None".into()
                    } else {
                        py_tuple(strides)
                    },
                ),
            ],
            SlicingOp::DynamicSlice { slice_sizes } => {
                vec![("slice_sizes", py_tuple(slice_sizes))]
            }
            SlicingOp::DynamicUpdateSlice => Vec::new(),
            SlicingOp::Pad { padding_config } => {
                let entries: Vec<String> = padding_config
                    .iter()
                    .map(|&(lo, hi, int)| format!("({lo}, {hi}, {int})"))
                    .collect();
                vec![("padding_config", py_tuple(&entries))]
            }
            SlicingOp::Concatenate { dimension } => vec![("dimension", dimension.to_string())],
        }
    }
}

/// A 0-d zero of `like`'s dtype.
fn scalar_zero(like: &Array) -> Array {
    rules::zeros(&ShapeDtype::new(Shape::scalar(), like.dtype()))
}

/// The start indices of a batched dynamic slice as one `[axis_size, n]` index array for
/// `gather`/`scatter` (JAX's `_batch_dynamic_slice_indices`): batched indices keep their
/// lanes, unbatched ones are broadcast to every lane.
fn stacked_indices(idx: &[&Array], dims: &[Option<usize>], axis_size: usize) -> Array {
    let columns: Vec<Array> = idx
        .iter()
        .zip(dims)
        .map(|(i, d)| {
            let broadcast_dimensions = if d.is_some() {
                Axes::from_slice(&[0])
            } else {
                Axes::new()
            };
            bind1(
                LayoutOp::BroadcastInDim {
                    shape: Shape::new(&[axis_size, 1]),
                    broadcast_dimensions,
                },
                &[i],
            )
        })
        .collect();
    let refs: Vec<&Array> = columns.iter().collect();
    bind1(SlicingOp::Concatenate { dimension: 1 }, &refs)
}

/// A 0-d zero start index of the dtype the other start indices have.
fn zero_index(idx: &[&Array]) -> Array {
    let dtype = idx.first().map_or(crate::array::DType::I32, |i| i.dtype());
    rules::zeros(&ShapeDtype::new(Shape::scalar(), dtype))
}

/// vmap of `dynamic_slice`. With unbatched starts, the batch axis is sliced whole. With
/// batched starts each lane has its own window: a `gather` (JAX's
/// `_dynamic_slice_batching_rule`), whose `Clip` mode clamps as `dynamic_slice` does.
fn dynamic_slice_batch(
    slice_sizes: &Sizes,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Array, usize) {
    let (x, idx) = (args[0], &args[1..]);
    let nd = idx.len();
    if dims[1..].iter().all(Option::is_none) {
        let b = dims[0].expect("the operand is batched when no index is");
        let zero = zero_index(idx);
        let mut new_args: Vec<&Array> = vec![x];
        new_args.extend_from_slice(&idx[..b]);
        new_args.push(&zero);
        new_args.extend_from_slice(&idx[b..]);
        let mut sizes = slice_sizes.clone();
        sizes.insert(b, axis_size);
        let op = SlicingOp::DynamicSlice { slice_sizes: sizes };
        return (bind1(op, &new_args), b);
    }
    let indices = stacked_indices(idx, &dims[1..], axis_size);
    let window: Axes = (1..=nd).collect();
    let (operand, dimension_numbers, sizes) = match dims[0] {
        None => (
            x.clone(),
            GatherDimensionNumbers {
                offset_dims: window,
                start_index_map: (0..nd).collect(),
                ..Default::default()
            },
            slice_sizes.clone(),
        ),
        Some(b) => {
            let mut sizes = slice_sizes.clone();
            sizes.insert(0, 1);
            (
                rules::move_axis(x, b, 0),
                GatherDimensionNumbers {
                    offset_dims: window.clone(),
                    start_index_map: window,
                    operand_batching_dims: Axes::from_slice(&[0]),
                    start_indices_batching_dims: Axes::from_slice(&[0]),
                    ..Default::default()
                },
                sizes,
            )
        }
    };
    let op = GatherScatterOp::Gather {
        dimension_numbers,
        slice_sizes: sizes,
        mode: GatherScatterMode::Clip,
        fill_value: None,
    };
    (bind1(op, &[&operand, &indices]), 0)
}

/// vmap of `dynamic_update_slice`. With unbatched starts, operand and update share a batch
/// axis that is written whole. With batched starts each lane writes its own window: a
/// `scatter` (JAX's `_dynamic_update_slice_batching_rule`) in `Clip` mode.
fn dynamic_update_slice_batch(
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Array, usize) {
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

/// `v[start:limit:stride]` along `axis` (a `slice` equation).
pub(crate) fn slice_in_dim(
    v: &Array,
    start: usize,
    limit: usize,
    stride: usize,
    axis: usize,
) -> Array {
    let nd = v.ndim();
    let mut start_indices: Sizes = SmallVec::from_elem(0, nd);
    let mut limit_indices: Sizes = SmallVec::from_slice(v.shape());
    let mut strides: Sizes = SmallVec::from_elem(1, nd);
    start_indices[axis] = start;
    limit_indices[axis] = limit;
    strides[axis] = stride;
    bind1(
        SlicingOp::Slice {
            start_indices,
            limit_indices,
            strides,
        },
        &[v],
    )
}

/// `v` padded with the 0-d `fill` by `config` = `(lo, hi, interior)` along `axis` only.
pub(crate) fn pad_in_dim(v: &Array, fill: &Array, config: PadConfig, axis: usize) -> Array {
    let mut padding_config: SmallVec<[PadConfig; 6]> = SmallVec::from_elem((0, 0, 0), v.ndim());
    padding_config[axis] = config;
    bind1(SlicingOp::Pad { padding_config }, &[v, fill])
}

/// Copies the strided window starting at `starts` with steps `steps` and shape `shape`.
fn strided_window(
    x: &Array,
    starts: &[usize],
    steps: &[usize],
    shape: &Shape,
) -> crate::array::Storage {
    let s = row_major_strides(x.shape());
    let empty = shape.size() == 0;
    // An empty window reads nothing, and an axis of at most one output element never takes
    // its step: both are left out, as a start or step there may be far past the operand's end
    // (a slice `::2^62`), where multiplying by the stride would overflow. Elsewhere the start
    // and `(n - 1) * step` lie inside the axis, so the products stay within the operand.
    let offset: isize = if empty {
        0
    } else {
        starts.iter().zip(&s).map(|(&a, &st)| a as isize * st).sum()
    };
    let strides: Vec<isize> = steps
        .iter()
        .zip(&s)
        .zip(shape.iter())
        .map(|((&k, &st), &n)| if empty || n <= 1 { 0 } else { k as isize * st })
        .collect();
    crate::with_storage!(x.storage(), v => {
        <_ as crate::ArrayElement>::into_storage(strided_copy(v, shape, &strides, offset))
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
