//! The integration tests of `equinox-optim` that can share a process, as one test binary: one
//! build and link instead of one per file, and one harness running them in parallel.
//! Tests that change process-wide state or need a process of their own stay separate
//! files beside this folder.

mod common;

mod behaviour;
mod combine;
mod contrib;
mod losses;
mod optimisers;
mod parity;
mod schedules;
mod state_io;
