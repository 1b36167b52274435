//! Layout primitives: `broadcast_in_dim`, `reshape`, `transpose`, `squeeze`, `expand_dims`,
//! `rev`.

use super::rules::py_tuple;
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, Shape, ShapeDtype};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};
use smallvec::SmallVec;

/// A list of axes (a primitive parameter).
pub type Axes = SmallVec<[usize; 6]>;

/// A primitive that rearranges elements without computing on them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LayoutOp {
    /// Broadcasts the operand to `shape`; operand axis `i` becomes output axis
    /// `broadcast_dimensions[i]` (strictly increasing), whose size must equal it or be where
    /// the operand has size 1.
    BroadcastInDim {
        /// The output shape.
        shape: Shape,
        /// For each operand axis, the output axis it maps to.
        broadcast_dimensions: Axes,
    },
    /// Reinterprets the row-major elements under a new shape of the same size.
    Reshape {
        /// The output shape.
        new_sizes: Shape,
    },
    /// Permutes the axes: output axis `i` is operand axis `permutation[i]`.
    Transpose {
        /// A permutation of `0..ndim`.
        permutation: Axes,
    },
    /// Removes the listed axes, which must have size 1.
    Squeeze {
        /// Axes of the operand to remove (sorted, distinct).
        dimensions: Axes,
    },
    /// Inserts size-1 axes at the listed positions of the output.
    ExpandDims {
        /// Output axes that get size 1 (sorted, distinct).
        dimensions: Axes,
    },
    /// Reverses the order of elements along the listed axes.
    Rev {
        /// Axes to reverse.
        dimensions: Axes,
    },
}

/// `axes` (of a value without the batch axis) renumbered for the value with the batch axis
/// inserted at `bdim` (the `R` batching rules: shift the axes parameter past the batch axis).
pub(crate) fn shift_axes(axes: &[usize], bdim: usize) -> Axes {
    axes.iter()
        .map(|&a| if a >= bdim { a + 1 } else { a })
        .collect()
}

/// The single output of a layout primitive on `x`.
fn apply(op: LayoutOp, x: &Array) -> Array {
    bind1(op, &[x])
}

fn check_axes(op: &str, axes: &[usize], ndim: usize, args: &[&ShapeDtype]) {
    let mut seen = 0u64;
    for &a in axes {
        if a >= ndim || seen & (1 << a) != 0 {
            panic!(
                "{op}: axes {axes:?} must be distinct and in range for rank {ndim}; operand {}",
                describe(args)
            );
        }
        seen |= 1 << a;
    }
}

impl PrimitiveRule for LayoutOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let x = &args[0];
        let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
        Ok(vec![match self {
            LayoutOp::BroadcastInDim {
                broadcast_dimensions,
                ..
            } => cx.op(
                "stablehlo.broadcast_in_dim",
                &[x],
                &format!(
                    "broadcast_dimensions = {}",
                    i64_array(broadcast_dimensions.iter().map(|&d| d as i64))
                ),
                &out,
            ),
            LayoutOp::Reshape { .. } | LayoutOp::Squeeze { .. } | LayoutOp::ExpandDims { .. } => {
                cx.op("stablehlo.reshape", &[x], "", &out)
            }
            LayoutOp::Transpose { permutation } => cx.op(
                "stablehlo.transpose",
                &[x],
                &format!(
                    "permutation = {}",
                    i64_array(permutation.iter().map(|&d| d as i64))
                ),
                &out,
            ),
            LayoutOp::Rev { dimensions } => cx.op(
                "stablehlo.reverse",
                &[x],
                &format!(
                    "dimensions = {}",
                    i64_array(dimensions.iter().map(|&d| d as i64))
                ),
                &out,
            ),
        }])
    }

    fn name(&self) -> &'static str {
        match self {
            LayoutOp::BroadcastInDim { .. } => "broadcast_in_dim",
            LayoutOp::Reshape { .. } => "reshape",
            LayoutOp::Transpose { .. } => "transpose",
            LayoutOp::Squeeze { .. } => "squeeze",
            LayoutOp::ExpandDims { .. } => "expand_dims",
            LayoutOp::Rev { .. } => "rev",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 1);
        let x = args[0];
        let shape: Shape = match self {
            LayoutOp::BroadcastInDim {
                shape,
                broadcast_dimensions: dims,
            } => {
                let ok = dims.len() == x.ndim()
                    && dims.windows(2).all(|w| w[0] < w[1])
                    && dims
                        .iter()
                        .zip(x.shape.iter())
                        .all(|(&d, &s)| d < shape.ndim() && (s == 1 || s == shape[d]));
                if !ok {
                    panic!(
                        "broadcast_in_dim: cannot broadcast operand {} to shape {shape} with \
                         broadcast_dimensions {dims:?}; expected one strictly increasing output \
                         axis per operand axis, each of equal size or where the operand has size 1",
                        describe(args)
                    );
                }
                shape.clone()
            }
            LayoutOp::Reshape { new_sizes } => {
                if new_sizes.size() != x.size() {
                    panic!(
                        "reshape: cannot reshape array of shape {} (size {}) into shape \
                         {new_sizes} (size {}); operand {}",
                        x.shape,
                        x.size(),
                        new_sizes.size(),
                        describe(args)
                    );
                }
                new_sizes.clone()
            }
            LayoutOp::Transpose { permutation } => {
                let mut sorted = permutation.to_vec();
                sorted.sort_unstable();
                if sorted != (0..x.ndim()).collect::<Vec<_>>() {
                    panic!(
                        "transpose: transpose permutation isn't a permutation of operand \
                         dimensions, got permutation {} for operand shape {}; operand {}",
                        Shape::from(permutation.to_vec()),
                        x.shape,
                        describe(args)
                    );
                }
                Shape(permutation.iter().map(|&p| x.shape[p]).collect())
            }
            LayoutOp::Squeeze { dimensions } => {
                check_axes("squeeze", dimensions, x.ndim(), args);
                if let Some(&d) = dimensions.iter().find(|&&d| x.shape[d] != 1) {
                    panic!(
                        "squeeze: cannot select an axis to squeeze out which has size not equal \
                         to one, got shape={} and dimensions={}; axis {d} of operand {} has size {}",
                        x.shape,
                        Shape::from(dimensions.to_vec()),
                        describe(args),
                        x.shape[d]
                    );
                }
                Shape(
                    (0..x.ndim())
                        .filter(|i| !dimensions.contains(i))
                        .map(|i| x.shape[i])
                        .collect(),
                )
            }
            LayoutOp::ExpandDims { dimensions } => {
                let out_nd = x.ndim() + dimensions.len();
                check_axes("expand_dims", dimensions, out_nd, args);
                let mut rest = x.shape.iter();
                Shape(
                    (0..out_nd)
                        .map(|i| {
                            if dimensions.contains(&i) {
                                1
                            } else {
                                *rest.next().expect("ranks add up")
                            }
                        })
                        .collect(),
                )
            }
            LayoutOp::Rev { dimensions } => {
                check_axes("rev", dimensions, x.ndim(), args);
                x.shape.clone()
            }
        };
        vec![ShapeDtype {
            shape,
            dtype: x.dtype,
            weak_type: x.weak_type,
        }]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let out_aval = out[0].clone();
        let in_strides = row_major_strides(x.shape());
        let (strides, offset): (Vec<isize>, isize) = match self {
            // Pure reinterpretations share the buffer.
            LayoutOp::Reshape { .. } | LayoutOp::Squeeze { .. } | LayoutOp::ExpandDims { .. } => {
                return vec![Array::from_shared(x.shared_storage().clone(), out_aval)];
            }
            LayoutOp::BroadcastInDim {
                broadcast_dimensions: dims,
                ..
            } => {
                let mut s = vec![0isize; out_aval.ndim()];
                for (i, &d) in dims.iter().enumerate() {
                    if x.shape()[i] != 1 {
                        s[d] = in_strides[i];
                    }
                }
                (s, 0)
            }
            LayoutOp::Transpose { permutation } => {
                if permutation.iter().enumerate().all(|(i, &p)| i == p) {
                    return vec![Array::from_shared(x.shared_storage().clone(), out_aval)];
                }
                (permutation.iter().map(|&p| in_strides[p]).collect(), 0)
            }
            LayoutOp::Rev { dimensions } => {
                let mut s = in_strides.clone();
                let mut offset = 0isize;
                for &d in dimensions {
                    if x.shape()[d] > 0 {
                        offset += (x.shape()[d] as isize - 1) * s[d];
                    }
                    s[d] = -s[d];
                }
                (s, offset)
            }
        };
        let storage = crate::with_storage!(x.storage(), v => {
            <_ as crate::ArrayElement>::into_storage(strided_copy(v, &out_aval.shape, &strides, offset))
        });
        vec![Array::from_storage(storage, out_aval.shape.clone()).with_weak_type(out_aval.weak_type)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::linear_jvp(self.clone(), primals, tangents)
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("a transpose rule gets a cotangent");
        let operand = args[0].aval();
        let out = match self {
            LayoutOp::BroadcastInDim {
                shape,
                broadcast_dimensions: dims,
            } => {
                // Sum over the new axes and over the axes where a size-1 operand axis was
                // expanded (JAX keeps every size-1 operand axis out of the sum and reinserts it,
                // whatever its output size), then put the size-1 axes back.
                let unit: Axes = (0..operand.ndim())
                    .filter(|&i| operand.shape[i] == 1)
                    .collect();
                let kept: Axes = (0..operand.ndim())
                    .filter(|i| !unit.contains(i))
                    .map(|i| dims[i])
                    .collect();
                let axes: Axes = (0..shape.ndim()).filter(|a| !kept.contains(a)).collect();
                let summed = if axes.is_empty() {
                    ct.clone()
                } else {
                    rules::reduce_sum(ct, axes)
                };
                if unit.is_empty() {
                    summed
                } else {
                    apply(LayoutOp::ExpandDims { dimensions: unit }, &summed)
                }
            }
            LayoutOp::Reshape { .. } => apply(
                LayoutOp::Reshape {
                    new_sizes: operand.shape.clone(),
                },
                ct,
            ),
            LayoutOp::Transpose { permutation } => {
                let mut inverse: Axes = SmallVec::from_elem(0, permutation.len());
                for (i, &p) in permutation.iter().enumerate() {
                    inverse[p] = i;
                }
                apply(
                    LayoutOp::Transpose {
                        permutation: inverse,
                    },
                    ct,
                )
            }
            LayoutOp::Squeeze { dimensions } => apply(
                LayoutOp::ExpandDims {
                    dimensions: dimensions.clone(),
                },
                ct,
            ),
            LayoutOp::ExpandDims { dimensions } => apply(
                LayoutOp::Squeeze {
                    dimensions: dimensions.clone(),
                },
                ct,
            ),
            LayoutOp::Rev { dimensions } => apply(
                LayoutOp::Rev {
                    dimensions: dimensions.clone(),
                },
                ct,
            ),
        };
        vec![Some(out)]
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let x = args[0];
        let b = dims[0].expect("the only operand is batched");
        let (out, out_dim) = match self {
            LayoutOp::BroadcastInDim {
                shape,
                broadcast_dimensions: bd,
            } => {
                // The batch axis goes right after the output axis of the operand axis before
                // it, which keeps broadcast_dimensions increasing without moving anything.
                let o = if b == 0 { 0 } else { bd[b - 1] + 1 };
                let mut new_dims: Axes =
                    bd.iter().map(|&d| if d >= o { d + 1 } else { d }).collect();
                new_dims.insert(b, o);
                let mut new_shape = shape.0.clone();
                new_shape.insert(o, axis_size);
                let op = LayoutOp::BroadcastInDim {
                    shape: Shape(new_shape),
                    broadcast_dimensions: new_dims,
                };
                (apply(op, x), o)
            }
            LayoutOp::Reshape { new_sizes } => {
                let front = rules::move_axis(x, b, 0);
                let mut new_shape = new_sizes.0.clone();
                new_shape.insert(0, axis_size);
                let op = LayoutOp::Reshape {
                    new_sizes: Shape(new_shape),
                };
                (apply(op, &front), 0)
            }
            LayoutOp::Transpose { permutation } => {
                // The batch axis stays at `b` in the output.
                let mut perm: Axes = permutation
                    .iter()
                    .map(|&p| if p >= b { p + 1 } else { p })
                    .collect();
                perm.insert(b, b);
                (apply(LayoutOp::Transpose { permutation: perm }, x), b)
            }
            LayoutOp::Squeeze { dimensions } => {
                let before = dimensions.iter().filter(|&&d| d < b).count();
                let op = LayoutOp::Squeeze {
                    dimensions: shift_axes(dimensions, b),
                };
                (apply(op, x), b - before)
            }
            LayoutOp::ExpandDims { dimensions } => {
                // The batch axis goes just before the output position of operand axis `b`.
                let n = x.ndim() - 1;
                let out_nd = n + dimensions.len();
                let o = (0..out_nd)
                    .filter(|p| !dimensions.contains(p))
                    .nth(b)
                    .unwrap_or(out_nd);
                let op = LayoutOp::ExpandDims {
                    dimensions: dimensions
                        .iter()
                        .map(|&d| if d >= o { d + 1 } else { d })
                        .collect(),
                };
                (apply(op, x), o)
            }
            LayoutOp::Rev { dimensions } => {
                let op = LayoutOp::Rev {
                    dimensions: shift_axes(dimensions, b),
                };
                (apply(op, x), b)
            }
        };
        (vec![out], vec![Some(out_dim)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            // JAX leaves out the shape (the binder's type shows it) and empty dimensions.
            LayoutOp::BroadcastInDim {
                broadcast_dimensions,
                ..
            } if broadcast_dimensions.is_empty() => Vec::new(),
            LayoutOp::BroadcastInDim {
                broadcast_dimensions,
                ..
            } => vec![("broadcast_dimensions", py_tuple(broadcast_dimensions))],
            LayoutOp::Reshape { new_sizes } => vec![
                ("dimensions", "None".into()),
                ("new_sizes", py_tuple(new_sizes)),
                ("sharding", "None".into()),
            ],
            LayoutOp::Transpose { permutation } => vec![("permutation", py_tuple(permutation))],
            LayoutOp::Squeeze { dimensions }
            | LayoutOp::ExpandDims { dimensions }
            | LayoutOp::Rev { dimensions } => vec![("dimensions", py_tuple(dimensions))],
        }
    }
}
