//! Misuse panics with JAX's message (issue 18): each case of `parity/misuse.py` (→
//! `parity/goldens/misuse.json`, JAX 0.10.2) is repeated here by name, and our panic message
//! must contain every key phrase of JAX's message for that case (what went wrong, and the
//! shapes, dtypes or axes involved). Our messages may say more (most start with the operation's
//! name), never less.

use equinox_core::lax::{self, DotDimensionNumbers, WindowReduceKind};
use equinox_core::numpy::{self as jnp, linalg};
use equinox_core::transforms::{grad, jvp, vjp, vmap, vmap_with, VmapSpec};
use equinox_core::{nn, random, Array, DType};
use equinox_testing::panics::payload_text;
use equinox_testing::Golden;

fn o(shape: &[usize]) -> Array {
    jnp::ones(shape.to_vec())
}

/// Runs the case `name` (the same call as the script's), which must panic.
fn run(name: &str) {
    let m23 = || o(&[2, 3]);
    let contract = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    match name {
        "matmul_contracting" => drop(jnp::matmul(&m23(), &o(&[4, 5]))),
        "dot_vectors" => drop(jnp::dot(&o(&[3]), &o(&[4]))),
        "tensordot_contracting" => drop(jnp::tensordot(&m23(), &o(&[4, 5]), 1usize)),
        "dot_general_contracting" => drop(lax::dot_general(&m23(), &o(&[4, 5]), contract, None)),
        "add_broadcast" => drop(jnp::add(&m23(), &o(&[4]))),
        "where_broadcast" => {
            let c = jnp::greater(&m23(), &Array::scalar(0.0f32));
            drop(jnp::where_(&c, &o(&[4]), &m23()))
        }
        "broadcast_to" => drop(jnp::broadcast_to(&m23(), [4, 3])),
        "reshape_size" => drop(jnp::reshape(&o(&[6]), vec![4usize])),
        "concatenate_shapes" => drop(jnp::concatenate(&[&m23(), &o(&[2, 4])], 0)),
        "concatenate_ndim" => drop(jnp::concatenate(&[&m23(), &o(&[3])], 0)),
        "lax_concatenate_ndim" => drop(lax::concatenate(&[&o(&[2]), &o(&[2, 2])], 0)),
        "stack_shapes" => drop(jnp::stack(&[&m23(), &o(&[3, 2])], 0)),
        "sum_axis" => drop(jnp::sum(&m23(), 5)),
        "cumsum_axis" => drop(jnp::cumsum(&m23(), 3)),
        "softmax_axis" => drop(nn::softmax(&m23(), 3)),
        "flip_axis" => drop(jnp::flip(&m23(), 3)),
        "roll_axis" => drop(jnp::roll(&m23(), 1, Some(3))),
        "moveaxis_axis" => drop(jnp::moveaxis(&m23(), 0, 3)),
        "take_axis" => drop(jnp::take(
            &m23(),
            &Array::from_vec(vec![0i32], [1]),
            Some(2),
        )),
        "expand_dims_axis" => drop(jnp::expand_dims(&m23(), 5)),
        "trace_1d" => drop(jnp::trace(&o(&[3]), 0, 0, 1)),
        "diagonal_1d" => drop(jnp::diagonal(&o(&[3]), 0, 0, 1)),
        "transpose_permutation" => drop(jnp::transpose(&m23(), Some(&[0, 0]))),
        "squeeze_non_unit" => drop(jnp::squeeze(&m23(), 0)),
        "take_along_axis_ndim" => drop(jnp::take_along_axis(
            &m23(),
            &jnp::zeros_dtype([2], DType::I32),
            1,
        )),
        "einsum_label_size" => drop(jnp::einsum("ij,jk->ik", &[&m23(), &o(&[4, 5])])),
        "einsum_output_label" => drop(jnp::einsum("ij->ik", &[&m23()])),
        "split_unequal" => drop(jnp::split(&o(&[5]), 2, 0)),
        "pad_width_shape" => drop(jnp::pad(&m23(), &[(1, 1), (1, 1), (1, 1)], 0.0)),
        "lax_pad_config" => drop(lax::pad(
            &o(&[3]),
            &Array::scalar(0.0f32),
            &[(1, 1, 0), (1, 1, 0)],
        )),
        "slice_limits" => drop(lax::slice(&m23(), &[0, 0], &[3, 3], None)),
        "dynamic_slice_sizes" => {
            let z = || Array::scalar(0i32);
            drop(lax::dynamic_slice(&m23(), &[z(), z()], &[3, 3]))
        }
        "dynamic_slice_indices" => drop(lax::dynamic_slice(&m23(), &[Array::scalar(0i32)], &[1])),
        "dynamic_update_slice_shape" => drop(lax::dynamic_update_slice(
            &o(&[3]),
            &o(&[4]),
            &[Array::scalar(0i32)],
        )),
        "reduce_window_dims" => drop(lax::reduce_window(
            &o(&[4]),
            WindowReduceKind::Sum,
            &[2, 2],
            &[1],
            "VALID",
        )),
        "conv_ranks" => drop(lax::conv_general_dilated(
            &o(&[1, 1, 4]),
            &o(&[1, 1, 3, 3]),
            &[1],
            "VALID",
        )),
        "top_k_too_large" => drop(jnp::top_k(&o(&[3]), 5)),
        "inv_nonsquare" => drop(linalg::inv(&m23())),
        "det_nonsquare" => drop(linalg::det(&m23())),
        "choice_no_replace" => drop(random::choice_with_options(
            random::key(0),
            3,
            [5],
            random::ChoiceOptions {
                replace: false,
                ..Default::default()
            },
        )),
        "grad_nonscalar" => drop(grad(|x: &Array| x * 2.0)(&o(&[3]))),
        "grad_int" => drop(grad(|x: &Array| x * 2)(&Array::scalar(3i32))),
        "jvp_tangent_shape" => drop(jvp(|x: &Array| x.sin(), &o(&[3]), &o(&[4]))),
        "vjp_cotangent_shape" => {
            let (_, pullback) = vjp(|x: &Array| x.sin(), &o(&[3]));
            drop(pullback.transpose(&o(&[4])))
        }
        "vmap_axis_rank" => drop(vmap_with(
            |x: &Array| x.clone(),
            VmapSpec::default().in_axes(2),
        )(&m23())),
        "vmap_sizes" => drop(vmap(|x: &Array, y: &Array| x + y)(&o(&[2]), &o(&[3]))),
        "scan_carry_shape" => drop(lax::scan(
            |c: &Array, x: &Array| (jnp::concatenate(&[c, c], 0), x.clone()),
            &o(&[2]),
            &o(&[3]),
        )),
        "scan_carry_dtype" => drop(lax::scan(
            |c: &Array, x: &Array| (c.astype(DType::I32), x.clone()),
            &o(&[2]),
            &o(&[3]),
        )),
        "while_carry_shape" => drop(lax::while_loop(
            |c: &Array| jnp::less(&c.sum(None), &Array::scalar(10.0f32)),
            |c: &Array| jnp::concatenate(&[c, c], 0),
            &o(&[2]),
        )),
        "fori_carry_dtype" => drop(lax::fori_loop(
            0,
            3,
            |_: &Array, c: &Array| c.astype(DType::I32),
            &o(&[2]),
        )),
        "cond_shapes" => drop(lax::cond(
            &Array::scalar(true),
            |_: &()| o(&[2]),
            |_: &()| o(&[3]),
            &(),
        )),
        "cond_dtypes" => drop(lax::cond(
            &Array::scalar(true),
            |_: &()| o(&[2]),
            |_: &()| jnp::ones_dtype([2], DType::I32),
            &(),
        )),
        other => panic!("no case {other} here: add it to tests/misuse_messages.rs"),
    }
}

#[test]
fn misuse_panics_carry_jax_key_phrases() {
    let golden = Golden::load("misuse");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in golden.section("cases").iter() {
        let name = case["name"].as_str().unwrap().to_string();
        let keys: Vec<String> = case["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert!(!keys.is_empty(), "{name}: the golden names no key phrase");
        let jax_message = case["message"].as_str().unwrap();
        for k in &keys {
            assert!(
                jax_message.contains(k.as_str()),
                "{name}: golden key {k:?} not in JAX's message"
            );
        }
        let n = name.clone();
        let got = match std::panic::catch_unwind(move || run(&n)) {
            Ok(()) => {
                failures.push(format!("{name}: did not panic"));
                continue;
            }
            Err(payload) => payload_text(&*payload).unwrap_or_default(),
        };
        let missing: Vec<&String> = keys.iter().filter(|k| !got.contains(k.as_str())).collect();
        if missing.is_empty() {
            checked += 1;
        } else {
            failures.push(format!(
                "{name}:\n  ours: {got:?}\n  lacks JAX's {missing:?}"
            ));
        }
    }
    std::panic::set_hook(hook);
    assert!(
        failures.is_empty(),
        "{} of {} cases lack JAX's wording:\n{}",
        failures.len(),
        failures.len() + checked,
        failures.join("\n")
    );
    assert!(checked >= 30, "only {checked} misuse cases checked");
    golden.assert_all_read();
}
