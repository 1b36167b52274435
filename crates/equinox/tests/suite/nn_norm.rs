//! `LayerNorm`, `GroupNorm`, `RMSNorm`, `Dropout`, `Embedding` and `PReLU` against real
//! Equinox 0.13.8 (`parity/nn_norm.py` → `parity/goldens/nn_norm.json`): initial parameters bit
//! for bit (the normal-sampled embedding table within 4 ulp, the sampler's agreement), then with
//! the stored parameters the forward output and the gradients of `sum(y * c)` with respect to
//! every parameter and the input; dropout masks for given keys. Then edge cases and misuse.

use equinox as eqx;
use equinox_testing::golden::sizes;
use equinox_testing::{Golden, Tolerance};
use eqx::nn::{self, GroupNormOptions, Layer, LayerNormOptions, RmsNormOptions};
use eqx::{numpy as jnp, random, Array, DType};
use serde_json::Value;

use crate::common;
use common::golden_arrays::{self, array_of, assert_bit_equal, bits_of, dtype_of};

fn golden() -> Golden {
    Golden::load("nn_norm")
}

const LAYER_NORM: &[&str] = &["layer_norm"];
const GROUP_NORM: &[&str] = &["group_norm"];
const RMS_NORM: &[&str] = &["rms_norm"];
const DROPOUT: &[&str] = &["dropout"];
const EMBEDDING: &[&str] = &["embedding"];
const PRELU: &[&str] = &["prelu"];
const MLP_SCAN: &[&str] = &["mlp_scan"];
const X64: &[&str] = &["x64"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[
        LAYER_NORM, GROUP_NORM, RMS_NORM, DROPOUT, EMBEDDING, PRELU, MLP_SCAN, X64,
    ]);
}

fn bools_of(v: &Value) -> Vec<bool> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

/// Dtype and shape equal, values within the dtype's tolerance (relative and absolute): 1e-5
/// for float32 (outputs of a normalisation, whose reductions may sum in another order),
/// 1e-12 for float64, about a rounding step for the half types.
fn assert_close(actual: &Array, expected: &Value, what: &str) {
    let tol = match dtype_of(expected) {
        DType::F16 => 2e-3,
        DType::BF16 => 1.6e-2,
        DType::F64 => 1e-12,
        _ => 1e-5,
    };
    golden_arrays::assert_close(actual, expected, Tolerance::new(tol, tol), what);
}

/// The parameters of a layer under test, by Equinox's field names.
trait Params: eqx::Module + Clone + Layer {
    fn param(&self, name: &str) -> Option<&Array>;
    fn set_param(&mut self, name: &str, value: Array);
}

macro_rules! weight_bias_params {
    ($($t:ty),*) => {$(
        impl Params for $t {
            fn param(&self, name: &str) -> Option<&Array> {
                match name {
                    "weight" => self.weight.as_ref(),
                    "bias" => self.bias.as_ref(),
                    _ => None,
                }
            }
            fn set_param(&mut self, name: &str, value: Array) {
                match name {
                    "weight" => self.weight = Some(value),
                    "bias" => self.bias = Some(value),
                    other => panic!("no parameter {other}"),
                }
            }
        }
    )*};
}

weight_bias_params!(nn::LayerNorm, nn::GroupNorm, nn::RMSNorm);

impl Params for nn::PReLU {
    fn param(&self, name: &str) -> Option<&Array> {
        (name == "negative_slope").then_some(&self.negative_slope)
    }
    fn set_param(&mut self, name: &str, value: Array) {
        assert_eq!(name, "negative_slope");
        self.negative_slope = value;
    }
}

/// The checks every layer case gets: initial parameters, then forward and gradients with the
/// stored parameters.
fn check_layer<L: Params>(mut layer: L, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let init = case["init"].as_object().unwrap();
    for p in ["weight", "bias", "negative_slope"] {
        match (layer.param(p), init.get(p)) {
            (None, None) => {}
            (Some(a), Some(v)) => assert_bit_equal(a, v, &format!("{name}: initial {p}")),
            (a, v) => panic!("{name}: parameter {p} is {a:?} here, {v:?} in Equinox"),
        }
    }
    for (p, v) in case["params"].as_object().unwrap() {
        layer.set_param(p, array_of(v));
    }
    let x = array_of(&case["x"]);
    let y = layer.forward(&x);
    assert_close(&y, &case["y"], &format!("{name}: forward"));
    let Some(grads) = case.get("grads") else {
        return;
    };
    let c = array_of(&case["c"]).astype(DType::F32);
    let (g_layer, g_x) = eqx::filter_grad(|lx: &(L, Array)| {
        (&lx.0.forward(&lx.1).astype(DType::F32) * &c).sum(None)
    })(&(layer.clone(), x));
    for (p, v) in grads.as_object().unwrap() {
        let g = if p == "x" {
            &g_x
        } else {
            g_layer.param(p).expect("a gradient for every parameter")
        };
        assert_close(g, v, &format!("{name}: gradient of {p}"));
    }
}

fn opt_f64(case: &Value, key: &str, default: f64) -> f64 {
    case.get(key).map_or(default, |v| v.as_f64().unwrap())
}

fn opt_bool(case: &Value, key: &str) -> bool {
    case.get(key).is_none_or(|v| v.as_bool().unwrap())
}

fn opt_dtype(case: &Value) -> DType {
    case.get("dtype").map_or(DType::F32, |d| {
        DType::from_name(d.as_str().unwrap()).unwrap()
    })
}

fn check_layer_norm(case: &Value) {
    let options = LayerNormOptions {
        eps: opt_f64(case, "eps", 1e-5),
        use_weight: opt_bool(case, "use_weight"),
        use_bias: opt_bool(case, "use_bias"),
        dtype: opt_dtype(case),
    };
    check_layer(
        nn::LayerNorm::with_options(sizes(&case["shape"]), options),
        case,
    );
}

fn check_group_norm(case: &Value) {
    let options = GroupNormOptions {
        eps: opt_f64(case, "eps", 1e-5),
        channelwise_affine: opt_bool(case, "channelwise_affine"),
        dtype: opt_dtype(case),
    };
    let channels = case["channels"].as_u64().map(|c| c as usize);
    let groups = case["groups"].as_u64().unwrap() as usize;
    check_layer(nn::GroupNorm::with_options(groups, channels, options), case);
}

fn check_rms_norm(case: &Value) {
    let options = RmsNormOptions {
        eps: opt_f64(case, "eps", 1e-5),
        use_weight: opt_bool(case, "use_weight"),
        use_bias: opt_bool(case, "use_bias"),
        dtype: opt_dtype(case),
    };
    check_layer(
        nn::RMSNorm::with_options(sizes(&case["shape"]), options),
        case,
    );
}

fn check_dropout(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let p = case["p"].as_f64().unwrap();
    let layer = nn::Dropout::with_options(p, case["inference"].as_bool().unwrap());
    let x = array_of(&case["x"]);
    let key = || random::key(case["key"].as_u64().unwrap());
    let call = |x: &Array| match case["call_inference"].as_bool() {
        Some(b) => layer.forward_with_inference(x, Some(key()), b),
        None => layer.forward(x, Some(key())),
    };
    let y = call(&x);
    assert_close(&y, &case["y"], &format!("{name}: output"));
    if let Some(mask) = case.get("mask") {
        // The input has no zeros, so the kept elements are the nonzero outputs.
        let kept: Vec<bool> = y
            .astype(DType::F64)
            .to_vec::<f64>()
            .iter()
            .map(|&v| v != 0.0)
            .collect();
        assert_eq!(
            kept,
            bools_of(mask),
            "{name}: the mask differs from Equinox's"
        );
    } else {
        assert_eq!(bits_of(&y), bits_of(&x), "{name}: the identity");
    }
    if let Some(g) = case.get("grad_x") {
        let c = array_of(&case["c"]);
        let grad = eqx::grad(|x: &Array| (&call(x) * &c).sum(None))(&x);
        assert_close(&grad, g, &format!("{name}: gradient"));
    }
}

fn check_embedding(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let dtype = case["dtype"]
        .as_str()
        .map_or(DType::F32, |d| DType::from_name(d).unwrap());
    let emb = nn::Embedding::with_dtype(
        case["num_embeddings"].as_u64().unwrap() as usize,
        case["embedding_size"].as_u64().unwrap() as usize,
        dtype,
        random::key(case["seed"].as_u64().unwrap()),
    );
    // The normal sampler's documented agreement with JAX's.
    golden_arrays::assert_ulps(
        &emb.weight,
        &case["init"]["weight"],
        4,
        &format!("{name}: weight"),
    );
    let Some(index) = case.get("index") else {
        return;
    };
    let i = Array::scalar(index.as_i64().unwrap() as i32);
    golden_arrays::assert_ulps(&emb.forward(&i), &case["y"], 4, &format!("{name}: forward"));
    let c = array_of(&case["c"]);
    let g = eqx::filter_grad(|m: &nn::Embedding| (&m.forward(&i) * &c).sum(None))(&emb);
    assert_bit_equal(
        &g.weight,
        &case["grads"]["weight"],
        &format!("{name}: gradient"),
    );
}

fn check_prelu(case: &Value) {
    let layer = match &case["alpha"] {
        Value::Number(a) => nn::PReLU::with_alpha(a.as_f64().unwrap()),
        v => nn::PReLU::with_slopes(array_of(v)),
    };
    check_layer(layer, case);
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
fn layer_norm_matches_equinox() {
    run_section("layer_norm", 10, check_layer_norm);
}

#[test]
fn group_norm_matches_equinox() {
    run_section("group_norm", 7, check_group_norm);
}

#[test]
fn rms_norm_matches_equinox() {
    run_section("rms_norm", 7, check_rms_norm);
}

#[test]
fn dropout_matches_equinox() {
    run_section("dropout", 11, check_dropout);
}

#[test]
fn embedding_matches_equinox() {
    run_section("embedding", 7, check_embedding);
}

#[test]
fn prelu_matches_equinox() {
    run_section("prelu", 5, check_prelu);
}

#[test]
fn float64_layers_match_equinox() {
    let g = golden();
    let x64 = g.section("x64").whole();
    let run = |key: &str, check: fn(&Value)| {
        for case in x64[key].as_array().unwrap() {
            check(case);
        }
    };
    run("layer_norm", check_layer_norm);
    run("group_norm", check_group_norm);
    run("rms_norm", check_rms_norm);
    run("dropout", check_dropout);
    run("embedding", check_embedding);
    g.assert_sections_read(X64);
}

fn features(v: &Value) -> nn::Features {
    match v {
        Value::String(s) if s == "scalar" => nn::Features::Scalar,
        n => nn::Features::Size(n.as_u64().unwrap() as usize),
    }
}

fn activation(name: &str) -> nn::Activation {
    match name {
        "relu" => nn::relu,
        "tanh" => nn::tanh,
        "identity" => nn::identity,
        other => panic!("no activation {other}"),
    }
}

fn check_mlp_scan(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let options = nn::MlpOptions {
        activation: activation(case["activation"].as_str().unwrap()),
        final_activation: activation(case["final_activation"].as_str().unwrap()),
        scan: true,
        ..Default::default()
    };
    let mlp = nn::MLP::with_options(
        features(&case["in_size"]),
        features(&case["out_size"]),
        case["width_size"].as_u64().unwrap() as usize,
        case["depth"].as_u64().unwrap() as usize,
        options,
        random::key(case["seed"].as_u64().unwrap()),
    );
    let leaves = eqx::tree::leaves(&mlp);
    let want = case["leaves"].as_array().unwrap();
    assert_eq!(leaves.len(), want.len(), "{name}: number of leaves");
    for (i, (l, w)) in leaves.iter().zip(want).enumerate() {
        assert_bit_equal(l, w, &format!("{name}: leaf {i}"));
    }
    assert_eq!(
        eqx::tree_pformat(&mlp),
        case["pformat"].as_str().unwrap(),
        "{name}: printing"
    );
    let x = array_of(&case["x"]);
    assert_close(&mlp.forward(&x), &case["y"], &format!("{name}: forward"));
    let c = array_of(&case["c"]);
    let (g_mlp, g_x) =
        eqx::filter_grad(|mx: &(nn::MLP, Array)| (&mx.0.forward(&mx.1) * &c).sum(None))(&(
            mlp.clone(),
            x,
        ));
    let grads = eqx::tree::leaves(&g_mlp);
    for (i, (g, w)) in grads
        .iter()
        .zip(case["grads"].as_array().unwrap())
        .enumerate()
    {
        assert_close(g, w, &format!("{name}: gradient of leaf {i}"));
    }
    assert_close(&g_x, &case["grad_x"], &format!("{name}: input gradient"));
    // The same network without scan (layers unstacked) computes the same function.
    let plain = nn::MLP::with_options(
        features(&case["in_size"]),
        features(&case["out_size"]),
        case["width_size"].as_u64().unwrap() as usize,
        case["depth"].as_u64().unwrap() as usize,
        nn::MlpOptions {
            scan: false,
            ..options
        },
        random::key(case["seed"].as_u64().unwrap()),
    );
    assert_close(
        &plain.forward(&array_of(&case["x"])),
        &case["y"],
        &format!("{name}: without scan"),
    );
}

#[test]
fn mlp_scan_matches_equinox() {
    run_section("mlp_scan", 5, check_mlp_scan);
}

#[test]
fn mlp_scan_under_jit_and_vmap() {
    let options = nn::MlpOptions {
        scan: true,
        ..Default::default()
    };
    let mlp = nn::MLP::with_options(3, 2, 4, 3, options, random::key(0));
    let xs = random::normal(random::key(1), [5, 3], DType::F32);
    let eager = eqx::vmap(|x: &Array| mlp.forward(x))(&xs);
    let jitted =
        eqx::filter_jit(|(m, xs): &(nn::MLP, Array)| eqx::vmap(|x: &Array| m.forward(x))(xs))(&(
            mlp.clone(),
            xs.clone(),
        ));
    equinox_testing::assert_close(
        "jit(vmap(scan MLP))",
        &jitted.astype(DType::F64).to_vec::<f64>(),
        &eager.astype(DType::F64).to_vec::<f64>(),
        Tolerance::new(1e-6, 1e-6),
    );
}

#[test]
fn layer_norm_normalises_to_zero_mean_unit_variance() {
    let ln = nn::LayerNorm::with_options(
        [2, 3],
        LayerNormOptions {
            eps: 0.0,
            ..Default::default()
        },
    );
    let x = Array::from_vec(vec![1.0f32, 2.0, 4.0, 8.0, 16.0, 32.0], [2, 3]);
    let y = ln.forward(&x).to_vec::<f32>();
    let mean = y.iter().sum::<f32>() / 6.0;
    let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 6.0;
    assert!(
        mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5,
        "{mean} {var}"
    );
    // Under vmap it normalises each row separately.
    let row = nn::LayerNorm::new([3]);
    let ys = eqx::vmap(|r: &Array| row.forward(r))(&x).to_vec::<f32>();
    assert!(ys[..3].iter().sum::<f32>().abs() < 1e-5);
    assert!(ys[3..].iter().sum::<f32>().abs() < 1e-5);
}

#[test]
fn layers_without_parameters_have_no_leaves() {
    let ln = nn::LayerNorm::with_options(
        [4],
        LayerNormOptions {
            use_weight: false,
            use_bias: false,
            ..Default::default()
        },
    );
    assert_eq!(eqx::tree::leaves(&ln).len(), 0);
    let gn = nn::GroupNorm::with_options(
        2,
        None,
        GroupNormOptions {
            channelwise_affine: false,
            ..Default::default()
        },
    );
    assert_eq!(eqx::tree::leaves(&gn).len(), 0);
    // Without channels, any number divisible by the groups works.
    assert_eq!(gn.forward(&jnp::ones([6, 2])).shape(), &[6, 2]);
    let rms = nn::RMSNorm::new([3]);
    assert_eq!(eqx::tree::leaves(&rms).len(), 2);
}

#[test]
fn dropout_modes() {
    let x = jnp::ones([4]);
    let d = nn::Dropout::with_options(0.5, true);
    assert_eq!(d.forward(&x, None).to_vec::<f32>(), vec![1.0; 4]);
    assert_eq!(Layer::forward(&d, &x).to_vec::<f32>(), vec![1.0; 4]);
    // p = 0 never drops, even in training and without a key.
    let d0 = nn::Dropout::with_options(0.0, false);
    assert_eq!(d0.forward(&x, None).to_vec::<f32>(), vec![1.0; 4]);
    // inference_mode switches the field; the per-call flag overrides it.
    let train = nn::inference_mode(&d, false);
    let y = train.forward(&x, Some(random::key(1))).to_vec::<f32>();
    assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
    let same = d.forward_with_inference(&x, Some(random::key(1)), false);
    assert_eq!(same.to_vec::<f32>(), y);
    // p = 1 drops everything.
    let all = nn::Dropout::with_options(1.0, false).forward(&x, Some(random::key(2)));
    assert_eq!(all.to_vec::<f32>(), vec![0.0; 4]);
}

#[test]
fn dropout_under_jit_with_a_traced_mode() {
    let x = jnp::ones([64]);
    let d = nn::Dropout::new();
    let key_data = random::key(3).into_data();
    let f = eqx::filter_jit(|(d, x, k): &(nn::Dropout, Array, Array)| {
        d.forward(x, Some(random::Key::from_data(k.clone())))
    });
    let eager = d.forward(&x, Some(random::key(3)));
    let jitted = f(&(d.clone(), x.clone(), key_data.clone()));
    assert_eq!(jitted.to_vec::<f32>(), eager.to_vec::<f32>());
    let eval = nn::inference_mode(&d, true);
    assert_eq!(
        f(&(eval, x.clone(), key_data)).to_vec::<f32>(),
        vec![1.0; 64]
    );
}

#[test]
fn embedding_from_weight_and_indices() {
    let w = jnp::arange(6).reshape([3, 2]).astype(DType::F32);
    let emb = nn::Embedding::from_weight(w);
    assert_eq!((emb.num_embeddings, emb.embedding_size), (3, 2));
    assert_eq!(
        emb.forward(&Array::scalar(1i32)).to_vec::<f32>(),
        vec![2.0, 3.0]
    );
    assert_eq!(
        emb.forward(&Array::scalar(-1i32)).to_vec::<f32>(),
        vec![4.0, 5.0]
    );
    let idx = Array::from_vec(vec![2i32, 0], [2]);
    let rows = eqx::vmap(|i: &Array| emb.forward(i))(&idx);
    assert_eq!(rows.to_vec::<f32>(), vec![4.0, 5.0, 0.0, 1.0]);
}

#[test]
fn prelu_keeps_half_precision_and_broadcasts_slopes() {
    let y = nn::PReLU::new().forward(&jnp::full([2], -2.0f32).astype(DType::F16));
    assert_eq!(y.dtype(), DType::F16);
    assert_eq!(y.astype(DType::F32).to_vec::<f32>(), vec![-0.5, -0.5]);
    let p = nn::PReLU::with_slopes(Array::from_vec(vec![0.0f32, 1.0, 2.0], [3]));
    let y = p.forward(&jnp::full([2, 3], -1.0f32));
    assert_eq!(y.to_vec::<f32>(), vec![-0.0, -1.0, -2.0, -0.0, -1.0, -2.0]);
}

#[test]
#[should_panic(expected = "nn::LayerNorm: expected an input of shape (3,), got f32[2,3]")]
fn layer_norm_refuses_a_batch() {
    nn::LayerNorm::new([3]).forward(&jnp::ones([2, 3]));
}

#[test]
#[should_panic(expected = "nn::RMSNorm: expected an input of shape (4,), got f32[3]")]
fn rms_norm_checks_the_shape() {
    nn::RMSNorm::new([4]).forward(&jnp::ones([3]));
}

#[test]
#[should_panic(expected = "nn::GroupNorm: expected an input of shape (4, ...), got f32[6,2]")]
fn group_norm_checks_the_channels() {
    nn::GroupNorm::new(2, 4).forward(&jnp::ones([6, 2]));
}

#[test]
#[should_panic(expected = "nn::GroupNorm: The number of groups must divide the number of channels")]
fn group_norm_groups_divide_channels() {
    nn::GroupNorm::new(3, 4);
}

#[test]
#[should_panic(
    expected = "nn::GroupNorm: The number of channels should be specified if `channelwise_affine=True`"
)]
fn group_norm_affine_needs_channels() {
    nn::GroupNorm::with_options(2, None, GroupNormOptions::default());
}

#[test]
#[should_panic(
    expected = "nn::Dropout: Dropout requires a key when running in non-deterministic mode."
)]
fn dropout_needs_a_key_in_training() {
    nn::Dropout::new().forward(&jnp::ones([3]), None);
}

#[test]
#[should_panic(
    expected = "nn::Embedding: should be called with a scalar integer index x, got i32[2]"
)]
fn embedding_needs_a_scalar_index() {
    nn::Embedding::new(4, 2, random::key(0)).forward(&Array::from_vec(vec![0i32, 1], [2]));
}

#[test]
#[should_panic(
    expected = "nn::Embedding: weight must have shape (num_embeddings, embedding_size), got f32[3]"
)]
fn embedding_weight_is_a_matrix() {
    nn::Embedding::from_weight(jnp::ones([3]));
}
