//! # Equinox for Rust
//!
//! Models as plain Rust structs, JAX-style composable transformations over them, fast on CPU.
//! Import it as `use equinox as eqx;`.

pub use equinox_core::*;
