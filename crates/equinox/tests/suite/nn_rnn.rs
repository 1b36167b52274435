//! `GRUCell`, `LSTMCell` and `RotaryPositionalEmbedding` against real Equinox 0.13.8
//! (`parity/nn_rnn.py` → `parity/goldens/nn_rnn.json`): the cells' initial parameters bit for
//! bit and their printing, then one step and the gradients of a weighted sum of the new state
//! with respect to every parameter, the input and the state; a GRU scanned over a sequence
//! (and vmapped over a batch); rotary embeddings for several sizes, thetas and dtypes. Then
//! misuse: wrong sizes panic naming the layer and both shapes.

use equinox as eqx;
use equinox_testing::close::assert_no_mismatches;
use equinox_testing::{mismatches, Golden, Scale, Tolerance};
use eqx::nn::{self, RnnCellOptions, RotaryPositionalEmbeddingOptions};
use eqx::{lax, numpy as jnp, random, Array, DType};
use serde_json::Value;

use crate::common;
use common::golden_arrays::{self, array_of, assert_bit_equal, dtype_of};

fn golden() -> Golden {
    Golden::load("nn_rnn")
}

const GRU: &[&str] = &["gru"];
const LSTM: &[&str] = &["lstm"];
const GRU_SCAN: &[&str] = &["gru_scan"];
const ROPE: &[&str] = &["rope"];
const X64: &[&str] = &["x64"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[GRU, LSTM, GRU_SCAN, ROPE, X64]);
}

/// Dtype and shape equal, values within the workspace's tolerance for the dtype, relative to
/// the largest magnitude of the expected array (`Scale::Case`).
///
/// Not relative to each element: the matrix-vector products may sum in another order than
/// XLA's, and XLA's `tanh` and `logistic` are its own approximations, each a few ulp from ours;
/// an element that ends near zero by cancellation (a gradient summing terms of both signs)
/// keeps the absolute error of its larger terms, which is many ulp of the small result (seen:
/// 3e-6 relative on a gradient element of 1e-2 whose terms are near 1). The float32 rotary
/// embeddings happen to match bit for bit and the float64 results within `Tolerance::F64` per
/// element, but the one rule serves them all.
fn assert_close(actual: &Array, expected: &Value, what: &str) {
    let tol = match dtype_of(expected) {
        DType::F16 => Tolerance::F16,
        DType::BF16 => Tolerance::BF16,
        DType::F64 => Tolerance::F64,
        _ => Tolerance::F32,
    };
    golden_arrays::assert_same_layout(actual, expected, what);
    let bad = mismatches(
        what,
        &golden_arrays::values(actual),
        &golden_arrays::values(&array_of(expected)),
        tol,
        Scale::Case,
    );
    assert_no_mismatches(&bad, tol);
}

fn size(case: &Value, key: &str) -> usize {
    case[key].as_u64().unwrap() as usize
}

fn options(case: &Value) -> RnnCellOptions {
    RnnCellOptions {
        use_bias: case["use_bias"].as_bool().unwrap(),
        dtype: case["dtype"]
            .as_str()
            .map_or(DType::F32, |d| DType::from_name(d).unwrap()),
    }
}

/// A cell's parameters by Equinox's field names, for comparing them and their gradients.
trait Params {
    fn param(&self, name: &str) -> Option<&Array>;
}

impl Params for nn::GRUCell {
    fn param(&self, name: &str) -> Option<&Array> {
        match name {
            "weight_ih" => Some(&self.weight_ih),
            "weight_hh" => Some(&self.weight_hh),
            "bias" => self.bias.as_ref(),
            "bias_n" => self.bias_n.as_ref(),
            other => panic!("GRUCell has no parameter {other}"),
        }
    }
}

impl Params for nn::LSTMCell {
    fn param(&self, name: &str) -> Option<&Array> {
        match name {
            "weight_ih" => Some(&self.weight_ih),
            "weight_hh" => Some(&self.weight_hh),
            "bias" => self.bias.as_ref(),
            "bias_n" => None,
            other => panic!("LSTMCell has no parameter {other}"),
        }
    }
}

/// The initial parameters bit for bit (every one Equinox has, and no other) and the printing.
fn check_init<C: Params + eqx::Module>(cell: &C, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let init = case["init"].as_object().unwrap();
    for p in ["weight_ih", "weight_hh", "bias", "bias_n"] {
        match (cell.param(p), init.get(p)) {
            (None, None) => {}
            (Some(a), Some(v)) => assert_bit_equal(a, v, &format!("{name}: initial {p}")),
            (a, v) => panic!("{name}: parameter {p} is {a:?} here, {v:?} in Equinox"),
        }
    }
    assert_eq!(
        eqx::tree_pformat(cell),
        case["pformat"].as_str().unwrap(),
        "{name}: printing"
    );
}

/// Every gradient Equinox stored: parameters from `g_cell`, the others from `others`.
fn check_grads<C: Params>(g_cell: &C, others: &[(&str, &Array)], case: &Value) {
    let name = case["name"].as_str().unwrap();
    let grads = case["grads"].as_object().unwrap();
    let mut checked = 0;
    for (p, v) in grads {
        let g = match others.iter().find(|(n, _)| n == p) {
            Some((_, g)) => *g,
            None => g_cell.param(p).expect("a gradient for every parameter"),
        };
        assert_close(g, v, &format!("{name}: gradient of {p}"));
        checked += 1;
    }
    assert!(checked >= others.len() + 2, "{name}: too few gradients");
}

fn check_gru(case: &Value) {
    let cell = nn::GRUCell::with_options(
        size(case, "input_size"),
        size(case, "hidden_size"),
        options(case),
        random::key(case["seed"].as_u64().unwrap()),
    );
    check_init(&cell, case);
    let Some(x) = case.get("x") else {
        return;
    };
    let name = case["name"].as_str().unwrap();
    let (x, h) = (array_of(x), array_of(&case["hidden"]));
    assert_close(
        &cell.forward(&x, &h),
        &case["y"],
        &format!("{name}: forward"),
    );
    let c = array_of(&case["c"]);
    let (g_cell, g_x, g_h) = eqx::filter_grad(|a: &(nn::GRUCell, Array, Array)| {
        (&a.0.forward(&a.1, &a.2) * &c).sum(None)
    })(&(cell.clone(), x, h));
    check_grads(&g_cell, &[("x", &g_x), ("hidden", &g_h)], case);
}

fn check_lstm(case: &Value) {
    let cell = nn::LSTMCell::with_options(
        size(case, "input_size"),
        size(case, "hidden_size"),
        options(case),
        random::key(case["seed"].as_u64().unwrap()),
    );
    check_init(&cell, case);
    let Some(x) = case.get("x") else {
        return;
    };
    let name = case["name"].as_str().unwrap();
    let x = array_of(x);
    let hc = (array_of(&case["h"]), array_of(&case["c"]));
    let (h, c) = cell.forward(&x, &hc);
    assert_close(&h, &case["y_h"], &format!("{name}: forward h"));
    assert_close(&c, &case["y_c"], &format!("{name}: forward c"));
    let (wh, wc) = (array_of(&case["weight_h"]), array_of(&case["weight_c"]));
    let (g_cell, g_x, (g_h, g_c)) =
        eqx::filter_grad(|a: &(nn::LSTMCell, Array, (Array, Array))| {
            let (h, c) = a.0.forward(&a.1, &a.2);
            &(&h * &wh).sum(None) + &(&c * &wc).sum(None)
        })(&(cell.clone(), x, hc));
    check_grads(&g_cell, &[("x", &g_x), ("h", &g_h), ("c", &g_c)], case);
}

/// Equinox's docstring model: the cell scanned over `xs` from a zero state, giving the final
/// state and every step's state.
fn run_gru(cell: &nn::GRUCell, xs: &Array) -> (Array, Array) {
    lax::scan(
        |h: &Array, x: &Array| {
            let h = cell.forward(x, h);
            (h.clone(), h)
        },
        &jnp::zeros([cell.hidden_size]),
        xs,
    )
}

/// `run_gru`, vmapped over a leading batch axis of `xs` when there is one.
fn run_gru_maybe_batched(cell: &nn::GRUCell, xs: &Array) -> (Array, Array) {
    if xs.ndim() == 3 {
        eqx::vmap(|xs: &Array| run_gru(cell, xs))(xs)
    } else {
        run_gru(cell, xs)
    }
}

fn check_gru_scan(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let cell = nn::GRUCell::new(
        size(case, "input_size"),
        size(case, "hidden_size"),
        random::key(case["seed"].as_u64().unwrap()),
    );
    let xs = array_of(&case["xs"]);
    assert_eq!(xs.ndim() == 3, case["batch"].is_u64(), "{name}: batching");
    let (final_state, states) = run_gru_maybe_batched(&cell, &xs);
    assert_close(
        &final_state,
        &case["final"],
        &format!("{name}: final state"),
    );
    assert_close(&states, &case["states"], &format!("{name}: states"));
    let c = array_of(&case["c"]);
    let loss = |a: &(nn::GRUCell, Array)| (&run_gru_maybe_batched(&a.0, &a.1).0 * &c).sum(None);
    let (g_cell, g_xs) = eqx::filter_grad(loss)(&(cell.clone(), xs.clone()));
    check_grads(&g_cell, &[("xs", &g_xs)], case);
    // Compiled, the same program gives the same numbers.
    let (jit_final, _) =
        eqx::filter_jit(|a: &(nn::GRUCell, Array)| run_gru_maybe_batched(&a.0, &a.1))(&(cell, xs));
    assert_close(
        &jit_final,
        &case["final"],
        &format!("{name}: final state, jit"),
    );
}

fn check_rope(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let mut options = RotaryPositionalEmbeddingOptions::default();
    if let Some(theta) = case["theta"].as_f64() {
        options.theta = theta;
    }
    if let Some(dtype) = case["dtype"].as_str() {
        options.dtype = DType::from_name(dtype).unwrap();
    }
    let rope = nn::RotaryPositionalEmbedding::with_options(size(case, "embedding_size"), options);
    let x = array_of(&case["x"]);
    assert_eq!(x.shape()[0], size(case, "seq_len"), "{name}: seq_len");
    assert_close(&rope.forward(&x), &case["y"], &format!("{name}: forward"));
    if let Some(g) = case.get("grad_x") {
        let c = array_of(&case["c"]);
        let grad = eqx::grad(|x: &Array| (&rope.forward(x) * &c).sum(None))(&x);
        assert_close(&grad, g, &format!("{name}: gradient"));
    }
}

fn run_section(section: &str, expected: usize, check: fn(&Value)) {
    let g = golden();
    let cases = g.section(section);
    assert_eq!(cases.len(), expected, "{section}: number of cases");
    for case in cases.iter() {
        check(case);
    }
    g.assert_sections_read(&[section]);
}

#[test]
fn gru_cell_matches_equinox() {
    run_section("gru", 8, check_gru);
}

#[test]
fn lstm_cell_matches_equinox() {
    run_section("lstm", 6, check_lstm);
}

#[test]
fn scanned_gru_matches_equinox() {
    run_section("gru_scan", 3, check_gru_scan);
}

#[test]
fn rotary_embedding_matches_equinox() {
    run_section("rope", 9, check_rope);
}

#[test]
fn float64_layers_match_equinox() {
    let g = golden();
    let x64 = g.section("x64").whole();
    let run = |key: &str, expected: usize, check: fn(&Value)| {
        let cases = x64[key].as_array().unwrap();
        assert_eq!(cases.len(), expected, "x64/{key}: number of cases");
        for case in cases {
            check(case);
        }
    };
    run("gru", 2, check_gru);
    run("lstm", 2, check_lstm);
    run("rope", 2, check_rope);
    g.assert_sections_read(X64);
}

#[test]
fn rotary_embedding_keeps_the_input_dtype_and_rotates_pairs_half_apart() {
    // embedding_size 4: pairs (0, 2) and (1, 3); at position 1 the first pair turns by 1 radian
    // and the second by 1 / sqrt(10_000) = 0.01 radian.
    let rope = nn::RotaryPositionalEmbedding::new(4);
    let x = Array::from_vec(vec![0.0f64, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0], [2, 4]);
    let y = rope.forward(&x);
    assert_eq!(y.dtype(), DType::F64);
    let y = y.to_vec::<f64>();
    let (c1, s1) = (1f32.cos() as f64, 1f32.sin() as f64);
    let (c2, s2) = (0.01f32.cos() as f64, 0.01f32.sin() as f64);
    let want = [0.0, 0.0, 0.0, 0.0, c1, -s2, s1, c2];
    for (i, (a, b)) in y.iter().zip(want).enumerate() {
        assert!((a - b).abs() < 1e-6, "element {i}: {a} != {b}");
    }
}

/// Equinox's documented use of the rotary embedding: `vmap(rope, in_axes=1, out_axes=1)` over
/// the heads of a `(seq_len, num_heads, head_size)` array, as attention's `process_heads`
/// does; each head must get exactly what it gets alone, eagerly and compiled.
#[test]
fn rotary_embedding_maps_over_heads_and_compiles() {
    let rope = nn::RotaryPositionalEmbedding::with_options(
        8,
        RotaryPositionalEmbeddingOptions {
            theta: 100.0,
            ..Default::default()
        },
    );
    let x = random::normal(random::key(3), [5, 3, 8], DType::F32);
    let spec = eqx::transforms::VmapSpec::default().in_axes(1).out_axes(1);
    let mapped = eqx::vmap_with(|x: &Array| rope.forward(x), spec.clone())(&x);
    let jitted = eqx::filter_jit(|(r, x): &(nn::RotaryPositionalEmbedding, Array)| {
        eqx::vmap_with(|x: &Array| r.forward(x), spec.clone())(x)
    })(&(rope.clone(), x.clone()));
    assert_eq!(mapped.shape(), &[5, 3, 8]);
    for head in 0..3 {
        let alone = rope
            .forward(&x.index(eqx::s![.., head, ..]))
            .to_vec::<f32>();
        let from_vmap = mapped.index(eqx::s![.., head, ..]).to_vec::<f32>();
        let from_jit = jitted.index(eqx::s![.., head, ..]).to_vec::<f32>();
        assert_eq!(from_vmap, alone, "head {head}: vmap");
        equinox_testing::assert_close(
            &format!("head {head}: jit"),
            &from_jit.iter().map(|&v| v as f64).collect::<Vec<_>>(),
            &alone.iter().map(|&v| v as f64).collect::<Vec<_>>(),
            Tolerance::F32.with_atol(1e-7),
        );
    }
}

/// An LSTM scanned over a batch of sequences: compiled and vmapped, it gives what the eager
/// per-sequence loop gives.
#[test]
fn scanned_lstm_under_jit_and_vmap_matches_the_eager_loop() {
    let cell = nn::LSTMCell::new(3, 4, random::key(5));
    let xs = random::normal(random::key(6), [2, 7, 3], DType::F32);
    let run = |cell: &nn::LSTMCell, xs: &Array| {
        let zeros = jnp::zeros([4]);
        lax::scan(
            |hc: &(Array, Array), x: &Array| (cell.forward(x, hc), ()),
            &(zeros.clone(), zeros),
            xs,
        )
        .0
    };
    let (h, c) =
        eqx::filter_jit(|(m, xs): &(nn::LSTMCell, Array)| eqx::vmap(|xs: &Array| run(m, xs))(xs))(
            &(cell.clone(), xs.clone()),
        );
    for b in 0..2 {
        let seq = xs.index(eqx::s![b]);
        let (mut eh, mut ec) = (jnp::zeros([4]), jnp::zeros([4]));
        for t in 0..7 {
            (eh, ec) = cell.forward(&seq.index(eqx::s![t]), &(eh, ec));
        }
        for (what, got, want) in [("h", &h, &eh), ("c", &c, &ec)] {
            equinox_testing::assert_close(
                &format!("sequence {b}: {what}"),
                &golden_arrays::values(&got.index(eqx::s![b])),
                &golden_arrays::values(want),
                Tolerance::F32.with_atol(1e-7),
            );
        }
    }
}

#[test]
#[should_panic(
    expected = "nn::GRUCell: expected input of shape (3,), got f32[4]; the cell acts on a single \
                unbatched step, so map over a batch (vmap)"
)]
fn gru_cell_rejects_a_wrong_input_size() {
    let cell = nn::GRUCell::new(3, 5, random::key(0));
    cell.forward(&jnp::zeros([4]), &jnp::zeros([5]));
}

#[test]
#[should_panic(
    expected = "nn::GRUCell: expected hidden of shape (5,), got f32[2,5]; the cell acts on a \
                single unbatched step"
)]
fn gru_cell_rejects_a_batched_hidden_state() {
    let cell = nn::GRUCell::new(3, 5, random::key(0));
    cell.forward(&jnp::zeros([3]), &jnp::zeros([2, 5]));
}

#[test]
#[should_panic(expected = "nn::LSTMCell: expected input of shape (2,), got f32[3]")]
fn lstm_cell_rejects_a_wrong_input_size() {
    let cell = nn::LSTMCell::new(2, 4, random::key(0));
    cell.forward(&jnp::zeros([3]), &(jnp::zeros([4]), jnp::zeros([4])));
}

#[test]
#[should_panic(expected = "nn::LSTMCell: expected h of shape (4,), got f32[5]")]
fn lstm_cell_rejects_a_wrong_h_size() {
    let cell = nn::LSTMCell::new(2, 4, random::key(0));
    cell.forward(&jnp::zeros([2]), &(jnp::zeros([5]), jnp::zeros([4])));
}

#[test]
#[should_panic(expected = "nn::LSTMCell: expected c of shape (4,), got f32[]")]
fn lstm_cell_rejects_a_wrong_c_size() {
    let cell = nn::LSTMCell::new(2, 4, random::key(0));
    cell.forward(&jnp::zeros([2]), &(jnp::zeros([4]), jnp::zeros([])));
}

#[test]
#[should_panic(expected = "nn::GRUCell: hidden_size must be positive, got 0")]
fn gru_cell_rejects_no_hidden_units() {
    nn::GRUCell::new(3, 0, random::key(0));
}

#[test]
#[should_panic(expected = "nn::LSTMCell: parameters need a floating dtype, got I32")]
fn lstm_cell_rejects_an_integer_dtype() {
    let options = RnnCellOptions {
        dtype: DType::I32,
        ..Default::default()
    };
    nn::LSTMCell::with_options(2, 3, options, random::key(0));
}

#[test]
#[should_panic(
    expected = "nn::RotaryPositionalEmbedding: expected x of shape (seq_len, 8), got f32[3,6]"
)]
fn rotary_embedding_rejects_a_wrong_embedding_size() {
    nn::RotaryPositionalEmbedding::new(8).forward(&jnp::zeros([3, 6]));
}

#[test]
#[should_panic(
    expected = "nn::RotaryPositionalEmbedding: expected x of shape (seq_len, 8), got f32[8]"
)]
fn rotary_embedding_rejects_a_vector() {
    nn::RotaryPositionalEmbedding::new(8).forward(&jnp::zeros([8]));
}

#[test]
#[should_panic(expected = "nn::RotaryPositionalEmbedding: embedding_size must be even, got 5")]
fn rotary_embedding_rejects_an_odd_size() {
    nn::RotaryPositionalEmbedding::new(5);
}
