//! `debug::callback` and `debug::print` (JAX's `jax.debug.callback` / `jax.debug.print`):
//! called with the runtime values, in program order, under `jit`, `vmap` and `grad`, and never
//! removed from a compiled program although they return nothing.

use equinox_core::transforms::*;
use equinox_core::{debug, lax, numpy as jnp, Array};
use std::sync::{Arc, Mutex};

type Log = Arc<Mutex<Vec<(String, Vec<f32>)>>>;

/// A callback that records `tag` and the value it sees.
fn record(log: &Log, tag: &'static str, x: &Array) {
    let log = log.clone();
    debug::callback(
        move |x: &Array| {
            log.lock()
                .unwrap()
                .push((tag.to_string(), x.to_vec::<f32>()))
        },
        x,
    );
}

fn taken(log: &Log) -> Vec<(String, Vec<f32>)> {
    std::mem::take(&mut *log.lock().unwrap())
}

fn entry(tag: &str, v: &[f32]) -> (String, Vec<f32>) {
    (tag.to_string(), v.to_vec())
}

#[test]
fn callbacks_run_in_program_order_with_each_calls_values_under_jit() {
    let log: Log = Arc::default();
    let l = log.clone();
    let f = jit(move |x: &Array| {
        record(&l, "in", x);
        let y = x.exp();
        record(&l, "exp", &y);
        // Two identical calls stay two calls (no merging) and the result is unused.
        record(&l, "in", x);
        y
    });
    let a = Array::from_vec(vec![0.0f32, 1.0], [2]);
    let y = f(&a);
    f(&jnp::zeros([2]));
    let e1 = 1.0f32.exp();
    assert_eq!(y.to_vec::<f32>(), vec![1.0, e1]);
    assert_eq!(
        taken(&log),
        vec![
            entry("in", &[0.0, 1.0]),
            entry("exp", &[1.0, e1]),
            entry("in", &[0.0, 1.0]),
            entry("in", &[0.0, 0.0]),
            entry("exp", &[1.0, 1.0]),
            entry("in", &[0.0, 0.0]),
        ]
    );
    // A program whose only effect is the callback still runs it.
    let l = log.clone();
    let g = jit(move |x: &Array| {
        record(&l, "only", &(x + 1.0));
        Array::scalar(0.0f32)
    });
    g(&jnp::ones([1]));
    assert_eq!(taken(&log), vec![entry("only", &[2.0])]);
}

#[test]
fn under_vmap_each_lane_is_a_call_in_lane_order() {
    let log: Log = Arc::default();
    let l = log.clone();
    let f = move |x: &Array| {
        record(&l, "lane", x);
        x.sum(None)
    };
    let xs = jnp::arange(6.0).reshape([3, 2]);
    let eager = vmap(f.clone())(&xs);
    assert_eq!(eager.to_vec::<f32>(), vec![1.0, 5.0, 9.0]);
    let lanes = vec![
        entry("lane", &[0.0, 1.0]),
        entry("lane", &[2.0, 3.0]),
        entry("lane", &[4.0, 5.0]),
    ];
    assert_eq!(taken(&log), lanes);
    let compiled = jit(vmap(f));
    compiled(&xs);
    compiled(&xs);
    let twice: Vec<_> = lanes.iter().chain(&lanes).cloned().collect();
    assert_eq!(taken(&log), twice);
}

#[test]
fn under_grad_the_callback_sees_the_primal_values_once() {
    let log: Log = Arc::default();
    let l = log.clone();
    let loss = move |w: &Array| {
        let y = w.sin();
        record(&l, "sin", &y);
        (&y * &y).sum(None)
    };
    let w = Array::from_vec(vec![0.5f32, -1.0], [2]);
    let g = grad(loss.clone())(&w);
    let expect: Vec<f32> = [0.5f32, -1.0]
        .iter()
        .map(|&v| 2.0 * v.sin() * v.cos())
        .collect();
    for (a, b) in g.to_vec::<f32>().iter().zip(&expect) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    let sins = vec![entry("sin", &[0.5f32.sin(), (-1.0f32).sin()])];
    assert_eq!(taken(&log), sins);
    // Compiled: each call of the jitted gradient runs the callback once, with that call's
    // primal values.
    let step = jit(value_and_grad(loss));
    let (v, g2) = step(&w);
    assert_eq!(g2.to_vec::<f32>(), g.to_vec::<f32>());
    assert!((v.item::<f32>() - (0.5f32.sin().powi(2) + 1.0f32.sin().powi(2))).abs() < 1e-6);
    assert_eq!(taken(&log), sins);
}

#[test]
fn inside_a_scan_body_every_iteration_calls_in_order() {
    let log: Log = Arc::default();
    let l = log.clone();
    let f = jit(move |xs: &Array| {
        let l = l.clone();
        let (total, _) = lax::scan(
            move |c: &Array, x: &Array| {
                let c = c + x;
                record(&l, "carry", &c);
                (c, Array::scalar(0.0f32))
            },
            &Array::scalar(0.0f32),
            xs,
        );
        total
    });
    let total = f(&Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]));
    assert_eq!(total.item::<f32>(), 6.0);
    assert_eq!(
        taken(&log),
        vec![
            entry("carry", &[1.0]),
            entry("carry", &[3.0]),
            entry("carry", &[6.0])
        ]
    );
}

#[test]
fn print_formats_like_python_str_format_and_checks_the_format_at_trace_time() {
    let x = Array::from_vec(vec![0.0f32, 1.5], [2]);
    let i = Array::scalar(7i32);
    assert_eq!(
        debug::format_values("x = {}, i = {}; again {0} {{}}", &[x.clone(), i.clone()]),
        format!("x = {x}, i = {i}; again {x} {{}}")
    );
    assert_eq!(
        debug::format_values("{1}{0}", &[x.clone(), i.clone()]),
        "7[0.  1.5]"
    );
    let err = |fmt: &'static str| {
        let x = x.clone();
        let p = std::panic::catch_unwind(move || debug::print(fmt, &[&x])).unwrap_err();
        p.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    assert!(err("{} {}").contains("refers to argument 1, but 1 were given"));
    assert!(err("{x}").contains("placeholder {x}"));
    assert!(err("{").contains("unclosed"));
    assert!(err("}").contains("single '}'"));
}

/// `print`'s lines, from a child process running `child_prints_for_the_parent_test` (the test
/// harness does not capture output written by other threads).
#[test]
fn print_writes_the_runtime_values_in_order_under_jit_vmap_and_grad() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "child_prints_for_the_parent_test",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("EQX_DEBUG_PRINT_CHILD", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The harness writes `test name ... ` before the test runs, on the first line printed.
    let lines: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("x = ").map(|at| &l[at..]))
        .collect();
    // jit(vmap(grad(f))) on three rows, called twice: the rows in order, twice.
    let row = |r: usize| {
        let x = jnp::take(
            &jnp::arange(6.0).reshape([3, 2]),
            &Array::scalar(r as i32),
            Some(0),
        );
        format!("x = {x}, sin = {}", x.sin())
    };
    let expect: Vec<String> = (0..6).map(|k| row(k % 3)).collect();
    assert_eq!(lines, expect);
}

#[test]
fn child_prints_for_the_parent_test() {
    if std::env::var_os("EQX_DEBUG_PRINT_CHILD").is_none() {
        return;
    }
    let f = |x: &Array| {
        let s = x.sin();
        debug::print("x = {}, sin = {}", &[x, &s]);
        s.sum(None)
    };
    let per_row = jit(vmap(grad(f)));
    let xs = jnp::arange(6.0).reshape([3, 2]);
    let g = per_row(&xs);
    per_row(&xs);
    assert_eq!(g.shape(), &[3, 2]);
}
