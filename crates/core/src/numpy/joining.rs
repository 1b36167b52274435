//! Joining and splitting: `concatenate`, `stack`, `hstack`, `vstack`, `split`,
//! `tile`, `repeat`, plus the triangle masks `tril` / `triu` (`pad` is in `pad.rs`).

use super::promotion::promote_dtypes;
use crate::array::{normalize_axis, Array, Shape};
use crate::lax;
use crate::prims::bind1;
use crate::prims::layout::LayoutOp;
use crate::prims::ops;

/// `jnp.concatenate(arrays, axis)`: joins arrays along an existing axis, promoting dtypes.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = jnp::zeros([2, 1]);
/// let b = jnp::ones([2, 2]);
/// assert_eq!(jnp::concatenate(&[&a, &b], 1).shape(), &[2, 3]);
/// ```
pub fn concatenate(arrays: &[&Array], axis: isize) -> Array {
    if arrays.is_empty() {
        panic!("concatenate: need at least one array to concatenate");
    }
    if arrays.iter().any(|a| a.ndim() == 0) {
        panic!("concatenate: zero-dimensional arrays cannot be concatenated");
    }
    let axis = normalize_axis(axis, arrays[0].ndim(), "concatenate");
    let promoted = promote_dtypes(arrays);
    let refs: Vec<&Array> = promoted.iter().collect();
    lax::concatenate(&refs, axis)
}

/// `jnp.stack(arrays, axis)`: joins arrays of one shape along a new axis.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let a = jnp::zeros([3]);
/// assert_eq!(jnp::stack(&[&a, &a], -1).shape(), &[3, 2]);
/// ```
pub fn stack(arrays: &[&Array], axis: isize) -> Array {
    if arrays.is_empty() {
        panic!("stack: need at least one array to stack");
    }
    let shape = arrays[0].shape_obj();
    if arrays.iter().any(|a| a.shape_obj() != shape) {
        let shapes: Vec<String> = arrays.iter().map(|a| a.shape_obj().to_string()).collect();
        panic!(
            "stack: All input arrays must have the same shape. Got {}",
            shapes.join(", ")
        );
    }
    let axis = normalize_axis(axis, shape.ndim() + 1, "stack");
    let expanded: Vec<Array> = promote_dtypes(arrays)
        .iter()
        .map(|a| {
            bind1(
                LayoutOp::ExpandDims {
                    dimensions: [axis].into_iter().collect(),
                },
                &[a],
            )
        })
        .collect();
    let refs: Vec<&Array> = expanded.iter().collect();
    lax::concatenate(&refs, axis)
}

/// `jnp.atleast_1d`: 0-d arrays become shape `[1]`; others are unchanged.
pub fn atleast_1d(x: &Array) -> Array {
    if x.ndim() == 0 {
        x.reshape([1])
    } else {
        x.clone()
    }
}

/// `jnp.atleast_2d`: 0-d arrays become `[1, 1]` and 1-d arrays `[1, n]`.
pub fn atleast_2d(x: &Array) -> Array {
    match x.ndim() {
        0 => x.reshape([1, 1]),
        1 => x.reshape([1, x.shape()[0]]),
        _ => x.clone(),
    }
}

/// `jnp.hstack`: concatenates along axis 0 for 1-d inputs, axis 1 otherwise.
pub fn hstack(arrays: &[&Array]) -> Array {
    let a: Vec<Array> = arrays.iter().map(|x| atleast_1d(x)).collect();
    let refs: Vec<&Array> = a.iter().collect();
    let axis = if refs.first().is_some_and(|x| x.ndim() == 1) {
        0
    } else {
        1
    };
    concatenate(&refs, axis)
}

/// `jnp.vstack`: stacks rows (1-d inputs become rows) along axis 0.
pub fn vstack(arrays: &[&Array]) -> Array {
    let a: Vec<Array> = arrays.iter().map(|x| atleast_2d(x)).collect();
    let refs: Vec<&Array> = a.iter().collect();
    concatenate(&refs, 0)
}

/// How [`split`] divides an axis: into `Count(n)` equal parts, or at the listed positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sections {
    /// This many equal parts (the axis length must be divisible by it).
    Count(usize),
    /// Split points: `[2, 5]` gives `[..2]`, `[2..5]`, `[5..]` (clamped to the axis).
    Indices(Vec<usize>),
}
impl From<usize> for Sections {
    fn from(n: usize) -> Sections {
        Sections::Count(n)
    }
}
impl From<i32> for Sections {
    fn from(n: i32) -> Sections {
        Sections::Count(usize::try_from(n).expect("split: the number of sections must be >= 0"))
    }
}
impl From<&[usize]> for Sections {
    fn from(v: &[usize]) -> Sections {
        Sections::Indices(v.to_vec())
    }
}
impl From<Vec<usize>> for Sections {
    fn from(v: Vec<usize>) -> Sections {
        Sections::Indices(v)
    }
}
impl<const N: usize> From<[usize; N]> for Sections {
    fn from(v: [usize; N]) -> Sections {
        Sections::Indices(v.to_vec())
    }
}

/// `jnp.split(x, sections, axis)`: sub-arrays along `axis`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(6);
/// let parts = jnp::split(&x, [1, 4], 0);
/// assert_eq!(parts[1].to_vec::<i32>(), vec![1, 2, 3]);
/// assert_eq!(jnp::split(&x, 3, 0).len(), 3);
/// ```
pub fn split(x: &Array, sections: impl Into<Sections>, axis: isize) -> Vec<Array> {
    split_impl(x, sections.into(), axis, "split")
}

/// JAX's `_split`: `op` names the caller; only `array_split` allows unequal parts.
fn split_impl(x: &Array, sections: Sections, axis: isize, op: &str) -> Vec<Array> {
    if x.ndim() == 0 {
        panic!("{op}: expected an array of rank >= 1, got a 0-d array");
    }
    let axis = normalize_axis(axis, x.ndim(), op);
    let d = x.shape()[axis];
    let bounds: Vec<usize> = match sections {
        Sections::Count(0) => panic!("{op}: the number of sections must be larger than 0"),
        Sections::Count(n) if op == "array_split" => {
            // The first `d % n` parts get one extra element.
            let (q, r) = (d / n, d % n);
            (0..=n).map(|i| i * q + i.min(r)).collect()
        }
        Sections::Count(n) => {
            if !d.is_multiple_of(n) {
                panic!(
                    "{op}: array split does not result in an equal division: rest is {} \
                     (axis {axis} of shape {} into {n} sections)",
                    d % n,
                    x.shape_obj()
                );
            }
            (0..=n).map(|i| i * (d / n)).collect()
        }
        Sections::Indices(v) => std::iter::once(0)
            .chain(v.into_iter().map(|i| i.min(d)))
            .chain(std::iter::once(d))
            .collect(),
    };
    bounds
        .windows(2)
        .map(|w| lax::slice_in_dim(x, w[0], w[1].max(w[0]), 1, axis))
        .collect()
}

/// `jnp.array_split(x, sections, axis)`: like [`split`], but `Count(n)` need not divide the
/// axis: the first `len % n` parts get one extra element.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let parts = jnp::array_split(&jnp::arange(9), 4, 0);
/// assert_eq!(parts.iter().map(|p| p.size()).collect::<Vec<_>>(), vec![3, 2, 2, 2]);
/// ```
pub fn array_split(x: &Array, sections: impl Into<Sections>, axis: isize) -> Vec<Array> {
    split_impl(x, sections.into(), axis, "array_split")
}

/// `jnp.hsplit(x, sections)`: [`split`] along axis 1 (axis 0 for 1-d arrays).
pub fn hsplit(x: &Array, sections: impl Into<Sections>) -> Vec<Array> {
    let axis = if x.ndim() == 1 { 0 } else { 1 };
    split_impl(x, sections.into(), axis, "hsplit")
}

/// `jnp.vsplit(x, sections)`: [`split`] along axis 0.
pub fn vsplit(x: &Array, sections: impl Into<Sections>) -> Vec<Array> {
    split_impl(x, sections.into(), 0, "vsplit")
}

/// `jnp.dsplit(x, sections)`: [`split`] along axis 2 (needs rank >= 3).
pub fn dsplit(x: &Array, sections: impl Into<Sections>) -> Vec<Array> {
    if x.ndim() < 3 {
        panic!(
            "dsplit: expected an array of rank >= 3, got shape {}",
            x.shape_obj()
        );
    }
    split_impl(x, sections.into(), 2, "dsplit")
}

/// `jnp.column_stack(arrays)`: 1-d (and 0-d) inputs become columns, then everything is
/// joined along axis 1, promoting dtypes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let y = jnp::column_stack(&[&jnp::arange(3), &jnp::zeros([3])]);
/// assert_eq!(y.shape(), &[3, 2]);
/// ```
pub fn column_stack(arrays: &[&Array]) -> Array {
    let a: Vec<Array> = arrays
        .iter()
        .map(|x| {
            if x.ndim() < 2 {
                let r = atleast_2d(x);
                let n = r.shape()[1];
                r.reshape([n, 1])
            } else {
                (*x).clone()
            }
        })
        .collect();
    concatenate(&a.iter().collect::<Vec<_>>(), 1)
}

/// `jnp.dstack(arrays)`: every input made at least 3-d ([`atleast_3d`](super::atleast_3d)),
/// then joined along axis 2, promoting dtypes.
pub fn dstack(arrays: &[&Array]) -> Array {
    let a: Vec<Array> = arrays.iter().map(|x| super::atleast_3d(x)).collect();
    concatenate(&a.iter().collect::<Vec<_>>(), 2)
}

/// A nested list of arrays for [`block`]: `Block::from(&x)` is a leaf, `Block::List` a level.
#[derive(Clone, Debug)]
pub enum Block {
    /// One array.
    Array(Array),
    /// A list of blocks, joined along the axis of its depth (the innermost lists along the
    /// last axis).
    List(Vec<Block>),
}

impl From<&Array> for Block {
    fn from(a: &Array) -> Block {
        Block::Array(a.clone())
    }
}
impl From<Array> for Block {
    fn from(a: Array) -> Block {
        Block::Array(a)
    }
}
impl<T: Into<Block>> From<Vec<T>> for Block {
    fn from(v: Vec<T>) -> Block {
        Block::List(v.into_iter().map(Into::into).collect())
    }
}

/// `jnp.block(arrays)`: assembles an array from nested lists of blocks (JAX's recursive
/// `_block`): a list whose elements have list depth `d` lifts them to rank
/// `max(d + 1, their ranks)` with leading ones and joins them along axis `-(d + 1)`, so the
/// innermost lists join along the last axis. The depth must be the same everywhere.
///
/// ```
/// use equinox_core::numpy::{self as jnp, Block};
/// let a = jnp::ones([2, 2]);
/// let b = jnp::zeros([2, 1]);
/// let m = jnp::block(&Block::from(vec![vec![&a, &b], vec![&a, &b]]));
/// assert_eq!(m.shape(), &[4, 3]);
/// ```
pub fn block(arrays: &Block) -> Array {
    /// The assembled block and its list depth (a leaf counts 1).
    fn go(b: &Block) -> (Array, usize) {
        match b {
            Block::Array(a) => (a.clone(), 1),
            Block::List(v) => {
                if v.is_empty() {
                    panic!("block: jax.numpy.block does not allow empty list arguments");
                }
                let (xs, depths): (Vec<Array>, Vec<usize>) = v.iter().map(go).unzip();
                if depths.iter().any(|&d| d != depths[0]) {
                    panic!("block: Mismatched list depths in jax.numpy.block (depths {depths:?})");
                }
                let rank = xs.iter().map(Array::ndim).max().unwrap().max(depths[0]);
                let xs: Vec<Array> = xs
                    .iter()
                    .map(|x| {
                        let mut shape = vec![1usize; rank - x.ndim()];
                        shape.extend_from_slice(x.shape());
                        x.reshape(shape)
                    })
                    .collect();
                let axis = -(depths[0] as isize);
                (
                    concatenate(&xs.iter().collect::<Vec<_>>(), axis),
                    depths[0] + 1,
                )
            }
        }
    }
    go(arrays).0
}

/// `jnp.tile(x, reps)`: repeats the whole array `reps[i]` times along each axis (shorter of
/// `x.ndim()` and `reps.len()` is padded with leading ones).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(2);
/// assert_eq!(jnp::tile(&x, &[2, 2]).to_vec::<i32>(), vec![0, 1, 0, 1, 0, 1, 0, 1]);
/// ```
pub fn tile(x: &Array, reps: &[usize]) -> Array {
    ops::tile(x, reps)
}

/// `jnp.repeat(x, repeats, axis)`: each element repeated `repeats` times along `axis` (of the
/// flattened array for `None`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(3);
/// assert_eq!(jnp::repeat(&x, 2, None).to_vec::<i32>(), vec![0, 0, 1, 1, 2, 2]);
/// ```
pub fn repeat(x: &Array, repeats: usize, axis: Option<isize>) -> Array {
    let (a, axis) = match axis {
        None => (x.ravel(), 0),
        Some(ax) => (x.clone(), normalize_axis(ax, x.ndim(), "repeat")),
    };
    let mut expanded = a.shape().to_vec();
    expanded.insert(axis + 1, 1);
    let mut target = expanded.clone();
    target[axis + 1] = repeats;
    let mut out = a.shape().to_vec();
    out[axis] *= repeats;
    let y = bind1(
        LayoutOp::BroadcastInDim {
            shape: Shape::new(&target),
            broadcast_dimensions: (0..target.len()).collect(),
        },
        &[&a.reshape(expanded)],
    );
    y.reshape(out)
}

/// `jnp.repeat(x, counts, axis)` with one count per element along `axis`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(3);
/// assert_eq!(jnp::repeat_counts(&x, &[0, 2, 1], Some(0)).to_vec::<i32>(), vec![1, 1, 2]);
/// ```
pub fn repeat_counts(x: &Array, counts: &[usize], axis: Option<isize>) -> Array {
    let (a, axis) = match axis {
        None => (x.ravel(), 0),
        Some(ax) => (x.clone(), normalize_axis(ax, x.ndim(), "repeat")),
    };
    if counts.len() != a.shape()[axis] {
        panic!(
            "repeat: {} counts given for axis {axis} of shape {}",
            counts.len(),
            a.shape_obj()
        );
    }
    let idx: Vec<i32> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i as i32, c))
        .collect();
    let n = idx.len();
    super::indexing::take_mode(
        &a,
        &Array::from_vec(idx, [n]),
        Some(axis as isize),
        lax::GatherScatterMode::PromiseInBounds,
        None,
    )
}

/// `jnp.tril(x, k)`: zeros above diagonal `k` of the last two axes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::ones([2, 2]);
/// assert_eq!(jnp::tril(&x, 0).to_vec::<f32>(), vec![1.0, 0.0, 1.0, 1.0]);
/// ```
pub fn tril(x: &Array, k: i64) -> Array {
    ops::tril(x, k)
}

/// `jnp.triu(x, k)`: zeros below diagonal `k` of the last two axes.
pub fn triu(x: &Array, k: i64) -> Array {
    ops::triu(x, k)
}
