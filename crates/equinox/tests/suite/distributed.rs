//! Data-parallel training over a thread group (`distributed::ThreadGroup`): bucketed gradient
//! averaging, broadcasting the initial model, checkpoints written by one member, and a whole
//! training run that agrees across members and with one process on the whole batches.

#[path = "../data_parallel/mod.rs"]
mod data_parallel;

use equinox as eqx;
use eqx::distributed::{
    self, AllReduceOptions, CollectiveError, ProcessGroup, ReduceOp, ThreadGroup,
};
use eqx::{lax, numpy as jnp, tree, Array};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A group that counts the all-reduces its members run (to see the buckets).
struct Counting {
    inner: Arc<dyn ProcessGroup>,
    all_reduces: Arc<AtomicUsize>,
}

impl ProcessGroup for Counting {
    fn rank(&self) -> usize {
        self.inner.rank()
    }
    fn size(&self) -> usize {
        self.inner.size()
    }
    fn all_reduce(&self, x: &Array, op: ReduceOp) -> Result<Array, CollectiveError> {
        self.all_reduces.fetch_add(1, Ordering::SeqCst);
        self.inner.all_reduce(x, op)
    }
    fn all_gather(&self, x: &Array) -> Result<Array, CollectiveError> {
        self.inner.all_gather(x)
    }
    fn all_to_all(&self, x: &Array) -> Result<Array, CollectiveError> {
        self.inner.all_to_all(x)
    }
    fn permute(&self, x: &Array, perm: &[(usize, usize)]) -> Result<Array, CollectiveError> {
        self.inner.permute(x, perm)
    }
    fn broadcast(&self, x: &Array, root: usize) -> Result<Array, CollectiveError> {
        self.inner.broadcast(x, root)
    }
    fn barrier(&self) -> Result<(), CollectiveError> {
        self.inner.barrier()
    }
}

/// A gradient-like tree: three f32 leaves, an int32 leaf, a filtered-out leaf, an empty leaf.
fn grads(rank: usize) -> Vec<Array> {
    let r = rank as f32;
    vec![
        jnp::arange(6.0).reshape([2, 3]) * (r + 1.0),
        Array::scalar(r),
        jnp::full([4], r * 3.0),
        Array::from_vec(vec![rank as i32 * 2, 1], [2]),
        Array::filtered_out(jnp::zeros([3]).aval().clone()),
        jnp::zeros([0]),
    ]
}

#[test]
fn tree_pmean_packs_leaves_into_buckets_and_matches_per_leaf_pmean() {
    for (bucket_bytes, exchanges) in [(DEFAULT, 2), (0, 4), (28, 3)] {
        let count = Arc::new(AtomicUsize::new(0));
        let out = ThreadGroup::run(3, |g| {
            let counted: Arc<dyn ProcessGroup> = Arc::new(Counting {
                inner: g,
                all_reduces: count.clone(),
            });
            let t = grads(counted.rank());
            distributed::bind_axis("data", counted, || {
                let options = AllReduceOptions { bucket_bytes };
                let packed = distributed::tree_pmean_with_options(&t, "data", &options);
                let per_leaf = tree::map(&t, |l| lax::pmean(l, "data"));
                (packed, per_leaf)
            })
        })
        .unwrap();
        // Per member: the packed run, then one exchange per leaf for the reference (the empty
        // leaf too, which the packed run skips).
        let per_leaf_exchanges = 5;
        assert_eq!(
            count.load(Ordering::SeqCst),
            3 * (exchanges + per_leaf_exchanges),
            "bucket_bytes {bucket_bytes}"
        );
        for (packed, per_leaf) in &out {
            assert!(
                tree::tree_equal(packed, per_leaf),
                "bucket_bytes {bucket_bytes}"
            );
            assert!(packed[4].is_filtered_out());
            assert_eq!(packed[5].shape(), &[0]);
        }
        // The mean of ranks 0, 1, 2 of each leaf.
        let p = &out[2].0;
        assert_eq!(p[0].to_vec::<f32>(), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(p[1].item::<f32>(), 1.0);
        assert_eq!(p[3].to_vec::<f32>(), vec![2.0, 1.0]);
    }
}

const DEFAULT: usize = distributed::DEFAULT_BUCKET_BYTES;

#[test]
fn tree_psum_under_jit_matches_eager() {
    let out = ThreadGroup::run(2, |g| {
        let t = grads(g.rank());
        distributed::bind_axis("data", g, || {
            let eager = distributed::tree_psum(&t, "data");
            let jitted = eqx::filter_jit(|t: &Vec<Array>| distributed::tree_psum(t, "data"))(&t);
            (eager, jitted)
        })
    })
    .unwrap();
    for (eager, jitted) in &out {
        assert!(tree::tree_equal(eager, jitted));
        assert_eq!(eager[2].to_vec::<f32>(), vec![3.0; 4]);
    }
}

#[test]
fn data_parallel_training_agrees_across_members_and_with_one_process() {
    let reference = data_parallel::train_one_process();
    for members in [2, 4] {
        let models = ThreadGroup::run(members, data_parallel::train_data_parallel).unwrap();
        for m in &models[1..] {
            assert!(
                tree::tree_equal(&models[0], m),
                "{members} members hold different parameters"
            );
        }
        assert!(
            tree::tree_allclose(&models[0], &reference, 1e-6, 1e-7),
            "{members} members: {} vs one process: {}",
            eqx::tree_pformat(&models[0]),
            eqx::tree_pformat(&reference)
        );
        // Training moved the parameters away from the start.
        assert!(!tree::tree_allclose(
            &models[0],
            &eqx::nn::MLP::new(5, 2, 8, 2, eqx::random::key(100)),
            1e-3,
            1e-3
        ));
    }
}

#[test]
fn a_checkpoint_written_by_member_zero_is_read_by_all() {
    let dir = std::env::temp_dir().join(format!("eqx-dist-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.eqx");
    let loaded = ThreadGroup::run(3, |g| {
        let mine = vec![jnp::full([3], g.rank() as f32 + 1.0)];
        let model = distributed::broadcast_tree(&mine, &*g, 1).unwrap();
        distributed::save_checkpoint(&path, &model, &*g).unwrap();
        eqx::tree_deserialise_leaves(&path, &mine).unwrap()
    })
    .unwrap();
    for l in &loaded {
        assert_eq!(l[0].to_vec::<f32>(), vec![2.0; 3]);
    }
    // A failed write is an error on member 0 and a named peer failure on the others.
    let bad = dir.join("missing-dir").join("model.eqx");
    let errors = ThreadGroup::run(2, |g| {
        distributed::save_checkpoint(&bad, &vec![jnp::ones([2])], &*g)
            .unwrap_err()
            .to_string()
    })
    .unwrap();
    assert!(errors[0].starts_with("checkpoint: "), "{}", errors[0]);
    assert!(errors[1].contains("rank 0 failed"), "{}", errors[1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shards_cover_the_data_once() {
    for (len, size) in [(10, 3), (16, 4), (3, 5), (0, 2)] {
        let parts: Vec<_> = (0..size)
            .map(|r| distributed::shard(len, r, size))
            .collect();
        assert_eq!(parts[0].start, 0);
        assert_eq!(parts[size - 1].end, len);
        for w in parts.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert!(w[0].len() >= w[1].len() && w[0].len() <= w[1].len() + 1);
        }
    }
}
