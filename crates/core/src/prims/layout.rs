//! Layout primitives: `broadcast_in_dim`, `reshape`, `transpose`, `squeeze`, `expand_dims`,
//! `rev`.

use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{Array, Shape, ShapeDtype};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
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
                        "reshape: cannot reshape {} ({} elements) into shape {new_sizes} ({} elements)",
                        describe(args),
                        x.size(),
                        new_sizes.size()
                    );
                }
                new_sizes.clone()
            }
            LayoutOp::Transpose { permutation } => {
                if permutation.len() != x.ndim() {
                    panic!(
                        "transpose: permutation {permutation:?} does not match operand {}",
                        describe(args)
                    );
                }
                check_axes("transpose", permutation, x.ndim(), args);
                Shape(permutation.iter().map(|&p| x.shape[p]).collect())
            }
            LayoutOp::Squeeze { dimensions } => {
                check_axes("squeeze", dimensions, x.ndim(), args);
                if let Some(&d) = dimensions.iter().find(|&&d| x.shape[d] != 1) {
                    panic!(
                        "squeeze: axis {d} of operand {} has size {}, expected 1",
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
            <_ as crate::Element>::into_storage(strided_copy(v, &out_aval.shape, &strides, offset))
        });
        vec![Array::from_storage(storage, out_aval.shape.clone()).with_weak_type(out_aval.weak_type)]
    }
}
