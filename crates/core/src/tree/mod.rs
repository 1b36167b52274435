//! PyTrees (`jax.tree_util`): the [`PyTree`] trait that models, gradients and optimiser states
//! implement, and the functions over it.
//!
//! A tree's leaves are [`Array`](crate::Array)s; everything else in it (numbers, strings,
//! `fn` pointers, lengths, keys, enum variants) is static structure. Leaves come in a fixed
//! order: depth first, fields in declaration order, sequences by index, maps by key.
//!
//! - reading: [`leaves`], [`leaves_with_path`], [`num_leaves`];
//! - mapping: [`map`], [`map2`], [`map_n`], [`map_with_path`];
//! - structure: [`structure`], [`flatten`], [`unflatten`], [`rebuild`], [`TreeDef`];
//! - comparing: [`tree_equal`], [`tree_allclose`], [`PyTree::static_eq`];
//! - printing: [`tree_pformat`], [`tree_pprint`] (Equinox's layout).
//!
//! A *filtered-out* leaf ([`Array::filtered_out`](crate::Array::filtered_out), what Equinox
//! writes as `None` after `eqx.partition`) keeps its slot so a filtered tree keeps its Rust
//! type. The functions here skip such leaves: `leaves` does not return them, `map` leaves them
//! as they are, and `flatten`/`unflatten` record them in the structure. The [`PyTree`]
//! methods themselves visit every slot.
//!
//! ```
//! use equinox_core::{numpy as jnp, tree};
//! let params = (jnp::ones([2, 2]), vec![jnp::zeros([2])], "relu");
//! assert_eq!(tree::leaves(&params).len(), 2);
//! let paths: Vec<String> = tree::leaves_with_path(&params).iter().map(|(p, _)| p.to_string()).collect();
//! assert_eq!(paths, [".0", ".1[0]"]);
//! let halved = tree::map(&params, |x| x * 0.5);
//! assert!(tree::tree_equal(&halved.1, &params.1));
//! assert_eq!(tree::tree_pformat(&params), r#"(f32[2,2], [f32[2]], "relu")"#);
//! ```

mod array_leaf;
mod containers;
mod equal;
mod leaves;
mod map;
mod maps;
mod path;
mod pretty;
mod pytree;
mod static_leaf;
mod structure;
mod tuples;

pub use array_leaf::array_summary;
pub use equal::{tree_allclose, tree_equal};
pub use leaves::{leaves, leaves_with_path, num_leaves};
pub use map::{map, map2, map_n, map_with_path};
pub use path::{KeyPath, PathKey};
pub use pretty::{
    bracketed, comma, join, named, named_fields, pformat_doc, tree_pformat, tree_pformat_with,
    tree_pprint, Doc, PrettyOptions,
};
pub use pytree::{Difference, PyTree};
pub use static_leaf::{static_hash, static_pdoc, static_value_diff, Static};
pub use structure::{flatten, rebuild, structure, unflatten, TreeDef};
