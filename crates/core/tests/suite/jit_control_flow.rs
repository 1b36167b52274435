//! Control flow under `jit`: the compiled program runs `scan`, `while` and `cond` bodies as
//! compiled sub-programs, and their results agree bit for bit with eager evaluation (which
//! interprets the bodies), for forward and reverse scans, unrolled ones, captured constants,
//! bodies that pass values straight through, nesting, and scans under vmap and grad.
use crate::common;

use common::{assert_same_bits, random_array, Rng};
use equinox_core::prims::dot_general::DotDimensionNumbers;
use equinox_core::transforms::{grad, vmap, Jit};
use equinox_core::tree::{self, PyTree};
use equinox_core::{lax, nn, numpy as jnp, Array, DType};

/// Runs `f` eagerly and jitted (three times: the later runs reuse the buffers of the compiled
/// bodies) and checks every output leaf: same abstract value, same bits.
fn check<T: PyTree, R: PyTree>(f: impl Fn(&T) -> R, x: &T, what: &str) {
    let want: Vec<Array> = tree::leaves(&f(x)).into_iter().cloned().collect();
    let jf = Jit::new(&f);
    for round in 0..3 {
        let got_tree = jf.call(x);
        let got: Vec<Array> = tree::leaves(&got_tree).into_iter().cloned().collect();
        assert_eq!(got.len(), want.len(), "{what}: number of outputs");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.aval(), w.aval(), "{what}: output {i} (round {round})");
            assert_same_bits(
                &g.to_vec::<f64>(),
                &w.to_vec::<f64>(),
                &format!("{what}: output {i} (round {round})"),
            );
        }
    }
    assert_eq!(jf.trace_count(), 1, "{what}: traced once");
}

/// A GRU-like cell whose weights are captured from outside the scan (constants of the
/// jitted program, operands of the scan).
struct Cell {
    w: Array,
    u: Array,
    b: Array,
}

impl Cell {
    fn new(rng: &mut Rng, input: usize, hidden: usize, dtype: DType) -> Cell {
        Cell {
            w: random_array(rng, &[input, hidden], dtype) * 0.3,
            u: random_array(rng, &[hidden, hidden], dtype) * 0.3,
            b: random_array(rng, &[hidden], dtype),
        }
    }

    fn step(&self, h: &Array, x: &Array) -> Array {
        let z = nn::sigmoid(&(&jnp::matmul(x, &self.w) + &self.b));
        let c = (&jnp::matmul(x, &self.w) + &jnp::matmul(h, &self.u)).tanh();
        &(&z * h) + &(&(1.0 - &z) * &c)
    }

    /// Scans the cell over `xs` (`[steps, input]`), returning the last state and every state.
    fn run(&self, h0: &Array, xs: &Array, reverse: bool, unroll: usize) -> (Array, Array) {
        lax::scan_with_options(
            |h: &Array, x: &Array| {
                let h = self.step(h, x);
                (h.clone(), h)
            },
            h0,
            xs,
            lax::ScanOptions {
                reverse,
                unroll,
                ..Default::default()
            },
        )
    }
}

#[test]
fn a_scanned_cell_with_captured_weights_is_bit_exact() {
    let mut rng = Rng::new(7);
    for dtype in [DType::F32, DType::F64] {
        let cell = Cell::new(&mut rng, 5, 8, dtype);
        let h0 = random_array(&mut rng, &[8], dtype);
        let xs = random_array(&mut rng, &[11, 5], dtype);
        for reverse in [false, true] {
            for unroll in [1, 3] {
                check(
                    |(h0, xs): &(Array, Array)| cell.run(h0, xs, reverse, unroll),
                    &(h0.clone(), xs.clone()),
                    &format!("cell {dtype} reverse={reverse} unroll={unroll}"),
                );
            }
        }
    }
}

#[test]
fn scan_bodies_that_pass_values_through_are_bit_exact() {
    let mut rng = Rng::new(8);
    // Carries: one becomes the current `x` (aliasing the slice), one stays as it is; ys: the
    // old carry, a literal-made value and an integer counter.
    let body = |(c, s, k): &(Array, Array, Array), x: &Array| {
        let y = (c * 2.0, jnp::ones([2]) * 3.0, k.clone());
        ((x.clone(), s.clone(), k + 1), y)
    };
    for n in [0usize, 1, 6] {
        let xs = random_array(&mut rng, &[n, 3], DType::F32);
        let init = (
            random_array(&mut rng, &[3], DType::F32),
            random_array(&mut rng, &[4], DType::F64),
            Array::scalar(5i32),
        );
        check(
            |(init, xs): &((Array, Array, Array), Array)| {
                lax::scan_with_options(
                    body,
                    init,
                    xs,
                    lax::ScanOptions {
                        reverse: n % 2 == 1,
                        ..Default::default()
                    },
                )
            },
            &(init, xs),
            &format!("pass-through scan of length {n}"),
        );
    }
}

#[test]
fn nested_scans_and_conds_inside_a_scan_are_bit_exact() {
    let mut rng = Rng::new(9);
    let xs = random_array(&mut rng, &[5, 4, 3], DType::F32);
    let c0 = random_array(&mut rng, &[3], DType::F32);
    let f = |(c0, xs): &(Array, Array)| {
        lax::scan(
            |c: &Array, x: &Array| {
                let (inner, rows) = lax::scan_with_options(
                    |a: &Array, r: &Array| {
                        let a = &(a * r).sin() + a;
                        (a.clone(), a.sum(()))
                    },
                    c,
                    x,
                    lax::ScanOptions {
                        reverse: true,
                        unroll: 2,
                        ..Default::default()
                    },
                );
                let pred = jnp::greater(&rows.sum(()), &Array::scalar(0.0f32));
                let next = lax::cond(&pred, |v: &Array| v * 0.5, |v: &Array| v.exp(), &inner);
                (next, rows)
            },
            c0,
            xs,
        )
    };
    check(f, &(c0, xs), "nested scan with a cond");
}

#[test]
fn while_and_fori_loops_are_bit_exact() {
    let mut rng = Rng::new(10);
    let x = random_array(&mut rng, &[6], DType::F32);
    let scale = random_array(&mut rng, &[6], DType::F32);
    // A while loop whose trip count depends on the values, with a captured constant.
    check(
        |x: &Array| {
            lax::while_loop(
                |(_, n): &(Array, Array)| jnp::less(n, &Array::scalar(7i32)),
                |(v, n): &(Array, Array)| ((&(v * &scale) + 0.25).tanh(), n + 1),
                &(x.clone(), Array::scalar(0i32)),
            )
        },
        &x,
        "while",
    );
    // Static bounds become a scan, bounds computed inside the program a while loop.
    check(
        |x: &Array| {
            let stat = lax::fori_loop(0, 9, |i, v: &Array| v * 1.5 - &i.astype(DType::F32), x);
            let hi = x.sum(()).astype(DType::I32).clip(0, 3) + 4;
            let dynamic = lax::fori_loop(
                lax::LoopBound::Static(1),
                lax::LoopBound::Dynamic(hi),
                |i, v: &Array| v.sin() + &i.astype(DType::F32),
                x,
            );
            (stat, dynamic)
        },
        &x,
        "fori_loop",
    );
    // `switch` clamps its index.
    check(
        |x: &Array| {
            let branches: [&dyn Fn(&Array) -> Array; 3] = [&|v| v + 1.0, &|v| v.cos(), &|v| v * v];
            let i = x.sum(()).astype(DType::I32);
            lax::switch(&i, &branches, x)
        },
        &x,
        "switch",
    );
}

#[test]
fn scans_under_vmap_and_grad_are_bit_exact() {
    let mut rng = Rng::new(11);
    let cell = Cell::new(&mut rng, 4, 6, DType::F32);
    let h0 = random_array(&mut rng, &[3, 6], DType::F32);
    let xs = random_array(&mut rng, &[3, 9, 4], DType::F32);
    check(
        |(h0, xs): &(Array, Array)| vmap(|h: &Array, x: &Array| cell.run(h, x, false, 1))(h0, xs),
        &(h0.clone(), xs.clone()),
        "vmap of a scan",
    );
    let loss = |(h0, xs): &(Array, Array)| {
        let (h, hs) = cell.run(h0, xs, true, 2);
        (&h * &h).sum(()) + hs.mean(())
    };
    let h1 = random_array(&mut rng, &[6], DType::F32);
    let xs1 = random_array(&mut rng, &[9, 4], DType::F32);
    check(
        |args: &(Array, Array)| grad(loss)(args),
        &(h1, xs1),
        "grad of a scan",
    );
}

/// Reverse mode through a scanned matrix-vector cell accumulates outer products in the
/// weights' cotangent carries, which the compiled scan sums after its loop: still the bits of
/// eager evaluation, forward and reverse, f32 and f64, with widths either side of the
/// rank-one product's minimum (narrow ones stay in the loop).
#[test]
fn weight_gradients_of_scanned_matrix_vector_cells_are_bit_exact() {
    let mut rng = Rng::new(12);
    for dtype in [DType::F32, DType::F64] {
        for (input, hidden) in [(5, 16), (9, 7), (3, 33)] {
            let w = random_array(&mut rng, &[hidden, input], dtype) * 0.3;
            let u = random_array(&mut rng, &[hidden, hidden], dtype) * 0.3;
            let xs = random_array(&mut rng, &[13, input], dtype);
            for reverse in [false, true] {
                let loss = |(w, u): &(Array, Array)| {
                    let (h, hs) = lax::scan_with_options(
                        |h: &Array, x: &Array| {
                            let h = (&jnp::matmul(w, x) + &jnp::matmul(u, h)).tanh();
                            (h.clone(), h)
                        },
                        &jnp::zeros_dtype([hidden], dtype),
                        &xs,
                        lax::ScanOptions {
                            reverse,
                            ..Default::default()
                        },
                    );
                    (&h * &h).sum(()) + hs.mean(())
                };
                check(
                    |p: &(Array, Array)| grad(loss)(p),
                    &(w.clone(), u.clone()),
                    &format!("grad of a {dtype} cell {input}->{hidden} reverse={reverse}"),
                );
            }
        }
    }
}

/// A scan that adds outer products to a carry with a nonzero start, alongside a carry that
/// reads itself and a `y`: the summed carry and everything else match eager evaluation.
#[test]
fn explicit_outer_product_sums_in_a_scan_are_bit_exact() {
    let mut rng = Rng::new(13);
    let init = random_array(&mut rng, &[6, 10], DType::F32);
    let xs = random_array(&mut rng, &[17, 6], DType::F32);
    let vs = random_array(&mut rng, &[17, 10], DType::F32);
    for reverse in [false, true] {
        check(
            |(init, xs, vs): &(Array, Array, Array)| {
                lax::scan_with_options(
                    |(acc, n): &(Array, Array), (x, v): &(Array, Array)| {
                        let acc = acc
                            + &lax::dot_general(
                                x,
                                v,
                                DotDimensionNumbers::new((&[], &[]), (&[], &[])),
                                None,
                            );
                        ((acc, n * 0.5 + x.sum(())), v * 2.0)
                    },
                    &(init.clone(), jnp::zeros([])),
                    &(xs.clone(), vs.clone()),
                    lax::ScanOptions {
                        reverse,
                        ..Default::default()
                    },
                )
            },
            &(init.clone(), xs.clone(), vs.clone()),
            &format!("outer-product sum reverse={reverse}"),
        );
    }
}
