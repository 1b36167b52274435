//! Gradients through `nn::MLP` against real Equinox (and `nn::inference_mode`): `parity/nn_grads.py` built MLPs from fixed
//! keys, took `filter_value_and_grad` of a batched squared-output loss, and stored the loss and
//! every parameter gradient (`parity/goldens/nn_grads.json`). The same keys give the same
//! parameters here (checked bit for bit in `nn_layers.rs`), so loss and gradients must agree to
//! float32 rounding: 1e-6 relative (1e-7 absolute for gradients that are near zero).

use crate::common;

use common::{array, assert_close, golden};
use equinox as eqx;
use eqx::{nn, random, tree, Array};

fn activation(name: &str) -> nn::Activation {
    match name {
        "relu" => nn::relu,
        "tanh" => nn::tanh,
        "sigmoid" => nn::sigmoid,
        "identity" => nn::identity,
        other => panic!("no activation {other}"),
    }
}

#[test]
fn mlp_loss_and_gradients_match_equinox() {
    let g = golden("nn_grads");
    let names = g.section_names();
    assert_eq!(names.len(), 3);
    for name in names {
        let case = g.section(name).whole();
        let size = |k: &str| case[k].as_u64().expect("a size") as usize;
        let options = nn::MlpOptions {
            activation: activation(case["activation"].as_str().unwrap()),
            final_activation: activation(case["final_activation"].as_str().unwrap()),
            ..nn::MlpOptions::default()
        };
        let mlp = nn::MLP::with_options(
            size("in"),
            size("out"),
            size("width"),
            size("depth"),
            options,
            random::key(case["seed"].as_u64().unwrap()),
        );
        let x = array(&case["x"]);
        let loss = |m: &nn::MLP, x: &Array| {
            let y = eqx::vmap(|xi: &Array| m.forward(xi))(x);
            (&y * &y).sum(-1).mean(None)
        };
        let (value, grads) = eqx::filter_value_and_grad(loss)(&mlp, &x);
        assert_close(
            &format!("{name}: loss"),
            &value,
            &array(&case["loss"]),
            1e-6,
            0.0,
        );
        let want: Vec<Array> = case["grads"]
            .as_array()
            .unwrap()
            .iter()
            .map(array)
            .collect();
        let got = tree::leaves(&grads);
        assert_eq!(got.len(), want.len(), "{name}: number of gradient leaves");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(&format!("{name}: gradient leaf {i}"), g, w, 1e-6, 1e-7);
        }
    }
    g.assert_all_read();
}

#[derive(eqx::Module, Clone)]
struct Block {
    linear: nn::Linear,
    inference: Array,
}

#[test]
fn inference_mode_sets_every_inference_flag_and_nothing_else() {
    let block = |seed| Block {
        linear: nn::Linear::new(2, 2, random::key(seed)),
        inference: Array::scalar(false),
    };
    let model = (vec![block(0), block(1)], Array::scalar(false));
    let on = nn::inference_mode(&model, true);
    assert!(on.0.iter().all(|b| b.inference.item::<bool>()));
    // A leaf not in an `inference` field is untouched, even a boolean one.
    assert!(!on.1.item::<bool>());
    assert!(on.0[1].linear.weight.ptr_eq(&model.0[1].linear.weight));
    let off = nn::inference_mode(&on, false);
    assert!(off.0.iter().all(|b| !b.inference.item::<bool>()));
}

#[test]
#[should_panic(expected = "inference_mode: the `inference` field at `inference` is f32[]")]
fn inference_mode_refuses_a_non_boolean_flag() {
    #[derive(eqx::Module, Clone)]
    struct Bad {
        inference: Array,
    }
    nn::inference_mode(
        &Bad {
            inference: Array::scalar(1.0f32),
        },
        true,
    );
}
