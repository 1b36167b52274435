//! The `jax.lax`-level functions that are more than a single primitive call, or that users
//! reach for by their lax name. One file per concept.

mod stop_gradient;

pub use stop_gradient::stop_gradient;
