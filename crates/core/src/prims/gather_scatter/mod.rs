//! XLA's general `gather` and `scatter` (with `scatter-add`, `scatter-mul`, `scatter-min`,
//! `scatter-max`), in JAX's form: the index vector is always the last axis of the indices.
//!
//! Gather reads, for each index vector, a window of size `slice_sizes` starting at the
//! operand position the vector names; scatter is its transpose, combining a window of updates
//! into the operand. The dimension numbers say which axes are which; see
//! [`GatherDimensionNumbers`] and [`ScatterDimensionNumbers`].

use super::binary::{nan_max, nan_min, BinaryOp};
use super::layout::LayoutOp;
use super::ops::{eq, select};
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{
    Array, ArrayElement, DType, FloatElement, IntElement, Shape, ShapeDtype, Storage,
};
use crate::backend::cpu::indexed::{self, OutOfBounds, WindowPlan};
use smallvec::SmallVec;

/// A list of axes (a primitive parameter).
pub type Dims = SmallVec<[usize; 6]>;

/// How `gather` lays out its output (XLA's `GatherDimensionNumbers`, JAX's field names).
///
/// The output has one axis per non-vector axis of the indices ("batch" axes) plus one per
/// operand axis that is neither collapsed nor a batching axis ("offset" axes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GatherDimensionNumbers {
    /// Output axes holding the window (sorted); the others are batch axes in order.
    pub offset_dims: Dims,
    /// Operand axes with slice size 1 that are dropped from the output (sorted).
    pub collapsed_slice_dims: Dims,
    /// For each component of an index vector, the operand axis it gives the start of.
    pub start_index_map: Dims,
    /// Operand axes tied one-to-one to index batch axes (sorted); slice size 0 or 1.
    pub operand_batching_dims: Dims,
    /// The index axes tied to `operand_batching_dims`.
    pub start_indices_batching_dims: Dims,
}

/// How `scatter` reads its updates (XLA's `ScatterDimensionNumbers`): the transpose of
/// [`GatherDimensionNumbers`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScatterDimensionNumbers {
    /// Update axes holding the window (sorted); the others are batch axes in order.
    pub update_window_dims: Dims,
    /// Operand axes the window does not cover (size-1 windows; sorted).
    pub inserted_window_dims: Dims,
    /// For each component of an index vector, the operand axis it gives the start of.
    pub scatter_dims_to_operand_dims: Dims,
    /// Operand axes tied one-to-one to index batch axes (sorted).
    pub operand_batching_dims: Dims,
    /// The index axes tied to `operand_batching_dims`.
    pub scatter_indices_batching_dims: Dims,
}

/// What happens to windows that do not fit in the operand (JAX's `GatherScatterMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GatherScatterMode {
    /// Clamp the start so the whole window is in range.
    Clip,
    /// Gather: fill the whole window with the fill value. Scatter: drop the whole window.
    FillOrDrop,
    /// The caller promises in-range indices; as XLA does on CPU, gathers clamp and scatters
    /// drop.
    PromiseInBounds,
}

/// A gather fill value, stored as the bits of an `f64` so it can be a hashable parameter.
///
/// Converted to the operand dtype with `convert` semantics; integers beyond 2^53 are rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FillValue(u64);

impl FillValue {
    /// A fill value.
    pub fn new(v: f64) -> FillValue {
        FillValue(v.to_bits())
    }
    /// The value.
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// How `scatter` combines an update with the operand element it lands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScatterKind {
    /// Replace (`scatter`); with duplicate indices the last update wins.
    Set,
    /// Add (`scatter-add`); not for bool, as in JAX.
    Add,
    /// Multiply (`scatter-mul`); not for bool.
    Mul,
    /// Minimum (`scatter-min`), propagating NaN.
    Min,
    /// Maximum (`scatter-max`), propagating NaN.
    Max,
}

/// `gather` and the `scatter` family.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GatherScatterOp {
    /// `gather(operand, indices)`. The indices are integers whose last axis is the index
    /// vector (length `start_index_map.len()`).
    Gather {
        /// Axis roles.
        dimension_numbers: GatherDimensionNumbers,
        /// Window size along each operand axis.
        slice_sizes: Dims,
        /// Out-of-bounds behaviour.
        mode: GatherScatterMode,
        /// The value for out-of-bounds windows under [`GatherScatterMode::FillOrDrop`]; `None`
        /// uses JAX's default: NaN for floats, the minimum for signed integers, the maximum
        /// for unsigned ones and `true` for bool.
        fill_value: Option<FillValue>,
    },
    /// `scatter*(operand, indices, updates)`: combines `updates` into a copy of `operand`.
    Scatter {
        /// How updates combine with the operand.
        kind: ScatterKind,
        /// Axis roles.
        dimension_numbers: ScatterDimensionNumbers,
        /// Out-of-bounds behaviour.
        mode: GatherScatterMode,
    },
}

fn sorted_unique_in_range(op: &str, what: &str, dims: &[usize], bound: usize, args: &str) {
    if dims.windows(2).any(|w| w[0] >= w[1]) || dims.iter().any(|&d| d >= bound) {
        panic!("{op}: {what} {dims:?} must be sorted, distinct and < {bound}; operands {args}");
    }
}

fn unique_in_range(op: &str, what: &str, dims: &[usize], bound: usize, args: &str) {
    let mut s = dims.to_vec();
    s.sort_unstable();
    if s.windows(2).any(|w| w[0] == w[1]) || s.iter().any(|&d| d >= bound) {
        panic!("{op}: {what} {dims:?} must be distinct and < {bound}; operands {args}");
    }
}

fn disjoint(op: &str, a: (&str, &[usize]), b: (&str, &[usize]), args: &str) {
    if a.1.iter().any(|x| b.1.contains(x)) {
        panic!(
            "{op}: {} {:?} and {} {:?} must be disjoint; operands {args}",
            a.0, a.1, b.0, b.1
        );
    }
}

/// Checks the index array and the batching-dimension pairing shared by gather and scatter.
#[allow(clippy::too_many_arguments)]
fn check_indices(
    op: &str,
    operand: &ShapeDtype,
    indices: &ShapeDtype,
    index_map: (&str, &[usize]),
    operand_batching: &[usize],
    indices_batching: (&str, &[usize]),
    args: &str,
) {
    if indices.ndim() == 0 || !indices.dtype.is_integer() {
        panic!(
            "{op}: indices must be an integer array of rank >= 1 whose last axis is the index \
             vector; operands {args}"
        );
    }
    let k = indices.shape[indices.ndim() - 1];
    if index_map.1.len() != k {
        panic!(
            "{op}: {} {:?} has {} entries but the index vectors (last axis of indices) have \
             length {k}; operands {args}",
            index_map.0,
            index_map.1,
            index_map.1.len()
        );
    }
    unique_in_range(op, index_map.0, index_map.1, operand.ndim(), args);
    sorted_unique_in_range(
        op,
        "operand_batching_dims",
        operand_batching,
        operand.ndim(),
        args,
    );
    unique_in_range(
        op,
        indices_batching.0,
        indices_batching.1,
        indices.ndim() - 1,
        args,
    );
    disjoint(
        op,
        index_map,
        ("operand_batching_dims", operand_batching),
        args,
    );
    if operand_batching.len() != indices_batching.1.len()
        || operand_batching
            .iter()
            .zip(indices_batching.1)
            .any(|(&o, &i)| operand.shape[o] != indices.shape[i])
    {
        panic!(
            "{op}: operand_batching_dims {operand_batching:?} and {} {:?} must pair axes of \
             equal size; operands {args}",
            indices_batching.0, indices_batching.1
        );
    }
}

/// Resolves the default fill value of a dtype.
fn fill_for(dtype: DType, fill: Option<FillValue>) -> f64 {
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

fn complement(n: usize, a: &[usize], b: &[usize]) -> Vec<usize> {
    (0..n)
        .filter(|i| !a.contains(i) && !b.contains(i))
        .collect()
}

impl PrimitiveRule for GatherScatterOp {
    fn name(&self) -> &'static str {
        match self {
            GatherScatterOp::Gather { .. } => "gather",
            GatherScatterOp::Scatter { kind, .. } => match kind {
                ScatterKind::Set => "scatter",
                ScatterKind::Add => "scatter-add",
                ScatterKind::Mul => "scatter-mul",
                ScatterKind::Min => "scatter-min",
                ScatterKind::Max => "scatter-max",
            },
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        let op = self.name();
        let desc = describe(args);
        match self {
            GatherScatterOp::Gather {
                dimension_numbers: dn,
                slice_sizes,
                ..
            } => {
                expect_arity(op, args, 2);
                let (x, idx) = (args[0], args[1]);
                check_indices(
                    op,
                    x,
                    idx,
                    ("start_index_map", &dn.start_index_map),
                    &dn.operand_batching_dims,
                    (
                        "start_indices_batching_dims",
                        &dn.start_indices_batching_dims,
                    ),
                    &desc,
                );
                let batch_rank = idx.ndim() - 1;
                let out_rank = batch_rank + dn.offset_dims.len();
                sorted_unique_in_range(op, "offset_dims", &dn.offset_dims, out_rank, &desc);
                sorted_unique_in_range(
                    op,
                    "collapsed_slice_dims",
                    &dn.collapsed_slice_dims,
                    x.ndim(),
                    &desc,
                );
                disjoint(
                    op,
                    ("collapsed_slice_dims", &dn.collapsed_slice_dims),
                    ("operand_batching_dims", &dn.operand_batching_dims),
                    &desc,
                );
                if slice_sizes.len() != x.ndim()
                    || slice_sizes.iter().zip(x.shape.iter()).any(|(s, d)| s > d)
                {
                    panic!(
                        "gather: slice_sizes {slice_sizes:?} must have one entry per operand axis, \
                         each at most the operand's size; operands {desc}"
                    );
                }
                if slice_sizes.len()
                    != dn.offset_dims.len()
                        + dn.collapsed_slice_dims.len()
                        + dn.operand_batching_dims.len()
                {
                    panic!(
                        "gather: every operand axis must be an offset, collapsed or batching axis; \
                         got offset_dims {:?}, collapsed_slice_dims {:?}, operand_batching_dims \
                         {:?} for operands {desc}",
                        dn.offset_dims, dn.collapsed_slice_dims, dn.operand_batching_dims
                    );
                }
                if let Some(&d) = dn
                    .collapsed_slice_dims
                    .iter()
                    .find(|&&d| slice_sizes[d] != 1)
                {
                    panic!(
                        "gather: collapsed axis {d} must have slice size 1, got {}; operands {desc}",
                        slice_sizes[d]
                    );
                }
                if let Some(&d) = dn
                    .operand_batching_dims
                    .iter()
                    .find(|&&d| slice_sizes[d] > 1)
                {
                    panic!(
                        "gather: batching axis {d} must have slice size 0 or 1, got {}; operands \
                         {desc}",
                        slice_sizes[d]
                    );
                }
                let mut window = complement(
                    x.ndim(),
                    &dn.collapsed_slice_dims,
                    &dn.operand_batching_dims,
                )
                .into_iter()
                .map(|a| slice_sizes[a]);
                let mut batch = idx.shape[..batch_rank].iter();
                let shape = (0..out_rank)
                    .map(|i| {
                        if dn.offset_dims.contains(&i) {
                            window.next().expect("offset dims counted")
                        } else {
                            *batch.next().expect("batch dims counted")
                        }
                    })
                    .collect();
                vec![ShapeDtype {
                    shape: Shape(shape),
                    dtype: x.dtype,
                    weak_type: x.weak_type,
                }]
            }
            GatherScatterOp::Scatter {
                dimension_numbers: dn,
                kind,
                ..
            } => {
                expect_arity(op, args, 3);
                let (x, idx, upd) = (args[0], args[1], args[2]);
                check_indices(
                    op,
                    x,
                    idx,
                    (
                        "scatter_dims_to_operand_dims",
                        &dn.scatter_dims_to_operand_dims,
                    ),
                    &dn.operand_batching_dims,
                    (
                        "scatter_indices_batching_dims",
                        &dn.scatter_indices_batching_dims,
                    ),
                    &desc,
                );
                if upd.dtype != x.dtype {
                    panic!("{op}: updates must have the operand's dtype; operands {desc}");
                }
                if x.dtype.is_bool() && matches!(kind, ScatterKind::Add | ScatterKind::Mul) {
                    panic!("{op}: expected an integer or float operand, got {desc}");
                }
                let batch_rank = idx.ndim() - 1;
                if upd.ndim() != batch_rank + dn.update_window_dims.len() {
                    panic!(
                        "{op}: updates must have rank {} (index batch axes + update_window_dims \
                         {:?}); operands {desc}",
                        batch_rank + dn.update_window_dims.len(),
                        dn.update_window_dims
                    );
                }
                sorted_unique_in_range(
                    op,
                    "update_window_dims",
                    &dn.update_window_dims,
                    upd.ndim(),
                    &desc,
                );
                sorted_unique_in_range(
                    op,
                    "inserted_window_dims",
                    &dn.inserted_window_dims,
                    x.ndim(),
                    &desc,
                );
                disjoint(
                    op,
                    ("inserted_window_dims", &dn.inserted_window_dims),
                    ("operand_batching_dims", &dn.operand_batching_dims),
                    &desc,
                );
                let window_axes = complement(
                    x.ndim(),
                    &dn.inserted_window_dims,
                    &dn.operand_batching_dims,
                );
                if window_axes.len() != dn.update_window_dims.len() {
                    panic!(
                        "{op}: every operand axis must be a window, inserted or batching axis; got \
                         update_window_dims {:?}, inserted_window_dims {:?}, \
                         operand_batching_dims {:?} for operands {desc}",
                        dn.update_window_dims, dn.inserted_window_dims, dn.operand_batching_dims
                    );
                }
                if window_axes
                    .iter()
                    .zip(&dn.update_window_dims)
                    .any(|(&a, &u)| upd.shape[u] > x.shape[a])
                {
                    panic!("{op}: update windows must fit in the operand; operands {desc}");
                }
                let update_batch: Vec<usize> = (0..upd.ndim())
                    .filter(|i| !dn.update_window_dims.contains(i))
                    .collect();
                if update_batch
                    .iter()
                    .zip(&idx.shape[..batch_rank])
                    .any(|(&u, &i)| upd.shape[u] != i)
                {
                    panic!(
                        "{op}: the batch axes of the updates must match the indices' shape \
                         without its last axis; operands {desc}"
                    );
                }
                vec![x.clone()]
            }
        }
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (x, idx) = (args[0], args[1]);
        let indices = indices_as_i64(idx);
        let batch_shape = idx.shape()[..idx.ndim() - 1].to_vec();
        let index_len = idx.shape()[idx.ndim() - 1];
        let storage = match self {
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

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        match self {
            GatherScatterOp::Gather { .. } => {
                // Linear in the operand; out-of-bounds windows are filled with a constant, so
                // their tangent is 0.
                let out = bind1(self.clone(), primals);
                let t = tangents[0].map(|t| bind1(self.with_zero_fill(), &[t, primals[1]]));
                (vec![out], vec![t])
            }
            GatherScatterOp::Scatter {
                kind,
                dimension_numbers: dn,
                mode,
            } => {
                let (operand, indices, updates) = (primals[0], primals[1], primals[2]);
                let (t_op, t_up) = (tangents[0], tangents[2]);
                if t_op.is_none() && t_up.is_none() {
                    return rules::zero_jvp(self.clone(), primals);
                }
                match kind {
                    ScatterKind::Add => {
                        // Linear in the operand and the updates (the indices are not tangents).
                        let out = bind1(self.clone(), primals);
                        let t_op = rules::instantiate(t_op, operand.aval());
                        let t_up = rules::instantiate(t_up, updates.aval());
                        let t = bind1(self.clone(), &[&t_op, indices, &t_up]);
                        (vec![out], vec![Some(t)])
                    }
                    ScatterKind::Mul => {
                        if t_up.is_some() {
                            panic!(
                                "scatter-mul: gradients with respect to the updates are only implemented if `unique_indices=True` (as in JAX); operands {}",
                                describe(&[operand.aval(), indices.aval(), updates.aval()])
                            );
                        }
                        let out = bind1(self.clone(), primals);
                        let t = bind1(self.clone(), &[t_op.expect("checked"), indices, updates]);
                        (vec![out], vec![Some(t)])
                    }
                    ScatterKind::Set => {
                        let out = bind1(self.clone(), primals);
                        let t_op = rules::instantiate(t_op, operand.aval());
                        let t_up = rules::instantiate(t_up, updates.aval());
                        let t =
                            scatter_set_tangent(dn, *mode, operand, indices, updates, &t_op, &t_up);
                        (vec![out], vec![Some(t)])
                    }
                    ScatterKind::Min | ScatterKind::Max => {
                        let out = bind1(self.clone(), primals);
                        let t_op = rules::instantiate(t_op, operand.aval());
                        let t_up = rules::instantiate(t_up, updates.aval());
                        let t = scatter_extremal_tangent(
                            dn, *mode, operand, indices, updates, &out, &t_op, &t_up,
                        );
                        (vec![out], vec![Some(t)])
                    }
                }
            }
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("one output");
        if args[1].is_linear() {
            rules::not_linear(&format!("{} in its indices", self.name()));
        }
        let indices = args[1].known(self.name());
        match self {
            GatherScatterOp::Gather {
                dimension_numbers: dn,
                mode,
                ..
            } => {
                let LinearArg::Linear(operand) = args[0] else {
                    return vec![None, None];
                };
                let zeros = rules::zeros(operand);
                let scatter = GatherScatterOp::Scatter {
                    kind: ScatterKind::Add,
                    dimension_numbers: ScatterDimensionNumbers {
                        update_window_dims: dn.offset_dims.clone(),
                        inserted_window_dims: dn.collapsed_slice_dims.clone(),
                        scatter_dims_to_operand_dims: dn.start_index_map.clone(),
                        operand_batching_dims: dn.operand_batching_dims.clone(),
                        scatter_indices_batching_dims: dn.start_indices_batching_dims.clone(),
                    },
                    mode: *mode,
                };
                vec![Some(bind1(scatter, &[&zeros, indices, ct])), None]
            }
            GatherScatterOp::Scatter {
                kind,
                dimension_numbers: dn,
                mode,
            } => {
                let (op_lin, up_lin) = (args[0].is_linear(), args[2].is_linear());
                let updates_shape = &args[2].aval().shape;
                match kind {
                    ScatterKind::Add => {
                        let operand_t = op_lin.then(|| ct.clone());
                        let update_t = up_lin.then(|| {
                            let (gdn, sizes) = inverse_gather(dn, ct.shape(), updates_shape);
                            gather_with(ct, indices, gdn, sizes, *mode)
                        });
                        vec![operand_t, None, update_t]
                    }
                    ScatterKind::Mul => {
                        if up_lin {
                            panic!(
                                "scatter-mul: gradients with respect to the updates are only implemented if `unique_indices=True` (as in JAX)"
                            );
                        }
                        let updates = args[2].known("scatter-mul");
                        let operand_t = op_lin.then(|| bind1(self.clone(), &[ct, indices, updates]));
                        vec![operand_t, None, None]
                    }
                    ScatterKind::Set => panic!(
                        "scatter transpose is only implemented where unique_indices=True (as in JAX); differentiate scatter through its JVP rule (grad, vjp), which uses scatter-add"
                    ),
                    ScatterKind::Min | ScatterKind::Max => rules::not_linear(self.name()),
                }
            }
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let up = |d: &Dims| -> Dims { d.iter().map(|&a| a + 1).collect() };
        let front = |d: &Dims| -> Dims {
            let mut v: Dims = Dims::from_slice(&[0]);
            v.extend(d.iter().map(|&a| a + 1));
            v
        };
        match self {
            GatherScatterOp::Gather {
                dimension_numbers: dn,
                slice_sizes,
                mode,
                fill_value,
            } => {
                let (operand, indices) = (args[0], args[1]);
                let (dn, sizes, operand, indices) = match (dims[0], dims[1]) {
                    (Some(od), None) => {
                        // The mapped axis is one more window axis, taken whole.
                        let operand = rules::move_axis(operand, od, 0);
                        let mut sizes = Dims::from_slice(&[axis_size]);
                        sizes.extend_from_slice(slice_sizes);
                        let dn = GatherDimensionNumbers {
                            offset_dims: front(&dn.offset_dims),
                            collapsed_slice_dims: up(&dn.collapsed_slice_dims),
                            start_index_map: up(&dn.start_index_map),
                            operand_batching_dims: up(&dn.operand_batching_dims),
                            start_indices_batching_dims: dn.start_indices_batching_dims.clone(),
                        };
                        (dn, sizes, operand, indices.clone())
                    }
                    (None, Some(id)) => {
                        // The mapped axis is one more index batch axis.
                        let indices = rules::move_axis(indices, id, 0);
                        let dn = GatherDimensionNumbers {
                            offset_dims: up(&dn.offset_dims),
                            start_indices_batching_dims: up(&dn.start_indices_batching_dims),
                            ..dn.clone()
                        };
                        (dn, slice_sizes.clone(), operand.clone(), indices)
                    }
                    (Some(od), Some(id)) => {
                        // Lane i of the indices reads lane i of the operand: a batching pair.
                        let operand = rules::move_axis(operand, od, 0);
                        let indices = rules::move_axis(indices, id, 0);
                        let mut sizes = Dims::from_slice(&[usize::from(axis_size != 0)]);
                        sizes.extend_from_slice(slice_sizes);
                        let dn = GatherDimensionNumbers {
                            offset_dims: up(&dn.offset_dims),
                            collapsed_slice_dims: up(&dn.collapsed_slice_dims),
                            start_index_map: up(&dn.start_index_map),
                            operand_batching_dims: front(&dn.operand_batching_dims),
                            start_indices_batching_dims: front(&dn.start_indices_batching_dims),
                        };
                        (dn, sizes, operand, indices)
                    }
                    (None, None) => {
                        unreachable!("a batching rule gets at least one batched operand")
                    }
                };
                let prim = GatherScatterOp::Gather {
                    dimension_numbers: dn,
                    slice_sizes: sizes,
                    mode: *mode,
                    fill_value: *fill_value,
                };
                (vec![bind1(prim, &[&operand, &indices])], vec![Some(0)])
            }
            GatherScatterOp::Scatter {
                kind,
                dimension_numbers: dn,
                mode,
            } => {
                let operand = rules::bdim_to_front(args[0], dims[0], axis_size);
                let updates = rules::bdim_to_front(args[2], dims[2], axis_size);
                let (dn, indices) = match dims[1] {
                    None => (
                        ScatterDimensionNumbers {
                            update_window_dims: front(&dn.update_window_dims),
                            inserted_window_dims: up(&dn.inserted_window_dims),
                            scatter_dims_to_operand_dims: up(&dn.scatter_dims_to_operand_dims),
                            operand_batching_dims: up(&dn.operand_batching_dims),
                            scatter_indices_batching_dims: dn.scatter_indices_batching_dims.clone(),
                        },
                        args[1].clone(),
                    ),
                    Some(id) => (
                        ScatterDimensionNumbers {
                            update_window_dims: up(&dn.update_window_dims),
                            inserted_window_dims: up(&dn.inserted_window_dims),
                            scatter_dims_to_operand_dims: up(&dn.scatter_dims_to_operand_dims),
                            operand_batching_dims: front(&dn.operand_batching_dims),
                            scatter_indices_batching_dims: front(&dn.scatter_indices_batching_dims),
                        },
                        rules::move_axis(args[1], id, 0),
                    ),
                };
                let prim = GatherScatterOp::Scatter {
                    kind: *kind,
                    dimension_numbers: dn,
                    mode: *mode,
                };
                (
                    vec![bind1(prim, &[&operand, &indices, &updates])],
                    vec![Some(0)],
                )
            }
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let t = |d: &Dims| rules::py_tuple(d);
        let mode_str = |m: &GatherScatterMode| {
            match m {
                GatherScatterMode::Clip => "GatherScatterMode.CLIP",
                GatherScatterMode::FillOrDrop => "GatherScatterMode.FILL_OR_DROP",
                GatherScatterMode::PromiseInBounds => "GatherScatterMode.PROMISE_IN_BOUNDS",
            }
            .to_string()
        };
        match self {
            GatherScatterOp::Gather {
                dimension_numbers: dn,
                slice_sizes,
                mode,
                fill_value,
            } => vec![
                (
                    "dimension_numbers",
                    format!(
                        "GatherDimensionNumbers(offset_dims={}, collapsed_slice_dims={}, \
                         start_index_map={}, operand_batching_dims={}, \
                         start_indices_batching_dims={})",
                        t(&dn.offset_dims),
                        t(&dn.collapsed_slice_dims),
                        t(&dn.start_index_map),
                        t(&dn.operand_batching_dims),
                        t(&dn.start_indices_batching_dims)
                    ),
                ),
                (
                    "fill_value",
                    fill_value.map_or("None".into(), |f| py_number(f.get())),
                ),
                ("indices_are_sorted", "False".into()),
                ("mode", mode_str(mode)),
                ("slice_sizes", t(slice_sizes)),
                ("unique_indices", "False".into()),
            ],
            GatherScatterOp::Scatter {
                dimension_numbers: dn,
                mode,
                ..
            } => vec![
                (
                    "dimension_numbers",
                    format!(
                        "ScatterDimensionNumbers(update_window_dims={}, inserted_window_dims={}, \
                         scatter_dims_to_operand_dims={}, operand_batching_dims={}, \
                         scatter_indices_batching_dims={})",
                        t(&dn.update_window_dims),
                        t(&dn.inserted_window_dims),
                        t(&dn.scatter_dims_to_operand_dims),
                        t(&dn.operand_batching_dims),
                        t(&dn.scatter_indices_batching_dims)
                    ),
                ),
                ("indices_are_sorted", "False".into()),
                ("mode", mode_str(mode)),
                ("unique_indices", "False".into()),
                ("update_consts", "()".into()),
                ("update_jaxpr", "None".into()),
            ],
        }
    }
}

/// A number as Python prints it in a parameter: `0`, `-1`, `0.5`, `nan`.
fn py_number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{v}")
    }
}

impl GatherScatterOp {
    /// This gather with fill value 0 for out-of-bounds windows (the gather of a tangent).
    fn with_zero_fill(&self) -> GatherScatterOp {
        match self {
            GatherScatterOp::Gather {
                dimension_numbers,
                slice_sizes,
                mode,
                ..
            } => GatherScatterOp::Gather {
                dimension_numbers: dimension_numbers.clone(),
                slice_sizes: slice_sizes.clone(),
                mode: *mode,
                fill_value: (*mode == GatherScatterMode::FillOrDrop).then(|| FillValue::new(0.0)),
            },
            GatherScatterOp::Scatter { .. } => self.clone(),
        }
    }
}

/// The gather that reads back, for each update element, the operand element a scatter with
/// dimension numbers `dn` writes it to: its dimension numbers and slice sizes.
fn inverse_gather(
    dn: &ScatterDimensionNumbers,
    operand_shape: &[usize],
    updates_shape: &[usize],
) -> (GatherDimensionNumbers, Dims) {
    let gdn = GatherDimensionNumbers {
        offset_dims: dn.update_window_dims.clone(),
        collapsed_slice_dims: dn.inserted_window_dims.clone(),
        start_index_map: dn.scatter_dims_to_operand_dims.clone(),
        operand_batching_dims: dn.operand_batching_dims.clone(),
        start_indices_batching_dims: dn.scatter_indices_batching_dims.clone(),
    };
    let mut window = dn.update_window_dims.iter();
    let sizes = (0..operand_shape.len())
        .map(|i| {
            if dn.inserted_window_dims.contains(&i) || dn.operand_batching_dims.contains(&i) {
                1
            } else {
                updates_shape[*window
                    .next()
                    .expect("one update window axis per operand window axis")]
            }
        })
        .collect();
    (gdn, sizes)
}

/// `gather` with fill value 0 (under `FillOrDrop`).
fn gather_with(
    x: &Array,
    indices: &Array,
    dn: GatherDimensionNumbers,
    sizes: Dims,
    mode: GatherScatterMode,
) -> Array {
    bind1(
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes: sizes,
            mode,
            fill_value: (mode == GatherScatterMode::FillOrDrop).then(|| FillValue::new(0.0)),
        },
        &[x, indices],
    )
}

/// The gather mode that reads back exactly what a scatter in `mode` wrote: clamped windows
/// for `Clip`, and for the dropping modes a fill (default fill value) where windows were
/// dropped.
fn readback_mode(mode: GatherScatterMode) -> GatherScatterMode {
    match mode {
        GatherScatterMode::Clip => GatherScatterMode::Clip,
        _ => GatherScatterMode::FillOrDrop,
    }
}

fn scatter_prim(
    kind: ScatterKind,
    dn: &ScatterDimensionNumbers,
    mode: GatherScatterMode,
) -> GatherScatterOp {
    GatherScatterOp::Scatter {
        kind,
        dimension_numbers: dn.clone(),
        mode,
    }
}

/// A 0-d array of `dtype` holding `v`.
fn scalar(v: f64, dtype: DType) -> Array {
    crate::with_dtype!(dtype, T => Array::scalar(T::from_f64(v)))
}

/// The tangent of an overwriting `scatter` (JAX's `_scatter_jvp` without `unique_indices`):
/// every update gets an id, a scatter of the ids tells which update each operand element
/// finally holds, and the tangents are masked to those winners and combined with a
/// scatter-add, which is linear and has a transpose.
fn scatter_set_tangent(
    dn: &ScatterDimensionNumbers,
    mode: GatherScatterMode,
    operand: &Array,
    indices: &Array,
    updates: &Array,
    t_op: &Array,
    t_up: &Array,
) -> Array {
    let mut ids_shape: Vec<usize> = updates.shape().to_vec();
    for &d in &dn.update_window_dims {
        ids_shape[d] = 1;
    }
    let num_ids: usize = ids_shape.iter().product();
    let iota = bind1(
        super::iota::IotaOp {
            dtype: DType::U32,
            shape: Shape::from(vec![num_ids]),
            dimension: 0,
        },
        &[],
    );
    let ids = rules::reshape(&iota, &ids_shape);
    let ids = bind1(
        LayoutOp::BroadcastInDim {
            shape: updates.aval().shape.clone(),
            broadcast_dimensions: (0..updates.ndim()).collect(),
        },
        &[&ids],
    );
    // Ids start at 1 so that 0 marks operand elements no update reached.
    let update_ids = bind1(BinaryOp::Add, &[&ids, &scalar(1.0, DType::U32)]);
    let zero_ids = rules::zeros(&ShapeDtype::new(operand.aval().shape.clone(), DType::U32));
    let scattered_ids = bind1(
        scatter_prim(ScatterKind::Set, dn, mode),
        &[&zero_ids, indices, &update_ids],
    );
    let (gdn, sizes) = inverse_gather(dn, operand.shape(), updates.shape());
    let gathered_ids = bind1(
        GatherScatterOp::Gather {
            dimension_numbers: gdn,
            slice_sizes: sizes,
            mode: readback_mode(mode),
            fill_value: None,
        },
        &[&scattered_ids, indices],
    );
    let untouched = eq(&scattered_ids, &scalar(0.0, DType::U32));
    let winners = eq(&update_ids, &gathered_ids);
    let masked_op = select(&untouched, t_op, &rules::zeros(t_op.aval()));
    let masked_up = select(&winners, t_up, &rules::zeros(t_up.aval()));
    bind1(
        scatter_prim(ScatterKind::Add, dn, mode),
        &[&masked_op, indices, &masked_up],
    )
}

/// The tangent of `scatter-min`/`scatter-max` (JAX's `_scatter_extremal_jvp`): where several
/// values (updates and the original operand element) tie for the extremum, the tangent is
/// their average.
#[allow(clippy::too_many_arguments)]
fn scatter_extremal_tangent(
    dn: &ScatterDimensionNumbers,
    mode: GatherScatterMode,
    operand: &Array,
    indices: &Array,
    updates: &Array,
    out: &Array,
    t_op: &Array,
    t_up: &Array,
) -> Array {
    let dtype = operand.dtype();
    let (gdn, sizes) = inverse_gather(dn, operand.shape(), updates.shape());
    let readback = |x: &Array| {
        bind1(
            GatherScatterOp::Gather {
                dimension_numbers: gdn.clone(),
                slice_sizes: sizes.clone(),
                mode: readback_mode(mode),
                fill_value: None,
            },
            &[x, indices],
        )
    };
    let zeros_op = rules::zeros(operand.aval());
    let zeros_up = rules::zeros(updates.aval());
    let one = scalar(1.0, dtype);
    let ones_up = rules::broadcast(&one, &updates.aval().shape);
    let add_at = |u: &Array| {
        bind1(
            scatter_prim(ScatterKind::Add, dn, mode),
            &[&zeros_op, indices, u],
        )
    };
    let initial_vals = readback(operand);
    let target_vals = readback(out);
    let successful = eq(updates, &target_vals);
    let retained = eq(&initial_vals, &target_vals);
    let num_updates = readback(&add_at(&select(&successful, &ones_up, &zeros_up)));
    let num_refs = readback(&add_at(&ones_up));
    let div = |a: &Array, b: &Array| bind1(BinaryOp::Div, &[a, b]);
    let inv_plus_one = div(&one, &bind1(BinaryOp::Add, &[&num_updates, &one]));
    let updates_normalizer = select(&retained, &inv_plus_one, &div(&one, &num_updates));
    let updates_coef = select(&successful, &updates_normalizer, &zeros_up);
    let operand_normalizer = select(&retained, &inv_plus_one, &zeros_up);
    let operand_coef = div(
        &bind1(BinaryOp::Sub, &[&operand_normalizer, &one]),
        &num_refs,
    );
    let target_tangents = readback(t_op);
    let tangent_updates = bind1(
        BinaryOp::Add,
        &[
            &bind1(BinaryOp::Mul, &[&target_tangents, &operand_coef]),
            &bind1(BinaryOp::Mul, &[t_up, &updates_coef]),
        ],
    );
    bind1(
        scatter_prim(ScatterKind::Add, dn, mode),
        &[t_op, indices, &tangent_updates],
    )
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
        ScatterKind::Min | ScatterKind::Max => super::complex_unsupported("scatter", x.dtype()),
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
