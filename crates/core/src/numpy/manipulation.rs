//! Shape manipulation: `reshape`, `transpose`, `swapaxes`, `moveaxis`, `squeeze`,
//! `expand_dims`, `ravel`, `broadcast_to`, `flip`.

use super::axes::Axes;
use super::promotion::broadcast_to_shape;
use crate::array::{normalize_axis, Array, Shape};
use crate::prims::bind1;
use crate::prims::layout::LayoutOp;
use smallvec::SmallVec;

/// A target shape for [`reshape`]: sizes, where one entry may be `-1` (inferred).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewShape(pub SmallVec<[i64; 6]>);

macro_rules! new_shape_from {
    ($($t:ty),*) => {$(
        impl<const N: usize> From<[$t; N]> for NewShape {
            fn from(d: [$t; N]) -> NewShape {
                NewShape(d.iter().map(|&x| x as i64).collect())
            }
        }
        impl From<&[$t]> for NewShape {
            fn from(d: &[$t]) -> NewShape {
                NewShape(d.iter().map(|&x| x as i64).collect())
            }
        }
        impl From<Vec<$t>> for NewShape {
            fn from(d: Vec<$t>) -> NewShape {
                NewShape(d.iter().map(|&x| x as i64).collect())
            }
        }
    )*};
}
new_shape_from!(i32, i64, usize);

impl From<&Shape> for NewShape {
    fn from(s: &Shape) -> NewShape {
        NewShape(s.iter().map(|&x| x as i64).collect())
    }
}
impl From<Shape> for NewShape {
    fn from(s: Shape) -> NewShape {
        NewShape(s.iter().map(|&x| x as i64).collect())
    }
}
impl From<i32> for NewShape {
    fn from(d: i32) -> NewShape {
        NewShape(SmallVec::from_elem(d as i64, 1))
    }
}

impl NewShape {
    fn resolve(&self, size: usize, from: &Shape) -> Shape {
        let n_infer = self.0.iter().filter(|&&d| d == -1).count();
        if n_infer > 1 || self.0.iter().any(|&d| d < -1) {
            panic!(
                "reshape: invalid new shape {:?} (at most one -1, no other negatives)",
                self.0
            );
        }
        let known = self
            .0
            .iter()
            .filter(|&&d| d != -1)
            .try_fold(1i64, |acc, &d| acc.checked_mul(d))
            .unwrap_or_else(|| {
                panic!(
                    "reshape: the new shape {:?} is too big: the product of its non-zero dimensions exceeds isize::MAX elements",
                    self.0
                )
            });
        let dims: SmallVec<[usize; 6]> = self
            .0
            .iter()
            .map(|&d| {
                if d == -1 {
                    if known == 0 || size as i64 % known != 0 {
                        panic!(
                            "reshape: cannot infer the -1 in {:?} for an array of shape {from} ({size} elements)",
                            self.0
                        );
                    }
                    (size as i64 / known) as usize
                } else {
                    d as usize
                }
            })
            .collect();
        Shape(dims)
    }
}

/// Gives `x` a new shape with the same number of elements; one entry may be `-1`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(6).reshape([-1, 2]);
/// assert_eq!(x.shape(), &[3, 2]);
/// ```
pub fn reshape(x: &Array, shape: impl Into<NewShape>) -> Array {
    let new_sizes = shape.into().resolve(x.size(), x.shape_obj());
    if new_sizes == *x.shape_obj() {
        return x.clone();
    }
    bind1(LayoutOp::Reshape { new_sizes }, &[x])
}

/// Permutes axes; `None` reverses them (`jnp.transpose`).
pub fn transpose(x: &Array, axes: Option<&[isize]>) -> Array {
    let nd = x.ndim();
    let permutation: SmallVec<[usize; 6]> = match axes {
        None => (0..nd).rev().collect(),
        Some(a) => {
            if a.len() != nd {
                panic!(
                    "transpose: axes {a:?} do not match an array of shape {}",
                    x.shape_obj()
                );
            }
            a.iter()
                .map(|&p| normalize_axis(p, nd, "transpose"))
                .collect()
        }
    };
    bind1(LayoutOp::Transpose { permutation }, &[x])
}

/// Swaps two axes.
pub fn swapaxes(x: &Array, a: isize, b: isize) -> Array {
    let nd = x.ndim();
    let (a, b) = (
        normalize_axis(a, nd, "swapaxes"),
        normalize_axis(b, nd, "swapaxes"),
    );
    let mut perm: SmallVec<[usize; 6]> = (0..nd).collect();
    perm.swap(a, b);
    bind1(LayoutOp::Transpose { permutation: perm }, &[x])
}

/// Moves axis `source` to position `destination`.
pub fn moveaxis(x: &Array, source: isize, destination: isize) -> Array {
    let nd = x.ndim();
    let s = normalize_axis(source, nd, "moveaxis");
    let d = normalize_axis(destination, nd, "moveaxis");
    crate::prims::ops::moveaxis(x, s, d)
}

/// Removes size-1 axes: the listed ones, or all of them for `None`.
pub fn squeeze(x: &Array, axes: impl Into<Axes>) -> Array {
    let dims: SmallVec<[usize; 6]> = match axes.into() {
        Axes::All => (0..x.ndim()).filter(|&i| x.shape()[i] == 1).collect(),
        a => a.resolve(x.ndim(), "squeeze"),
    };
    if dims.is_empty() {
        return x.clone();
    }
    bind1(LayoutOp::Squeeze { dimensions: dims }, &[x])
}

/// Inserts a size-1 axis at each listed position of the result.
pub fn expand_dims(x: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    let n_new = match &axes {
        Axes::All => panic!("expand_dims: an explicit axis is required"),
        Axes::Some(a) => a.len(),
    };
    let dims = axes.resolve(x.ndim() + n_new, "expand_dims");
    bind1(LayoutOp::ExpandDims { dimensions: dims }, &[x])
}

/// Flattens to one dimension (row-major).
pub fn ravel(x: &Array) -> Array {
    reshape(x, [x.size()])
}

/// Broadcasts `x` to `shape` with numpy's rules.
pub fn broadcast_to(x: &Array, shape: impl Into<Shape>) -> Array {
    broadcast_to_shape(x, &shape.into(), "broadcast_to")
}

/// Reverses the order of elements along the given axes (all axes for `None`).
pub fn flip(x: &Array, axes: impl Into<Axes>) -> Array {
    let dims = axes.into().resolve(x.ndim(), "flip");
    bind1(LayoutOp::Rev { dimensions: dims }, &[x])
}

impl Array {
    /// Gives the array a new shape; one entry may be `-1`.
    pub fn reshape(&self, shape: impl Into<NewShape>) -> Array {
        reshape(self, shape)
    }
    /// Reverses the axes (the matrix transpose for 2-D arrays).
    pub fn t(&self) -> Array {
        transpose(self, None)
    }
    /// Permutes the axes.
    pub fn transpose(&self, axes: &[isize]) -> Array {
        transpose(self, Some(axes))
    }
    /// Swaps two axes.
    pub fn swapaxes(&self, a: isize, b: isize) -> Array {
        swapaxes(self, a, b)
    }
    /// Flattens to one dimension.
    pub fn ravel(&self) -> Array {
        ravel(self)
    }
    /// Flattens to one dimension (alias of [`Array::ravel`]).
    pub fn flatten(&self) -> Array {
        ravel(self)
    }
    /// Removes size-1 axes.
    pub fn squeeze(&self, axes: impl Into<Axes>) -> Array {
        squeeze(self, axes)
    }
    /// Inserts size-1 axes.
    pub fn expand_dims(&self, axes: impl Into<Axes>) -> Array {
        expand_dims(self, axes)
    }
    /// Broadcasts to a shape.
    pub fn broadcast_to(&self, shape: impl Into<Shape>) -> Array {
        broadcast_to(self, shape)
    }
}
