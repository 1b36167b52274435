//! Fuzz target: see `equinox_fuzz::eqx_leaves` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| equinox_fuzz::eqx_leaves(data));
