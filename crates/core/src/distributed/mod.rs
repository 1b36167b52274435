//! Collectives across processes: an axis name bound to a group of processes.
//!
//! JAX runs `psum`, `all_gather`, ... over the devices of a `pmap`/`shard_map` axis; here the
//! same collectives ([`crate::lax::psum`] and friends) run over the members of a
//! [`ProcessGroup`] while [`bind_axis`] binds an axis name to it. A process group is anything
//! that can exchange arrays between its members: [`ThreadGroup`] runs each member on a thread of
//! this process (for tests, and to try the distributed code on one machine), and `equinox`'s
//! `distributed::mpi` runs them as MPI ranks.
//!
//! Collectives over a process axis are ordinary primitives: eagerly they exchange values at
//! once; under `jit` they are equations of the staged program that the executor runs through the
//! group; `grad` and `vmap` treat them with the same rules as collectives over a `vmap` axis
//! (the transpose of `psum` is `psum`, of `all_gather` a `psum` and a slice, ...), so a function
//! over a process axis gives what the same function gives under `vmap` with that axis name.
//!
//! ```
//! use equinox_core::{distributed::{self, ThreadGroup}, lax, Array};
//! // Two members, each holding its own value; psum gives both the sum.
//! let sums = ThreadGroup::run(2, |group| {
//!     let x = Array::scalar(group.rank() as f32 + 1.0);
//!     distributed::bind_axis("data", group, || lax::psum(&x, "data").item::<f32>())
//! })
//! .unwrap();
//! assert_eq!(sums, vec![3.0, 3.0]);
//! ```

mod combine;
pub(crate) mod threads;

pub use threads::{RankFailure, ThreadGroup};

use crate::array::Array;
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// How [`ProcessGroup::all_reduce`] combines the members' values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// The sum (`psum`).
    Sum,
    /// The maximum (`pmax`); NaN wins, as in `lax.max`.
    Max,
    /// The minimum (`pmin`); NaN wins.
    Min,
}

/// Why a collective could not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectiveError {
    /// Another member failed (panicked, was killed, lost its connection) before or during the
    /// collective.
    PeerFailed {
        /// The member that failed.
        rank: usize,
        /// What it reported, when known.
        message: String,
    },
    /// The communication layer reported an error.
    Backend(String),
    /// The operand cannot take part in this collective (e.g. `psum` of booleans).
    Unsupported(String),
}

impl fmt::Display for CollectiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CollectiveError::PeerFailed { rank, message } => {
                write!(f, "rank {rank} failed")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            CollectiveError::Backend(m) => write!(f, "communication error: {m}"),
            CollectiveError::Unsupported(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for CollectiveError {}

/// A group of processes (or threads) that exchange arrays: the members of a process axis.
///
/// Every member must call the same collectives in the same order with operands of the same
/// shape and dtype, as with MPI. Implementations return results that are bit-for-bit the same
/// on every member (reductions combine the members' values in rank order), so replicated
/// computations stay replicated.
pub trait ProcessGroup: Send + Sync {
    /// This member's index, `0..size()`.
    fn rank(&self) -> usize;

    /// The number of members.
    fn size(&self) -> usize;

    /// Every member gets the elementwise `op` of all members' `x`.
    fn all_reduce(&self, x: &Array, op: ReduceOp) -> Result<Array, CollectiveError>;

    /// Every member gets all members' `x` stacked along a new leading axis, by rank.
    fn all_gather(&self, x: &Array) -> Result<Array, CollectiveError>;

    /// `x` has a leading axis of `size()`: row `j` goes to member `j`. Returns the rows
    /// received, row `i` coming from member `i`.
    fn all_to_all(&self, x: &Array) -> Result<Array, CollectiveError>;

    /// Member `dst` receives member `src`'s `x` for each `(src, dst)` of `perm` (each rank at
    /// most once on each side); a member that receives nothing gets zeros.
    fn permute(&self, x: &Array, perm: &[(usize, usize)]) -> Result<Array, CollectiveError>;

    /// Every member gets member `root`'s `x`.
    fn broadcast(&self, x: &Array, root: usize) -> Result<Array, CollectiveError>;

    /// Returns once every member has called it.
    fn barrier(&self) -> Result<(), CollectiveError>;

    /// `x` has a leading axis of `size()`: every member gets row `rank()` of the sum over
    /// members. The default all-reduces and keeps the member's row.
    fn reduce_scatter(&self, x: &Array) -> Result<Array, CollectiveError> {
        let summed = self.all_reduce(x, ReduceOp::Sum)?;
        Ok(combine::row(&summed, self.rank()))
    }
}

thread_local! {
    /// The process axes bound on this thread, innermost last.
    static BOUND: RefCell<Vec<(String, Arc<dyn ProcessGroup>)>> = const { RefCell::new(Vec::new()) };
}

/// Unbinds the innermost process axis when dropped (also on panic).
struct Unbind;

impl Drop for Unbind {
    fn drop(&mut self) {
        BOUND.with(|b| b.borrow_mut().pop());
    }
}

/// Runs `f` with the axis `name` bound to `group` on this thread: inside it, collectives over
/// `name` (`lax::psum(x, name)`, `axis_index(name)`, ...) run across the group's members, and
/// `lax::axis_size(name)` is the group's size. A `vmap` inside `f` with the same axis name
/// shadows the process axis, as an inner binding does in JAX.
pub fn bind_axis<R>(name: &str, group: Arc<dyn ProcessGroup>, f: impl FnOnce() -> R) -> R {
    BOUND.with(|b| b.borrow_mut().push((name.to_string(), group)));
    let _unbind = Unbind;
    f()
}

/// The process axes bound on this thread, to carry to another thread with [`with_bindings`].
pub(crate) type Bindings = Vec<(String, Arc<dyn ProcessGroup>)>;

/// A copy of this thread's process-axis bindings.
pub(crate) fn bindings() -> Bindings {
    BOUND.with(|b| b.borrow().clone())
}

/// Runs `f` with this thread's process-axis bindings replaced by `bound` (restored after, also
/// on panic): how a program handed to another thread keeps its caller's axes.
pub(crate) fn with_bindings<R>(bound: Bindings, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Bindings>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(previous) = self.0.take() {
                BOUND.with(|b| *b.borrow_mut() = previous);
            }
        }
    }
    let previous = BOUND.with(|b| std::mem::replace(&mut *b.borrow_mut(), bound));
    let _restore = Restore(Some(previous));
    f()
}

/// The process group bound to axis `name` on this thread, if any (the innermost binding).
pub fn bound_group(name: &str) -> Option<Arc<dyn ProcessGroup>> {
    BOUND.with(|b| {
        b.borrow()
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, g)| g.clone())
    })
}

/// The process axes bound on this thread, innermost first.
pub fn bound_axis_names() -> Vec<String> {
    BOUND.with(|b| b.borrow().iter().rev().map(|(n, _)| n.clone()).collect())
}
