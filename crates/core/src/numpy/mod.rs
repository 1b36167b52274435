//! The `jax.numpy`-level API: free functions named as in `jax.numpy`, plus the matching
//! methods on [`Array`](crate::Array). Everything here is written in terms of primitives ([`crate::prims`]),
//! so it works unchanged under every transformation.

mod aliases;
mod axes;
mod bits;
mod closeness;
mod complex;
mod creation;
mod cumulative;
mod dtypes;
pub mod fft;
mod float_parts;
mod functional;
mod histograms;
mod index_tricks;
mod indexing;
mod joining;
pub mod linalg;
mod logaddexp;
mod manipulation;
mod math;
mod matrices;
pub mod npy;
mod ops;
mod pad;
mod placing;
mod polynomials;
mod products;
pub(crate) mod promotion;
mod rearranging;
mod reductions;
mod set_ops;
mod signal;
mod sorting;
mod statistics;
mod ufuncs;
mod window_functions;

pub use aliases::*;
pub use axes::Axes;
pub use bits::*;
pub use closeness::{allclose, array_equal, array_equal_with, array_equiv, isclose};
pub use complex::*;
pub use creation::*;
pub use cumulative::*;
pub use dtypes::*;
pub use float_parts::*;
pub use functional::*;
pub use histograms::*;
pub use index_tricks::*;
pub use indexing::{index, take, take_along_axis, take_mode, At, Index, UpdateValue, NEWAXIS};
pub use joining::*;
pub use logaddexp::logaddexp;
pub use manipulation::*;
pub use math::*;
pub use matrices::*;
pub use npy::{load, read_npy, read_npy_like, save, write_npy, NpyError};
pub use ops::Scalar;
pub use pad::{pad, pad_with, PadMode, PadOptions, ReflectType};
pub use placing::*;
pub use polynomials::*;
pub use products::*;
pub use promotion::{broadcast_arrays, broadcast_shapes, promote_dtypes, result_type};
pub use rearranging::*;
pub use reductions::*;
pub use set_ops::*;
pub use signal::*;
pub use sorting::*;
pub use statistics::*;
pub use ufuncs::{
    copysign, float_power, gcd, heaviside, hypot, lcm, logaddexp2, nan_to_num, nan_to_num_with,
    select, signbit, sinc, NanToNumOptions,
};
pub use window_functions::*;
