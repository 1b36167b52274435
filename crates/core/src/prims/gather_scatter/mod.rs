//! XLA's general `gather` and `scatter` (with `scatter-add`, `scatter-mul`, `scatter-min`,
//! `scatter-max`), in JAX's form: the index vector is always the last axis of the indices.
//!
//! Gather reads, for each index vector, a window of size `slice_sizes` starting at the
//! operand position the vector names; scatter is its transpose, combining a window of updates
//! into the operand. The dimension numbers say which axes are which; see
//! [`GatherDimensionNumbers`] and [`ScatterDimensionNumbers`].

mod batching;
mod eval;
mod jvp;
mod lowering;
mod params;
mod shape_rule;
mod transpose;

use super::{LinearArg, PrimitiveRule};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
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

/// The axes below `n` in neither `a` nor `b`, in order.
fn complement(n: usize, a: &[usize], b: &[usize]) -> Vec<usize> {
    (0..n)
        .filter(|i| !a.contains(i) && !b.contains(i))
        .collect()
}

impl PrimitiveRule for GatherScatterOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        lowering::lower(self, cx, args, out)
    }

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
        shape_rule::abstract_eval(self, args)
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        eval::eval(self, args, out)
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        jvp::jvp(self, primals, tangents)
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        transpose::transpose(self, cts, args)
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        batching::batch(self, args, dims, axis_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        params::params(self)
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
