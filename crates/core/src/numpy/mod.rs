//! The `jax.numpy`-level API: free functions named as in `jax.numpy`, plus the matching
//! methods on [`Array`](crate::Array). Everything here is written in terms of primitives ([`crate::prims`]),
//! so it works unchanged under every transformation.

mod axes;
mod closeness;
mod creation;
mod cumulative;
mod indexing;
mod joining;
mod linalg;
mod logaddexp;
mod manipulation;
mod math;
mod ops;
mod pad;
mod promotion;
mod reductions;
mod sorting;

pub use axes::Axes;
pub use closeness::{allclose, isclose};
pub use creation::*;
pub use cumulative::*;
pub use indexing::{index, take, take_along_axis, take_mode, At, Index, UpdateValue, NEWAXIS};
pub use joining::*;
pub use linalg::*;
pub use logaddexp::logaddexp;
pub use manipulation::*;
pub use math::*;
pub use ops::Scalar;
pub use pad::{pad, pad_with, PadMode, PadOptions, ReflectType};
pub use promotion::{broadcast_arrays, promote_dtypes, result_type};
pub use reductions::*;
pub use sorting::*;
