//! `jax.numpy.fft`: discrete Fourier transforms and their helpers.

mod frequencies;

pub use frequencies::*;
