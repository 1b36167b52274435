//! Property tests of the jit compiler's fused loops: random elementwise programs over
//! activation-sized arrays, with row, column and scalar broadcasts, transposed operands and
//! intermediates reused and returned, run jitted (fused) and eagerly: every output agrees bit
//! for bit, and so does a run that donates the first argument.
use crate::common;

use common::{assert_same_bits, random_array, Rng};
use equinox_core::transforms::{jit_donate, Jit};
use equinox_core::tree::{self, Static};
use equinox_core::{numpy as jnp, Array, DType};
use proptest::prelude::*;

/// One operation of a random program: a kind and two operand picks (indices into the values
/// made so far, taken modulo their number).
type Op = (u8, usize, usize);

/// Applies `ops` in turn, each result made by `apply(kind, a, b)` from two operand picks
/// (indices into the values made so far, taken modulo their number) and appended to the
/// values; returns the last value and every third intermediate.
fn run_ops(
    mut vals: Vec<Array>,
    ops: &[Op],
    apply: impl Fn(u8, &Array, &Array) -> Array,
) -> Vec<Array> {
    let mut out = Vec::new();
    for (k, &(kind, i, j)) in ops.iter().enumerate() {
        let v = apply(kind, &vals[i % vals.len()], &vals[j % vals.len()]);
        if k % 3 == 2 {
            out.push(v.clone());
        }
        vals.push(v);
    }
    out.push(vals.last().expect("values").clone());
    out
}

/// Runs `ops` over the values `[x, x^T of t, bias row, column, scalar]` (see [`run_ops`]).
fn program(x: &Array, t: &Array, bias: &Array, col: &Array, ops: &[Op]) -> Vec<Array> {
    let vals = vec![
        x.clone(),
        t.transpose(&[1, 0]),
        bias.clone(),
        col.clone(),
        Array::scalar(0.75f32).astype(x.dtype()),
    ];
    // The float operations, plus a select and a comparison (masks the typed body does not run).
    run_ops(vals, ops, |kind, a, b| match kind % 10 {
        8 => jnp::where_(&jnp::less(a, b), a, &(b * 2.0)),
        9 => jnp::less_equal(a, b).astype(a.dtype()) + a,
        k => float_op(k, a, b),
    })
}

/// Float operation `kind` (0 to 7) of `a` and `b`: arithmetic and transcendental functions
/// whose results have their operands' type.
fn float_op(kind: u8, a: &Array, b: &Array) -> Array {
    match kind {
        0 => a + b,
        1 => a - b,
        2 => a * b,
        3 => a.maximum(b),
        4 => (a * 0.5).tanh() + b,
        5 => a.abs().sqrt() - b,
        6 => (a.abs() + 1.0).log() * b,
        _ => (a * -0.25).exp() / (b.abs() + 2.0),
    }
}

/// Asserts that every output equals its expected value bit for bit; `run` names the run.
fn assert_outputs(got: &[Array], want: &[Vec<f64>], run: &str) {
    for (i, (g, w)) in leaves(got).iter().zip(want).enumerate() {
        assert_same_bits(g, w, &format!("{run}: output {i}"));
    }
}

fn leaves(v: &[Array]) -> Vec<Vec<f64>> {
    v.iter().map(|a| a.to_vec::<f64>()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 0, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn fused_programs_equal_eager_ones(
        rows in 1usize..64,
        cols in 8usize..1200,
        f64s in any::<bool>(),
        seed in 0u64..1000,
        ops in prop::collection::vec((0u8..10, 0usize..64, 0usize..64), 1..14),
    ) {
        let dtype = if f64s { DType::F64 } else { DType::F32 };
        let mut rng = Rng::new(seed);
        let x = random_array(&mut rng, &[rows, cols], dtype);
        let t = random_array(&mut rng, &[cols, rows], dtype);
        let bias = random_array(&mut rng, &[cols], dtype);
        let col = random_array(&mut rng, &[rows, 1], dtype);
        let args = (x.clone(), t, bias, col, Static(ops.clone()));
        let f = |(x, t, b, c, ops): &(Array, Array, Array, Array, Static<Vec<Op>>)| {
            program(x, t, b, c, &ops.0)
        };
        let want = leaves(&f(&args));
        let jitted = Jit::new(f);
        for round in 0..2 {
            assert_outputs(&jitted.call(&args), &want, &format!("round {round}"));
        }
        // Donating `x` (a fresh copy nobody else holds) changes nothing but where results go.
        let donating = jit_donate(|x: &Array, rest: &(Array, Array, Array, Static<Vec<Op>>)| {
            program(x, &rest.0, &rest.1, &rest.2, &(rest.3).0)
        });
        let rest = (args.1.clone(), args.2.clone(), args.3.clone(), Static(ops));
        for round in 0..2 {
            let fresh = tree::map(&x, |a| a * 1.0);
            prop_assert_ne!(fresh.unsafe_buffer_pointer(), x.unsafe_buffer_pointer());
            assert_outputs(&donating(fresh, &rest), &want, &format!("donated, round {round}"));
        }
    }
}

/// Runs `ops` over `[x, y, scalar]` (see [`run_ops`]), all float operations on operands of
/// one shape: the programs the fused loops' typed body runs.
fn float_program(x: &Array, y: &Array, ops: &[Op]) -> Vec<Array> {
    let vals = vec![
        x.clone(),
        y.clone(),
        Array::scalar(0.75f32).astype(x.dtype()),
    ];
    run_ops(vals, ops, |kind, a, b| float_op(kind % 8, a, b))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 0, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn fused_float_programs_equal_eager_ones(
        len in 1usize..20_000,
        f64s in any::<bool>(),
        seed in 0u64..1000,
        ops in prop::collection::vec((0u8..8, 0usize..64, 0usize..64), 1..14),
    ) {
        let dtype = if f64s { DType::F64 } else { DType::F32 };
        let mut rng = Rng::new(seed);
        let x = random_array(&mut rng, &[len], dtype);
        let y = random_array(&mut rng, &[len], dtype);
        let args = (x.clone(), y.clone(), Static(ops.clone()));
        let f = |(x, y, ops): &(Array, Array, Static<Vec<Op>>)| float_program(x, y, &ops.0);
        let want = leaves(&f(&args));
        let jitted = Jit::new(f);
        for round in 0..2 {
            assert_outputs(&jitted.call(&args), &want, &format!("round {round}"));
        }
        // Donating `x`: the typed body reads it from the slot each block is copied to.
        let donating = jit_donate(|x: &Array, rest: &(Array, Static<Vec<Op>>)| {
            float_program(x, &rest.0, &(rest.1).0)
        });
        let rest = (y, Static(ops));
        for round in 0..2 {
            let fresh = tree::map(&x, |a| a * 1.0);
            prop_assert_ne!(fresh.unsafe_buffer_pointer(), x.unsafe_buffer_pointer());
            assert_outputs(&donating(fresh, &rest), &want, &format!("donated, round {round}"));
        }
    }
}
