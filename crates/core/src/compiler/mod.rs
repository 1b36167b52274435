//! The CPU compiler behind `jit`: a staged program ([`crate::jaxpr`]) is optimised
//! ([`optimize`]: constant folding, simplification, transposes absorbed into matrix products,
//! CSE, DCE) and compiled into an [`executable::Executable`] (a plan of fused elementwise
//! loops, kernels and compiled control-flow sub-programs over preallocated buffers).
//!
//! It sits above the higher-order primitives (it compiles the sub-programs of `cond`, `while`
//! and `scan`) and below the transformations, whose `jit` is its one user.

pub mod executable;
pub mod optimize;
