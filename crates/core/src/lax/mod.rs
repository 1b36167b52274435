//! The `jax.lax`-level API: thin, checked wrappers that bind one primitive each, with JAX's
//! argument conventions (string padding, dimension-number specs, optional dilations). One file
//! per concept.

mod conv;
mod dot;
mod window;

pub use conv::*;
pub use dot::*;
pub use window::*;
