//! Data-parallel training across processes (JAX's multi-process `pmap`/`shard_map`, PyTorch's
//! DDP), on the core's process axes ([`equinox_core::distributed`], re-exported here).
//!
//! An axis name bound to a [`ProcessGroup`] with [`bind_axis`] makes `lax::psum(x, name)`,
//! `pmean`, `pmax`, `all_gather`, `axis_index`, ... collectives across the group's members,
//! eagerly and under `jit`, `grad` and `vmap`. On top of that this module has what a training
//! loop needs:
//! - [`tree_pmean`] / [`tree_psum`]: average (sum) every leaf of a gradient PyTree across the
//!   members, packing the leaves into a few large buffers ([`AllReduceOptions::bucket_bytes`],
//!   as DDP's buckets) instead of one exchange per leaf;
//! - [`broadcast_tree`]: every member takes member `root`'s model (the initial parameters);
//! - [`save_checkpoint`]: member 0 writes a checkpoint atomically while the others wait;
//! - [`shard`]: the part of a data set each member takes.
//!
//! The members are threads of this process ([`ThreadGroup`]) or, with the `mpi` feature,
//! MPI ranks (`distributed::mpi`, run with `mpirun -n N`).
//!
//! ```
//! use equinox as eqx;
//! use eqx::{distributed::{self, ThreadGroup}, numpy as jnp, Array};
//!
//! // Two members, each with a gradient from its half of the batch: after tree_pmean both
//! // hold the average.
//! let grads = ThreadGroup::run(2, |group| {
//!     let g = (Array::scalar(group.rank() as f32 * 2.0), jnp::full([2], group.rank() as f32));
//!     distributed::bind_axis("data", group, || distributed::tree_pmean(&g, "data"))
//! })
//! .unwrap();
//! assert_eq!(grads[0].0.item::<f32>(), 1.0);
//! assert_eq!(grads[1].1.to_vec::<f32>(), vec![0.5, 0.5]);
//! ```

#[cfg(feature = "mpi")]
pub mod mpi;

pub use equinox_core::distributed::*;

use crate::serialisation::{tree_serialise_leaves, SerialisationError};
use equinox_core::tree::{self, PyTree};
use equinox_core::{lax, numpy as jnp, Array, DType};
use std::fmt;
use std::ops::Range;
use std::path::Path;

/// DDP's default bucket size: leaves are packed into buffers of about this many bytes.
pub const DEFAULT_BUCKET_BYTES: usize = 25 << 20;

/// Options of [`tree_pmean_with_options`] and [`tree_psum_with_options`].
#[derive(Clone, Debug)]
pub struct AllReduceOptions {
    /// Consecutive leaves of one dtype are packed into one buffer (one exchange) until it
    /// holds at least this many bytes; a larger leaf is a buffer of its own. 0 exchanges each
    /// leaf on its own.
    pub bucket_bytes: usize,
}

impl Default for AllReduceOptions {
    fn default() -> Self {
        AllReduceOptions {
            bucket_bytes: DEFAULT_BUCKET_BYTES,
        }
    }
}

/// An error of a distributed operation that also touches files.
#[derive(Debug)]
pub enum DistributedError {
    /// A collective failed (another member failed).
    Collective(CollectiveError),
    /// Writing or reading the checkpoint failed.
    Serialisation(SerialisationError),
    /// The communication layer could not be set up.
    Setup(String),
}

impl fmt::Display for DistributedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistributedError::Collective(e) => write!(f, "collective failed: {e}"),
            DistributedError::Serialisation(e) => write!(f, "checkpoint: {e}"),
            DistributedError::Setup(m) => write!(f, "distributed set-up: {m}"),
        }
    }
}

impl std::error::Error for DistributedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DistributedError::Collective(e) => Some(e),
            DistributedError::Serialisation(e) => Some(e),
            DistributedError::Setup(_) => None,
        }
    }
}

impl From<CollectiveError> for DistributedError {
    fn from(e: CollectiveError) -> Self {
        DistributedError::Collective(e)
    }
}

impl From<SerialisationError> for DistributedError {
    fn from(e: SerialisationError) -> Self {
        DistributedError::Serialisation(e)
    }
}

/// Applies `exchange` to the leaves of `tree` packed into flat buffers: consecutive leaves of
/// one dtype share a buffer until it reaches `bucket_bytes`. Leaves that are filtered out or
/// empty are left as they are.
fn bucketed<T: PyTree, E>(
    tree: &T,
    bucket_bytes: usize,
    mut exchange: impl FnMut(&Array) -> Result<Array, E>,
) -> Result<T, E> {
    // The leaves `rebuild` takes back: those not filtered out.
    let leaves: Vec<&Array> = tree::leaves(tree)
        .into_iter()
        .filter(|l| !l.is_filtered_out())
        .collect();
    let mut out: Vec<Array> = leaves.iter().map(|&l| l.clone()).collect();
    // Buckets of leaf indices; empty leaves stay as they are.
    let mut buckets: Vec<Vec<usize>> = Vec::new();
    let mut open: Option<(DType, usize)> = None;
    for (i, leaf) in leaves.iter().enumerate().filter(|(_, l)| l.size() > 0) {
        let bytes = leaf.size() * leaf.dtype().size_in_bytes();
        match open {
            Some((dtype, filled)) if dtype == leaf.dtype() && filled < bucket_bytes => {
                buckets.last_mut().expect("a bucket is open").push(i);
                open = Some((dtype, filled + bytes));
            }
            _ => {
                buckets.push(vec![i]);
                open = Some((leaf.dtype(), bytes));
            }
        }
    }
    for bucket in &buckets {
        let flat: Vec<Array> = bucket.iter().map(|&i| jnp::ravel(leaves[i])).collect();
        let refs: Vec<&Array> = flat.iter().collect();
        let packed = if refs.len() == 1 {
            flat[0].clone()
        } else {
            jnp::concatenate(&refs, 0)
        };
        let reduced = exchange(&packed)?;
        let mut offset = 0;
        for &i in bucket {
            let n = leaves[i].size();
            let part = lax::slice_in_dim(&reduced, offset, offset + n, 1, 0);
            out[i] = jnp::reshape(&part, leaves[i].shape());
            offset += n;
        }
    }
    Ok(tree::rebuild(tree, out))
}

/// [`bucketed`] with an exchange that cannot fail (a collective inside the program).
fn bucketed_collective<T: PyTree>(
    tree: &T,
    options: &AllReduceOptions,
    collective: impl Fn(&Array) -> Array,
) -> T {
    let result: Result<T, std::convert::Infallible> =
        bucketed(tree, options.bucket_bytes, |b| Ok(collective(b)));
    result.unwrap_or_else(|never| match never {})
}

/// `jax.tree.map(lambda g: lax.pmean(g, axis_name), tree)`, packing the leaves into buffers of
/// [`DEFAULT_BUCKET_BYTES`]: the gradient averaging of data-parallel training. Works eagerly and
/// inside `jit`/`grad`/`vmap`, over a process axis or a `vmap` axis.
pub fn tree_pmean<T: PyTree>(tree: &T, axis_name: &str) -> T {
    tree_pmean_with_options(tree, axis_name, &AllReduceOptions::default())
}

/// [`tree_pmean`] with [`AllReduceOptions`].
pub fn tree_pmean_with_options<T: PyTree>(
    tree: &T,
    axis_name: &str,
    options: &AllReduceOptions,
) -> T {
    bucketed_collective(tree, options, |b| lax::pmean(b, axis_name))
}

/// `jax.tree.map(lambda g: lax.psum(g, axis_name), tree)`, bucketed as [`tree_pmean`].
pub fn tree_psum<T: PyTree>(tree: &T, axis_name: &str) -> T {
    tree_psum_with_options(tree, axis_name, &AllReduceOptions::default())
}

/// [`tree_psum`] with [`AllReduceOptions`].
pub fn tree_psum_with_options<T: PyTree>(
    tree: &T,
    axis_name: &str,
    options: &AllReduceOptions,
) -> T {
    bucketed_collective(tree, options, |b| lax::psum(b, axis_name))
}

/// Every member gets member `root`'s leaves (in buckets, as [`tree_pmean`]): how data-parallel
/// training starts all members from the same parameters. Eager: call it outside transformations.
pub fn broadcast_tree<T: PyTree>(
    tree: &T,
    group: &dyn ProcessGroup,
    root: usize,
) -> Result<T, CollectiveError> {
    assert!(
        root < group.size(),
        "broadcast_tree: root {root} is not a member of a group of {}",
        group.size()
    );
    bucketed(tree, DEFAULT_BUCKET_BYTES, |b| group.broadcast(b, root))
}

/// Member 0 writes `tree` to `path` with [`tree_serialise_leaves`] (to a temporary file, then
/// renamed: an interrupted save leaves the previous checkpoint intact) while the others wait;
/// every member returns once the file is complete, so all can resume from it
/// ([`tree_deserialise_leaves`](crate::tree_deserialise_leaves)). If member 0 fails to write,
/// it returns the error and the others return [`CollectiveError::PeerFailed`] for it.
pub fn save_checkpoint<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
    group: &dyn ProcessGroup,
) -> Result<(), DistributedError> {
    let written = if group.rank() == 0 {
        tree_serialise_leaves(path, tree)
    } else {
        Ok(())
    };
    // Member 0 tells the others whether the write succeeded.
    let flag = Array::scalar(u8::from(written.is_ok()));
    let ok = group.broadcast(&flag, 0)?.item::<u8>() == 1;
    written?;
    if !ok {
        return Err(DistributedError::Collective(CollectiveError::PeerFailed {
            rank: 0,
            message: "member 0 could not write the checkpoint".into(),
        }));
    }
    Ok(())
}

/// The contiguous part of `0..len` that member `rank` of `size` takes: the first `len % size`
/// members take one item more.
///
/// ```
/// use equinox::distributed::shard;
/// assert_eq!(shard(10, 0, 3), 0..4);
/// assert_eq!(shard(10, 2, 3), 7..10);
/// ```
pub fn shard(len: usize, rank: usize, size: usize) -> Range<usize> {
    assert!(rank < size, "shard: rank {rank} of a group of {size}");
    let (base, extra) = (len / size, len % size);
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}
