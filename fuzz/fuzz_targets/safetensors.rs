//! Fuzz target: see `equinox_fuzz::safetensors` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| equinox_fuzz::safetensors(data));
