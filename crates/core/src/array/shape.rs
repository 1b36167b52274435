//! Shapes, strides and numpy broadcasting.

use smallvec::SmallVec;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// The dimensions of an array: a small vector of sizes, row-major.
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Shape(pub SmallVec<[usize; 6]>);

impl Shape {
    /// The shape with the given dimensions.
    pub fn new(dims: &[usize]) -> Shape {
        Shape(SmallVec::from_slice(dims))
    }

    /// The shape of a 0-d array.
    pub fn scalar() -> Shape {
        Shape(SmallVec::new())
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.len()
    }

    /// Number of elements (1 for a 0-d shape).
    ///
    /// Panics if the shape is not addressable (see [`Shape::checked_size`]): an array that
    /// claimed a wrapped-around size could index past its buffer, so no shape may overflow.
    pub fn size(&self) -> usize {
        self.checked_size().unwrap_or_else(|| {
            panic!(
                "shape {self} is too big: the product of its non-zero dimensions exceeds \
                 isize::MAX elements"
            )
        })
    }

    /// Number of elements, or `None` if the shape is not addressable: the product of its
    /// non-zero dimensions must not exceed `isize::MAX`, even when another dimension is zero.
    ///
    /// This is numpy's rule (`np.empty((2**62, 2**62, 0))` is "array is too big"). It lets
    /// every kernel multiply any subset of the dimensions (strides, window and block counts)
    /// with plain arithmetic, and keeps element offsets within `isize`/`i64`.
    pub fn checked_size(&self) -> Option<usize> {
        let nonzero = self
            .0
            .iter()
            .filter(|&&d| d != 0)
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= isize::MAX as usize)?;
        Some(if self.0.contains(&0) { 0 } else { nonzero })
    }

    /// Number of bytes an array of this shape with `itemsize`-byte elements occupies, or
    /// `None` if that is not addressable: like numpy (`np.empty(2**61, np.float64)` is "array
    /// is too big"), the item size times the non-zero dimensions must not exceed `isize::MAX`,
    /// so that a buffer of this many bytes can be allocated or refused cleanly, never
    /// requested with a wrapped-around length.
    pub fn checked_nbytes(&self, itemsize: usize) -> Option<usize> {
        let size = self.checked_size()?;
        let nonzero = self.0.iter().filter(|&&d| d != 0).product::<usize>();
        nonzero
            .checked_mul(itemsize)
            .filter(|&n| n <= isize::MAX as usize)?;
        Some(size * itemsize)
    }

    /// The dimensions as a slice.
    pub fn dims(&self) -> &[usize] {
        &self.0
    }

    /// Row-major (C order) strides in elements.
    pub fn strides(&self) -> SmallVec<[usize; 6]> {
        let mut strides = SmallVec::from_elem(0, self.ndim());
        let mut acc = 1usize;
        for i in (0..self.ndim()).rev() {
            strides[i] = acc;
            // Cannot overflow for a shape `checked_size` accepts; saturating keeps `strides`
            // total on the unchecked shapes that error messages describe.
            acc = acc.saturating_mul(self.0[i]);
        }
        strides
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

impl DerefMut for Shape {
    fn deref_mut(&mut self) -> &mut [usize] {
        &mut self.0
    }
}

impl From<&[usize]> for Shape {
    fn from(d: &[usize]) -> Shape {
        Shape::new(d)
    }
}
impl From<Vec<usize>> for Shape {
    fn from(d: Vec<usize>) -> Shape {
        Shape(SmallVec::from_vec(d))
    }
}
impl<const N: usize> From<[usize; N]> for Shape {
    fn from(d: [usize; N]) -> Shape {
        Shape::new(&d)
    }
}
impl<const N: usize> From<&[usize; N]> for Shape {
    fn from(d: &[usize; N]) -> Shape {
        Shape::new(d)
    }
}
impl From<&Vec<usize>> for Shape {
    fn from(d: &Vec<usize>) -> Shape {
        Shape::new(d)
    }
}
impl From<&Shape> for Shape {
    fn from(d: &Shape) -> Shape {
        d.clone()
    }
}
impl From<()> for Shape {
    fn from(_: ()) -> Shape {
        Shape::scalar()
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{d}")?;
        }
        if self.0.len() == 1 {
            write!(f, ",")?;
        }
        write!(f, ")")
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The numpy broadcast of two shapes, or `None` if they are incompatible.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Shape> {
    let n = a.len().max(b.len());
    let mut out = SmallVec::from_elem(0, n);
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(Shape(out))
}

/// Normalises a possibly negative axis for an array of rank `ndim`, panicking with the name of
/// the operation when it is out of range.
pub fn normalize_axis(axis: isize, ndim: usize, op: &str) -> usize {
    let n = ndim as isize;
    if axis < -n || axis >= n {
        panic!("{op}: axis {axis} is out of bounds for array of dimension {ndim}");
    }
    if axis < 0 {
        (axis + n) as usize
    } else {
        axis as usize
    }
}
