//! `Array`: the only kind of leaf.

use super::path::KeyPath;
use super::pretty::{Doc, PrettyOptions};
use super::pytree::{Difference, PyTree};
use crate::Array;
use std::hash::Hasher;

/// Equinox's short form of an array: `f32[4,3]`, `weak_f32[]`.
pub fn array_summary(a: &Array) -> String {
    let weak = if a.weak_type() { "weak_" } else { "" };
    let dims: Vec<String> = a.shape().iter().map(|d| d.to_string()).collect();
    format!("{weak}{}[{}]", a.dtype().short_name(), dims.join(","))
}

/// An array is a single leaf. Its value and abstract value are not static structure: two
/// arrays of different shapes have the same structure (as in JAX).
impl PyTree for Array {
    #[inline]
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        f(self)
    }

    #[inline]
    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        f(path, self)
    }

    #[inline]
    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        f(self)
    }

    #[inline]
    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        f(path, self)
    }

    #[inline]
    fn hash_static<H: Hasher>(&self, _state: &mut H) {}

    #[inline]
    fn static_diff(&self, _other: &Self) -> Option<Difference> {
        None
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        if self.is_filtered_out() {
            // Equinox's filter/partition leave `None` where a leaf was removed.
            Doc::text("None")
        } else if opts.leaves_as_star {
            Doc::text("*")
        } else if opts.short_arrays {
            Doc::text(array_summary(self))
        } else {
            Doc::text(format!("{self:?}"))
        }
    }

    #[inline]
    fn num_leaves(&self) -> usize {
        1
    }
}
