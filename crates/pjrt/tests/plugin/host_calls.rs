//! Primitives that run host code inside a compiled program (`pure_callback`,
//! `debug_callback`, `error_if`, `eig`, collectives over a process group): on the plugin they
//! are FFI custom calls of the host-callback handler, and must agree with the CPU executor.

use crate::common::{agree, client, normal};
use equinox_core::debug::{self, ErrorIfOptions, OnError};
use equinox_core::distributed::{self, ThreadGroup};
use equinox_core::transforms::{jit, vmap};
use equinox_core::{lax, numpy as jnp, Array, DType};
use equinox_pjrt::PjrtError;
use std::sync::{Arc, Mutex};

fn host_cumsum(x: &Array) -> Array {
    let mut acc = 0.0f32;
    let v: Vec<f32> = x
        .to_vec::<f32>()
        .into_iter()
        .map(|v| {
            acc += v;
            acc
        })
        .collect();
    Array::from_vec(v, x.shape())
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn pure_callbacks_run_on_the_host_inside_compiled_programs() {
    let x = normal(1, &[5], DType::F32);
    agree(
        "pure_callback",
        |x: &Array| debug::pure_callback(host_cumsum, x, x).sin() * 2.0,
        &x,
        1e-6,
        1e-6,
    );
    // Batched: the callback runs once per lane (JAX's `vmap_method="sequential"`).
    let xs = normal(2, &[3, 4], DType::F32);
    agree(
        "vmap(pure_callback)",
        |x: &Array| vmap(|r: &Array| debug::pure_callback(host_cumsum, r, r))(x),
        &xs,
        1e-6,
        1e-6,
    );
    // Two results of different dtypes, one of them integer.
    let f = |x: &Array| {
        let like = (x.clone(), jnp::zeros_dtype(Vec::<usize>::new(), DType::I32));
        debug::pure_callback(
            |x: &Array| (x * 3.0, Array::scalar(x.size() as i32)),
            &like,
            x,
        )
    };
    let (a, n) = client().jit(f).call(&x).unwrap();
    assert_eq!(a.to_vec::<f32>(), (&x * 3.0).to_vec::<f32>());
    assert_eq!(n.item::<i32>(), 5);
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn a_callback_returning_the_wrong_shape_fails_the_execution_with_a_message() {
    let f = client()
        .jit(|x: &Array| debug::pure_callback(|x: &Array| jnp::concatenate(&[x, x], 0), x, x));
    let err = f.call(&jnp::ones([2])).unwrap_err().to_string();
    assert!(
        err.contains("pure_callback: result 0 of the host callback is f32[4] but f32[2]"),
        "{err}"
    );
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn debug_callbacks_see_the_runtime_values() {
    let seen: Arc<Mutex<Vec<Vec<f32>>>> = Arc::default();
    let record = seen.clone();
    let f = client().jit(move |x: &Array| {
        let y = x * 2.0;
        let record = record.clone();
        debug::callback(
            move |y: &Array| record.lock().unwrap().push(y.to_vec::<f32>()),
            &y,
        );
        y + 1.0
    });
    let out = f.call(&Array::from_vec(vec![1.0f32, 2.0], [2])).unwrap();
    assert_eq!(out.to_vec::<f32>(), vec![3.0, 5.0]);
    f.call(&Array::from_vec(vec![5.0f32, 6.0], [2])).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![vec![2.0, 4.0], vec![10.0, 12.0]]
    );
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn error_if_raises_from_the_device_and_nan_mode_matches_the_cpu_executor() {
    let raise = ErrorIfOptions {
        on_error: OnError::Raise,
    };
    let f = client().jit(move |x: &Array| {
        debug::error_if_with(
            x,
            &jnp::less(x, &jnp::zeros_like(x)),
            "negative input",
            raise,
        )
        .sqrt()
    });
    let ok = f.call(&Array::from_vec(vec![4.0f32, 9.0], [2])).unwrap();
    assert_eq!(ok.to_vec::<f32>(), vec![2.0, 3.0]);
    match f.call(&Array::from_vec(vec![4.0f32, -9.0], [2])) {
        Err(PjrtError::Plugin { message, .. }) => {
            assert!(
                message.contains("runtime check failed: negative input"),
                "{message}"
            )
        }
        other => panic!("expected the check to fail the execution, got {other:?}"),
    }
    // branched_error_if: the index picks the message, also under vmap (largest index).
    let g = client().jit(|x: &Array| {
        let index = jnp::argmax(x, None).astype(DType::I32);
        debug::branched_error_if(
            x,
            &jnp::greater(x, &jnp::ones_like(x)),
            &index,
            &["a", "b", "c"],
        )
    });
    let err = g
        .call(&Array::from_vec(vec![0.0f32, 0.5, 2.0], [3]))
        .unwrap_err();
    assert!(err.to_string().contains("runtime check failed: c"), "{err}");
    let nan = ErrorIfOptions {
        on_error: OnError::Nan,
    };
    for x in [vec![1.0f32, 2.0], vec![1.0f32, -2.0]] {
        agree(
            "error_if(on_error=nan)",
            move |x: &Array| {
                debug::error_if_with(x, &jnp::less(x, &jnp::zeros_like(x)), "neg", nan) * 2.0
            },
            &Array::from_vec(x, [2]),
            0.0,
            0.0,
        );
    }
    let ints = Array::from_vec(vec![3i32, -1], [2]);
    agree(
        "error_if(on_error=nan) of integers",
        move |x: &Array| debug::error_if_with(x, &jnp::less(x, &jnp::zeros_like(x)), "neg", nan),
        &ints,
        0.0,
        0.0,
    );
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn eig_runs_the_host_kernel_inside_a_compiled_program() {
    let complex = lax::complex(
        &normal(5, &[2, 5, 5], DType::F32),
        &normal(6, &[2, 5, 5], DType::F32),
    );
    let inputs = [
        normal(3, &[2, 5, 5], DType::F32),
        normal(3, &[2, 5, 5], DType::F64),
        complex,
    ];
    for a in inputs {
        agree(
            &format!("eig {}", a.dtype()),
            |a: &Array| {
                let r = lax::linalg::eig(a);
                (r.w, r.vr.expect("right eigenvectors"))
            },
            &a,
            0.0,
            0.0,
        );
    }
    // Inside a larger program: A v = λ v for the right eigenvectors.
    let a = normal(4, &[6, 6], DType::F64);
    let residual = client()
        .jit(|a: &Array| {
            let r = jnp::linalg::eig(a);
            let av = jnp::matmul(&a.astype(DType::C128), &r.eigenvectors);
            let vl = &r.eigenvectors * &jnp::expand_dims(&r.eigenvalues, 0);
            jnp::abs(&(av - vl)).max(None)
        })
        .call(&a)
        .unwrap();
    assert!(residual.item::<f64>() < 1e-12, "{residual}");
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn collectives_run_over_the_process_group_bound_at_compile_time() {
    let inputs = [
        Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]),
        Array::from_vec(vec![10.0f32, 20.0, 30.0], [3]),
    ];
    let program = |x: &Array| {
        let total = lax::psum(x, "i");
        let biggest = lax::pmax(x, "i");
        let gathered = lax::all_gather(x, "i");
        let rank = lax::axis_index("i");
        (total * 2.0 + biggest, gathered, rank)
    };
    let results = ThreadGroup::run(2, |group| {
        distributed::bind_axis("i", group, || {
            let rank = distributed::bound_group("i").unwrap().rank();
            let x = &inputs[rank];
            let want = jit(program)(x);
            let got = client().jit(program).call(x).unwrap();
            (want, got)
        })
    })
    .unwrap();
    for (rank, (want, got)) in results.into_iter().enumerate() {
        assert_eq!(got.0.to_vec::<f32>(), want.0.to_vec::<f32>(), "rank {rank}");
        assert_eq!(got.0.to_vec::<f32>(), vec![32.0, 64.0, 96.0], "rank {rank}");
        assert_eq!(got.1.to_vec::<f32>(), want.1.to_vec::<f32>(), "rank {rank}");
        assert_eq!(got.1.shape(), &[2, 3]);
        assert_eq!(got.2.item::<i32>(), rank as i32);
    }
}
