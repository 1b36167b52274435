//! The integration tests of `equinox` that can share a process, as one test binary: one
//! build and link instead of one per file, and one harness running them in parallel.
//! Tests that change process-wide state or need a process of their own stay separate
//! files beside this folder.

mod common;

mod debug;
mod distributed;
mod filter_ad;
mod filter_custom;
mod filter_jit;
mod filter_vmap;
mod filters;
mod fuzz_corpus_replay;
mod module;
mod nn_attention;
mod nn_conv;
mod nn_grads;
mod nn_kv_cache;
mod nn_layers;
mod nn_norm;
mod nn_rnn;
mod nn_stateful;
mod serialisation;
mod tree_at;
