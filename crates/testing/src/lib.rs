//! Test support for the equinox workspace (not published).
//!
//! - [`close`]: the one closeness rule every suite compares floats with. Infinities must be
//!   equal exactly, a NaN expectation requires a NaN, and finite expectations allow
//!   `atol + rtol * scale`, with per-dtype defaults ([`Tolerance::for_dtype`]).
//! - [`golden`]: the parity golden files written by `parity/*.py`, read through a handle that
//!   records which cases a test read, so a test can require that none went unread.

pub mod close;
pub mod golden;

pub use close::{assert_close, is_close, mismatches, Mismatch, Scale, Tolerance};
pub use golden::{Golden, Section};
