//! Fuzz target: see `equinox_fuzz::shapes_indexing` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(
    // libfuzzer-sys's panic hook aborts on every panic, but here a panic with a proper message
    // is an accepted outcome that the body catches: a silent hook keeps catch_unwind working
    // (and the log readable). The body still aborts the run on an improper panic.
    init: std::panic::set_hook(Box::new(|_| {})),
    |data: &[u8]| equinox_fuzz::shapes_indexing(data)
);
