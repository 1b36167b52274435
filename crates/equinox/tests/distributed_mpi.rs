//! Collectives, data-parallel training and faults across MPI ranks (the `mpi` feature):
//!
//! ```text
//! cargo test -p equinox --features mpi --test distributed_mpi
//! ```
//!
//! Started by cargo, this binary is the driver: it runs itself under `mpirun -n 2` (`MPIRUN`
//! overrides the launcher) three times: once for the checks, once with rank 1 panicking and once
//! with rank 1 killed (`kill -9`) in the middle of a run. The checks run on every rank in the
//! same order (MPI collectives must match across ranks, so the binary has its own `main`
//! instead of the parallel test harness); each rank computes what all ranks hold locally, so it
//! checks its results against a `vmap` over the stacked values, and a failed check panics,
//! which aborts the job with the rank named. The faults must end the whole job within a bounded
//! time with the failed rank named, and leave the last checkpoint loadable.

#[path = "data_parallel/mod.rs"]
mod data_parallel;

use equinox as eqx;
use eqx::distributed::{self, mpi, ProcessGroup, ReduceOp};
use eqx::transforms::{grad, jit, vmap, vmap_with, VmapSpec};
use eqx::{lax, numpy as jnp, tree, Array, DType};
use std::sync::Arc;

type Collective = fn(&Array) -> Array;

/// Collectives over the axis "i" of the world's ranks (their perms fit any size ≥ 2).
fn cases() -> Vec<(&'static str, Collective)> {
    vec![
        ("psum", |v| lax::psum(v, "i")),
        ("pmean", |v| lax::pmean(v, "i")),
        ("pmax", |v| lax::pmax(v, "i")),
        ("pmin", |v| lax::pmin(v, "i")),
        ("all_gather", |v| lax::all_gather(v, "i")),
        ("axis_index", |v| {
            v + &lax::axis_index("i").astype(v.dtype())
        }),
        ("ppermute", |v| {
            let n = lax::axis_size("i");
            let perm: Vec<(usize, usize)> = (0..n).map(|r| (r, (r + 1) % n)).collect();
            lax::ppermute(v, "i", &perm)
        }),
        ("ppermute_partial", |v| lax::ppermute(v, "i", &[(1, 0)])),
        ("psum_scatter_tiled", |v| {
            lax::psum_scatter_with(v, "i", 1, &lax::CollectiveOptions { tiled: true })
        }),
        ("all_to_all_tiled", |v| {
            lax::all_to_all_with(v, "i", 1, 0, &lax::CollectiveOptions { tiled: true })
        }),
    ]
}

/// Every rank's value: lane r of (size, 4, 8), integer-valued so sums are exact.
fn lanes(size: usize) -> Array {
    let data: Vec<f32> = (0..size * 32)
        .map(|i| ((i * 7919) % 23) as f32 - 11.0)
        .collect();
    Array::from_vec(data, [size, 4, 8])
}

fn lane(x: &Array, r: usize) -> Array {
    lax::index_in_dim(x, r as isize, 0, false)
}

fn over_vmap(x: &Array, f: impl Fn(&Array) -> Array + 'static) -> Array {
    vmap_with(f, VmapSpec::default().axis_name("i"))(x)
}

fn check_collectives(world: &Arc<dyn ProcessGroup>) -> usize {
    let (rank, size) = (world.rank(), world.size());
    let x = lanes(size);
    let mine = lane(&x, rank);
    let mut checks = 0;
    for (name, f) in cases() {
        let want = lane(&over_vmap(&x, f), rank);
        let eager = distributed::bind_axis("i", world.clone(), || f(&mine));
        assert_eq!(eager.to_vec::<f32>(), want.to_vec::<f32>(), "{name} eager");
        let jitted = distributed::bind_axis("i", world.clone(), || jit(f)(&mine));
        assert_eq!(jitted.to_vec::<f32>(), want.to_vec::<f32>(), "{name} jit");
        checks += 2;
        if matches!(name, "pmax" | "pmin") {
            continue;
        }
        let shape = over_vmap(&x, f).shape().to_vec();
        let n: usize = shape.iter().product();
        let w = Array::from_vec((0..n).map(|i| (i % 5) as f32 - 1.5).collect(), shape);
        let w1 = w.clone();
        let want = lane(
            &grad(move |x: &Array| (over_vmap(x, f) * &w1).sum(None))(&x),
            rank,
        );
        let wr = lane(&w, rank);
        let got = distributed::bind_axis("i", world.clone(), || {
            grad(move |v: &Array| (f(v) * &wr).sum(None))(&mine)
        });
        let (g, e) = (got.to_vec::<f32>(), want.to_vec::<f32>());
        for (a, b) in g.iter().zip(&e) {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{name} grad: {g:?} vs {e:?}"
            );
        }
        checks += 1;
    }
    // vmap inside the process axis: a batch of rows per rank, summed over ranks row by row.
    let per_row = |v: &Array| lax::psum(v, "i");
    let got = distributed::bind_axis("i", world.clone(), || vmap(per_row)(&mine));
    let want = lane(&over_vmap(&x, move |m: &Array| vmap(per_row)(m)), rank);
    assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>(), "vmap inside");
    checks + 1
}

/// Each dtype's trip through MPI: sums, maxima and gathers come back in the dtype, exactly.
fn check_dtypes(world: &Arc<dyn ProcessGroup>) -> usize {
    let (rank, size) = (world.rank() as f64, world.size() as f64);
    let mut checks = 0;
    for dtype in [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I8,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U32,
        DType::C64,
    ] {
        let x = (jnp::arange(4.0) + rank).astype(dtype);
        // Complex values reach the group through broadcast_tree and direct calls (the lax
        // collectives take real dtypes).
        let (summed, gathered) = if dtype == DType::C64 {
            (
                world.all_reduce(&x, ReduceOp::Sum).unwrap(),
                world.all_gather(&x).unwrap(),
            )
        } else {
            distributed::bind_axis("i", world.clone(), || {
                (lax::psum(&x, "i"), lax::all_gather(&x, "i"))
            })
        };
        assert_eq!(summed.dtype(), dtype);
        let base = size * (size - 1.0) / 2.0;
        let want: Vec<f64> = (0..4).map(|i| size * i as f64 + base).collect();
        assert_eq!(summed.to_vec::<f64>(), want, "psum {dtype}");
        assert_eq!(gathered.shape(), &[world.size(), 4]);
        assert_eq!(gathered.dtype(), dtype);
        let row = lane(&gathered, world.size() - 1).to_vec::<f64>();
        assert_eq!(
            row,
            (0..4).map(|i| i as f64 + size - 1.0).collect::<Vec<_>>()
        );
        checks += 2;
    }
    let flag = Array::from_vec(vec![world.rank() == 0, true], [2]);
    let (any, all) = distributed::bind_axis("i", world.clone(), || {
        (lax::pmax(&flag, "i"), lax::pmin(&flag, "i"))
    });
    assert_eq!(any.to_vec::<bool>(), vec![true, true]);
    assert_eq!(all.to_vec::<bool>(), vec![false, true]);
    checks + 1
}

fn check_training(world: &Arc<dyn ProcessGroup>) -> usize {
    let model = data_parallel::train_data_parallel(world.clone());
    // Every rank's parameters, gathered: all equal to rank 0's, bit for bit.
    let leaves: Vec<Array> = tree::leaves(&model).into_iter().cloned().collect();
    for leaf in &leaves {
        let all = world.all_gather(leaf).unwrap();
        for r in 1..world.size() {
            assert_eq!(
                lane(&all, r).to_vec::<f32>(),
                leaf.to_vec::<f32>(),
                "rank {r} holds different parameters"
            );
        }
    }
    let reference = data_parallel::train_one_process();
    assert!(
        tree::tree_allclose(&model, &reference, 1e-6, 1e-7),
        "data-parallel training differs from one process on the whole batches"
    );
    // A checkpoint written once by rank 0 and read by all.
    let dir = std::env::temp_dir().join("eqx-mpi-test");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.eqx");
    distributed::save_checkpoint(&path, &model, world.as_ref()).unwrap();
    let loaded = eqx::tree_deserialise_leaves(&path, &model).unwrap();
    assert!(tree::tree_equal(&loaded, &model));
    2 + leaves.len()
}

/// The checks, on one rank.
fn run_checks() {
    let runtime = mpi::initialize().expect("MPI initialises once");
    let world = runtime.world();
    assert!(
        world.size() >= 2,
        "run this test with mpirun -n 2 (or more); it has {} rank",
        world.size()
    );
    let checks = check_collectives(&world) + check_dtypes(&world) + check_training(&world);
    world.barrier().unwrap();
    println!(
        "distributed_mpi: rank {} of {}: {checks} checks passed",
        world.rank(),
        world.size()
    );
}

/// The checkpoint every fault run writes before rank 1 fails.
fn fault_checkpoint() -> Vec<Array> {
    vec![jnp::full([3], 7.0), Array::scalar(11i32)]
}

/// A run where rank 1 fails (`panic` or `kill`) after a checkpoint, while rank 0 waits in a
/// collective that can never complete.
fn run_fault(kind: &str, dir: &str) {
    let runtime = mpi::initialize().expect("MPI initialises once");
    let world = runtime.world();
    let path = std::path::Path::new(dir).join("last.eqx");
    distributed::save_checkpoint(&path, &fault_checkpoint(), world.as_ref()).unwrap();
    if world.rank() == 1 {
        match kind {
            "panic" => panic!("rank one fails on purpose"),
            _ => {
                let pid = std::process::id().to_string();
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid])
                    .status();
                std::thread::sleep(std::time::Duration::from_secs(600));
            }
        }
    }
    let x = jnp::ones([4]);
    distributed::bind_axis("data", world, || loop {
        std::hint::black_box(lax::psum(&x, "data"));
    });
}

/// `mpirun -n 2` of this binary with `args`: its status, its output, and how long it took.
/// Killed (and reported as hanging) after two minutes.
fn launch(args: &[&str]) -> (std::process::ExitStatus, String, std::time::Duration) {
    use std::io::Read;
    let launcher = std::env::var("MPIRUN").unwrap_or_else(|_| "mpirun".into());
    let me = std::env::current_exe().expect("the test binary's path");
    let start = std::time::Instant::now();
    let mut child = std::process::Command::new(&launcher)
        .args(["-n", "2", "--oversubscribe"])
        .arg(&me)
        .args(args)
        // Open MPI refuses to start as root (CI's user) without these.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {launcher}: {e} (is Open MPI installed?)"));
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for mpirun") {
            break status;
        }
        if start.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            panic!("mpirun {args:?} hung for two minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let text = reader.join().unwrap() + &err_reader.join().unwrap();
    (status, text, start.elapsed())
}

fn drive() {
    let (status, text, took) = launch(&["checks"]);
    assert!(status.success(), "the checks failed under mpirun:\n{text}");
    for rank in 0..2 {
        assert!(
            text.contains(&format!("distributed_mpi: rank {rank} of 2:")),
            "rank {rank} did not finish its checks:\n{text}"
        );
    }
    println!(
        "distributed_mpi: checks passed on 2 ranks in {:.1} s",
        took.as_secs_f64()
    );
    for kind in ["panic", "kill"] {
        let dir = std::env::temp_dir().join(format!("eqx-mpi-fault-{kind}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (status, text, took) = launch(&["fault", kind, dir.to_str().unwrap()]);
        assert!(
            !status.success(),
            "a {kind} on rank 1 left the job succeeding:\n{text}"
        );
        assert!(
            text.contains("rank 1"),
            "the job's output does not name rank 1 after a {kind}:\n{text}"
        );
        let loaded = eqx::tree_deserialise_leaves(dir.join("last.eqx"), &fault_checkpoint())
            .expect("the last checkpoint stays loadable");
        assert!(tree::tree_equal(&loaded, &fault_checkpoint()));
        println!(
            "distributed_mpi: a {kind} on rank 1 ended the job in {:.1} s, naming it",
            took.as_secs_f64()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("checks") => run_checks(),
        Some("fault") => run_fault(&args[1], &args[2]),
        // Started by cargo (which may pass harness flags): drive the runs.
        _ => drive(),
    }
}
