//! Fuzz target: see `equinox_fuzz::digits_csv` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| equinox_fuzz::digits_csv(data));
