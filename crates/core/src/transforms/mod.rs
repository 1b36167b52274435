//! The composable transformations (`jax.jvp`, `jax.grad`, `jax.vmap`, `jax.jit`, ...) over
//! functions of PyTrees.
//!
//! Transformed functions keep the signature of the function they transform (one to eight
//! arguments taken by reference; see [`FnArgs`]); arguments and results are any
//! [`PyTree`](crate::tree::PyTree). The `grad` family differentiates the first argument. They
//! compose:
//! `vmap(grad(f))` gives per-example gradients, `grad(grad(f))` second derivatives,
//! `jit(...)` compiles any of them.
//!
//! ```
//! use equinox_core::{numpy as jnp, transforms::{grad, vmap}, Array};
//! let loss = |w: &Array, x: &Array| (w * x).sum(None).tanh();
//! let per_example = vmap(|w: &Array, x: &Array| grad(loss)(w, x));
//! let g = per_example(&jnp::ones([2, 3]), &jnp::arange(6.0).reshape([2, 3]));
//! assert_eq!(g.shape(), &[2, 3]);
//! ```

mod arity;
mod autodiff;
mod check_grads;
mod checkpoint;
mod custom;
mod jacobian;
mod jit;
mod jit_cache;
mod staged;
mod vmap;

pub use arity::{FnArgs, FnArgsAll};
pub use autodiff::{
    grad, grad_argnums, grad_with_aux, grad_with_options, jvp, linearize, value_and_grad,
    value_and_grad_argnums, value_and_grad_with_aux, value_and_grad_with_options, vjp,
    vjp_with_aux, GradOptions, Linearized,
};
pub use check_grads::check_grads;
pub use checkpoint::checkpoint;
pub use custom::{custom_jvp, custom_vjp};
pub use jacobian::{
    hessian, jacfwd, jacfwd_with_options, jacrev, jacrev_with_options, JacobianOptions,
};
pub use jit::{jit, jit_donate, Jit};
pub use jit_cache::{
    clear_caches, jit_cache_capacity, set_jit_cache_capacity, DEFAULT_JIT_CACHE_CAPACITY,
    WARM_SIGNATURES,
};
pub use staged::{eval_shape, make_jaxpr};
pub use vmap::{vmap, vmap_with, AxisSpec, LeafAxis, VmapSpec};
