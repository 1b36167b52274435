//! Backends that execute primitives. `cpu` is the embedded, pure-Rust default.

pub mod cpu;
