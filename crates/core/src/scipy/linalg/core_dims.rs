//! The shape rules JAX's solvers get from `jnp.vectorize` with the core signatures
//! `(n,n),(n)->(n)` (one right-hand side vector) and `(n,n),(n,k)->(n,k)`: core sizes must
//! agree and the leading (batch) axes broadcast, with `jnp.vectorize`'s messages.

use crate::array::{broadcast_shapes, Array};
use crate::numpy as jnp;
use crate::prims::rules::py_tuple;

/// Whether `b` holds right-hand side vectors for the matrices `a`: JAX takes the vector
/// signature for a one-axis `b`, and (deprecated there, kept for parity) for a `b` with one
/// axis fewer than `a` whose last axis matches `a`'s.
pub(super) fn is_vector_rhs(a: &Array, b: &Array) -> bool {
    b.ndim() == 1 || (a.ndim() == b.ndim() + 1 && a.shape().last() == b.shape().last())
}

/// `args` = `[a, extra.., b]` (core shapes `(n,n)`, `(n)` for each extra, and `(n)` or
/// `(n,k)` for `b`) checked and broadcast to their common batch shape; a vector `b` comes
/// back with a trailing unit axis so that the caller solves matrices only (see [`finish`]).
pub(super) fn broadcast_operands(args: &[&Array], vector: bool) -> Vec<Array> {
    let last = args.len() - 1;
    let core = |i: usize| -> &'static [&'static str] {
        match i {
            0 => &["n", "n"],
            _ if i < last || vector => &["n"],
            _ => &["n", "k"],
        }
    };
    let signature = format!(
        "{}->{}",
        (0..args.len())
            .map(|i| format!("({})", core(i).join(",")))
            .collect::<Vec<_>>()
            .join(","),
        if vector { "(n)" } else { "(n,k)" }
    );
    let mut sizes: Vec<(&str, usize)> = Vec::new();
    for (i, x) in args.iter().enumerate() {
        let dims = core(i);
        if x.ndim() < dims.len() {
            panic!(
                "input with shape {} does not have enough dimensions for all core dimensions \
                 ({}) on vectorized function with excluded=frozenset() and signature='{signature}'",
                py_tuple(x.shape()),
                dims.iter()
                    .map(|d| format!("'{d}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let tail = &x.shape()[x.ndim() - dims.len()..];
        for (&dim, &size) in dims.iter().zip(tail) {
            match sizes.iter().find(|(d, _)| *d == dim) {
                Some(&(_, known)) if known != size => panic!(
                    "inconsistent size for core dimension '{dim}': {size} vs {known} on \
                     vectorized function with excluded=frozenset() and signature='{signature}'"
                ),
                Some(_) => {}
                None => sizes.push((dim, size)),
            }
        }
    }
    let batches: Vec<&[usize]> = args
        .iter()
        .enumerate()
        .map(|(i, x)| &x.shape()[..x.ndim() - core(i).len()])
        .collect();
    let batch = batches
        .iter()
        .try_fold(Vec::new(), |acc, s| {
            broadcast_shapes(&acc, s).map(|s| s.to_vec())
        })
        .unwrap_or_else(|| {
            panic!(
                "Incompatible shapes for broadcasting: shapes=[{}]",
                batches
                    .iter()
                    .map(|s| py_tuple(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    args.iter()
        .enumerate()
        .map(|(i, x)| {
            let tail = &x.shape()[x.ndim() - core(i).len()..];
            let shape: Vec<usize> = batch.iter().chain(tail).copied().collect();
            let x = jnp::broadcast_to(x, shape);
            if i == last && vector {
                jnp::expand_dims(&x, -1)
            } else {
                x
            }
        })
        .collect()
}

/// The solution of the matrix system built by [`broadcast_operands`], with the unit axis of
/// a vector right-hand side removed again.
pub(super) fn finish(x: Array, vector: bool) -> Array {
    if vector {
        jnp::squeeze(&x, -1)
    } else {
        x
    }
}
