//! Tuples of up to 12 PyTrees are PyTrees; elements have path keys `.0`, `.1`, ...

use super::path::{KeyPath, PathKey};
use super::pretty::{bracketed, Doc, PrettyOptions};
use super::pytree::{Difference, PyTree};
use crate::Array;
use std::hash::Hasher;

macro_rules! tuple_pytree {
    ($($idx:tt $t:ident),+) => {
        /// Elements are children with keys `.0`, `.1`, ...; prints as `(a, b)` (`(a,)` for one).
        impl<$($t: PyTree),+> PyTree for ($($t,)+) {
            #[inline]
            fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
                $(self.$idx.visit_leaves(f);)+
            }

            fn visit_leaves_with_path<'a>(
                &'a self,
                path: &mut KeyPath,
                f: &mut impl FnMut(&KeyPath, &'a Array),
            ) {
                $(path.with(PathKey::Position($idx), |p| self.$idx.visit_leaves_with_path(p, f));)+
            }

            #[inline]
            fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
                ($(self.$idx.map_leaves(f),)+)
            }

            fn map_leaves_with_path(
                &self,
                path: &mut KeyPath,
                f: &mut impl FnMut(&KeyPath, &Array) -> Array,
            ) -> Self {
                ($(path.with(PathKey::Position($idx), |p| self.$idx.map_leaves_with_path(p, f)),)+)
            }

            fn hash_static<H: Hasher>(&self, state: &mut H) {
                $(self.$idx.hash_static(state);)+
            }

            fn static_diff(&self, other: &Self) -> Option<Difference> {
                $(
                    if let Some(d) = self.$idx.static_diff(&other.$idx) {
                        return Some(d.at(PathKey::Position($idx)));
                    }
                )+
                None
            }

            fn pdoc(&self, opts: &PrettyOptions) -> Doc {
                let mut docs = vec![$(self.$idx.pdoc(opts)),+];
                if docs.len() == 1 {
                    // Python writes a one-element tuple with a trailing comma, as Rust does.
                    let only = docs.pop().expect("one element");
                    docs.push(only.then(Doc::text(",")));
                }
                bracketed(Doc::text("("), docs, Doc::text(")"), opts.indent)
            }
        }
    };
}

tuple_pytree!(0 T0);
tuple_pytree!(0 T0, 1 T1);
tuple_pytree!(0 T0, 1 T1, 2 T2);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7, 8 T8);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7, 8 T8, 9 T9);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7, 8 T8, 9 T9, 10 T10);
tuple_pytree!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7, 8 T8, 9 T9, 10 T10, 11 T11);
