//! Higher-order primitives: the ones that hold sub-programs or user closures — `cond`, `while`
//! and `scan` ([`control_flow`]), `custom_jvp_call`, `custom_vjp_call` and `custom_lin`
//! ([`custom_derivatives`]), `pure_callback` ([`callback`]).
//!
//! Their rules are written with the jaxpr-level transformations (`jvp_jaxpr`, `batch_jaxpr`,
//! `partial_eval_jaxpr`, the backward pass), so this layer sits above [`crate::jaxpr`] and
//! below the compiler and the public transformations, as JAX keeps `lax/control_flow/` above
//! its interpreters. The first-order layer sees them only as
//! [`Primitive::HigherOrder`](crate::prims::Primitive::HigherOrder) through the
//! `HigherOrderRule` trait. The
//! user-facing functions are in [`crate::lax`] and [`crate::transforms`].

pub mod callback;
pub mod control_flow;
pub mod custom_derivatives;
