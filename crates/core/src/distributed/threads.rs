//! A process group whose members are threads of this process.

use super::combine;
use super::{CollectiveError, ProcessGroup, ReduceOp};
use crate::array::Array;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// A [`ProcessGroup`] whose members are threads: [`ThreadGroup::run`] starts one thread per
/// member. Each collective is a rendezvous: every member deposits its operand and then reads
/// all of them, so results are computed from the same values, in rank order, on every member.
///
/// It is the group the distributed code is tested with, and a way to run a data-parallel
/// program on one machine without MPI. A member that panics fails the group: the others' next
/// (or current) collective returns [`CollectiveError::PeerFailed`] naming it instead of waiting
/// forever, and [`run`](ThreadGroup::run) reports the first failure.
pub struct ThreadGroup {
    rank: usize,
    shared: Arc<Shared>,
}

struct Shared {
    size: usize,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Counts completed rendezvous, so a member waiting for the others can tell its round ended.
    round: u64,
    /// Each member's operand in the current round.
    deposits: Vec<Option<Array>>,
    /// Members that have read the current round's operands.
    taken: usize,
    /// The first member that failed, and its message.
    failed: Option<(usize, String)>,
}

/// [`ThreadGroup::run`]'s error: the first member that panicked, and its panic message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankFailure {
    /// The member that failed first.
    pub rank: usize,
    /// Its panic message.
    pub message: String,
}

impl fmt::Display for RankFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rank {} failed: {}", self.rank, self.message)
    }
}

impl std::error::Error for RankFailure {}

/// A panic payload's message (`panic!`'s text), for reporting a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

impl ThreadGroup {
    /// Runs `f` on `size` threads, each given its member of one group, and returns the
    /// results by rank. If a member panics, the others' collectives fail (they panic too, naming
    /// it) and the error is the first member that failed.
    ///
    /// ```
    /// use equinox_core::{distributed::{self, ThreadGroup}, lax, Array};
    /// let ranks = ThreadGroup::run(3, |g| {
    ///     distributed::bind_axis("i", g, || lax::axis_index("i").item::<i32>())
    /// })
    /// .unwrap();
    /// assert_eq!(ranks, vec![0, 1, 2]);
    /// ```
    pub fn run<R: Send>(
        size: usize,
        f: impl Fn(Arc<dyn ProcessGroup>) -> R + Sync,
    ) -> Result<Vec<R>, RankFailure> {
        assert!(
            size > 0,
            "ThreadGroup::run: a group needs at least one member"
        );
        let shared = Arc::new(Shared {
            size,
            state: Mutex::new(State {
                deposits: vec![None; size],
                ..State::default()
            }),
            changed: Condvar::new(),
        });
        let results: Vec<Result<R, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..size)
                .map(|rank| {
                    let shared = shared.clone();
                    let f = &f;
                    s.spawn(move || {
                        let group: Arc<dyn ProcessGroup> = Arc::new(ThreadGroup {
                            rank,
                            shared: shared.clone(),
                        });
                        panic::catch_unwind(AssertUnwindSafe(|| f(group))).map_err(|p| {
                            let message = panic_message(p.as_ref());
                            shared.fail(rank, &message);
                            message
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("the member's panic was caught"))
                .collect()
        });
        let failed = shared.lock().failed.clone();
        if let Some((rank, message)) = failed {
            return Err(RankFailure { rank, message });
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("no member failed"))
            .collect())
    }

    /// Deposits `x` and returns every member's operand of this round, by rank.
    fn exchange(&self, x: &Array) -> Result<Vec<Array>, CollectiveError> {
        let sh = &*self.shared;
        let mut st = sh.lock();
        // A member still reading the previous round's operands keeps the slots busy.
        while st.deposits[self.rank].is_some() && st.failed.is_none() {
            st = sh.wait(st);
        }
        check(&st)?;
        st.deposits[self.rank] = Some(x.clone());
        let round = st.round;
        if st.deposits.iter().all(Option::is_some) {
            sh.changed.notify_all();
        }
        while st.round == round && !st.deposits.iter().all(Option::is_some) {
            check(&st)?;
            st = sh.wait(st);
        }
        let all: Vec<Array> = st
            .deposits
            .iter()
            .map(|d| d.clone().expect("all deposited"))
            .collect();
        st.taken += 1;
        if st.taken == sh.size {
            st.taken = 0;
            st.round += 1;
            st.deposits.iter_mut().for_each(|d| *d = None);
            sh.changed.notify_all();
        } else {
            // Wait for the others to read, so the slots are not refilled under them.
            while st.round == round {
                check(&st)?;
                st = sh.wait(st);
            }
        }
        Ok(all)
    }
}

/// The failure of another member, if any.
fn check(st: &State) -> Result<(), CollectiveError> {
    match &st.failed {
        Some((rank, message)) => Err(CollectiveError::PeerFailed {
            rank: *rank,
            message: message.clone(),
        }),
        None => Ok(()),
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A member panics only outside the lock (collective errors are returned first), so a
        // poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    fn fail(&self, rank: usize, message: &str) {
        let mut st = self.lock();
        if st.failed.is_none() {
            st.failed = Some((rank, message.to_string()));
        }
        self.changed.notify_all();
    }
}

impl ProcessGroup for ThreadGroup {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.shared.size
    }

    fn all_reduce(&self, x: &Array, op: ReduceOp) -> Result<Array, CollectiveError> {
        combine::reduce(&self.exchange(x)?, op)
    }

    fn all_gather(&self, x: &Array) -> Result<Array, CollectiveError> {
        Ok(combine::stack(&self.exchange(x)?))
    }

    fn all_to_all(&self, x: &Array) -> Result<Array, CollectiveError> {
        let all = self.exchange(x)?;
        let rows: Vec<Array> = all.iter().map(|a| combine::row(a, self.rank)).collect();
        Ok(combine::stack(&rows))
    }

    fn permute(&self, x: &Array, perm: &[(usize, usize)]) -> Result<Array, CollectiveError> {
        let all = self.exchange(x)?;
        Ok(match perm.iter().find(|&&(_, d)| d == self.rank) {
            Some(&(src, _)) => all[src].clone(),
            None => combine::zeros_like(x),
        })
    }

    fn broadcast(&self, x: &Array, root: usize) -> Result<Array, CollectiveError> {
        Ok(self.exchange(x)?.swap_remove(root))
    }

    fn barrier(&self) -> Result<(), CollectiveError> {
        self.exchange(&Array::scalar(0u8)).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_exchange_in_many_rounds_and_agree() {
        let out = ThreadGroup::run(3, |g| {
            let mut total = 0.0f64;
            for step in 0..50 {
                let x = Array::scalar((g.rank() * 100 + step) as f64);
                total += g.all_reduce(&x, ReduceOp::Sum).unwrap().item::<f64>();
            }
            total
        })
        .unwrap();
        // Each round sums 0 + 100 + 200 + 3·step.
        let expected: f64 = (0..50).map(|s| 300.0 + 3.0 * s as f64).sum();
        assert_eq!(out, vec![expected; 3]);
    }

    #[test]
    fn a_failed_member_fails_the_others_collectives_and_is_named() {
        let err = ThreadGroup::run(2, |g| {
            if g.rank() == 1 {
                panic!("boom on one");
            }
            g.barrier().map_err(|e| e.to_string())
        })
        .unwrap_err();
        assert_eq!(err.rank, 1);
        assert_eq!(err.message, "boom on one");
    }

    #[test]
    fn permute_and_all_to_all_route_rows_by_rank() {
        let out = ThreadGroup::run(2, |g| {
            let r = g.rank() as i32;
            let x = Array::from_vec(vec![10 * r, 10 * r + 1], [2]);
            let swapped = g.all_to_all(&x).unwrap().to_vec::<i32>();
            let shifted = g.permute(&x, &[(0, 1)]).unwrap().to_vec::<i32>();
            (swapped, shifted)
        })
        .unwrap();
        assert_eq!(out[0], (vec![0, 10], vec![0, 0]));
        assert_eq!(out[1], (vec![1, 11], vec![0, 1]));
    }
}
