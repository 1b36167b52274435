//! `jax.numpy.fft`: discrete Fourier transforms and their helpers.

mod frequencies;
mod transforms;

pub use frequencies::*;
pub use transforms::*;
