//! Transformations keep the signature of the function they transform: a function of one to
//! eight arguments (taken by reference) becomes a function of the same arguments.
//!
//! [`FnArgs`] is implemented for every `Fn(&A1, ..., &An) -> R` (n = 1..=8); the `Marker` type
//! parameter (`fn(A1, ..., An) -> R`) only tells the implementations apart, and is inferred. A
//! transformation either acts on the first argument with the others held fixed
//! ([`FnArgs::map_first`]: the `grad` family, as in JAX's default `argnums=0` and Equinox's
//! filtered versions) or on all arguments as one tuple ([`FnArgs::map_all`]: `vmap`, `jit`).
//! The result is a boxed closure, callable like the original.

use crate::tree::PyTree;

/// A function of 1 to 8 arguments taken by reference. See the module documentation.
pub trait FnArgs<'f, Marker>: 'f {
    /// The first argument's type.
    type First;
    /// The tuple of all arguments' types.
    type Tuple;
    /// The result type.
    type Output;
    /// A function of the same arguments returning `O`.
    type With<O: 'f>;

    /// Builds a function of the same arguments that calls `t` with this function restricted to
    /// its first argument (the others bound to the values given) and that first argument.
    fn map_first<O: 'f>(
        self,
        t: impl Fn(&dyn Fn(&Self::First) -> Self::Output, &Self::First) -> O + 'f,
    ) -> Self::With<O>;
}

/// A function of 1 to 8 PyTree arguments, transformable as a whole (`vmap`, `jit`).
pub trait FnArgsAll<'f, Marker>: FnArgs<'f, Marker> {
    /// Builds a function of the same arguments that calls `t` with this function of the tuple
    /// of arguments and that tuple (built by cloning the arguments: a reference-count
    /// increment per leaf).
    fn map_all<O: 'f>(
        self,
        t: impl Fn(&dyn Fn(&Self::Tuple) -> Self::Output, &Self::Tuple) -> O + 'f,
    ) -> Self::With<O>;

    /// A function of the same arguments returning `O`, except that the first is taken by
    /// value.
    type WithFirstOwned<O: 'f>;

    /// Like [`FnArgsAll::map_all`], but the built function takes its first argument by value
    /// and moves it into the tuple (the others are cloned), so `t` may consume it (buffer
    /// donation); `t` also gets the number of array leaves of that first argument, which
    /// come first among the tuple's leaves.
    fn map_all_owning_first<O: 'f>(
        self,
        t: impl Fn(&dyn Fn(&Self::Tuple) -> Self::Output, Self::Tuple, usize) -> O + 'f,
    ) -> Self::WithFirstOwned<O>;
}

/// A copy of a PyTree (arrays shared, static parts cloned).
pub(crate) fn clone_tree<T: PyTree>(x: &T) -> T {
    x.map_leaves(&mut |l| l.clone())
}

macro_rules! impl_fn_args {
    ($first:ident $fv:ident $(, $rest:ident $rv:ident)*; $($idx:tt),+) => {
        impl<'f, F, $first: 'f, $($rest: 'f,)* R: 'f> FnArgs<'f, fn($first, $($rest),*) -> R> for F
        where
            F: Fn(&$first, $(&$rest),*) -> R + 'f,
        {
            type First = $first;
            type Tuple = ($first, $($rest,)*);
            type Output = R;
            type With<O: 'f> = Box<dyn Fn(&$first, $(&$rest),*) -> O + 'f>;

            fn map_first<O: 'f>(
                self,
                t: impl Fn(&dyn Fn(&$first) -> R, &$first) -> O + 'f,
            ) -> Self::With<O> {
                Box::new(move |$fv: &$first, $($rv: &$rest),*| t(&|x: &$first| self(x, $($rv),*), $fv))
            }
        }

        impl<'f, F, $first: PyTree + 'f, $($rest: PyTree + 'f,)* R: 'f> FnArgsAll<'f, fn($first, $($rest),*) -> R> for F
        where
            F: Fn(&$first, $(&$rest),*) -> R + 'f,
        {
            fn map_all<O: 'f>(
                self,
                t: impl Fn(&dyn Fn(&Self::Tuple) -> R, &Self::Tuple) -> O + 'f,
            ) -> Self::With<O> {
                Box::new(move |$fv: &$first, $($rv: &$rest),*| {
                    let args: Self::Tuple = (clone_tree($fv), $(clone_tree($rv),)*);
                    t(&|a: &Self::Tuple| self($(&a.$idx),+), &args)
                })
            }

            type WithFirstOwned<O: 'f> = Box<dyn Fn($first, $(&$rest),*) -> O + 'f>;

            fn map_all_owning_first<O: 'f>(
                self,
                t: impl Fn(&dyn Fn(&Self::Tuple) -> R, Self::Tuple, usize) -> O + 'f,
            ) -> Self::WithFirstOwned<O> {
                Box::new(move |$fv: $first, $($rv: &$rest),*| {
                    let first_leaves = crate::tree::num_leaves(&$fv);
                    let args: Self::Tuple = ($fv, $(clone_tree($rv),)*);
                    t(&|a: &Self::Tuple| self($(&a.$idx),+), args, first_leaves)
                })
            }
        }
    };
}

impl_fn_args!(A1 a1; 0);
impl_fn_args!(A1 a1, A2 a2; 0, 1);
impl_fn_args!(A1 a1, A2 a2, A3 a3; 0, 1, 2);
impl_fn_args!(A1 a1, A2 a2, A3 a3, A4 a4; 0, 1, 2, 3);
impl_fn_args!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5; 0, 1, 2, 3, 4);
impl_fn_args!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6; 0, 1, 2, 3, 4, 5);
impl_fn_args!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7; 0, 1, 2, 3, 4, 5, 6);
impl_fn_args!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8; 0, 1, 2, 3, 4, 5, 6, 7);
