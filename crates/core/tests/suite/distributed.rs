//! Collectives over a process axis (`distributed::bind_axis` with a `ThreadGroup`): each member
//! holding one lane gives what `vmap` with that axis name gives over the stacked lanes, eagerly,
//! under `jit`, through `grad` (the collectives' transposes) and with a `vmap` inside.

use equinox_core::distributed::{self, ProcessGroup, ThreadGroup};
use equinox_core::transforms::{grad, jit, vmap, vmap_with, VmapSpec};
use equinox_core::{lax, numpy as jnp, Array};
use equinox_testing::panics::panic_message;
use equinox_testing::{assert_close, Tolerance};
use std::sync::Arc;

type Collective = fn(&Array) -> Array;

/// Collectives on one member's (or lane's) value, over the axis "i" of 4 members.
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
        ("axis_size", |v| v * lax::axis_size("i") as f32),
        ("ppermute", |v| {
            lax::ppermute(v, "i", &[(0, 1), (1, 2), (2, 3), (3, 0)])
        }),
        ("ppermute_partial", |v| {
            lax::ppermute(v, "i", &[(0, 2), (3, 1)])
        }),
        ("psum_scatter", |v| lax::psum_scatter(v, "i", 0)),
        ("psum_scatter_tiled", |v| {
            lax::psum_scatter_with(v, "i", 1, &lax::CollectiveOptions { tiled: true })
        }),
        ("all_to_all", |v| lax::all_to_all(v, "i", 0, 1)),
        ("all_to_all_tiled_back", |v| {
            lax::all_to_all_with(v, "i", 1, 0, &lax::CollectiveOptions { tiled: true })
        }),
        ("all_to_all_tiled", |v| {
            lax::all_to_all_with(v, "i", 0, 1, &lax::CollectiveOptions { tiled: true })
        }),
        ("pswapaxes", |v| lax::pswapaxes(v, "i", 0)),
    ]
}

const MEMBERS: usize = 4;

/// Four lanes of (4, 8): integer-valued floats, so sums are exact in any order.
fn lanes() -> Array {
    let data: Vec<f32> = (0..MEMBERS * 32)
        .map(|i| ((i * 7919) % 23) as f32 - 11.0)
        .collect();
    Array::from_vec(data, [MEMBERS, 4, 8])
}

/// Member r holds lane r; each computes `f` with "i" bound to the group; the results stacked.
fn across_members(x: &Array, f: impl Fn(&Array) -> Array + Sync) -> Array {
    let outs = ThreadGroup::run(MEMBERS, |g: Arc<dyn ProcessGroup>| {
        let lane = lax::index_in_dim(x, g.rank() as isize, 0, false);
        distributed::bind_axis("i", g, || f(&lane))
    })
    .unwrap();
    let refs: Vec<&Array> = outs.iter().collect();
    jnp::stack(&refs, 0)
}

fn over_vmap(x: &Array, f: impl Fn(&Array) -> Array + 'static) -> Array {
    vmap_with(f, VmapSpec::default().axis_name("i"))(x)
}

#[test]
fn collectives_across_members_match_the_named_vmap() {
    let x = lanes();
    for (name, f) in cases() {
        let want = over_vmap(&x, f);
        let got = across_members(&x, f);
        assert_eq!(got.shape(), want.shape(), "{name} shape");
        assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>(), "{name} values");
    }
}

#[test]
fn collectives_under_jit_run_through_the_group() {
    let x = lanes();
    for (name, f) in cases() {
        let want = over_vmap(&x, f);
        let got = across_members(&x, |v| jit(f)(v));
        assert_eq!(
            got.to_vec::<f32>(),
            want.to_vec::<f32>(),
            "{name} under jit"
        );
    }
}

#[test]
fn gradients_through_collectives_match_the_named_vmap() {
    let x = lanes();
    for (name, f) in cases() {
        if matches!(name, "pmax" | "pmin") {
            continue; // no derivative rule, as in JAX
        }
        // The loss weights every lane's output; each member differentiates its own term.
        let shape = over_vmap(&x, f).shape().to_vec();
        let n: usize = shape.iter().product();
        let w = Array::from_vec((0..n).map(|i| (i % 5) as f32 - 1.5).collect(), shape);
        let w1 = w.clone();
        let want = grad(move |x: &Array| (over_vmap(x, f) * &w1).sum(None))(&x);
        let got = across_members(&x, |lane| {
            let r = lax::axis_index("i").item::<i32>() as isize;
            let wr = lax::index_in_dim(&w, r, 0, false);
            grad(move |v: &Array| (f(v) * &wr).sum(None))(lane)
        });
        assert_close(
            &format!("{name} grad"),
            &got.to_vec::<f64>(),
            &want.to_vec::<f64>(),
            Tolerance::F32,
        );
    }
}

#[test]
fn vmap_inside_a_process_axis_keeps_its_batch() {
    // Each member holds a batch of 3 rows; psum over members happens per row.
    let x = Array::from_vec(
        (0..MEMBERS * 6).map(|i| i as f32).collect(),
        [MEMBERS, 3, 2],
    );
    let per_row = |v: &Array| lax::psum(v, "i") * lax::axis_size("i") as f32;
    let want = over_vmap(&x, move |m: &Array| vmap(per_row)(m));
    let got = across_members(&x, |m| vmap(per_row)(m));
    assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>());
    // An inner vmap with the process axis' name shadows it.
    let got = across_members(&x, |m| {
        vmap_with(
            |v: &Array| lax::psum(v, "i"),
            VmapSpec::default().axis_name("i"),
        )(m)
    });
    let want = over_vmap(&x, |m: &Array| {
        vmap_with(
            |v: &Array| lax::psum(v, "i"),
            VmapSpec::default().axis_name("i"),
        )(m)
    });
    assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>());
}

#[test]
fn an_unknown_axis_names_the_bound_process_axes() {
    let msgs = ThreadGroup::run(2, |g| {
        distributed::bind_axis("data", g, || {
            panic_message(|| drop(lax::psum(&Array::scalar(1.0f32), "model")))
        })
    })
    .unwrap();
    assert!(
        msgs[0].contains("unbound axis name: model") && msgs[0].contains("\"data\""),
        "{}",
        msgs[0]
    );
    // Outside the binding the process axis is gone again.
    let msg = panic_message(|| drop(lax::psum(&Array::scalar(1.0f32), "data")));
    assert!(msg.contains("unbound axis name: data"), "{msg}");
}

#[test]
fn a_member_that_panics_fails_the_others_collectives_naming_it() {
    let seen = std::sync::Mutex::new(String::new());
    let err = ThreadGroup::run(3, |g| {
        if g.rank() == 2 {
            panic!("member two gives up");
        }
        let rank = g.rank();
        let msg = panic_message(|| {
            distributed::bind_axis("i", g, || drop(lax::psum(&Array::scalar(1.0f32), "i")))
        });
        if rank == 0 {
            *seen.lock().unwrap() = msg;
        }
    })
    .unwrap_err();
    assert_eq!(err.rank, 2);
    assert_eq!(err.message, "member two gives up");
    let msg = seen.into_inner().unwrap();
    assert!(
        msg.contains(
            "psum over process axis 'i' (rank 0 of 3): rank 2 failed: member two gives up"
        ),
        "{msg}"
    );
}

#[test]
fn a_large_jitted_program_runs_its_collectives_where_the_axis_is_bound() {
    // Large enough for the executor's multi-threaded path, with more members than the pool has
    // workers: the program must run its collective on the member's thread, where "i" is bound.
    let x = Array::from_vec(
        (0..MEMBERS * 20_000).map(|i| (i % 7) as f32).collect(),
        [MEMBERS, 20_000],
    );
    let f = |v: &Array| lax::psum(&(v * 2.0), "i") + 1.0;
    let want = over_vmap(&x, f);
    let got = across_members(&x, |v| jit(f)(v));
    assert_eq!(got.to_vec::<f32>(), want.to_vec::<f32>());
}
