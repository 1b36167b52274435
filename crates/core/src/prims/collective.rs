//! Collectives over a named mapped axis (`jax.lax.psum`, `pmax`, `pmin`, `all_gather`,
//! `axis_index`): inside `vmap_with(.., VmapSpec::default().axis_name("batch"))` they combine
//! the values of all lanes. The `vmap` whose axis has the name carries them out (see
//! `CollectiveOp::batch_named`); any other trace passes them through, and outside a `vmap`
//! with that name they are an error ("unbound axis name"), as in JAX.

use super::layout::{Axes, LayoutOp};
use super::reduce::{ReduceKind, ReduceOp};
use super::{bind1, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, DType, ShapeDtype};

/// A collective over the mapped axis called `axis_name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CollectiveOp {
    /// The sum over all lanes, given to every lane.
    Psum {
        /// The mapped axis.
        axis_name: String,
    },
    /// The maximum over all lanes.
    Pmax {
        /// The mapped axis.
        axis_name: String,
    },
    /// The minimum over all lanes.
    Pmin {
        /// The mapped axis.
        axis_name: String,
    },
    /// Every lane's value, stacked along a new leading axis, given to every lane.
    AllGather {
        /// The mapped axis.
        axis_name: String,
        /// Its size (looked up from the enclosing vmap when the collective is applied).
        axis_size: usize,
    },
    /// This lane's position along the mapped axis (int32, no operands).
    AxisIndex {
        /// The mapped axis.
        axis_name: String,
    },
}

impl CollectiveOp {
    /// The axis the collective refers to.
    pub fn axis_name(&self) -> &str {
        match self {
            CollectiveOp::Psum { axis_name }
            | CollectiveOp::Pmax { axis_name }
            | CollectiveOp::Pmin { axis_name }
            | CollectiveOp::AllGather { axis_name, .. }
            | CollectiveOp::AxisIndex { axis_name } => axis_name,
        }
    }

    /// Carries out the collective in the `vmap` whose axis is named `axis_name`: the lanes are
    /// the `bdim` axis of `args` (`None`: the same value in every lane).
    pub(crate) fn batch_named(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let reduce = |kind: ReduceKind, x: &Array, d: Option<usize>| -> Array {
            match d {
                Some(d) => bind1(
                    ReduceOp::Reduce {
                        kind,
                        axes: Axes::from_slice(&[d]),
                    },
                    &[x],
                ),
                // Every lane holds x: the sum is n·x; max and min are x.
                None if kind == ReduceKind::Sum => {
                    x * &crate::numpy::full_like(x, axis_size as f64)
                }
                None => x.clone(),
            }
        };
        match self {
            CollectiveOp::Psum { .. } => {
                (vec![reduce(ReduceKind::Sum, args[0], dims[0])], vec![None])
            }
            CollectiveOp::Pmax { .. } => {
                (vec![reduce(ReduceKind::Max, args[0], dims[0])], vec![None])
            }
            CollectiveOp::Pmin { .. } => {
                (vec![reduce(ReduceKind::Min, args[0], dims[0])], vec![None])
            }
            CollectiveOp::AllGather { .. } => (
                vec![rules::bdim_to_front(args[0], dims[0], axis_size)],
                vec![None],
            ),
            CollectiveOp::AxisIndex { .. } => {
                (vec![crate::lax::iota(DType::I32, axis_size)], vec![Some(0)])
            }
        }
    }
}

impl PrimitiveRule for CollectiveOp {
    fn name(&self) -> &'static str {
        match self {
            CollectiveOp::Psum { .. } => "psum",
            CollectiveOp::Pmax { .. } => "pmax",
            CollectiveOp::Pmin { .. } => "pmin",
            CollectiveOp::AllGather { .. } => "all_gather",
            CollectiveOp::AxisIndex { .. } => "axis_index",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        match self {
            CollectiveOp::AxisIndex { .. } => {
                expect_arity(self.name(), args, 0);
                vec![ShapeDtype::new(crate::Shape::scalar(), DType::I32)]
            }
            CollectiveOp::AllGather { axis_size, .. } => {
                expect_arity(self.name(), args, 1);
                let mut shape = vec![*axis_size];
                shape.extend_from_slice(&args[0].shape);
                vec![ShapeDtype {
                    shape: shape.into(),
                    dtype: args[0].dtype,
                    weak_type: args[0].weak_type,
                }]
            }
            _ => {
                expect_arity(self.name(), args, 1);
                vec![args[0].clone()]
            }
        }
    }

    fn eval(&self, _args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        panic!(
            "{}",
            crate::trace::unbound_axis_message(self.name(), self.axis_name())
        )
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        match self {
            CollectiveOp::Psum { .. } | CollectiveOp::AllGather { .. } => {
                rules::linear_jvp(self.clone(), primals, tangents)
            }
            CollectiveOp::AxisIndex { .. } => rules::zero_jvp(self.clone(), primals),
            CollectiveOp::Pmax { .. } | CollectiveOp::Pmin { .. } => panic!(
                "Differentiation rule for '{}' not implemented (as in JAX)",
                self.name()
            ),
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("one output");
        match self {
            // Every lane's output is the sum of all inputs, so each input's cotangent is the
            // sum of all output cotangents.
            CollectiveOp::Psum { .. } => vec![Some(bind1(self.clone(), &[ct]))],
            // Lane i's input appears at row i of every lane's output.
            CollectiveOp::AllGather { axis_name, .. } => {
                let summed = bind1(
                    CollectiveOp::Psum {
                        axis_name: axis_name.clone(),
                    },
                    &[ct],
                );
                let i = bind1(
                    CollectiveOp::AxisIndex {
                        axis_name: axis_name.clone(),
                    },
                    &[],
                );
                let mut sizes = summed.shape().to_vec();
                sizes[0] = 1;
                let zero = Array::scalar(0i32);
                let mut starts = vec![i];
                starts.extend(std::iter::repeat_n(zero, summed.ndim() - 1));
                let row = crate::lax::dynamic_slice(&summed, &starts, &sizes);
                let aval = args[0].aval();
                vec![Some(bind1(
                    LayoutOp::Reshape {
                        new_sizes: aval.shape.clone(),
                    },
                    &[&row],
                ))]
            }
            _ => rules::not_linear(self.name()),
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        // A collective over another axis acts on each lane of this one independently: apply it
        // to the batched value and keep the batch axis. (all_gather adds a leading axis.)
        let out = bind1(self.clone(), args);
        let d = match self {
            CollectiveOp::AllGather { .. } => dims[0].map(|d| d + 1),
            _ => dims.first().copied().flatten(),
        };
        (vec![out], vec![d])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("axes", format!("('{}',)", self.axis_name()))]
    }
}
