//! Slicing primitives: `slice`, `dynamic_slice`, `dynamic_update_slice`, `pad` and
//! `concatenate`.
//!
//! One file per primitive with its shape rule, kernel, JVP, transpose and batching rules;
//! the helpers two of them share are here.

mod concatenate;
mod dynamic_slice;
mod dynamic_update_slice;
mod pad;
pub(crate) use pad::PadWindow;
mod slice;

pub(crate) use pad::pad_in_dim;
pub(crate) use slice::slice_in_dim;

use super::layout::{Axes, LayoutOp};
use super::rules::py_tuple;
use super::{bind1, describe, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, Shape, ShapeDtype};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};
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

/// Checks that `args[first..]` are one 0-d start index per operand axis, all of one integer
/// dtype.
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
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
        let ints = |v: &[usize]| i64_array(v.iter().map(|&a| a as i64));
        // Start indices clamp so the window fits, in StableHLO as here.
        Ok(vec![match self {
            SlicingOp::Slice {
                start_indices,
                limit_indices,
                strides,
            } => cx.op(
                "stablehlo.slice",
                &[&args[0]],
                &format!(
                    "start_indices = {}, limit_indices = {}, strides = {}",
                    ints(start_indices),
                    ints(limit_indices),
                    ints(strides)
                ),
                &out,
            ),
            SlicingOp::DynamicSlice { slice_sizes } => {
                let ops: Vec<&Value> = args.iter().collect();
                cx.op(
                    "stablehlo.dynamic_slice",
                    &ops,
                    &format!("slice_sizes = {}", ints(slice_sizes)),
                    &out,
                )
            }
            SlicingOp::DynamicUpdateSlice => {
                let ops: Vec<&Value> = args.iter().collect();
                cx.op("stablehlo.dynamic_update_slice", &ops, "", &out)
            }
            SlicingOp::Pad { padding_config } => {
                let part = |f: fn(&PadConfig) -> i64| i64_array(padding_config.iter().map(f));
                cx.op(
                    "stablehlo.pad",
                    &[&args[0], &args[1]],
                    &format!(
                        "edge_padding_low = {}, edge_padding_high = {}, interior_padding = {}",
                        part(|c| c.0),
                        part(|c| c.1),
                        part(|c| c.2)
                    ),
                    &out,
                )
            }
            SlicingOp::Concatenate { dimension } => {
                let ops: Vec<&Value> = args.iter().collect();
                cx.op(
                    "stablehlo.concatenate",
                    &ops,
                    &format!("dimension = {dimension} : i64"),
                    &out,
                )
            }
        }])
    }

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
        let (shape, weak): (Shape, bool) = match self {
            SlicingOp::Slice {
                start_indices,
                limit_indices,
                strides,
            } => slice::abstract_eval(start_indices, limit_indices, strides, args),
            SlicingOp::DynamicSlice { slice_sizes } => {
                dynamic_slice::abstract_eval(slice_sizes, args)
            }
            SlicingOp::DynamicUpdateSlice => dynamic_update_slice::abstract_eval(args),
            SlicingOp::Pad { padding_config } => pad::abstract_eval(padding_config, args),
            SlicingOp::Concatenate { dimension } => concatenate::abstract_eval(*dimension, args),
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
                dynamic_slice::eval(slice_sizes, args, out_aval)
            }
            SlicingOp::DynamicUpdateSlice => dynamic_update_slice::eval(args),
            SlicingOp::Pad { padding_config } => {
                pad::eval(x, args[1], padding_config, &out_aval.shape)
            }
            SlicingOp::Concatenate { dimension } => concatenate::eval(*dimension, args, out_aval),
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
            SlicingOp::DynamicSlice { .. } => dynamic_slice::jvp(self, primals, tangents),
            SlicingOp::DynamicUpdateSlice => dynamic_update_slice::jvp(self, primals, tangents),
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("a transpose rule gets a cotangent");
        match self {
            SlicingOp::Slice {
                start_indices,
                strides,
                ..
            } => slice::transpose(start_indices, strides, ct, args),
            SlicingOp::DynamicSlice { .. } => dynamic_slice::transpose(ct, args),
            SlicingOp::DynamicUpdateSlice => dynamic_update_slice::transpose(ct, args),
            SlicingOp::Pad { padding_config } => pad::transpose(padding_config, ct, args),
            SlicingOp::Concatenate { dimension } => concatenate::transpose(*dimension, ct, args),
        }
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
            } => slice::batch(start_indices, limit_indices, strides, args, dims, axis_size),
            SlicingOp::DynamicSlice { slice_sizes } => {
                dynamic_slice::batch(slice_sizes, args, dims, axis_size)
            }
            SlicingOp::DynamicUpdateSlice => dynamic_update_slice::batch(args, dims, axis_size),
            SlicingOp::Pad { padding_config } => pad::batch(padding_config, args, dims, axis_size),
            SlicingOp::Concatenate { dimension } => {
                concatenate::batch(*dimension, args, dims, axis_size)
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
