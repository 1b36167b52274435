//! `eqx::nn` layers against real Equinox 0.13.8 (`parity/nn_layers.py` →
//! `parity/goldens/nn_layers.json`): initial parameters bit for bit, forward outputs within
//! 1e-6 relative, and printing; plus shapes, edge cases and misuse.

use equinox as eqx;
use equinox_testing::{Golden, Tolerance};
use eqx::nn::{self, Features, Layer, MlpOptions};
use eqx::{numpy as jnp, random, tree, Array, DType, Module};
use serde_json::Value;

use crate::common;
use common::golden_arrays::{self, array_of, assert_bit_equal, dtype_of};

fn golden() -> Golden {
    Golden::load("nn_layers")
}

/// The sections of `nn_layers.json` each test checks.
const LINEAR_SECTIONS: &[&str] = &["linear"];
const MLP_SECTIONS: &[&str] = &["mlp"];
const SEQUENTIAL_SECTIONS: &[&str] = &["sequential"];
const X64_SECTIONS: &[&str] = &["x64"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[
        LINEAR_SECTIONS,
        MLP_SECTIONS,
        SEQUENTIAL_SECTIONS,
        X64_SECTIONS,
    ]);
}

fn features_of(v: &Value) -> Features {
    match v {
        Value::String(s) if s == "scalar" => Features::Scalar,
        Value::Number(n) => Features::Size(n.as_u64().unwrap() as usize),
        other => panic!("not a size: {other}"),
    }
}

/// The output agrees with Equinox's in dtype and shape, and in value within the dtype's
/// tolerance: 1e-6 relative for float32, 1e-12 for float64 (a float32 computation could not
/// pass it), about one rounding step for the half types; each also absolute near 0, where the
/// relative error of a sum that cancels is meaningless.
fn assert_close(actual: &Array, expected: &Value, what: &str) {
    let rtol = match dtype_of(expected) {
        DType::F16 => 1e-3,
        DType::BF16 => 8e-3,
        DType::F64 => 1e-12,
        _ => 1e-6,
    };
    golden_arrays::assert_close(actual, expected, Tolerance::new(rtol, rtol), what);
}

fn activation(name: &str) -> nn::Activation {
    match name {
        "relu" => nn::relu,
        "tanh" => nn::tanh,
        "sigmoid" => nn::sigmoid,
        "identity" => nn::identity,
        other => panic!("unknown activation {other}"),
    }
}

fn linear_from_case(case: &Value) -> nn::Linear {
    nn::Linear::with_options(
        features_of(&case["in_features"]),
        features_of(&case["out_features"]),
        case["use_bias"].as_bool().unwrap(),
        DType::from_name(case["dtype"].as_str().unwrap()).unwrap(),
        random::key(case["seed"].as_u64().unwrap()),
    )
}

fn check_linear_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let lin = linear_from_case(case);
    assert_bit_equal(&lin.weight, &case["weight"], &format!("{name}.weight"));
    match (&lin.bias, &case["bias"]) {
        (None, Value::Null) => {}
        (Some(b), v @ Value::Object(_)) => assert_bit_equal(b, v, &format!("{name}.bias")),
        (b, v) => panic!("{name}: bias {b:?} vs Equinox {v}"),
    }
    let y = lin.forward(&array_of(&case["x"]));
    assert_close(&y, &case["y"], &format!("{name} forward"));
    assert_eq!(
        format!("{lin:?}"),
        tree::tree_pformat(&lin),
        "{name}: Debug is tree_pformat"
    );
    assert_eq!(
        tree::tree_pformat(&lin),
        case["pformat"].as_str().unwrap(),
        "{name}: printing"
    );
    // A Linear holds no function, so only the spelling of Python's literals differs from
    // Equinox's own text.
    let python_spelling = tree::tree_pformat(&lin)
        .replace("true", "True")
        .replace("false", "False")
        .replace("\"scalar\"", "'scalar'");
    assert_eq!(
        python_spelling,
        case["pformat_equinox"].as_str().unwrap(),
        "{name}: Equinox's printing"
    );
}

#[test]
fn linear_matches_equinox() {
    let g = golden();
    let cases = g.section("linear");
    assert_eq!(cases.len(), 10);
    for case in cases.iter() {
        check_linear_case(case);
    }
    g.assert_sections_read(LINEAR_SECTIONS);
}

#[test]
fn linear_3_4_has_the_spec_values() {
    // spec §2.1: eqx.nn.Linear(3, 4, key=PRNGKey(0)).
    let lin = nn::Linear::new(3, 4, random::key(0));
    let w: [f32; 12] = [
        0.3952703,
        -0.36675754,
        -0.3150276,
        -0.43794832,
        -0.35586315,
        0.25636086,
        0.30651015,
        -0.40121174,
        0.52158546,
        -0.54350543,
        -0.46336916,
        0.061364554, // the spec prints 8 significant digits: 0.06136455
    ];
    assert_eq!(lin.weight.to_vec::<f32>(), w);
    let b: [f32; 4] = [-0.56892806, -0.5532272, 0.09402322, -0.15953575];
    assert_eq!(lin.bias.as_ref().unwrap().to_vec::<f32>(), b);
    // And against the definition: weight = uniform(split(key)[0], (4, 3), ±1/√3).
    let [wkey, _] = random::split_into(random::key(0));
    let lim = 1.0 / 3f64.sqrt();
    let direct = random::uniform(wkey, [4, 3], DType::F32, -lim, lim);
    assert_eq!(direct.to_vec::<f32>(), w);
}

#[test]
fn linear_forward_is_weight_times_x_plus_bias() {
    let lin = nn::Linear::new(3, 2, random::key(5));
    let x = [0.5f32, -2.0, 1.5];
    let w = lin.weight.to_vec::<f32>();
    let b = lin.bias.as_ref().unwrap().to_vec::<f32>();
    let y = lin
        .forward(&Array::from_vec(x.to_vec(), [3]))
        .to_vec::<f32>();
    let expected: Vec<f64> = (0..2)
        .map(|i| {
            b[i] as f64
                + (0..3)
                    .map(|j| w[i * 3 + j] as f64 * x[j] as f64)
                    .sum::<f64>()
        })
        .collect();
    let y: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    equinox_testing::assert_close("W x + b", &y, &expected, Tolerance::new(0.0, 1e-6));
}

#[test]
fn linear_scalar_shapes_and_zero_inputs() {
    let s = nn::Linear::new(Features::Scalar, Features::Scalar, random::key(2));
    assert_eq!(s.weight.shape(), &[1, 1]);
    assert_eq!(s.bias.as_ref().unwrap().shape(), &[1]);
    let y = s.forward(&Array::scalar(3.0f32));
    assert_eq!(y.shape(), &[] as &[usize]);
    let (w, b) = (
        s.weight.item::<f32>(),
        s.bias.as_ref().unwrap().to_vec::<f32>()[0],
    );
    assert!((y.item::<f32>() - (3.0 * w + b)).abs() < 1e-6);

    // in_features = 0: an empty weight (lim = 1) and the output is the bias.
    let z = nn::Linear::new(0, 2, random::key(5));
    assert_eq!(z.weight.shape(), &[2, 0]);
    let y = z.forward(&jnp::zeros([0]));
    assert_eq!(y.to_vec::<f32>(), z.bias.as_ref().unwrap().to_vec::<f32>());
}

#[test]
fn linear_without_bias_has_one_leaf() {
    let lin = nn::Linear::with_options(3, 2, false, DType::F32, random::key(0));
    assert!(lin.bias.is_none());
    assert_eq!(tree::leaves(&lin).len(), 1);
    let x = Array::from_vec(vec![1.0f32, 0.0, 0.0], [3]);
    // The first column of the weight.
    let w = lin.weight.to_vec::<f32>();
    assert_eq!(lin.forward(&x).to_vec::<f32>(), vec![w[0], w[3]]);
}

#[test]
fn layers_are_pytrees_with_static_sizes() {
    let a = nn::Linear::new(3, 4, random::key(0));
    let b = nn::Linear::new(3, 4, random::key(1));
    let c = nn::Linear::new(Features::Size(3), Features::Scalar, random::key(0));
    assert!(
        a.static_eq(&b),
        "same sizes, different parameters: same structure"
    );
    assert!(!a.static_eq(&c));
    let paths: Vec<String> = tree::leaves_with_path(&a)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(paths, ["weight", "bias"]);
    let doubled = tree::map(&a, |x| x * 2.0);
    assert_eq!(doubled.out_features, Features::Size(4));
    assert_eq!(
        doubled.weight.to_vec::<f32>()[0],
        2.0 * a.weight.to_vec::<f32>()[0]
    );
}

#[test]
#[should_panic(
    expected = "nn::Linear: in_features is \"scalar\", so x must have shape (), got f32[1]"
)]
fn linear_scalar_input_must_be_0d() {
    let s = nn::Linear::new(Features::Scalar, 2, random::key(0));
    s.forward(&jnp::ones([1]));
}

#[test]
#[should_panic(expected = "nn::Linear: expected one example of shape (3,), got f32[8,3]")]
fn linear_refuses_a_batch() {
    let lin = nn::Linear::new(3, 2, random::key(0));
    lin.forward(&jnp::ones([8, 3]));
}

#[test]
#[should_panic(expected = "nn::Linear: parameters need a floating dtype, got I32")]
fn linear_needs_a_float_dtype() {
    nn::Linear::with_options(3, 2, true, DType::I32, random::key(0));
}

fn mlp_from_case(case: &Value) -> nn::MLP {
    let options = MlpOptions {
        activation: activation(case["activation"].as_str().unwrap()),
        final_activation: activation(case["final_activation"].as_str().unwrap()),
        use_bias: case["use_bias"].as_bool().unwrap(),
        use_final_bias: case["use_final_bias"].as_bool().unwrap(),
        dtype: DType::from_name(case["dtype"].as_str().unwrap()).unwrap(),
        scan: false,
    };
    nn::MLP::with_options(
        features_of(&case["in_size"]),
        features_of(&case["out_size"]),
        case["width_size"].as_u64().unwrap() as usize,
        case["depth"].as_u64().unwrap() as usize,
        options,
        random::key(case["seed"].as_u64().unwrap()),
    )
}

fn check_mlp_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let mlp = mlp_from_case(case);
    let layers = case["layers"].as_array().unwrap();
    assert_eq!(mlp.layers.len(), layers.len(), "{name}: number of layers");
    for (i, (layer, expected)) in mlp.layers.iter().zip(layers).enumerate() {
        assert_bit_equal(
            &layer.weight,
            &expected["weight"],
            &format!("{name}.layers[{i}].weight"),
        );
        match (&layer.bias, &expected["bias"]) {
            (None, Value::Null) => {}
            (Some(b), v @ Value::Object(_)) => {
                assert_bit_equal(b, v, &format!("{name}.layers[{i}].bias"))
            }
            (b, v) => panic!("{name}.layers[{i}]: bias {b:?} vs Equinox {v}"),
        }
    }
    let xs = case["xs"].as_array().unwrap();
    let ys = case["ys"].as_array().unwrap();
    for (k, (x, y)) in xs.iter().zip(ys).enumerate() {
        let out = mlp.forward(&array_of(x));
        assert_close(&out, y, &format!("{name} forward #{k}"));
        assert_close(
            &Layer::forward(&mlp, &array_of(x)),
            y,
            &format!("{name} Layer::forward #{k}"),
        );
    }
    assert_eq!(
        format!("{mlp:?}"),
        case["pformat"].as_str().unwrap(),
        "{name}: printing"
    );
}

#[test]
fn mlp_matches_equinox() {
    let g = golden();
    let cases = g.section("mlp");
    assert_eq!(cases.len(), 9);
    for case in cases.iter() {
        check_mlp_case(case);
    }
    g.assert_sections_read(MLP_SECTIONS);
}

#[test]
fn float64_layers_match_equinox_with_x64() {
    let g = golden();
    let x64 = g.section("x64");
    for case in x64["linear"].as_array().unwrap() {
        assert_eq!(case["dtype"], "float64");
        check_linear_case(case);
    }
    for case in x64["mlp"].as_array().unwrap() {
        assert_eq!(case["dtype"], "float64");
        check_mlp_case(case);
    }
    g.assert_sections_read(X64_SECTIONS);
}

#[test]
fn mlp_layers_come_from_split_keys() {
    // Layer i is Linear(..., key=split(key, depth + 1)[i]).
    let mlp = nn::MLP::new(3, 2, 5, 2, random::key(7));
    let keys = random::split_vec(random::key(7), 3);
    let sizes = [(3, 5), (5, 5), (5, 2)];
    for ((layer, key), (i, o)) in mlp.layers.iter().zip(keys).zip(sizes) {
        let expected = nn::Linear::new(i, o, key);
        assert!(tree::tree_equal(layer, &expected));
    }
}

#[test]
fn mlp_forward_is_the_layer_composition() {
    let opts = MlpOptions {
        activation: nn::tanh,
        final_activation: nn::sigmoid,
        ..Default::default()
    };
    let mlp = nn::MLP::with_options(3, 2, 4, 2, opts, random::key(3));
    let x = Array::from_vec(vec![0.1f32, -0.7, 2.0], [3]);
    let h = mlp.layers[0].forward(&x).tanh();
    let h = mlp.layers[1].forward(&h).tanh();
    let y = nn::sigmoid(&mlp.layers[2].forward(&h));
    assert_eq!(mlp.forward(&x).to_vec::<f32>(), y.to_vec::<f32>());

    // depth 0: just the layer, without final_activation (as Equinox).
    let d0 = nn::MLP::with_options(3, 2, 4, 0, opts, random::key(3));
    assert_eq!(
        d0.forward(&x).to_vec::<f32>(),
        d0.layers[0].forward(&x).to_vec::<f32>()
    );
}

#[test]
fn mlp_structure() {
    let mlp = nn::MLP::new(4, 3, 8, 3, random::key(0));
    assert_eq!(mlp.layers.len(), 4);
    assert_eq!(tree::leaves(&mlp).len(), 8);
    let paths: Vec<String> = tree::leaves_with_path(&mlp)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(
        &paths[..3],
        ["layers[0].weight", "layers[0].bias", "layers[1].weight"]
    );
    let relu_again = nn::MLP::new(4, 3, 8, 3, random::key(1));
    assert!(mlp.static_eq(&relu_again));
    let tanh = nn::MLP::with_options(
        4,
        3,
        8,
        3,
        MlpOptions {
            activation: nn::tanh,
            ..Default::default()
        },
        random::key(0),
    );
    assert!(!mlp.static_eq(&tanh), "activations are static structure");
    let nobias = nn::MLP::with_options(
        4,
        3,
        8,
        1,
        MlpOptions {
            use_bias: false,
            ..Default::default()
        },
        random::key(0),
    );
    assert!(nobias.layers[0].bias.is_none());
    assert!(nobias.layers[1].bias.is_some());
}

#[test]
fn sequential_matches_equinox() {
    let g = golden();
    let case = g.section("sequential").whole();
    let [k1, k2] = random::split_into(random::key(case["seed"].as_u64().unwrap()));

    #[derive(Module, Clone)]
    #[module(transparent, debug)]
    enum AnyLayer {
        Linear(nn::Linear),
        Lambda(nn::Lambda),
        Identity(nn::Identity),
    }
    impl Layer for AnyLayer {
        fn forward(&self, x: &Array) -> Array {
            match self {
                AnyLayer::Linear(l) => l.forward(x),
                AnyLayer::Lambda(l) => l.forward(x),
                AnyLayer::Identity(l) => l.forward(x),
            }
        }
    }

    let seq = nn::Sequential::new([
        AnyLayer::Linear(nn::Linear::new(4, 6, k1)),
        AnyLayer::Lambda(nn::Lambda::new(nn::relu)),
        AnyLayer::Identity(nn::Identity),
        AnyLayer::Linear(nn::Linear::new(6, 2, k2)),
        AnyLayer::Lambda(nn::Lambda::new(nn::tanh)),
    ]);
    for (x, y) in case["xs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["ys"].as_array().unwrap())
    {
        assert_close(&seq.forward(&array_of(x)), y, "sequential forward");
    }
    assert_eq!(format!("{seq:?}"), case["pformat"].as_str().unwrap());
    assert_eq!(
        format!("{:?}", nn::Identity),
        case["pformat_identity"].as_str().unwrap()
    );
    let paths: Vec<String> = tree::leaves_with_path(&seq)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "layers[0].weight",
            "layers[0].bias",
            "layers[3].weight",
            "layers[3].bias"
        ]
    );
}

#[test]
fn sequential_of_one_layer_type_and_slicing() {
    let keys = random::split_vec(random::key(4), 3);
    let seq: nn::Sequential<nn::Linear> =
        keys.into_iter().map(|k| nn::Linear::new(3, 3, k)).collect();
    assert_eq!(seq.len(), 3);
    let x = Array::from_vec(vec![1.0f32, 2.0, -1.0], [3]);
    let by_hand = seq[2].forward(&seq[1].forward(&seq[0].forward(&x)));
    assert_eq!(seq.forward(&x).to_vec::<f32>(), by_hand.to_vec::<f32>());
    let tail = seq.slice(1..);
    assert_eq!(tail.len(), 2);
    assert!(tree::tree_equal(&tail[0], &seq[1]));
    assert_eq!(seq.iter().count(), 3);
    assert_eq!((&seq).into_iter().count(), 3);
    // Nested: a Sequential is itself a Layer.
    let outer = nn::Sequential::new([seq.clone(), tail]);
    let inner = seq.slice(1..).forward(&seq.forward(&x));
    assert_eq!(outer.forward(&x).to_vec::<f32>(), inner.to_vec::<f32>());
    // Empty: the identity.
    let empty = nn::Sequential::<nn::Linear>::new([]);
    assert!(empty.is_empty());
    assert_eq!(empty.forward(&x).to_vec::<f32>(), x.to_vec::<f32>());
}

#[test]
fn lambda_and_identity() {
    let lam = nn::Lambda::new(|x| x * 3.0);
    let x = Array::from_vec(vec![1.0f32, -2.0], [2]);
    assert_eq!(lam.forward(&x).to_vec::<f32>(), vec![3.0, -6.0]);
    assert!(tree::leaves(&lam).is_empty());
    assert!(lam.static_eq(&lam.clone()));
    assert!(!lam.static_eq(&nn::Lambda::new(nn::relu)));
    assert_eq!(format!("{lam:?}"), "Lambda(fn=<function>)");
    assert_eq!(
        nn::Identity::new().forward(&x).to_vec::<f32>(),
        x.to_vec::<f32>()
    );
    assert_eq!(nn::identity(&x).to_vec::<f32>(), x.to_vec::<f32>());
}

#[test]
fn jax_nn_functions_are_reachable_beside_the_layers() {
    let x = Array::from_vec(vec![-1.0f32, 0.5], [2]);
    assert_eq!(nn::relu(&x).to_vec::<f32>(), vec![0.0, 0.5]);
    let p = nn::softmax(&x, -1).to_vec::<f32>();
    assert!((p[0] + p[1] - 1.0).abs() < 1e-6);
}
