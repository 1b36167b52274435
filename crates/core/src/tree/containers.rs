//! `Option`, `Vec`, `[T; N]`, `Box` and `Arc` of PyTrees are PyTrees.

use super::path::{KeyPath, PathKey};
use super::pretty::{bracketed, Doc, PrettyOptions};
use super::pytree::{Difference, PyTree};
use crate::Array;
use std::hash::Hasher;
use std::sync::Arc;

/// `None` is an empty subtree (Equinox's `None` field); `Some(x)` is `x` itself: it adds no path
/// key and prints as `x`. Which of the two it is belongs to the static structure.
impl<T: PyTree> PyTree for Option<T> {
    #[inline]
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        if let Some(x) = self {
            x.visit_leaves(f)
        }
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        if let Some(x) = self {
            x.visit_leaves_with_path(path, f)
        }
    }

    #[inline]
    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        self.as_ref().map(|x| x.map_leaves(f))
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        self.as_ref().map(|x| x.map_leaves_with_path(path, f))
    }

    fn hash_static<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.is_some() as u8);
        if let Some(x) = self {
            x.hash_static(state)
        }
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        match (self, other) {
            (None, None) => None,
            (Some(a), Some(b)) => a.static_diff(b),
            (Some(_), None) => Some(Difference::new(
                "`Some` in the first tree, `None` in the other",
            )),
            (None, Some(_)) => Some(Difference::new(
                "`None` in the first tree, `Some` in the other",
            )),
        }
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        match self {
            None => Doc::text("None"),
            Some(x) => x.pdoc(opts),
        }
    }
}

/// Visits the leaves of a sequence's elements in order (shared by `Vec` and arrays).
#[inline]
fn visit_elements<'a, T: PyTree>(elements: &'a [T], f: &mut impl FnMut(&'a Array)) {
    for x in elements {
        x.visit_leaves(f)
    }
}

/// As [`visit_elements`], with each element under the path key `[i]`.
fn visit_elements_with_path<'a, T: PyTree>(
    elements: &'a [T],
    path: &mut KeyPath,
    f: &mut impl FnMut(&KeyPath, &'a Array),
) {
    for (i, x) in elements.iter().enumerate() {
        path.with(PathKey::Index(i), |p| x.visit_leaves_with_path(p, f))
    }
}

/// Elements are children with keys `[i]`; the length is static. Prints as `[a, b, ...]`.
impl<T: PyTree> PyTree for Vec<T> {
    #[inline]
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        visit_elements(self, f)
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        visit_elements_with_path(self, path, f)
    }

    #[inline]
    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        self.iter().map(|x| x.map_leaves(f)).collect()
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        self.iter()
            .enumerate()
            .map(|(i, x)| path.with(PathKey::Index(i), |p| x.map_leaves_with_path(p, f)))
            .collect()
    }

    fn hash_static<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for x in self {
            x.hash_static(state)
        }
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        slice_diff(self, other)
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        slice_pdoc(self, opts)
    }
}

fn slice_diff<T: PyTree>(a: &[T], b: &[T]) -> Option<Difference> {
    if a.len() != b.len() {
        return Some(Difference::new(format!(
            "sequence lengths differ: {} != {}",
            a.len(),
            b.len()
        )));
    }
    a.iter()
        .zip(b)
        .enumerate()
        .find_map(|(i, (x, y))| x.static_diff(y).map(|d| d.at(PathKey::Index(i))))
}

fn slice_pdoc<T: PyTree>(items: &[T], opts: &PrettyOptions) -> Doc {
    bracketed(
        Doc::text("["),
        items.iter().map(|x| x.pdoc(opts)).collect(),
        Doc::text("]"),
        opts.indent,
    )
}

/// As `Vec<T>`, with the length fixed by the type.
impl<T: PyTree, const N: usize> PyTree for [T; N] {
    #[inline]
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        visit_elements(self, f)
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        visit_elements_with_path(self, path, f)
    }

    #[inline]
    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        // `from_fn` calls the closure for indices 0, 1, ... in order, keeping leaf order.
        std::array::from_fn(|i| self[i].map_leaves(f))
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        std::array::from_fn(|i| {
            path.with(PathKey::Index(i), |p| self[i].map_leaves_with_path(p, f))
        })
    }

    fn hash_static<H: Hasher>(&self, state: &mut H) {
        for x in self {
            x.hash_static(state)
        }
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        slice_diff(self, other)
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        slice_pdoc(self, opts)
    }
}

/// Implements `PyTree` for a pointer type that is transparent: same leaves, paths and printing
/// as its pointee.
macro_rules! transparent_pointer {
    ($ptr:ident) => {
        /// Transparent: the pointee's leaves, paths, structure and printing.
        impl<T: PyTree> PyTree for $ptr<T> {
            #[inline]
            fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
                (**self).visit_leaves(f)
            }

            fn visit_leaves_with_path<'a>(
                &'a self,
                path: &mut KeyPath,
                f: &mut impl FnMut(&KeyPath, &'a Array),
            ) {
                (**self).visit_leaves_with_path(path, f)
            }

            #[inline]
            fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
                $ptr::new((**self).map_leaves(f))
            }

            fn map_leaves_with_path(
                &self,
                path: &mut KeyPath,
                f: &mut impl FnMut(&KeyPath, &Array) -> Array,
            ) -> Self {
                $ptr::new((**self).map_leaves_with_path(path, f))
            }

            fn hash_static<H: Hasher>(&self, state: &mut H) {
                (**self).hash_static(state)
            }

            fn static_diff(&self, other: &Self) -> Option<Difference> {
                (**self).static_diff(&**other)
            }

            fn pdoc(&self, opts: &PrettyOptions) -> Doc {
                (**self).pdoc(opts)
            }

            fn num_leaves(&self) -> usize {
                (**self).num_leaves()
            }
        }
    };
}

transparent_pointer!(Box);
transparent_pointer!(Arc);
