//! Collectives over a named mapped axis (`jax.lax.psum`, `pmax`, `pmin`, `all_gather`,
//! `axis_index`, `ppermute`, `psum_scatter`, `all_to_all`): inside `vmap_with(.., VmapSpec::default().axis_name("batch"))` they combine
//! the values of all lanes. The `vmap` whose axis has the name carries them out (see
//! `CollectiveOp::batch_named`); any other trace passes them through, and outside a `vmap`
//! with that name they are an error ("unbound axis name"), as in JAX.

use super::layout::{Axes, LayoutOp};
use super::reduce::{ReduceKind, ReduceOp};
use super::{bind1, expect_arity, ops, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, DType, ShapeDtype};
use crate::distributed::{CollectiveError, ProcessGroup, ReduceOp as ProcessReduce};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

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
    /// Lane `dst` receives lane `src`'s value for each `(src, dst)` pair; lanes that receive
    /// nothing get zeros.
    Ppermute {
        /// The mapped axis.
        axis_name: String,
        /// `(source, destination)` lane pairs; each lane appears at most once on each side.
        perm: Vec<(usize, usize)>,
    },
    /// The sum over all lanes, split along `scatter_dimension`: lane `i` keeps part `i` (the
    /// dimension, of the axis' size, is dropped; with `tiled`, it is cut into equal chunks).
    PsumScatter {
        /// The mapped axis.
        axis_name: String,
        /// Its size (looked up from the enclosing vmap when the collective is applied).
        axis_size: usize,
        /// The dimension to split.
        scatter_dimension: usize,
        /// Keep the dimension as chunks instead of dropping it.
        tiled: bool,
    },
    /// Each lane splits its value along `split_axis` into one part per lane and sends part `j`
    /// to lane `j`, which stacks what it receives at `concat_axis` (with `tiled`, cuts
    /// `split_axis` into chunks and concatenates along the existing `concat_axis`).
    AllToAll {
        /// The mapped axis.
        axis_name: String,
        /// Its size.
        axis_size: usize,
        /// The axis each lane splits.
        split_axis: usize,
        /// Where the received parts go.
        concat_axis: usize,
        /// Chunks of existing axes instead of a removed and an inserted axis.
        tiled: bool,
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
            | CollectiveOp::AxisIndex { axis_name }
            | CollectiveOp::Ppermute { axis_name, .. }
            | CollectiveOp::PsumScatter { axis_name, .. }
            | CollectiveOp::AllToAll { axis_name, .. } => axis_name,
        }
    }

    /// The same collective for operands with one more leading axis (another vmap's batch
    /// axis moved to the front): the positional parameters shift by one.
    fn shifted(&self) -> CollectiveOp {
        let mut op = self.clone();
        match &mut op {
            CollectiveOp::PsumScatter {
                scatter_dimension, ..
            } => *scatter_dimension += 1,
            CollectiveOp::AllToAll {
                split_axis,
                concat_axis,
                ..
            } => {
                *split_axis += 1;
                *concat_axis += 1;
            }
            _ => {}
        }
        op
    }

    /// Carries out the collective in the `vmap` whose axis is named `axis_name`: the lanes are
    /// the `bdim` axis of `args` (`None`: the same value in every lane).
    pub(crate) fn batch_named(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        if let (Some(x), Some(&d)) = (args.first(), dims.first()) {
            // The shape rule sees one lane's operand: check it before the lanes are combined.
            let mut lane = x.aval().clone();
            if let Some(d) = d {
                let mut shape = lane.shape.to_vec();
                shape.remove(d);
                lane.shape = shape.into();
            }
            self.abstract_eval(&[&lane]);
        }
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
                None if kind == ReduceKind::Sum => x * &ops::full_like(x, axis_size as f64),
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
                (vec![ops::iota(DType::I32, axis_size)], vec![Some(0)])
            }
            CollectiveOp::Ppermute { perm, .. } => {
                let x = rules::bdim_to_front(args[0], dims[0], axis_size);
                let lanes: Vec<Array> = (0..axis_size)
                    .map(|dst| match perm.iter().find(|&&(_, d)| d == dst) {
                        Some(&(src, _)) => ops::slice_in_dim(&x, src, src + 1, 1, 0),
                        None => ops::zeros_like(&ops::slice_in_dim(&x, 0, 1, 1, 0)),
                    })
                    .collect();
                let refs: Vec<&Array> = lanes.iter().collect();
                (vec![ops::concatenate(&refs, 0)], vec![Some(0)])
            }
            CollectiveOp::PsumScatter {
                scatter_dimension,
                tiled,
                ..
            } => {
                let summed = reduce(ReduceKind::Sum, args[0], dims[0]);
                let sd = *scatter_dimension;
                // Split the dimension into (lane, chunk) and make the lane the batch axis.
                let mut sizes = summed.shape().to_vec();
                let chunk = sizes[sd] / axis_size;
                sizes.splice(sd..=sd, [axis_size, chunk]);
                let split = ops::reshape(&summed, &sizes);
                let mut out = rules::move_axis(&split, sd, 0);
                if !tiled {
                    out = ops::squeeze(&out, &[sd + 1]);
                }
                (vec![out], vec![Some(0)])
            }
            CollectiveOp::AllToAll {
                split_axis,
                concat_axis,
                tiled,
                ..
            } => {
                let x = rules::bdim_to_front(args[0], dims[0], axis_size);
                (
                    vec![all_to_all_lanes(
                        &x,
                        *split_axis,
                        *concat_axis,
                        *tiled,
                        axis_size,
                    )],
                    vec![Some(0)],
                )
            }
        }
    }
}

impl CollectiveOp {
    /// Carries out the collective across the members of the process group its axis is bound
    /// to (see [`crate::distributed`]); a member's operand is its own value. A failed exchange
    /// (another member died) panics, naming the collective and the failed member.
    fn across_processes(&self, group: &dyn ProcessGroup, args: &[&Array]) -> Array {
        let fail = |e: CollectiveError| -> ! {
            panic!(
                "{} over process axis '{}' (rank {} of {}): {e}",
                self.name(),
                self.axis_name(),
                group.rank(),
                group.size()
            )
        };
        let n = group.size();
        match self {
            CollectiveOp::Psum { .. } => group.all_reduce(args[0], ProcessReduce::Sum),
            CollectiveOp::Pmax { .. } => group.all_reduce(args[0], ProcessReduce::Max),
            CollectiveOp::Pmin { .. } => group.all_reduce(args[0], ProcessReduce::Min),
            CollectiveOp::AllGather { .. } => group.all_gather(args[0]),
            CollectiveOp::AxisIndex { .. } => Ok(Array::scalar(group.rank() as i32)),
            CollectiveOp::Ppermute { perm, .. } => group.permute(args[0], perm),
            CollectiveOp::PsumScatter {
                scatter_dimension,
                tiled,
                ..
            } => {
                // Rows of a leading axis of the group's size, one per member.
                let x = args[0];
                let sd = *scatter_dimension;
                let mut sizes = x.shape().to_vec();
                sizes.splice(sd..=sd, [n, sizes[sd] / n]);
                let rows = rules::move_axis(&ops::reshape(x, &sizes), sd, 0);
                group.reduce_scatter(&rows).map(|mine| {
                    if *tiled {
                        mine
                    } else {
                        ops::squeeze(&mine, &[sd])
                    }
                })
            }
            CollectiveOp::AllToAll {
                split_axis,
                concat_axis,
                tiled,
                ..
            } => {
                let x = args[0];
                let (split, concat) = (*split_axis, *concat_axis);
                // Part j of the split axis becomes row j of a leading axis.
                let mut sizes = x.shape().to_vec();
                sizes.splice(split..=split, [n, sizes[split] / n]);
                let rows = rules::move_axis(&ops::reshape(x, &sizes), split, 0);
                group.all_to_all(&rows).map(|received| {
                    // `received`: [source, per-part axes with the split axis as a chunk].
                    if *tiled {
                        // The source becomes the major part of the concat axis.
                        let moved = rules::move_axis(&received, 0, concat);
                        let mut shape = moved.shape().to_vec();
                        let merged = shape[concat] * shape[concat + 1];
                        shape.splice(concat..concat + 2, [merged]);
                        ops::reshape(&moved, &shape)
                    } else {
                        let parts = ops::squeeze(&received, &[1 + split]);
                        rules::move_axis(&parts, 0, concat)
                    }
                })
            }
        }
        .unwrap_or_else(|e| fail(e))
    }
}

/// `all_to_all` over lanes stacked at axis 0 of `x` (`[lanes, per-lane shape...]`): output
/// lane `i` gathers part `i` of every lane's `split_axis`, the source lane `j` indexing the
/// new (or, with `tiled`, the major part of the) `concat_axis`.
fn all_to_all_lanes(x: &Array, split: usize, concat: usize, tiled: bool, n: usize) -> Array {
    // Cut the split axis into (part, chunk); the per-lane axes are then 1.. in `x`.
    let mut sizes = x.shape().to_vec();
    let chunk = sizes[1 + split] / n;
    sizes.splice(1 + split..=1 + split, [n, chunk]);
    let parts = ops::reshape(x, &sizes);
    // Axes of `parts`: 0 = source lane j, 1 + split = part i, 2 + split = chunk, and each
    // other per-lane axis a at 1 + a (a < split) or 2 + a (a > split).
    let per_lane: Vec<usize> = (0..x.ndim() - 1)
        .map(|a| match a.cmp(&split) {
            std::cmp::Ordering::Less => 1 + a,
            std::cmp::Ordering::Equal => 2 + split,
            std::cmp::Ordering::Greater => 2 + a,
        })
        .collect();
    let mut out_axes: Vec<usize> = per_lane.clone();
    if !tiled {
        // The chunk axis has size 1 here: drop it; j becomes a new axis at `concat`.
        out_axes.retain(|&a| a != 2 + split);
        out_axes.insert(concat, 0);
    } else {
        // j goes right before the concat axis, to be merged with it.
        let at = out_axes
            .iter()
            .position(|&a| a == per_lane[concat])
            .expect("the concat axis is a per-lane axis");
        out_axes.insert(at, 0);
    }
    let mut perm = vec![1 + split];
    perm.extend(&out_axes);
    if !tiled {
        perm.push(2 + split);
    }
    let moved = ops::transpose(&parts, &perm);
    let mut shape: Vec<usize> = moved.shape().to_vec();
    if !tiled {
        shape.pop();
    } else {
        let at = 1 + out_axes
            .iter()
            .position(|&a| a == 0)
            .expect("j was inserted");
        let merged = shape[at] * shape[at + 1];
        shape.splice(at..at + 2, [merged]);
    }
    ops::reshape(&moved, &shape)
}

impl PrimitiveRule for CollectiveOp {
    fn name(&self) -> &'static str {
        match self {
            CollectiveOp::Psum { .. } => "psum",
            CollectiveOp::Pmax { .. } => "pmax",
            CollectiveOp::Pmin { .. } => "pmin",
            CollectiveOp::AllGather { .. } => "all_gather",
            CollectiveOp::AxisIndex { .. } => "axis_index",
            CollectiveOp::Ppermute { .. } => "ppermute",
            CollectiveOp::PsumScatter { .. } => "reduce_scatter",
            CollectiveOp::AllToAll { .. } => "all_to_all",
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
            CollectiveOp::PsumScatter {
                axis_size,
                scatter_dimension,
                tiled,
                ..
            } => {
                expect_arity(self.name(), args, 1);
                let mut shape = args[0].shape.to_vec();
                let sd = *scatter_dimension;
                let size = shape.get(sd).copied();
                match size {
                    Some(s) if !tiled && s == *axis_size => {
                        shape.remove(sd);
                    }
                    Some(s) if *tiled && s % axis_size == 0 => shape[sd] = s / axis_size,
                    _ => panic!(
                        "psum_scatter: the scatter_dimension {sd} of {} must have {} the axis \
                         size {axis_size}",
                        args[0],
                        if *tiled { "a multiple of" } else { "exactly" }
                    ),
                }
                vec![ShapeDtype {
                    shape: shape.into(),
                    ..args[0].clone()
                }]
            }
            CollectiveOp::AllToAll {
                axis_size,
                split_axis,
                concat_axis,
                tiled,
                ..
            } => {
                expect_arity(self.name(), args, 1);
                let mut shape = args[0].shape.to_vec();
                let (split, concat, n) = (*split_axis, *concat_axis, *axis_size);
                let fits = match shape.get(split) {
                    Some(&s) if *tiled => s % n == 0 && concat < shape.len(),
                    Some(&s) => s == n && concat < shape.len(),
                    None => false,
                };
                if !fits {
                    panic!(
                        "all_to_all: split_axis {split} of {} must have {} the axis size {n}, and \
                         concat_axis {concat} must be an axis of the result",
                        args[0],
                        if *tiled { "a multiple of" } else { "exactly" }
                    );
                }
                if *tiled {
                    shape[split] /= n;
                    shape[concat] *= n;
                } else {
                    shape.remove(split);
                    shape.insert(concat, n);
                }
                vec![ShapeDtype {
                    shape: shape.into(),
                    ..args[0].clone()
                }]
            }
            _ => {
                expect_arity(self.name(), args, 1);
                vec![args[0].clone()]
            }
        }
    }

    /// A host call that runs the collective over the process group bound to the axis when
    /// the program is lowered (XLA's CPU runtime does its collectives on the host too). It
    /// has side effects, so every process keeps and orders it the same way.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let Some(group) = crate::distributed::bound_group(self.axis_name()) else {
            return Err(LoweringError::new(
                self.name(),
                crate::trace::unbound_axis_message(self.name(), self.axis_name()),
            ));
        };
        let op = self.clone();
        let host = std::sync::Arc::new(move |xs: &[Array]| {
            let refs: Vec<&Array> = xs.iter().collect();
            vec![op.across_processes(group.as_ref(), &refs)]
        });
        let operands: Vec<&Value> = args.iter().collect();
        Ok(cx.host_call(self.name(), host, &operands, out, true))
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        match crate::distributed::bound_group(self.axis_name()) {
            Some(group) => vec![self.across_processes(group.as_ref(), args)],
            None => panic!(
                "{}",
                crate::trace::unbound_axis_message(self.name(), self.axis_name())
            ),
        }
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        match self {
            CollectiveOp::Psum { .. }
            | CollectiveOp::AllGather { .. }
            | CollectiveOp::Ppermute { .. }
            | CollectiveOp::PsumScatter { .. }
            | CollectiveOp::AllToAll { .. } => rules::linear_jvp(self.clone(), primals, tangents),
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
                let row = ops::dynamic_slice(&summed, &starts, &sizes);
                let aval = args[0].aval();
                vec![Some(bind1(
                    LayoutOp::Reshape {
                        new_sizes: aval.shape.clone(),
                    },
                    &[&row],
                ))]
            }
            // The inverse permutation sends each cotangent back to its source lane.
            CollectiveOp::Ppermute { axis_name, perm } => vec![Some(bind1(
                CollectiveOp::Ppermute {
                    axis_name: axis_name.clone(),
                    perm: perm.iter().map(|&(s, d)| (d, s)).collect(),
                },
                &[ct],
            ))],
            // Lane i's part of the sum came from every lane: gather the parts back.
            CollectiveOp::PsumScatter {
                axis_name,
                axis_size,
                scatter_dimension,
                tiled: _,
            } => {
                let gathered = bind1(
                    CollectiveOp::AllGather {
                        axis_name: axis_name.clone(),
                        axis_size: *axis_size,
                    },
                    &[ct],
                );
                let sd = *scatter_dimension;
                let moved = rules::move_axis(&gathered, 0, sd);
                vec![Some(bind1(
                    LayoutOp::Reshape {
                        new_sizes: args[0].aval().shape.clone(),
                    },
                    &[&moved],
                ))]
            }
            // Sending the parts back is the all_to_all with the two axes swapped.
            CollectiveOp::AllToAll {
                axis_name,
                axis_size,
                split_axis,
                concat_axis,
                tiled,
            } => vec![Some(bind1(
                CollectiveOp::AllToAll {
                    axis_name: axis_name.clone(),
                    axis_size: *axis_size,
                    split_axis: *concat_axis,
                    concat_axis: *split_axis,
                    tiled: *tiled,
                },
                &[ct],
            ))],
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
        if matches!(
            self,
            CollectiveOp::PsumScatter { .. } | CollectiveOp::AllToAll { .. }
        ) {
            // Their axis parameters count the per-lane axes: put this batch axis first.
            let x = rules::bdim_to_front(args[0], dims[0], _axis_size);
            return (vec![bind1(self.shifted(), &[&x])], vec![Some(0)]);
        }
        let out = bind1(self.clone(), args);
        let d = match self {
            CollectiveOp::AllGather { .. } => dims[0].map(|d| d + 1),
            _ => dims.first().copied().flatten(),
        };
        (vec![out], vec![d])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![("axes", format!("('{}',)", self.axis_name()))];
        match self {
            CollectiveOp::Ppermute { perm, .. } => {
                let pairs: Vec<String> = perm.iter().map(|(s, d)| format!("({s}, {d})")).collect();
                p.push(("perm", format!("({},)", pairs.join(", "))));
            }
            CollectiveOp::PsumScatter {
                scatter_dimension,
                tiled,
                ..
            } => {
                p.push(("scatter_dimension", scatter_dimension.to_string()));
                p.push(("tiled", rules::py_bool(*tiled)));
            }
            CollectiveOp::AllToAll {
                split_axis,
                concat_axis,
                tiled,
                ..
            } => {
                p.push(("split_axis", split_axis.to_string()));
                p.push(("concat_axis", concat_axis.to_string()));
                p.push(("tiled", rules::py_bool(*tiled)));
            }
            _ => {}
        }
        p
    }
}
