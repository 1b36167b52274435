//! Static values: numbers, strings, bools, `()`, dtypes and `fn` pointers are part of a tree's
//! structure, not leaves (Equinox's non-array fields). Also [`Static`], which makes any
//! `Clone + Hash + Eq + Debug` value static, and the helpers behind `#[module(static)]`.

use super::path::KeyPath;
use super::pretty::{Doc, PrettyOptions};
use super::pytree::{Difference, PyTree};
use crate::{Array, DType};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};

/// Implements `PyTree` for a static type with no leaves; `$eq`/`$hash` say how it is compared
/// and hashed, `$doc` how it prints.
macro_rules! static_pytree {
    (impl[$($gen:tt)*] $t:ty, |$a:ident, $b:ident| $eq:expr, |$s:ident, $h:ident| $hash:expr, |$p:ident| $doc:expr) => {
        impl<$($gen)*> PyTree for $t {
            #[inline]
            fn visit_leaves<'a>(&'a self, _f: &mut impl FnMut(&'a Array)) {}
            #[inline]
            fn visit_leaves_with_path<'a>(
                &'a self,
                _path: &mut KeyPath,
                _f: &mut impl FnMut(&KeyPath, &'a Array),
            ) {
            }
            #[inline]
            fn map_leaves(&self, _f: &mut impl FnMut(&Array) -> Array) -> Self {
                self.clone()
            }
            #[inline]
            fn map_leaves_with_path(
                &self,
                _path: &mut KeyPath,
                _f: &mut impl FnMut(&KeyPath, &Array) -> Array,
            ) -> Self {
                self.clone()
            }
            #[inline]
            fn hash_static<H: Hasher>(&self, state: &mut H) {
                let ($s, $h) = (self, state);
                $hash
            }
            fn static_diff(&self, other: &Self) -> Option<Difference> {
                let ($a, $b) = (self, other);
                if $eq {
                    None
                } else {
                    Some(Difference::new(format!("static values differ: {:?} != {:?}", $a, $b)))
                }
            }
            fn pdoc(&self, _opts: &PrettyOptions) -> Doc {
                let $p = self;
                $doc
            }
            #[inline]
            fn num_leaves(&self) -> usize {
                0
            }
        }
    };
}

macro_rules! static_eq_hash {
    ($($t:ty),*) => {$(
        static_pytree!(impl[] $t, |a, b| a == b, |s, h| s.hash(h), |p| Doc::text(format!("{p:?}")));
    )*};
}

static_eq_hash!(
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    String,
    &'static str,
    (),
    DType
);

// Floats compare and hash by bit pattern, so that hashing agrees with equality (NaN equals
// itself, 0.0 differs from -0.0) and a jit cache keyed on them is well defined.
static_pytree!(impl[] f32, |a, b| a.to_bits() == b.to_bits(), |s, h| h.write_u32(s.to_bits()),
    |p| Doc::text(format!("{p:?}")));
static_pytree!(impl[] f64, |a, b| a.to_bits() == b.to_bits(), |s, h| h.write_u64(s.to_bits()),
    |p| Doc::text(format!("{p:?}")));

// `fn` pointers are static (Equinox's activation fields) and compare by address. Rust gives no
// names for them, so they print as `<function>`. Only all-reference argument lists (and a few
// common reference-plus-scalar ones) are covered: impls for `fn(A)` and `fn(&A)` would overlap.
// Any other `fn` type can be kept with `#[module(static)]` or `Static`.
macro_rules! fn_pytree {
    ($([$($gen:ident),*] $t:ty;)*) => {$(
        static_pytree!(impl[$($gen: ?Sized,)* R] $t,
            |a, b| (*a as usize) == (*b as usize),
            |s, h| h.write_usize(*s as usize),
            |_p| Doc::text("<function>"));
    )*};
}

fn_pytree! {
    [] fn() -> R;
    [A] fn(&A) -> R;
    [A, B] fn(&A, &B) -> R;
    [A, B, C] fn(&A, &B, &C) -> R;
    [A, B, C, D] fn(&A, &B, &C, &D) -> R;
    [A] fn(&A, usize) -> R;
    [A] fn(&A, i32) -> R;
    [A] fn(&A, f32) -> R;
    [A] fn(&A, f64) -> R;
    [A] fn(&A, bool) -> R;
}

/// Hashes a static value (used by `#[module(static)]` fields and [`Static`]).
#[inline]
pub fn static_hash<T: Hash, H: Hasher>(value: &T, state: &mut H) {
    value.hash(state)
}

/// Compares two static values, describing the difference (used by `#[module(static)]` fields
/// and [`Static`]).
pub fn static_value_diff<T: Eq + Debug>(a: &T, b: &T) -> Option<Difference> {
    if a == b {
        None
    } else {
        Some(Difference::new(format!(
            "static values differ: {a:?} != {b:?}"
        )))
    }
}

/// The document of a static value: its `Debug` form.
pub fn static_pdoc<T: Debug>(value: &T) -> Doc {
    Doc::text(format!("{value:?}"))
}

/// Makes any `Clone + Hash + Eq + Debug` value static structure (Equinox's
/// `eqx.field(static=True)`): it has no leaves, is hashed and compared as a whole, and prints
/// with `Debug`. `#[module(static)]` on a field does the same without the wrapper.
///
/// ```
/// use equinox_core::tree::{self, PyTree, Static};
/// #[derive(Clone, Debug, Hash, PartialEq, Eq)]
/// enum Padding { Same, Valid }
/// let a = (Static(Padding::Same), 1usize);
/// let b = (Static(Padding::Valid), 1usize);
/// assert!(tree::leaves(&a).is_empty());
/// assert!(!a.static_eq(&b));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Static<T>(pub T);

static_pytree!(impl[T: Clone + Hash + Eq + Debug] Static<T>,
    |a, b| a.0 == b.0,
    |s, h| s.0.hash(h),
    |p| static_pdoc(&p.0));
