//! The `jax.lax`-level API: thin, checked wrappers that bind primitives with JAX's argument
//! conventions (negative dynamic indices, string padding, dimension-number specs, optional
//! dilations), and functions users reach for by their lax name. One file per concept.
//!
//! Like the numpy layer they only call [`bind`](crate::prims::bind), so they work under every
//! transformation.

mod associative;
mod collective;
mod complex;
pub(crate) mod control_flow;
mod conv;
mod dot;
mod elementwise;
mod fft;
pub mod linalg;
mod operands;
mod reduce;
mod reductions;
mod rng;
mod shapes;
mod slicing;
mod solves;
mod special;
mod staging;
mod stop_gradient;
mod window;

pub use associative::associative_scan;
pub use collective::*;
pub use complex::*;
pub use control_flow::*;
pub use conv::*;
pub use dot::*;
pub use elementwise::*;
pub use fft::{fft, FftType};
pub use reduce::reduce;
pub use reductions::*;
pub use rng::{
    rng_bit_generator, rng_bit_generator_with_options, RandomAlgorithm, RngBitGeneratorOptions,
};
pub use shapes::*;
pub use slicing::*;
pub use solves::*;
pub use special::*;
pub use staging::{composite, stage};
pub use stop_gradient::stop_gradient;
pub use window::*;

/// Axes given as a slice, in the primitives' parameter type.
fn layout_axes(axes: &[usize]) -> crate::prims::layout::Axes {
    crate::prims::layout::Axes::from_slice(axes)
}
