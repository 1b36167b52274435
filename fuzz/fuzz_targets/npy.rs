//! Fuzz target: see `equinox_fuzz::npy` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| equinox_fuzz::npy(data));
