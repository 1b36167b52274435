//! Tests that run programs on a real PJRT plugin: every primitive family's lowering against the
//! CPU executor, compositions with grad and vmap, and the runtime (buffers, errors).
//!
//! They need a plugin, named by `EQX_PJRT_PLUGIN`, so they are `#[ignore]`d in a plain
//! `cargo test`; `.ci/run` installs the XLA CPU plugin and runs them with `--include-ignored`.

mod common;
mod families;
mod host_calls;
mod runtime;
mod transforms;
