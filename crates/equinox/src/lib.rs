//! # Equinox for Rust
//!
//! Models as plain Rust structs, JAX-style composable transformations over them, fast on CPU.
//! Import it as `use equinox as eqx;`.
//!
//! ## Layers
//! [`nn`] holds Equinox's layers ([`nn::Linear`], [`nn::MLP`], [`nn::Sequential`], ...) with
//! Equinox's initialisation, bit-exact for the same [`random`] key, beside the `jax.nn`
//! functions (`nn::relu`, `nn::softmax`). The `equinox-datasets` crate loads small image data
//! sets for the examples.
//!
//! ## Modules
//! A model is a struct deriving [`Module`](derive@Module). Its [`Array`] fields (also inside
//! `Vec`, `Option`, tuples, maps, nested modules) are the PyTree's leaves; everything else
//! (sizes, flags, `fn` pointers) is static structure. The [`Module`](trait@Module) trait is
//! [`tree::PyTree`] under Equinox's name: the derive implements it, and every function in
//! [`tree`] works on it.
//!
//! ```
//! use equinox as eqx;
//! use eqx::{numpy as jnp, tree, Array, Module};
//!
//! #[derive(Module, Clone)]
//! #[module(debug)]
//! struct Linear {
//!     weight: Array,
//!     bias: Option<Array>,
//!     in_features: usize,
//!     out_features: usize,
//! }
//!
//! let lin = Linear { weight: jnp::zeros([4, 3]), bias: Some(jnp::zeros([4])), in_features: 3, out_features: 4 };
//! assert_eq!(format!("{lin:?}"), "Linear(weight=f32[4,3], bias=f32[4], in_features=3, out_features=4)");
//! let paths: Vec<String> = tree::leaves_with_path(&lin).iter().map(|(p, _)| p.to_string()).collect();
//! assert_eq!(paths, ["weight", "bias"]);
//! let lin2 = tree::map(&lin, |x| x + 1.0);
//! assert_eq!(lin2.in_features, 3);
//! ```
//!
//! ## `#[derive(Module)]`
//! Works on structs (named, tuple, unit) and enums, with generics. Attributes:
//! - `#[module(static)]` on a field keeps it as static structure even when its type is a
//!   PyTree (Equinox's `eqx.field(static=True)`); the type then needs
//!   `Clone + Hash + Eq + Debug`. Use it too for a field of a type that is not a PyTree, such
//!   as a config enum, or a `fn` type the built-in impls do not cover.
//! - `#[module(debug)]` on the type implements `Debug` with Equinox's layout
//!   ([`tree_pformat`]); without it, call [`tree_pformat`] or derive `Debug` as usual.
//! - `#[module(transparent)]` on an enum whose variants each hold one value prints a variant
//!   as its content (see below).
//! - `#[module(crate = "path")]` on the type: the generated code names `::equinox`; a crate
//!   that depends on `equinox` under another name, or only on `equinox-core`, says where it is
//!   (`crate = "eqx"`, `crate = "equinox_core"`).
//!
//! A field type that is not a PyTree is a compile error on that field, saying what a PyTree is
//! and suggesting `#[module(static)]`.
//!
//! ## Heterogeneous layers
//! To keep layers of different types in one container, derive `Module` for an enum with one
//! variant per layer type, and hold a `Vec` of it (the enum is the "trait object"; dispatch is
//! a `match`, which keeps jit cache keys and rebuilding exact and allocation-free). Paths skip
//! a one-field variant, so leaves are named `layers[0].weight`:
//!
//! ```
//! use equinox as eqx;
//! use eqx::{numpy as jnp, tree, Array, Module};
//!
//! #[derive(Module, Clone)]
//! struct Linear { weight: Array }
//! #[derive(Module, Clone)]
//! struct Scale { factor: Array }
//!
//! #[derive(Module, Clone)]
//! #[module(transparent, debug)]
//! enum Layer { Linear(Linear), Scale(Scale), Activation(fn(&Array) -> Array) }
//!
//! impl Layer {
//!     fn forward(&self, x: &Array) -> Array {
//!         match self {
//!             Layer::Linear(l) => (&l.weight * x).sum(1),
//!             Layer::Scale(s) => x * &s.factor,
//!             Layer::Activation(f) => f(x),
//!         }
//!     }
//! }
//!
//! let layers = vec![
//!     Layer::Linear(Linear { weight: jnp::ones([2, 2]) }),
//!     Layer::Activation(|x| x.exp()),
//!     Layer::Scale(Scale { factor: jnp::full([2], 0.5f32) }),
//! ];
//! let y = layers.iter().fold(jnp::zeros([2]), |x, l| l.forward(&x));
//! assert_eq!(y.to_vec::<f32>(), vec![0.5, 0.5]);
//! let paths: Vec<String> = tree::leaves_with_path(&layers).iter().map(|(p, _)| p.to_string()).collect();
//! assert_eq!(paths, ["[0].weight", "[2].factor"]);
//! assert_eq!(format!("{:?}", layers[2]), "Scale(factor=f32[2])");
//! ```

//!
//! ## Filtering and tree surgery
//! [`filter`], [`partition`] and [`combine`] split a model into parts of the same type, with
//! the leaves left out replaced by [`Array::filtered_out`]; a spec is a predicate
//! ([`is_array`], [`is_inexact_array`], a closure) or a [`Filter`] selecting nodes
//! ([`filters`] explains how Equinox's prefix trees of bools map to it). [`tree_at`](fn@tree_at) and its
//! variants return a copy of a tree with some nodes replaced, the nodes being named by a
//! closure `|m: &mut Model| &mut m.layers[0].weight`.
//!
//! ## Cargo features
//! - `ndarray` (off by default): conversions between [`Array`] and `ndarray::ArrayD`
//!   (`Array::from(ndarray_array)`, `Array::to_ndarray`), the core's feature of that name.
//! - `mpi` (off by default): `distributed::mpi`, process groups of MPI ranks for
//!   data-parallel training under `mpirun` (needs an MPI installation and libclang to build).
#![forbid(unsafe_code)]

// The derive's generated code names `::equinox`; this makes that path work inside this crate.
extern crate self as equinox;

pub use equinox_core::*;

// Declared here, this `debug` shadows the core's from the glob import above; it re-exports the
// core's runtime checks beside `assert_max_traces`.
pub mod debug;
// Declared here, this `nn` shadows the core's `nn` from the glob import above; it re-exports
// the core's `jax.nn` functions beside the layers.
pub mod nn;
// Declared here, this `distributed` shadows the core's from the glob import above; it
// re-exports the core's process groups beside the data-parallel helpers (and MPI).
pub mod distributed;

/// Derives [`Module`](trait@Module) (that is, [`tree::PyTree`]) for a struct or enum: see the
/// [crate documentation](crate#derivemodule).
pub use equinox_macros::Module;

/// Equinox's name for [`tree::PyTree`]: a model is a PyTree. `#[derive(Module)]` implements
/// it; `use equinox::Module;` brings in both the derive and the trait.
pub use equinox_core::tree::PyTree as Module;

pub use equinox_core::tree::{tree_allclose, tree_equal, tree_pformat, tree_pprint};

/// `eqx.error_if` and `eqx.branched_error_if`, which Equinox exports at its top level (also in
/// [`debug`] with their `_with` variants and [`debug::OnError`]).
pub use debug::{branched_error_if, error_if};

pub mod filtered;
pub mod filters;
pub mod tree_at;

pub use filtered::*;
pub use filters::{
    apply_updates, combine, combine2, filter, filter_with_options, is_array, is_inexact_array,
    partition, Filter, FilterOptions, FilterSpec,
};
pub use tree_at::{tree_at, tree_at_many, tree_at_many_with, tree_at_with};

pub mod checksum;
pub mod serialisation;
pub use serialisation::{tree_deserialise_leaves, tree_serialise_leaves};

/// Optax in Rust: gradient transformations, optimisers and schedules (the `equinox-optim`
/// crate).
pub use equinox_optim as optim;

/// The PJRT backend (feature `pjrt`): staged programs compiled by XLA and run on any device
/// with a PJRT plugin. See [`equinox_pjrt`].
#[cfg(feature = "pjrt")]
pub use equinox_pjrt as pjrt;

/// The core transformations at the top level, as Equinox users reach them (`eqx::vmap`, ...).
pub use equinox_core::transforms::{clear_caches, grad, jit, value_and_grad, vmap, vmap_with};

/// The README's Rust examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
