//! Axis arguments: a single axis, several axes, or all of them.

use crate::array::normalize_axis;
use smallvec::SmallVec;

/// Which axes an operation acts on. Negative axes count from the end, as in numpy.
///
/// Built from an integer (`0`, `-1`), an array or slice of integers (`[0, 2]`), or `None` / `()`
/// for all axes:
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::ones([2, 3, 4]);
/// assert_eq!(x.sum(-1).shape(), &[2, 3]);
/// assert_eq!(x.sum([0, 2]).shape(), &[3]);
/// assert_eq!(x.sum(None).shape(), &[] as &[usize]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Axes {
    /// Every axis.
    All,
    /// The listed axes.
    Some(SmallVec<[isize; 6]>),
}

impl Axes {
    /// The axes as sorted non-negative indices for an array of rank `ndim`; panics naming `op`
    /// on an out-of-range or repeated axis.
    pub fn resolve(&self, ndim: usize, op: &str) -> SmallVec<[usize; 6]> {
        match self {
            Axes::All => (0..ndim).collect(),
            Axes::Some(list) => {
                let mut out: SmallVec<[usize; 6]> =
                    list.iter().map(|&a| normalize_axis(a, ndim, op)).collect();
                out.sort_unstable();
                if out.windows(2).any(|w| w[0] == w[1]) {
                    panic!("{op}: repeated axis in {list:?}");
                }
                out
            }
        }
    }
}

impl From<i32> for Axes {
    fn from(a: i32) -> Axes {
        Axes::Some(SmallVec::from_elem(a as isize, 1))
    }
}
impl From<isize> for Axes {
    fn from(a: isize) -> Axes {
        Axes::Some(SmallVec::from_elem(a, 1))
    }
}
impl From<usize> for Axes {
    fn from(a: usize) -> Axes {
        Axes::Some(SmallVec::from_elem(a as isize, 1))
    }
}
impl<const N: usize> From<[i32; N]> for Axes {
    fn from(a: [i32; N]) -> Axes {
        Axes::Some(a.iter().map(|&x| x as isize).collect())
    }
}
impl From<&[i32]> for Axes {
    fn from(a: &[i32]) -> Axes {
        Axes::Some(a.iter().map(|&x| x as isize).collect())
    }
}
impl From<&[usize]> for Axes {
    fn from(a: &[usize]) -> Axes {
        Axes::Some(a.iter().map(|&x| x as isize).collect())
    }
}
impl From<Vec<i32>> for Axes {
    fn from(a: Vec<i32>) -> Axes {
        Axes::Some(a.iter().map(|&x| x as isize).collect())
    }
}
impl From<Option<i32>> for Axes {
    fn from(a: Option<i32>) -> Axes {
        a.map_or(Axes::All, Axes::from)
    }
}
impl From<()> for Axes {
    fn from(_: ()) -> Axes {
        Axes::All
    }
}
