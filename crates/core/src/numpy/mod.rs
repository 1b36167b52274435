//! The `jax.numpy`-level API: free functions named as in `jax.numpy`, plus the matching
//! methods on [`Array`]. Everything here is written in terms of primitives ([`crate::prims`]),
//! so it works unchanged under every transformation.

mod axes;
mod creation;
mod linalg;
mod manipulation;
mod math;
mod ops;
mod promotion;
mod reductions;

pub use axes::Axes;
pub use creation::*;
pub use linalg::*;
pub use manipulation::*;
pub use math::*;
pub use ops::Scalar;
pub use promotion::{broadcast_arrays, promote_dtypes, result_type};
pub use reductions::*;
