//! `#[derive(Module)]` for Equinox in Rust (in progress: see the project's issues).
