//! Test support for the equinox workspace (not published).
//!
//! - [`close`]: the one closeness rule every suite compares floats with. Infinities must be
//!   equal exactly, a NaN expectation requires a NaN, and finite expectations allow
//!   `atol + rtol * scale`, with per-dtype defaults ([`Tolerance::for_dtype`]).
//! - [`golden`]: the parity golden files written by `parity/*.py`, read through a handle that
//!   records which cases a test read, so a test can require that none went unread.
//! - [`panics`]: the message a panic carries, for tests of misuse messages and for collecting
//!   the failures of many golden cases.
//! - [`ulps`]: distances in units in the last place between float bit patterns, for results
//!   that agree with a reference to a few roundings.

pub mod close;
pub mod golden;
pub mod panics;
pub mod ulps;

pub use close::{assert_close, is_close, mismatches, Mismatch, Scale, Tolerance};
pub use golden::{Golden, Section};
