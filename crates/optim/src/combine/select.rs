//! Choosing between two trees by a scalar predicate: the combinators' `lax.cond` between
//! "update" and "keep", computed as an element-wise select so that it traces under `jit`
//! with the predicate unknown and gives `lax.cond`'s values (both branches are pure).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};

/// `on_true` where the scalar `pred` holds, else `on_false`, leaf by leaf, in `on_false`'s
/// dtypes.
pub(crate) fn select_tree<P: PyTree>(pred: &Array, on_true: &P, on_false: &P) -> P {
    tree::map2(on_true, on_false, |t, f| {
        jnp::where_(pred, t, f).astype(f.dtype())
    })
}
