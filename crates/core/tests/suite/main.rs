//! The integration tests of `equinox-core` that can share a process, as one test binary: one
//! build and link instead of one per file, and one harness running them in parallel.
//! Tests that change process-wide state or need a process of their own stay separate
//! files beside this folder.

mod ad_lanes;
mod ad_support;
#[path = "../common/mod.rs"]
mod common;
mod parity;

mod ad_contract;
mod ad_elementwise;
mod ad_gather_sort_window;
mod ad_layout_reduce;
mod ad_slicing;
mod api_coverage;
mod architecture;
mod closeness_fma;
mod complex;
mod control_flow;
mod conv;
mod distributed;
mod dot_general;
mod error_if_modes;
mod fft;
mod float8_dtypes;
mod fusion_laws;
mod gather_scatter;
mod hostile_shapes;
mod indexing;
mod initializers;
mod integer_dtypes;
mod jit;
mod jit_control_flow;
mod lax_breadth;
mod lax_composite;
mod lax_special;
mod linalg;
mod linalg_decompositions;
mod linalg_products;
mod linalg_solve;
mod misuse_messages;
mod nn;
mod nn_parity;
mod npy;
mod numpy_aliases;
mod numpy_breadth;
mod numpy_pad;
mod numpy_parity;
mod prim_binary;
mod prim_layout;
mod prim_reduce;
mod prim_select_convert;
mod prim_unary;
mod printing;
mod promotion;
mod random_breadth;
mod random_golden;
mod random_impls;
mod random_stats;
mod slicing;
mod smoke;
mod sort_cumulative;
mod transform_laws;
mod transforms;
mod transforms_parity;
mod tree;
mod window;
mod xla_rounding;
