//! `lax::cond`/`switch`/`while_loop`/`fori_loop`/`scan`/`map`: values against plain Rust
//! loops and ifs, forward and reverse derivatives against finite differences, the batching law
//! (`vmap(f)(xs)[i] == f(xs[i])`), closures over outer tracers, jit, printing and misuse.

use crate::common;

use common::{assert_close, random_array, relayout, Rng};
use equinox_core::transforms::*;
use equinox_core::{lax, numpy as jnp, Array, DType};
use equinox_testing::Golden;

fn host(x: &Array) -> Vec<f64> {
    x.to_vec::<f64>()
}

/// Lane `i` along axis 0 of a concrete array (host-side, independent of the library).
fn lane(x: &Array, i: usize) -> Array {
    let inner: usize = x.shape()[1..].iter().product();
    let v = host(x)[i * inner..(i + 1) * inner].to_vec();
    Array::from_vec(v, x.shape()[1..].to_vec()).astype(x.dtype())
}

/// Lane `i` along `axis` of a concrete array.
fn lane_at(x: &Array, axis: usize, i: usize) -> Array {
    lane(&jnp::moveaxis(x, axis as isize, 0), i)
}

fn scalar(v: f64) -> Array {
    Array::scalar(v)
}

// ---------------------------------------------------------------------------------------------
// Values against plain Rust

/// The scan body the value tests use: a vector carry, a scalar carry, two xs, two ys.
fn scan_body(
    (c, s): &(Array, Array),
    (x0, x1): &(Array, Array),
) -> ((Array, Array), (Array, Array)) {
    let c_new = &(c * x0) + s;
    let s_new = &(s * 0.5) + x1;
    let y0 = &c_new - x0;
    ((c_new, s_new), (y0, s.clone()))
}

#[test]
fn scan_matches_a_rust_loop() {
    let mut rng = Rng::new(1);
    for dtype in [DType::F32, DType::F64] {
        for &(n, k) in &[(0usize, 3usize), (1, 1), (4, 3), (6, 2)] {
            for reverse in [false, true] {
                let c0 = random_array(&mut rng, &[k], dtype);
                let s0 = random_array(&mut rng, &[], dtype);
                let x0 = random_array(&mut rng, &[n, k], dtype);
                let x0 = relayout(&mut rng, &x0);
                let x1 = random_array(&mut rng, &[n], dtype);
                let unroll = 1 + (n % 3);
                let ((c, s), (y0, y1)) = lax::scan_with_options(
                    scan_body,
                    &(c0.clone(), s0.clone()),
                    &(x0.clone(), x1.clone()),
                    lax::ScanOptions {
                        reverse,
                        unroll,
                        ..Default::default()
                    },
                );
                // Reference.
                let mut rc = host(&c0);
                let mut rs = host(&s0)[0];
                let hx0 = host(&x0);
                let hx1 = host(&x1);
                let mut ry0 = vec![0.0; n * k];
                let mut ry1 = vec![0.0; n];
                for step in 0..n {
                    let i = if reverse { n - 1 - step } else { step };
                    let old_s = rs;
                    for j in 0..k {
                        rc[j] = rc[j] * hx0[i * k + j] + old_s;
                        ry0[i * k + j] = rc[j] - hx0[i * k + j];
                    }
                    ry1[i] = old_s;
                    rs = old_s * 0.5 + hx1[i];
                }
                let tol = if dtype == DType::F32 { 1e-5 } else { 1e-12 };
                let what = format!("scan {dtype} n={n} k={k} reverse={reverse}");
                assert_eq!(y0.shape(), &[n, k], "{what}");
                assert_eq!((c.dtype(), y1.dtype()), (dtype, dtype), "{what}");
                assert_close(&host(&c), &rc, tol, tol, &what);
                assert_close(&host(&s), &[rs], tol, tol, &what);
                assert_close(&host(&y0), &ry0, tol, tol, &what);
                assert_close(&host(&y1), &ry1, tol, tol, &what);
            }
        }
    }
}

#[test]
fn scan_without_xs_uses_length() {
    for n in [0usize, 1, 5] {
        let (c, ys) = lax::scan_with_options(
            |c: &Array, _: &()| (c * 2.0, c.clone()),
            &Array::scalar(1.5f32),
            &(),
            lax::ScanOptions {
                length: Some(n),
                ..Default::default()
            },
        );
        assert_eq!(c.item::<f32>(), 1.5 * 2f32.powi(n as i32));
        let want: Vec<f64> = (0..n).map(|i| 1.5 * 2f64.powi(i as i32)).collect();
        assert_eq!(ys.shape(), &[n]);
        assert_eq!(host(&ys), want);
    }
}

#[test]
fn map_matches_a_rust_loop() {
    let mut rng = Rng::new(2);
    let xs = random_array(&mut rng, &[5, 3], DType::F64);
    let xs = relayout(&mut rng, &xs);
    let ys = lax::map(|x: &Array| (x * x, x + 1.0), &xs);
    let h = host(&xs);
    assert_eq!(host(&ys.0), h.iter().map(|v| v * v).collect::<Vec<_>>());
    assert_eq!(host(&ys.1), h.iter().map(|v| v + 1.0).collect::<Vec<_>>());
    assert_eq!(ys.0.shape(), &[5, 3]);
}

#[test]
fn cond_matches_if() {
    let x = Array::from_vec(vec![1.5f32, -2.0], [2]);
    let ops = (x.clone(), Array::scalar(3.0f32));
    let t = |(a, b): &(Array, Array)| (a * b, b + 1.0);
    let f = |(a, b): &(Array, Array)| (a - b, b * b);
    for (pred, truth) in [
        (Array::scalar(true), true),
        (Array::scalar(false), false),
        (Array::scalar(2i32), true),
        (Array::scalar(0i32), false),
        (Array::scalar(-0.5f32), true),
        (Array::scalar(0.0f64), false),
    ] {
        let (a, b) = lax::cond(&pred, t, f, &ops);
        if truth {
            assert_eq!(a.to_vec::<f32>(), vec![4.5, -6.0]);
            assert_eq!(b.item::<f32>(), 4.0);
        } else {
            assert_eq!(a.to_vec::<f32>(), vec![-1.5, -5.0]);
            assert_eq!(b.item::<f32>(), 9.0);
        }
    }
}

#[test]
fn switch_matches_match_and_clamps() {
    let x = Array::scalar(2.0f64);
    let b0 = |x: &Array| x + 1.0;
    let b1 = |x: &Array| x * 10.0;
    let b2 = |x: &Array| x * x;
    let branches: [&dyn Fn(&Array) -> Array; 3] = [&b0, &b1, &b2];
    for (i, want) in [(-3i32, 3.0), (0, 3.0), (1, 20.0), (2, 4.0), (7, 4.0)] {
        let y = lax::switch(&Array::scalar(i), &branches, &x);
        assert_eq!(y.item::<f64>(), want, "index {i}");
    }
    // A single branch is called directly.
    let one: [&dyn Fn(&Array) -> Array; 1] = [&b1];
    assert_eq!(
        lax::switch(&Array::scalar(5i64), &one, &x).item::<f64>(),
        20.0
    );
}

fn collatz_steps(n: i32) -> (i32, i32) {
    let (mut n, mut steps) = (n, 0);
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    (n, steps)
}

#[test]
fn while_loop_matches_a_rust_loop() {
    for start in [1i32, 6, 7, 27] {
        let (n, steps) = lax::while_loop(
            |(n, _): &(Array, Array)| jnp::not_equal(n, &Array::scalar(1i32)),
            |(n, s): &(Array, Array)| {
                let even = jnp::equal(&(n % 2), &Array::scalar(0i32));
                (
                    jnp::where_(
                        &even,
                        &jnp::floor_divide(n, &Array::scalar(2i32)),
                        &(n * 3 + 1),
                    ),
                    s + 1,
                )
            },
            &(Array::scalar(start), Array::scalar(0i32)),
        );
        assert_eq!((n.item::<i32>(), steps.item::<i32>()), collatz_steps(start));
    }
    // A loop that never runs returns the initial carry.
    let x = lax::while_loop(
        |x: &Array| jnp::less(x, &Array::scalar(0.0f32)),
        |x: &Array| x * 2.0,
        &Array::scalar(3.0f32),
    );
    assert_eq!(x.item::<f32>(), 3.0);
}

#[test]
fn fori_loop_static_and_dynamic_bounds_match_a_rust_loop() {
    let body = |i: &Array, acc: &Array| acc * 1.5 + &i.astype(DType::F64);
    let reference = |lo: i32, hi: i32| (lo..hi).fold(0.25f64, |acc, i| acc * 1.5 + i as f64);
    for (lo, hi) in [(0, 5), (2, 7), (3, 3), (5, 2)] {
        let s = lax::fori_loop(lo, hi, body, &Array::scalar(0.25f64));
        assert_eq!(s.item::<f64>(), reference(lo, hi), "static {lo}..{hi}");
        // Concrete arrays are static bounds too.
        let c = lax::fori_loop(
            Array::scalar(lo),
            Array::scalar(hi),
            body,
            &Array::scalar(0.25f64),
        );
        assert_eq!(c.item::<f64>(), reference(lo, hi), "concrete {lo}..{hi}");
        // Traced bounds (under jit) give a while loop.
        let f = jit(|lo: &Array, hi: &Array| lax::fori_loop(lo, hi, body, &Array::scalar(0.25f64)));
        let d = f(&Array::scalar(lo), &Array::scalar(hi));
        assert_eq!(d.item::<f64>(), reference(lo, hi), "dynamic {lo}..{hi}");
    }
    let staged = make_jaxpr(|hi: &Array| lax::fori_loop(0, hi, body, &Array::scalar(0.25f64)))(
        &Array::scalar(3i32),
    );
    assert!(staged.to_string().contains("while["), "{staged}");
    let staged = make_jaxpr(|x: &Array| lax::fori_loop(0, 3, body, x))(&Array::scalar(0.25f64));
    assert!(staged.to_string().contains("scan["), "{staged}");
}

// ---------------------------------------------------------------------------------------------
// Derivatives

#[test]
fn scan_derivatives_match_finite_differences() {
    let mut rng = Rng::new(3);
    for reverse in [false, true] {
        let c0 = random_array(&mut rng, &[3], DType::F64);
        let s0 = random_array(&mut rng, &[], DType::F64);
        let x0 = random_array(&mut rng, &[4, 3], DType::F64) * 0.5;
        let x1 = random_array(&mut rng, &[4], DType::F64);
        let f = |(c0, s0, x0, x1): &(Array, Array, Array, Array)| {
            lax::scan_with_options(
                scan_body,
                &(c0.clone(), s0.clone()),
                &(x0.clone(), x1.clone()),
                lax::ScanOptions {
                    reverse,
                    ..Default::default()
                },
            )
        };
        check_grads(f, &(c0, s0, x0, x1), 1e-6, 1e-6, 1e-8);
    }
}

#[test]
fn grad_through_scan_matches_closed_form() {
    // prod_i (a + x_i) differentiated in a: sum_j prod_{i != j} (a + x_i); in both directions.
    let xs = Array::from_vec(vec![0.5f64, -1.25, 2.0, 0.75], [4]);
    let a = 0.3f64;
    let hx = host(&xs);
    let want: f64 = (0..4)
        .map(|j| {
            (0..4)
                .filter(|&i| i != j)
                .map(|i| a + hx[i])
                .product::<f64>()
        })
        .sum();
    for reverse in [false, true] {
        let f = |a: &Array| {
            lax::scan_with_options(
                |c: &Array, x: &Array| (c * &(a + x), ()),
                &scalar(1.0),
                &xs,
                lax::ScanOptions {
                    reverse,
                    ..Default::default()
                },
            )
            .0
        };
        let g = grad(f)(&scalar(a));
        assert_close(&host(&g), &[want], 1e-12, 0.0, "grad of a product scan");
        // Second derivative: sum over pairs j != k of prod_{i not in {j,k}} (a + x_i).
        let want2: f64 = (0..4)
            .flat_map(|j| (0..4).map(move |k| (j, k)))
            .filter(|(j, k)| j != k)
            .map(|(j, k)| {
                (0..4)
                    .filter(|&i| i != j && i != k)
                    .map(|i| a + hx[i])
                    .product::<f64>()
            })
            .sum();
        let g2 = grad(grad(f))(&scalar(a));
        assert_close(
            &host(&g2),
            &[want2],
            1e-12,
            1e-12,
            "second derivative of a product scan",
        );
    }
}

#[test]
fn cond_and_switch_derivatives_match_finite_differences() {
    let x = Array::from_vec(vec![0.7f64, -1.3, 2.1], [3]);
    for p in [true, false] {
        let f = |(x, y): &(Array, Array)| {
            lax::cond(
                &Array::scalar(p),
                |(x, y): &(Array, Array)| (x * y, y * y * y),
                |(x, y): &(Array, Array)| (x + y, y.clone()),
                &(x.clone(), y.clone()),
            )
        };
        check_grads(f, &(x.clone(), scalar(0.4)), 1e-6, 1e-6, 1e-8);
        let (_, g) = vjp(f, &(x.clone(), scalar(0.4)));
        let (gx, gy) = g.transpose(&(jnp::ones([3]).astype(DType::F64), scalar(1.0)));
        if p {
            // d/dx sum(x*y) = y; d/dy (sum(x*y) + y^3) = sum(x) + 3 y^2.
            assert_close(&host(&gx), &[0.4; 3], 1e-12, 0.0, "cond true: grad x");
            assert_close(
                &host(&gy),
                &[1.5 + 3.0 * 0.16],
                1e-12,
                0.0,
                "cond true: grad y",
            );
        } else {
            assert_close(&host(&gx), &[1.0; 3], 1e-12, 0.0, "cond false: grad x");
            assert_close(&host(&gy), &[4.0], 1e-12, 0.0, "cond false: grad y");
        }
    }
    let b0 = |x: &Array| x * x;
    let b1 = |x: &Array| x * 3.0;
    let b2 = |x: &Array| x / (x * x + 1.0);
    for i in 0..3 {
        let f = |x: &Array| {
            let branches: [&dyn Fn(&Array) -> Array; 3] = [&b0, &b1, &b2];
            lax::switch(&Array::scalar(i), &branches, x)
        };
        check_grads(f, &x, 1e-6, 1e-6, 1e-8);
    }
    // A branch closing over a differentiated value (it becomes an operand of the cond).
    let g = grad(|a: &Array| {
        lax::cond(
            &Array::scalar(true),
            |x: &Array| x * a * a,
            |x: &Array| x.clone(),
            &scalar(2.0),
        )
    })(&scalar(3.0));
    assert_eq!(g.item::<f64>(), 12.0);
}

#[test]
fn fori_loop_derivatives_match_finite_differences() {
    let f = |(x, a): &(Array, Array)| {
        lax::fori_loop(
            0,
            4,
            |i: &Array, c: &Array| &(c * a) + &(x * &i.astype(DType::F64)),
            x,
        )
    };
    check_grads(
        f,
        &(Array::from_vec(vec![0.3f64, -0.8], [2]), scalar(0.9)),
        1e-6,
        1e-6,
        1e-8,
    );
    // x^(n+1) via a loop: grad = (n+1) x^n.
    let p = |x: &Array| lax::fori_loop(0, 5, |_: &Array, c: &Array| c * x, x);
    assert_close(
        &host(&grad(p)(&scalar(1.1))),
        &[6.0 * 1.1f64.powi(5)],
        1e-12,
        0.0,
        "grad of x^6",
    );
}

#[test]
fn while_loop_jvp_matches_finite_differences() {
    // Repeated squaring until the value exceeds 100: piecewise smooth in x.
    let f = |x: &Array| {
        lax::while_loop(
            |(_, v): &(Array, Array)| jnp::less(v, &scalar(100.0)),
            |(k, v): &(Array, Array)| (k + 1, v * v),
            &(Array::scalar(0i32), x.clone()),
        )
        .1
    };
    for x0 in [1.3f64, 2.5, 50.0, 120.0] {
        let (y, dy) = jvp(f, &scalar(x0), &scalar(1.0));
        let eps = 1e-6;
        let fd =
            (f(&scalar(x0 + eps)).item::<f64>() - f(&scalar(x0 - eps)).item::<f64>()) / (2.0 * eps);
        assert_close(
            &host(&dy),
            &[fd],
            1e-6,
            0.0,
            "while jvp vs finite differences",
        );
        assert_eq!(y.item::<f64>(), f(&scalar(x0)).item::<f64>());
    }
    // Forward mode also works through linearize's forward application.
    let (_, lin) = linearize(f, &scalar(1.3));
    let want = jvp(f, &scalar(1.3), &scalar(2.0)).1;
    assert_eq!(lin.apply(&scalar(2.0)).item::<f64>(), want.item::<f64>());
}

#[test]
#[should_panic(
    expected = "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using fori_loop with static start/stop."
)]
fn grad_of_while_loop_panics_like_jax() {
    let f = |x: &Array| {
        lax::while_loop(
            |(k, _): &(Array, Array)| jnp::less(k, &Array::scalar(3i32)),
            |(k, v): &(Array, Array)| (k + 1, v * v),
            &(Array::scalar(0i32), x.clone()),
        )
        .1
    };
    grad(f)(&scalar(1.5));
}

#[test]
#[should_panic(expected = "Reverse-mode differentiation does not work for lax.while_loop")]
fn grad_of_fori_loop_with_traced_bounds_panics_like_jax() {
    let f = jit(|x: &Array, n: &Array| {
        grad(|x: &Array| lax::fori_loop(0, n, |_: &Array, c: &Array| c * x, x))(x)
    });
    f(&scalar(1.5), &Array::scalar(3i32));
}

/// A scalar RNN cell written with elementwise operations: h' = act(w * h + u * x + b), with
/// act(z) = z / (1 + z^2) as a smooth saturating activation.
fn rnn_loss((w, u, b, h0): &(Array, Array, Array, Array), xs: &Array) -> Array {
    let act = |z: &Array| z / &(z * z + 1.0);
    let (h, hs) = lax::scan(
        |h: &Array, x: &Array| {
            let h = act(&(&(&(w * h) + &(u * x)) + b));
            (h.clone(), h)
        },
        h0,
        xs,
    );
    // Loss: last state plus a weighted sum of the states (a linear readout).
    let readout = lax::scan_with_options(
        |acc: &Array, hk: &Array| (acc + &(hk * hk), ()),
        &scalar(0.0),
        &hs,
        lax::ScanOptions {
            reverse: true,
            ..Default::default()
        },
    )
    .0;
    &h + &readout
}

fn rnn_reference(p: [f64; 4], xs: &[f64]) -> f64 {
    let [w, u, b, mut h] = p;
    let mut readout = 0.0;
    for x in xs {
        let z = w * h + u * x + b;
        h = z / (1.0 + z * z);
        readout += h * h;
    }
    h + readout
}

#[test]
fn scan_rnn_gradients_match_central_differences() {
    let xs_v = vec![0.5, -1.0, 0.25, 2.0, -0.75, 1.5];
    let xs = Array::from_vec(xs_v.clone(), [6]);
    let p = [0.8, -0.6, 0.1, 0.3];
    let params = (scalar(p[0]), scalar(p[1]), scalar(p[2]), scalar(p[3]));
    let loss = rnn_loss(&params, &xs).item::<f64>();
    assert_close(
        &[loss],
        &[rnn_reference(p, &xs_v)],
        1e-13,
        0.0,
        "rnn forward",
    );
    let g = grad(|ps: &(Array, Array, Array, Array)| rnn_loss(ps, &xs))(&params);
    let gs = [
        g.0.item::<f64>(),
        g.1.item::<f64>(),
        g.2.item::<f64>(),
        g.3.item::<f64>(),
    ];
    for k in 0..4 {
        let eps = 1e-6;
        let (mut hi, mut lo) = (p, p);
        hi[k] += eps;
        lo[k] -= eps;
        let fd = (rnn_reference(hi, &xs_v) - rnn_reference(lo, &xs_v)) / (2.0 * eps);
        assert_close(
            &[gs[k]],
            &[fd],
            1e-6,
            1e-9,
            &format!("rnn grad of parameter {k}"),
        );
    }
    check_grads(
        |ps: &(Array, Array, Array, Array)| rnn_loss(ps, &xs),
        &params,
        1e-6,
        1e-6,
        1e-8,
    );
}

/// The RNN h' = tanh(W h + U x + b) over a sequence; loss = sum(h_T) + sum of squared states.
fn tanh_rnn_loss((w, u, b, h0): &(Array, Array, Array, Array), xs: &Array) -> Array {
    let (h, hs) = lax::scan(
        |h: &Array, x: &Array| {
            let h = (&(&w.matmul(h) + &u.matmul(x)) + b).tanh();
            (h.clone(), h)
        },
        h0,
        xs,
    );
    &jnp::sum(&h, None) + &jnp::sum(&(&hs * &hs), None)
}

fn tanh_rnn_reference(
    w: &[f64],
    u: &[f64],
    b: &[f64],
    h0: &[f64],
    xs: &[f64],
    (nh, nx): (usize, usize),
) -> f64 {
    let mut h = h0.to_vec();
    let mut sq = 0.0;
    for x in xs.chunks(nx) {
        h = (0..nh)
            .map(|i| {
                let z: f64 = (0..nh).map(|j| w[i * nh + j] * h[j]).sum::<f64>()
                    + (0..nx).map(|j| u[i * nx + j] * x[j]).sum::<f64>()
                    + b[i];
                z.tanh()
            })
            .collect();
        sq += h.iter().map(|v| v * v).sum::<f64>();
    }
    h.iter().sum::<f64>() + sq
}

#[test]
fn scan_tanh_rnn_gradients_match_central_differences() {
    let mut rng = Rng::new(10);
    let (nh, nx, t) = (3usize, 2usize, 5usize);
    let params = (
        random_array(&mut rng, &[nh, nh], DType::F64) * 0.4,
        random_array(&mut rng, &[nh, nx], DType::F64) * 0.4,
        random_array(&mut rng, &[nh], DType::F64) * 0.2,
        random_array(&mut rng, &[nh], DType::F64) * 0.3,
    );
    let xs = random_array(&mut rng, &[t, nx], DType::F64);
    let flat = |p: &(Array, Array, Array, Array)| [host(&p.0), host(&p.1), host(&p.2), host(&p.3)];
    let reference =
        |v: &[Vec<f64>; 4]| tanh_rnn_reference(&v[0], &v[1], &v[2], &v[3], &host(&xs), (nh, nx));
    let p0 = flat(&params);
    let loss = tanh_rnn_loss(&params, &xs).item::<f64>();
    assert_close(&[loss], &[reference(&p0)], 1e-12, 0.0, "tanh rnn forward");
    let g = grad(|p: &(Array, Array, Array, Array)| tanh_rnn_loss(p, &xs))(&params);
    let g = flat(&g);
    let eps = 1e-6;
    for k in 0..4 {
        for e in 0..p0[k].len() {
            let (mut hi, mut lo) = (p0.clone(), p0.clone());
            hi[k][e] += eps;
            lo[k][e] -= eps;
            let fd = (reference(&hi) - reference(&lo)) / (2.0 * eps);
            assert_close(
                &[g[k][e]],
                &[fd],
                1e-6,
                1e-9,
                &format!("tanh rnn grad of parameter {k}[{e}]"),
            );
        }
    }
    check_grads(
        |p: &(Array, Array, Array, Array)| tanh_rnn_loss(p, &xs),
        &params,
        1e-6,
        1e-6,
        1e-8,
    );
    // Per-sequence gradients of a batch of sequences (vmap of grad) match one at a time.
    let batch = random_array(&mut rng, &[4, t, nx], DType::F64);
    let per_seq = vmap_with(
        |p: &(Array, Array, Array, Array), xs: &Array| {
            grad(|p: &(Array, Array, Array, Array)| tanh_rnn_loss(p, xs))(p)
        },
        VmapSpec::default().in_axes(vec![None, None, None, None, Some(0)]),
    );
    let gb = per_seq(&params, &batch);
    for i in 0..4 {
        let gi =
            grad(|p: &(Array, Array, Array, Array)| tanh_rnn_loss(p, &lane(&batch, i)))(&params);
        assert_close(
            &host(&lane(&gb.0, i)),
            &host(&gi.0),
            1e-12,
            1e-14,
            &format!("per-sequence grad of W, lane {i}"),
        );
        assert_close(
            &host(&lane(&gb.3, i)),
            &host(&gi.3),
            1e-12,
            1e-14,
            &format!("per-sequence grad of h0, lane {i}"),
        );
    }
}

/// One RK4 step of Lotka-Volterra: x' = a x - b x y, y' = d x y - c y.
fn lv_rk4(state: &(Array, Array), p: &(Array, Array, Array, Array), dt: f64) -> (Array, Array) {
    let (a, b, c, d) = p;
    let field = |x: &Array, y: &Array| {
        let xy = x * y;
        (&(a * x) - &(b * &xy), &(d * &xy) - &(c * y))
    };
    let (x, y) = state;
    let (k1x, k1y) = field(x, y);
    let (k2x, k2y) = field(&(x + &(&k1x * (dt / 2.0))), &(y + &(&k1y * (dt / 2.0))));
    let (k3x, k3y) = field(&(x + &(&k2x * (dt / 2.0))), &(y + &(&k2y * (dt / 2.0))));
    let (k4x, k4y) = field(&(x + &(&k3x * dt)), &(y + &(&k3y * dt)));
    let step = |s: &Array, k1: &Array, k2: &Array, k3: &Array, k4: &Array| {
        s + &(&(&(k1 + &(k2 * 2.0)) + &(k3 * 2.0)) + k4) * (dt / 6.0)
    };
    (
        step(x, &k1x, &k2x, &k3x, &k4x),
        step(y, &k1y, &k2y, &k3y, &k4y),
    )
}

fn lv_reference(p: [f64; 6], steps: usize, dt: f64) -> (f64, f64) {
    let [a, b, c, d, mut x, mut y] = p;
    let f = |x: f64, y: f64| (a * x - b * x * y, d * x * y - c * y);
    for _ in 0..steps {
        let (k1x, k1y) = f(x, y);
        let (k2x, k2y) = f(x + k1x * dt / 2.0, y + k1y * dt / 2.0);
        let (k3x, k3y) = f(x + k2x * dt / 2.0, y + k2y * dt / 2.0);
        let (k4x, k4y) = f(x + k3x * dt, y + k3y * dt);
        x += (k1x + 2.0 * k2x + 2.0 * k3x + k4x) * dt / 6.0;
        y += (k1y + 2.0 * k2y + 2.0 * k3y + k4y) * dt / 6.0;
    }
    (x, y)
}

#[test]
fn fori_loop_rk4_integrator_gradients_match_central_differences() {
    let (steps, dt) = (20usize, 0.05);
    let p = [1.1, 0.4, 0.9, 0.3, 2.0, 1.5];
    type Params = ((Array, Array, Array, Array), (Array, Array));
    let simulate = |(params, s0): &Params| {
        lax::fori_loop(
            0,
            steps as i32,
            |_: &Array, s: &(Array, Array)| lv_rk4(s, params, dt),
            s0,
        )
    };
    let args: Params = (
        (scalar(p[0]), scalar(p[1]), scalar(p[2]), scalar(p[3])),
        (scalar(p[4]), scalar(p[5])),
    );
    let (x, y) = simulate(&args);
    let (rx, ry) = lv_reference(p, steps, dt);
    assert_close(
        &[x.item::<f64>(), y.item::<f64>()],
        &[rx, ry],
        1e-13,
        0.0,
        "rk4 forward",
    );
    let loss = |a: &Params| {
        let (x, y) = simulate(a);
        &(&x * &x) + &y
    };
    let g = grad(loss)(&args);
    let gs = [
        g.0 .0.item::<f64>(),
        g.0 .1.item::<f64>(),
        g.0 .2.item::<f64>(),
        g.0 .3.item::<f64>(),
        g.1 .0.item::<f64>(),
        g.1 .1.item::<f64>(),
    ];
    for k in 0..6 {
        let eps = 1e-6;
        let (mut hi, mut lo) = (p, p);
        hi[k] += eps;
        lo[k] -= eps;
        let l = |q: [f64; 6]| {
            let (x, y) = lv_reference(q, steps, dt);
            x * x + y
        };
        let fd = (l(hi) - l(lo)) / (2.0 * eps);
        assert_close(
            &[gs[k]],
            &[fd],
            1e-6,
            1e-8,
            &format!("rk4 grad of parameter {k}"),
        );
    }
    check_grads(simulate, &args, 1e-6, 1e-6, 1e-8);
}

// ---------------------------------------------------------------------------------------------
// Batching law: vmap(f)(xs)[i] == f(xs[i])

fn assert_lanes(
    batched: &Array,
    axis: usize,
    per_lane: impl Fn(usize) -> Array,
    n: usize,
    what: &str,
) {
    for i in 0..n {
        assert_close(
            &host(&lane_at(batched, axis, i)),
            &host(&per_lane(i)),
            1e-12,
            1e-12,
            &format!("{what}: lane {i}"),
        );
    }
}

#[test]
fn vmap_of_scan_follows_the_batching_law() {
    let mut rng = Rng::new(5);
    let c0 = random_array(&mut rng, &[3], DType::F64);
    let s0 = random_array(&mut rng, &[], DType::F64);
    let x0 = random_array(&mut rng, &[4, 3], DType::F64);
    let x1 = random_array(&mut rng, &[4], DType::F64);
    let run = |c0: &Array, s0: &Array, x0: &Array, x1: &Array, reverse: bool| {
        lax::scan_with_options(
            scan_body,
            &(c0.clone(), s0.clone()),
            &(x0.clone(), x1.clone()),
            lax::ScanOptions {
                reverse,
                ..Default::default()
            },
        )
    };
    let n = 5;
    for reverse in [false, true] {
        // xs batched on axis 1 (xs of each lane: [4, 3] and [4]); the carry is not batched.
        let bx0 = random_array(&mut rng, &[4, n, 3], DType::F64);
        let bx1 = random_array(&mut rng, &[4, n], DType::F64);
        let f = vmap_with(
            |x0: &Array, x1: &Array| run(&c0, &s0, x0, x1, reverse),
            VmapSpec::default().in_axes(vec![Some(1), Some(1)]),
        );
        let ((c, s), (y0, y1)) = f(&bx0, &bx1);
        let lane_run = |i: usize| {
            run(
                &c0,
                &s0,
                &lane_at(&bx0, 1, i),
                &lane_at(&bx1, 1, i),
                reverse,
            )
        };
        assert_lanes(&c, 0, |i| lane_run(i).0 .0, n, "scan carry");
        assert_lanes(&s, 0, |i| lane_run(i).0 .1, n, "scan scalar carry");
        assert_lanes(&y0, 0, |i| lane_run(i).1 .0, n, "scan ys");
        assert_lanes(
            &y1,
            0,
            |i| lane_run(i).1 .1,
            n,
            "scan ys (from the unbatched-at-first carry)",
        );
        // Only the scalar initial carry batched (on its only axis); xs shared.
        let bs0 = random_array(&mut rng, &[n], DType::F64);
        let g = vmap(|s0: &Array| run(&c0, s0, &x0, &x1, reverse));
        let ((c, _), (y0, y1)) = g(&bs0);
        assert_lanes(
            &c,
            0,
            |i| run(&c0, &lane(&bs0, i), &x0, &x1, reverse).0 .0,
            n,
            "scan batched init",
        );
        assert_lanes(
            &y0,
            0,
            |i| run(&c0, &lane(&bs0, i), &x0, &x1, reverse).1 .0,
            n,
            "scan batched init ys",
        );
        assert_lanes(
            &y1,
            0,
            |i| run(&c0, &lane(&bs0, i), &x0, &x1, reverse).1 .1,
            n,
            "scan batched init ys 1",
        );
    }
    // A body closing over a vmapped value (a batched constant of the scan), out_axes 1.
    let a = random_array(&mut rng, &[n], DType::F64);
    let h = vmap_with(
        |a: &Array| {
            lax::scan(
                |c: &Array, x: &Array| (&(c * a) + x, c * x),
                &scalar(1.0),
                &x1,
            )
        },
        VmapSpec::default().out_axes(vec![Some(0), Some(1)]),
    );
    let (c, ys) = h(&a);
    let per = |i: usize| {
        lax::scan(
            |c: &Array, x: &Array| (&(c * &lane(&a, i)) + x, c * x),
            &scalar(1.0),
            &x1,
        )
    };
    assert_lanes(&c, 0, |i| per(i).0, n, "scan closing over a batched value");
    assert_lanes(
        &ys,
        1,
        |i| per(i).1,
        n,
        "scan closing over a batched value, ys on axis 1",
    );
}

#[test]
fn vmap_of_map_and_fori_loop_follow_the_batching_law() {
    let mut rng = Rng::new(6);
    let xs = random_array(&mut rng, &[3, 4, 2], DType::F64);
    let m = vmap(|x: &Array| lax::map(|r: &Array| r * r + 1.0, x));
    let out = m(&xs);
    assert_lanes(
        &out,
        0,
        |i| lax::map(|r: &Array| r * r + 1.0, &lane(&xs, i)),
        3,
        "map",
    );
    let v = random_array(&mut rng, &[4], DType::F64);
    let f = |x: &Array| lax::fori_loop(0, 3, |_: &Array, c: &Array| c * x + 1.0, x);
    assert_lanes(&vmap(f)(&v), 0, |i| f(&lane(&v, i)), 4, "fori_loop");
}

#[test]
fn vmap_of_cond_with_an_unbatched_predicate() {
    let mut rng = Rng::new(7);
    let xs = random_array(&mut rng, &[4, 3], DType::F64);
    for p in [true, false] {
        let f = |x: &Array| lax::cond(&Array::scalar(p), |x: &Array| x * x, |x: &Array| x - 1.0, x);
        assert_lanes(
            &vmap(f)(&xs),
            0,
            |i| f(&lane(&xs, i)),
            4,
            "cond, unbatched predicate",
        );
        let staged = make_jaxpr(vmap(f))(&xs).to_string();
        assert!(
            staged.contains("cond[") && !staged.contains("select_n"),
            "{staged}"
        );
    }
}

#[test]
fn vmap_of_cond_with_a_batched_predicate_becomes_select() {
    let mut rng = Rng::new(8);
    let xs = random_array(&mut rng, &[6, 2], DType::F64);
    let preds = Array::from_vec(vec![true, false, false, true, true, false], [6]);
    let f = |p: &Array, x: &Array| lax::cond(p, |x: &Array| x * x, |x: &Array| x - 1.0, x);
    let out = vmap(f)(&preds, &xs);
    assert_lanes(
        &out,
        0,
        |i| f(&lane(&preds, i), &lane(&xs, i)),
        6,
        "cond, batched predicate",
    );
    let staged = make_jaxpr(vmap(f))(&preds, &xs).to_string();
    assert!(
        staged.contains("select_n") && !staged.contains("cond["),
        "{staged}"
    );
    // Per-lane branch index of a switch, with clamping.
    let idx = Array::from_vec(vec![-1i32, 0, 1, 2, 5, 1], [6]);
    let g = |i: &Array, x: &Array| {
        let b0 = |x: &Array| x + 1.0;
        let b1 = |x: &Array| x * 10.0;
        let b2 = |x: &Array| x * x;
        let branches: [&dyn Fn(&Array) -> Array; 3] = [&b0, &b1, &b2];
        lax::switch(i, &branches, x)
    };
    assert_lanes(
        &vmap(g)(&idx, &xs),
        0,
        |i| g(&lane(&idx, i), &lane(&xs, i)),
        6,
        "switch, batched index",
    );
    // Gradients through the select: each lane differentiates its own branch.
    let h = vmap(grad(|x: &Array| {
        lax::cond(
            &Array::scalar(true),
            |x: &Array| x * x * x,
            |x: &Array| x.clone(),
            x,
        )
    }));
    let v = Array::from_vec(vec![1.0f64, 2.0], [2]);
    assert_eq!(host(&h(&v)), vec![3.0, 12.0]);
}

#[test]
fn vmap_of_while_loop_with_batched_trip_counts() {
    // Each lane doubles its value until it passes its own threshold.
    let f = |limit: &Array, x: &Array| {
        lax::while_loop(
            |(_, v): &(Array, Array)| jnp::less(v, limit),
            |(k, v): &(Array, Array)| (k + 1, v * 2.0),
            &(Array::scalar(0i32), x.clone()),
        )
    };
    let limits = Array::from_vec(vec![1.0f64, 10.0, 100.0, 0.5], [4]);
    let xs = Array::from_vec(vec![0.3f64, 0.3, 3.0, 0.7], [4]);
    let (k, v) = vmap(f)(&limits, &xs);
    for i in 0..4 {
        let (ki, vi) = f(&lane(&limits, i), &lane(&xs, i));
        assert_eq!(
            lane(&k, i).item::<i32>(),
            ki.item::<i32>(),
            "lane {i} steps"
        );
        assert_eq!(
            lane(&v, i).item::<f64>(),
            vi.item::<f64>(),
            "lane {i} value"
        );
    }
    assert_eq!(host(&k), vec![2.0, 6.0, 6.0, 0.0]);
    // Batched only in the carry (the predicate then depends on the lane too).
    let g = vmap(|x: &Array| f(&scalar(5.0), x).1);
    assert_lanes(
        &g(&xs),
        0,
        |i| f(&scalar(5.0), &lane(&xs, i)).1,
        4,
        "while, batched carry",
    );
    // Unbatched predicate: batched constant in the body only.
    let h = |a: &Array| {
        lax::fori_loop(
            0,
            jnp::add(&Array::scalar(2i32), &Array::scalar(1i32)),
            |_: &Array, c: &Array| c * a,
            &scalar(1.0),
        )
    };
    assert_lanes(
        &vmap(h)(&xs),
        0,
        |i| h(&lane(&xs, i)),
        4,
        "fori_loop with a batched body constant",
    );
    // Batched dynamic trip counts of a fori_loop.
    let n = Array::from_vec(vec![0i32, 3, 1, 5], [4]);
    let d = jit(vmap(|n: &Array, x: &Array| {
        lax::fori_loop(0, n, |_: &Array, c: &Array| c * 2.0, x)
    }));
    assert_eq!(host(&d(&n, &xs)), vec![0.3, 2.4, 6.0, 22.4]);
    // jvp of the batched loop.
    let (_, t) = jvp(
        |x: &Array| vmap(|l: &Array, x: &Array| f(l, x).1)(&limits, x),
        &xs,
        &jnp::ones([4]).astype(DType::F64),
    );
    assert_eq!(host(&t), vec![4.0, 64.0, 64.0, 1.0]);
}

#[test]
fn nested_vmap_and_jvp_of_vmap_through_loops() {
    let mut rng = Rng::new(11);
    let xs = random_array(&mut rng, &[3, 4, 5], DType::F64);
    // f maps one sequence [5] to its running products with a carry that is reset by a cond.
    let f = |x: &Array| {
        lax::scan(
            |c: &Array, x: &Array| {
                let c = lax::cond(
                    &jnp::greater(c, &scalar(2.0)),
                    |c: &Array| c * 0.5,
                    |c: &Array| c * x,
                    c,
                );
                (&c + 1.0, c)
            },
            &scalar(1.0),
            x,
        )
        .1
    };
    let ff = vmap(vmap(f));
    let out = ff(&xs);
    for i in 0..3 {
        for j in 0..4 {
            let want = f(&lane(&lane(&xs, i), j));
            assert_close(
                &host(&lane(&lane(&out, i), j)),
                &host(&want),
                1e-12,
                1e-14,
                &format!("vmap of vmap, lane ({i}, {j})"),
            );
        }
    }
    // vmap of jvp equals jvp per lane.
    let t = random_array(&mut rng, &[4, 5], DType::F64);
    let x2 = lane(&xs, 0);
    let vj = vmap(|x: &Array, t: &Array| jvp(f, x, t).1)(&x2, &t);
    for j in 0..4 {
        let want = jvp(f, &lane(&x2, j), &lane(&t, j)).1;
        assert_close(
            &host(&lane(&vj, j)),
            &host(&want),
            1e-12,
            1e-14,
            &format!("vmap of jvp, lane {j}"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Closures, compositions, jit

#[test]
fn loop_bodies_close_over_outer_tracers() {
    // grad: the body uses the differentiated variable (scan and fori_loop), vmap of grad.
    let xs = Array::from_vec(vec![0.5f64, 1.5, -0.5], [3]);
    let f = |a: &Array| {
        lax::scan(
            |c: &Array, x: &Array| (&(c * a) + &(x * a), ()),
            &scalar(1.0),
            &xs,
        )
        .0
    };
    // c3 = a^3 + a^2 x0 + a x1 ... : compare with finite differences.
    let g = grad(f)(&scalar(0.8));
    let eps = 1e-6;
    let fd =
        (f(&scalar(0.8 + eps)).item::<f64>() - f(&scalar(0.8 - eps)).item::<f64>()) / (2.0 * eps);
    assert_close(&host(&g), &[fd], 1e-7, 0.0, "grad through a closure");
    let per = vmap(grad(f))(&xs);
    assert_lanes(
        &per,
        0,
        |i| grad(f)(&lane(&xs, i)),
        3,
        "vmap of grad through a closure",
    );
    // vjp of vmap: the cotangent flows back into the closed-over unbatched value.
    let run = |a: &Array| {
        vmap(|x: &Array| lax::fori_loop(0, 2, |_: &Array, c: &Array| c * a + x, x))(&xs)
    };
    let (_, pullback) = vjp(run, &scalar(0.7));
    let ga = pullback.transpose(&jnp::ones([3]).astype(DType::F64));
    // Each lane: (x a + x) a + x = x a^2 + x a + x; d/da summed over lanes = sum(x) (2a + 1).
    let want = host(&xs).iter().sum::<f64>() * (2.0 * 0.7 + 1.0);
    assert_close(
        &host(&ga),
        &[want],
        1e-12,
        0.0,
        "vjp of vmap through fori_loop",
    );
    // jvp with the tangent entering only through a closed-over value of a while loop.
    let w = |a: &Array| {
        lax::while_loop(
            |(k, _): &(Array, Array)| jnp::less(k, &Array::scalar(3i32)),
            |(k, c): &(Array, Array)| (k + 1, c * a),
            &(Array::scalar(0i32), scalar(1.0)),
        )
        .1
    };
    let (y, t) = jvp(w, &scalar(2.0), &scalar(1.0));
    assert_eq!((y.item::<f64>(), t.item::<f64>()), (8.0, 12.0));
}

#[test]
fn jit_of_control_flow_equals_eager() {
    let mut rng = Rng::new(9);
    let xs = random_array(&mut rng, &[5, 2], DType::F64);
    let f = |x0: &Array, xs: &Array| {
        let (c, ys) = lax::scan_with_options(
            |c: &Array, x: &Array| (&(c * 0.5) + x, c * x),
            x0,
            xs,
            lax::ScanOptions {
                reverse: true,
                unroll: 2,
                ..Default::default()
            },
        );
        let big = jnp::greater(&jnp::sum(&c, None), &scalar(0.0));
        let z = lax::cond(&big, |c: &Array| c * 2.0, |c: &Array| c - 3.0, &c);
        let (_, w) = lax::while_loop(
            |(k, _): &(Array, Array)| jnp::less(k, &Array::scalar(4i32)),
            |(k, w): &(Array, Array)| (k + 1, w * 1.5),
            &(Array::scalar(0i32), z.clone()),
        );
        (w, ys)
    };
    let x0 = random_array(&mut rng, &[2], DType::F64);
    let (we, ye) = f(&x0, &xs);
    let (wj, yj) = jit(f)(&x0, &xs);
    assert_eq!(host(&we), host(&wj));
    assert_eq!(host(&ye), host(&yj));
    // jit of grad equals grad.
    let g = |a: &Array| lax::fori_loop(0, 3, |_: &Array, c: &Array| c * a + 1.0, a);
    assert_eq!(
        jit(grad(g))(&scalar(0.9)).item::<f64>(),
        grad(g)(&scalar(0.9)).item::<f64>()
    );
    // A program containing a loop, replayed under grad.
    let jg = grad(jit(g));
    assert_eq!(
        jg(&scalar(0.9)).item::<f64>(),
        grad(g)(&scalar(0.9)).item::<f64>()
    );
}

// ---------------------------------------------------------------------------------------------
// Printing: JAX's make_jaxpr text (parity/literals_jaxpr.py). Sub-programs continue the
// outer program's variable names (JAX names each variable once per printed program).

#[test]
fn make_jaxpr_prints_sub_programs() {
    let g = Golden::load("literals_jaxpr");
    let want = g.section("control_flow");
    let want = |key: &str| want[key].as_str().expect("a jaxpr").to_string();
    let c = make_jaxpr(|p: &Array, x: &Array| {
        lax::cond(p, |x: &Array| x * 2.0, |x: &Array| x + 1.0, x)
    })(&Array::scalar(true), &Array::scalar(1.0f32));
    assert_eq!(c.to_string(), want("cond"));
    let s = make_jaxpr(|x: &Array, xs: &Array| {
        lax::scan(|c: &Array, a: &Array| (c * a, c + a), x, xs)
    })(&Array::scalar(1.0f32), &jnp::ones([3]));
    assert_eq!(s.to_string(), want("scan"));
    g.assert_sections_read(&["control_flow"]);
}

// ---------------------------------------------------------------------------------------------
// Misuse

#[test]
#[should_panic(
    expected = "scan body function carry input and carry output must have equal types, but they differ:\n\nThe input carry has type float32[] but the corresponding output carry component has type float32[2], so the shapes do not match."
)]
fn scan_carry_shape_mismatch_panics() {
    lax::scan(
        |c: &Array, x: &Array| (c * x, ()),
        &Array::scalar(1.0f32),
        &jnp::ones([3, 2]),
    );
}

#[test]
#[should_panic(
    expected = "The input carry component .1 has type int32[] but the corresponding output carry component has type float32[], so the dtypes do not match"
)]
fn while_carry_dtype_mismatch_names_both_types() {
    lax::while_loop(
        |(k, _): &(Array, Array)| jnp::less(k, &Array::scalar(3i32)),
        |(k, v): &(Array, Array)| (k.clone(), v.astype(DType::F32)),
        &(Array::scalar(0i32), Array::scalar(1i32)),
    );
}

#[test]
fn weakly_typed_initial_carry_takes_the_body_dtype() {
    // A Rust literal initial value (weak f32) promoted by an f64 body, as JAX promotes it.
    let x = Array::scalar(2.0f64);
    let c = lax::fori_loop(
        0,
        3,
        |_: &Array, c: &Array| c * &x,
        &Array::weak_scalar(1.0f32),
    );
    assert_eq!((c.dtype(), c.item::<f64>()), (DType::F64, 8.0));
}

#[test]
#[should_panic(
    expected = "cond branches must have equal output types but they differ.\n\nThe output of true_fun has type int32[] but the corresponding output of false_fun has type float32[], so the dtypes do not match."
)]
fn cond_branch_type_mismatch_panics() {
    lax::cond(
        &Array::scalar(true),
        |x: &Array| x.astype(DType::I32),
        |x: &Array| x.clone(),
        &Array::scalar(1.0f32),
    );
}

#[test]
#[should_panic(expected = "Pred must be a scalar, got bool[2]")]
fn cond_with_a_vector_predicate_panics() {
    lax::cond(
        &Array::from_vec(vec![true, false], [2]),
        |x: &Array| x.clone(),
        |x: &Array| x.clone(),
        &Array::scalar(1.0f32),
    );
}

#[test]
#[should_panic(
    expected = "scan got `length` argument of 4 which disagrees with leading axis sizes [3]."
)]
fn scan_length_mismatch_panics() {
    lax::scan_with_options(
        |c: &Array, x: &Array| (c + x, ()),
        &Array::scalar(0.0f32),
        &jnp::ones([3]),
        lax::ScanOptions {
            length: Some(4),
            ..Default::default()
        },
    );
}

#[test]
#[should_panic(expected = "scan got no values to scan over and `length` not provided.")]
fn scan_without_xs_or_length_panics() {
    lax::scan(
        |c: &Array, _: &()| (c.clone(), ()),
        &Array::scalar(0.0f32),
        &(),
    );
}

#[test]
#[should_panic(expected = "cond_fun must return a boolean scalar, but got output type(s) [f32[]].")]
fn while_cond_must_return_a_bool() {
    lax::while_loop(
        |x: &Array| x.clone(),
        |x: &Array| x * 2.0,
        &Array::scalar(1.0f32),
    );
}

#[test]
#[should_panic(expected = "Index type must be an integer")]
fn switch_with_a_float_index_panics() {
    let b = |x: &Array| x.clone();
    let branches: [&dyn Fn(&Array) -> Array; 2] = [&b, &b];
    lax::switch(&Array::scalar(1.0f32), &branches, &Array::scalar(1.0f32));
}

/// One step of a scan whose carry goes through a data-dependent `cond`:
/// `h' = w·h² + x` where `h > 0`, else `w·sin(h) + x`.
fn branchy_step(h: f64, w: f64, x: f64) -> f64 {
    if h > 0.0 {
        w * h * h + x
    } else {
        w * h.sin() + x
    }
}

#[test]
fn reverse_mode_through_a_scan_with_a_cond_on_its_carry() {
    // The body's `cond` takes both primal and tangent operands after the JVP; partial
    // evaluation must keep its primal outputs known, or the primal carry would reach the
    // scan's transpose as if it were linear.
    let xs_v = [0.3, -0.9, 0.2, -0.4, 0.5];
    let xs = Array::from_vec(xs_v.to_vec(), [5]);
    let loss = |(w, h0): &(Array, Array)| {
        let (h, hs) = lax::scan(
            |h: &Array, x: &Array| {
                let h = &lax::cond(
                    &jnp::greater(h, &scalar(0.0)),
                    |(h, w): &(Array, Array)| &(h * h) * w,
                    |(h, w): &(Array, Array)| &h.sin() * w,
                    &(h.clone(), w.clone()),
                ) + x;
                (h.clone(), h)
            },
            h0,
            &xs,
        );
        &h + &jnp::sum(&(&hs * &hs), None)
    };
    let reference = |w: f64, h0: f64| {
        let (mut h, mut sq) = (h0, 0.0);
        for x in xs_v {
            h = branchy_step(h, w, x);
            sq += h * h;
        }
        h + sq
    };
    assert_grad_of_two_scalars(loss, reference, 0.7, 0.4, "grad through a scan over a cond");
}

/// The gradient of `f` at the scalars `(a, b)` against central differences of its plain-Rust
/// `reference`, then `check_grads` there.
fn assert_grad_of_two_scalars(
    f: impl Fn(&(Array, Array)) -> Array + Copy,
    reference: impl Fn(f64, f64) -> f64,
    a: f64,
    b: f64,
    what: &str,
) {
    let g = grad(f)(&(scalar(a), scalar(b)));
    let eps = 1e-6;
    let fd_a = (reference(a + eps, b) - reference(a - eps, b)) / (2.0 * eps);
    let fd_b = (reference(a, b + eps) - reference(a, b - eps)) / (2.0 * eps);
    assert_close(
        &[g.0.item::<f64>(), g.1.item::<f64>()],
        &[fd_a, fd_b],
        1e-6,
        1e-9,
        what,
    );
    check_grads(f, &(scalar(a), scalar(b)), 1e-6, 1e-6, 1e-8);
}

#[test]
fn reverse_mode_through_nested_conds() {
    // The inner `cond`'s primal output (x·x·w) multiplies a tangent in the outer branch; the
    // outer cond's transpose must run the inner one's primal part forward, not treat it as
    // linear.
    let f = |(x, w): &(Array, Array)| {
        lax::cond(
            &jnp::greater(x, &scalar(0.0)),
            |(x, w): &(Array, Array)| {
                let inner = lax::cond(
                    &jnp::greater(x, &scalar(1.0)),
                    |(x, w): &(Array, Array)| &(x * x) * w,
                    |(x, w): &(Array, Array)| &x.sin() * w,
                    &(x.clone(), w.clone()),
                );
                &inner * &(x * w)
            },
            |(x, w): &(Array, Array)| x * w,
            &(x.clone(), w.clone()),
        )
    };
    let reference = |x: f64, w: f64| {
        if x > 0.0 {
            let inner = if x > 1.0 { x * x * w } else { x.sin() * w };
            inner * x * w
        } else {
            x * w
        }
    };
    for (x, w) in [(1.5, 0.8), (0.5, -1.2), (-0.7, 0.3)] {
        let what = format!("grad through nested conds at x={x}, w={w}");
        assert_grad_of_two_scalars(f, reference, x, w, &what);
    }
}
